import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextStepsFor } from '../../src/report/gather-report.js';
import { renderReportHtml, renderReportMarkdown } from '../../src/report/render-report.js';
import type { ReportData } from '../../src/report/report-data.js';
import { openInChromium } from '../support/chromium.js';
import { runCli, tempDir } from '../support/cli.js';

describe('sf-reconcile report', () => {
  it('writes the stakeholder update after a drill, and the HTML renders in Chromium with both charts and no console error', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    const drill = await runCli(['drill', 'salesforce-outage', '--db', db, '--json'], { cwd: dir, timeoutMs: 120_000 });
    expect(drill.code, drill.stderr).toBe(0);
    const md = await runCli(['report', '1', '--db', db], { cwd: dir });
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toMatch(/^# Incident 1: drill salesforce-outage/);
    expect(md.stdout).toMatch(/records in the window are wrong in Salesforce/);
    expect(md.stdout).toMatch(/## Left for people\n\n- Account D-\d+/);
    expect(md.stdout).toMatch(/Next update:/);
    // The drill verified its plan: the report says so and moves on to confirming and closing.
    expect(md.stdout).toMatch(/- Plan 1 \(completed, by drill-engineer\): .*\. Verified at \S+ by drill-engineer: all \d+ applied items hold\./);
    expect(md.stdout).toMatch(/## Next steps\n\n- Plan 1 verified at \S+: all \d+ applied items hold\. Scan again to confirm nothing else drifted \(sf-reconcile scan 1\), then close the incident\n- Salesforce admins resolve 1 record\(s\)/);
    const html = await runCli(['report', '1', '--format', 'html', '--out', 'report.html', '--db', db], { cwd: dir });
    expect(html.code, html.stderr).toBe(0);
    const page = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(page).not.toMatch(/<script|<link|src="http|href="http/); // self-contained
    const result = await openInChromium(`file://${join(dir, 'report.html')}`, ['#timeline', '#classes', 'h1']);
    writeFileSync(join(dir, 'report.png'), result.screenshotPng);
    expect(result.consoleErrors).toEqual([]);
    expect(result.boxes['#timeline']!.width).toBeGreaterThan(0);
    expect(result.boxes['#timeline']!.height).toBeGreaterThan(0);
    expect(result.boxes['#classes']!.width).toBeGreaterThan(0);
    expect(result.boxes['#classes']!.height).toBeGreaterThan(0);
    expect(result.screenshotPng.subarray(1, 4).toString()).toBe('PNG');
  }, 120_000);

  it('names the next step from where the latest plan stands', () => {
    const plan = (status: string, o: { failed?: number; verification?: ReportData['plans'][number]['verification'] } = {}): ReportData['plans'][number] => ({
      id: 4, status, createdBy: 'alice', byAction: { patch: 3 }, execution: { applied: 3, failed: o.failed ?? 0, stale: 0, attempting: 0, apiCalls: 2 }, verification: o.verification ?? null,
    });
    const at = '2026-11-28T10:00:00.000Z';
    expect(nextStepsFor(7, false, undefined)).toEqual(['Scan the window: sf-reconcile scan 7']);
    expect(nextStepsFor(7, true, undefined)).toEqual(['Create the repair plan: sf-reconcile plan create 7']);
    expect(nextStepsFor(7, true, plan('created'))).toEqual(['Admins review and approve plan 4 (sf-reconcile plan export 4 --out plan.csv)']);
    for (const status of ['approved', 'paused', 'executing']) expect(nextStepsFor(7, true, plan(status))).toEqual(['Execute plan 4 with a canary: sf-reconcile plan execute 4 --canary 20']);
    expect(nextStepsFor(7, true, plan('rejected'))).toEqual(['Plan 4 was rejected: scan again (sf-reconcile scan 7) and create a new plan']);
    expect(nextStepsFor(7, true, plan('completed'))).toEqual(['Verify: sf-reconcile plan verify 4']);
    expect(nextStepsFor(7, true, plan('failed', { failed: 2 }))).toEqual([
      'Verify: sf-reconcile plan verify 4',
      "2 item(s) of plan 4 failed: sf-reconcile plan export 4 --failed --out failed.csv lists them with Salesforce's errors",
    ]);
    expect(nextStepsFor(7, true, plan('completed', { verification: { at, by: 'bob', checked: 3, residualDrift: 1 } }))).toEqual([
      `Plan 4 left 1 residual drift(s) at ${at}: sf-reconcile plan verify 4 --out residual.csv lists them; scan again (sf-reconcile scan 7) and plan the rest`,
    ]);
    expect(nextStepsFor(7, true, plan('completed', { verification: { at, by: 'bob', checked: 3, residualDrift: 0 } }))).toEqual([
      `Plan 4 verified at ${at}: all 3 applied items hold. Scan again to confirm nothing else drifted (sf-reconcile scan 7), then close the incident`,
    ]);
    const stale = { ...plan('completed', { verification: { at, by: 'bob', checked: 3, residualDrift: 0 } }), execution: { applied: 3, failed: 0, stale: 2, attempting: 0, apiCalls: 2 } };
    expect(nextStepsFor(7, true, stale)).toEqual([
      `Plan 4 verified at ${at}: all 3 applied items hold`,
      '2 item(s) of plan 4 changed in Salesforce after the plan and were left alone: scan again (sf-reconcile scan 7) to plan them afresh',
    ]);
  });

  it('escapes every interpolated string', () => {
    const data: ReportData = {
      generatedAt: '2026-11-28T10:00:00.000Z', nextUpdateAt: '2026-11-28T11:00:00.000Z',
      incident: { id: 1, name: '<img src=x onerror=alert(1)>', from: '2026-11-28T09:00:00.000Z', to: '2026-11-28T09:30:00.000Z', objects: null },
      scan: null, plans: [], manual: [{ planId: 1, itemId: 2, object: 'Account', externalId: '<b>x</b>', reason: 'a | b' }], timeline: [], apiCallsUsed: 0, nextSteps: ['<script>'],
    };
    const html = renderReportHtml(data);
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(renderReportMarkdown(data)).toContain('a \\| b');
  });
});

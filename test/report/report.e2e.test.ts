import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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

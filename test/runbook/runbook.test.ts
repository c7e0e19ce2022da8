import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCliContext } from '../../src/cli/context.js';
import { SCENARIOS } from '../../src/drill/scenarios.js';
import { buildProgram } from '../../src/main.js';
import { checkRunbooks, loadRunbooks, renderForTerminal, REQUIRED_SECTIONS, shellWords } from '../../src/runbook/runbooks.js';
import { runCli } from '../support/cli.js';
import { PassThrough } from 'node:stream';

function program() {
  const sink = new PassThrough();
  return buildProgram(createCliContext({ env: {}, cwd: process.cwd(), stdout: sink, stderr: sink, stdin: process.stdin, getGlobals: () => ({}) }));
}

function runbook(sections: Record<string, string>): string {
  return `# Runbook: test\n\n${Object.entries(sections).map(([h, body]) => `## ${h}\n${body}\n`).join('\n')}`;
}

const good = Object.fromEntries(REQUIRED_SECTIONS.map((s) => [s, s === 'Drill' ? '```sh\nsf-reconcile drill bad-deployment\n```' : 'text']));

describe('runbook check', () => {
  it('passes on the shipped runbooks: every section, every cited command parses, every drill exists', async () => {
    const r = await runCli(['runbook', 'check', '--json']);
    expect(JSON.parse(r.stdout)).toEqual({ runbooks: 6, problems: [] });
    expect(r.code).toBe(0);
    const names = loadRunbooks().map((b) => b.name);
    expect(names.sort()).toEqual(Object.keys(SCENARIOS).sort()); // one drill per runbook
  });

  it('reports a missing section, an unknown command or option, a missing argument and an unknown drill', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runbooks-'));
    const { 'Safe recovery': _omit, ...noRecovery } = good;
    writeFileSync(join(dir, 'a.md'), runbook(noRecovery));
    writeFileSync(join(dir, 'b.md'), runbook({ ...good, 'Data repair': '```sh\nsf-reconcile rescan 1\nsf-reconcile plan execute 1 --turbo\nsf-reconcile plan approve\nsf-reconcile scan 1 --out "drift file.csv"\n```' }));
    writeFileSync(join(dir, 'c.md'), runbook({ ...good, Drill: '```sh\nsf-reconcile drill meteor-strike\n```' }));
    const problems = checkRunbooks(loadRunbooks(dir), program(), Object.keys(SCENARIOS));
    expect(problems).toEqual([
      'a: missing section "## Safe recovery"',
      expect.stringMatching(/^b:\d+: unknown command "rescan": sf-reconcile rescan 1$/),
      expect.stringMatching(/^b:\d+: "execute" has no option --turbo/),
      expect.stringMatching(/^b:\d+: "approve" needs 1 argument\(s\), got 0/),
      'c: drill "meteor-strike" does not exist (known: salesforce-outage, api-limit-exhaustion, bad-deployment, out-of-order-delivery, partial-failures, expired-credentials)',
    ]);
  });

  it('splits command lines like a shell', () => {
    expect(shellWords(`sf-reconcile incident open --name "billing 503s" --from '2026-11-20T14:00:00Z'`)).toEqual(['sf-reconcile', 'incident', 'open', '--name', 'billing 503s', '--from', '2026-11-20T14:00:00Z']);
  });

  it('renders Markdown for a terminal: headings underlined (bold on a TTY), commands indented and left as written', () => {
    const md = '## Data repair\nRun `scan` **first**.\n```sh\nsf-reconcile scan <incident> --out `x`\n```\nDone.';
    expect(renderForTerminal(md, false).split('\n')).toEqual(['Data repair', '-----------', 'Run scan first.', '', '    sf-reconcile scan <incident> --out `x`', '', 'Done.']);
    expect(renderForTerminal(md, true).split('\n').slice(0, 2)).toEqual(['\x1b[1;4mData repair\x1b[0m', 'Run scan \x1b[1mfirst\x1b[0m.']);
  });

  it('lists and shows runbooks; an unknown one exits 2', async () => {
    const list = await runCli(['runbook', 'list', '--json']);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((r) => r.name)).toContain('salesforce-outage');
    const show = await runCli(['runbook', 'show', 'bad-deployment']);
    expect(show.stdout).toMatch(/^Runbook: A bad deployment overwrote integration-owned data\n-+/);
    expect(show.stdout).toContain('Decision points');
    const missing = await runCli(['runbook', 'show', 'nope']);
    expect([missing.code, missing.stderr.split('\n')[0]]).toEqual([2, 'error: there is no runbook "nope"']);
  });
});

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI, runCli, tempDir } from '../support/cli.js';

describe('sf-reconcile CLI shell', () => {
  it('prints help and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: sf-reconcile');
    expect(r.stdout).toContain('--json');
    // The documented exit codes, for whoever scripts around the tool.
    expect(r.stdout).toMatch(/Exit codes:\n {2}0 +done\n {2}1 +failed[^\n]*\n {2}2 +bad usage or input[^\n]*\n {2}3 +plan verify: drift remains\n {2}75 +paused and resumable/);
  });

  it('ends quietly when the reader of its output stops early (| head): no EPIPE stack trace', async () => {
    const child = spawn(process.execPath, [CLI, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.destroy(); // the reader is gone before the help is written, as after `| head -1` has its line
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('exits 2 with one message on an unknown option', async () => {
    const r = await runCli(['--no-such-option'], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--no-such-option'/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

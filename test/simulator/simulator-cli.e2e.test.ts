import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli, tempDir } from '../support/cli.js';

describe('sf-reconcile simulator start', () => {
  it('prints its URL and users as JSON, serves OAuth, and stops cleanly on SIGINT', async () => {
    const child = spawn(process.execPath, [CLI, 'simulator', 'start', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    for (let i = 0; i < 100 && !out.trim().endsWith('}'); i++) await new Promise((r) => setTimeout(r, 50));
    const info = JSON.parse(out) as { url: string; users: { username: string; password: string; integration: boolean }[]; env: Record<string, string> };
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const user = info.users.find((u) => u.integration)!;
    const body = new URLSearchParams({ grant_type: 'password', client_id: info.env.SF_CLIENT_ID!, client_secret: info.env.SF_CLIENT_SECRET!, username: user.username, password: user.password });
    const token = (await (await fetch(`${info.url}/services/oauth2/token`, { method: 'POST', body })).json()) as { access_token: string; instance_url: string };
    expect(token.instance_url).toBe(info.url);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(0);
  });

  it('exits 2 naming the port when it is already in use', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const r = await runCli(['simulator', 'start', '--port', String(port)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(r.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
    } finally {
      blocker.close();
    }
  });

  it('exits 2 naming the problem in a bad seed or faults file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'faults.json'), JSON.stringify({ lockRowProbability: 2 }));
    const r = await runCli(['simulator', 'start', '--faults', join(dir, 'faults.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/faults file .*faults.json: lockRowProbability/);
    const s = await runCli(['simulator', 'start', '--seed', join(dir, 'missing.json')]);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/cannot read the seed file/);
  });
});

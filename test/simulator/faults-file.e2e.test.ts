import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CLI, tempDir } from '../support/cli.js';

it('simulator start --faults FILE applies the file: a 503 span, then a lost response', async () => {
  const dir = tempDir();
  const file = join(dir, 'faults.json');
  writeFileSync(file, JSON.stringify({ unavailableDuring: [{ afterMs: 0, forMs: 60_000 }], dropResponses: [{ from: 2, count: 1 }] }));
  const child = spawn(process.execPath, [CLI, 'simulator', 'start', '--faults', file, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    for (let i = 0; i < 100 && !out.trim().endsWith('}'); i++) await new Promise((r) => setTimeout(r, 50));
    const info = JSON.parse(out) as { url: string; users: { username: string; password: string; integration: boolean }[]; env: Record<string, string> };
    const user = info.users.find((u) => u.integration)!;
    const login = new URLSearchParams({ grant_type: 'password', client_id: info.env.SF_CLIENT_ID!, client_secret: info.env.SF_CLIENT_SECRET!, username: user.username, password: user.password });
    const { access_token } = (await (await fetch(`${info.url}/services/oauth2/token`, { method: 'POST', body: login })).json()) as { access_token: string };
    const limits = await fetch(`${info.url}/services/data/v60.0/limits`, { headers: { Authorization: `Bearer ${access_token}` } });
    expect(limits.status).toBe(503);
    expect(await limits.json()).toEqual([expect.objectContaining({ errorCode: 'SERVER_UNAVAILABLE' })]);
    await expect(fetch(`${info.url}/services/data/v60.0/limits`, { headers: { Authorization: `Bearer ${access_token}` } })).rejects.toThrow();
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => child.on('close', r));
  }
});

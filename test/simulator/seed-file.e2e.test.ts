import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { CLI } from '../support/cli.js';

it('simulator start --seed FILE serves the README example seed: its users and its custom object', async () => {
  const file = fileURLToPath(new URL('../fixtures/simulator-seed.json', import.meta.url));
  const child = spawn(process.execPath, [CLI, 'simulator', 'start', '--seed', file, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    for (let i = 0; i < 100 && !out.trim().endsWith('}'); i++) await new Promise((r) => setTimeout(r, 50));
    const info = JSON.parse(out) as { url: string; clientId: string; clientSecret: string; users: { username: string; password: string; integration: boolean }[] };
    expect(info.users.map((u) => u.username)).toEqual(['etl@acme.example', 'carol@acme.example']);
    const user = info.users.find((u) => u.integration)!;
    const login = new URLSearchParams({ grant_type: 'password', client_id: info.clientId, client_secret: info.clientSecret, username: user.username, password: user.password });
    const { access_token } = (await (await fetch(`${info.url}/services/oauth2/token`, { method: 'POST', body: login })).json()) as { access_token: string };
    const q = encodeURIComponent('SELECT Number__c FROM Invoice__c');
    const res = await fetch(`${info.url}/services/data/v60.0/query?q=${q}`, { headers: { Authorization: `Bearer ${access_token}` } });
    expect(((await res.json()) as { records: { Number__c: string }[] }).records.map((r) => r.Number__c)).toEqual(['INV-1']);
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => child.on('close', r));
  }
});

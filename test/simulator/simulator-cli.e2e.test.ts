import { createServer, type AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';
import { startSimulatorProcess } from '../support/simulator.js';

describe('sf-reconcile simulator start', () => {
  it('prints its URL and users as JSON, serves OAuth, and stops cleanly on SIGINT', async () => {
    const sim = await startSimulatorProcess();
    const { info } = sim;
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const user = info.users.find((u) => u.integration)!;
    const body = new URLSearchParams({ grant_type: 'password', client_id: info.env.SF_CLIENT_ID!, client_secret: info.env.SF_CLIENT_SECRET!, username: user.username, password: user.password });
    const token = (await (await fetch(`${info.url}/services/oauth2/token`, { method: 'POST', body })).json()) as { access_token: string; instance_url: string };
    expect(token.instance_url).toBe(info.url);
    expect(await sim.stop()).toBe(0);
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

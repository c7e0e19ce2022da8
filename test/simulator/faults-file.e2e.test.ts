import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { tempDir } from '../support/cli.js';
import { startSimulatorProcess } from '../support/simulator.js';

it('simulator start --faults FILE applies the file: a 503 span, then a lost response', async () => {
  const file = join(tempDir(), 'faults.json');
  writeFileSync(file, JSON.stringify({ unavailableDuring: [{ afterMs: 0, forMs: 60_000 }], dropResponses: [{ from: 2, count: 1 }] }));
  const sim = await startSimulatorProcess(['--faults', file]);
  try {
    const headers = { Authorization: `Bearer ${await sim.accessToken()}` };
    const limits = await fetch(`${sim.info.url}/services/data/v60.0/limits`, { headers });
    expect(limits.status).toBe(503);
    expect(await limits.json()).toEqual([expect.objectContaining({ errorCode: 'SERVER_UNAVAILABLE' })]);
    await expect(fetch(`${sim.info.url}/services/data/v60.0/limits`, { headers })).rejects.toThrow();
  } finally {
    await sim.stop();
  }
});

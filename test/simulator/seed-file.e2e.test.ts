import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { startSimulatorProcess } from '../support/simulator.js';

it('simulator start --seed FILE serves the README example seed: its users and its custom object', async () => {
  const sim = await startSimulatorProcess(['--seed', fileURLToPath(new URL('../fixtures/simulator-seed.json', import.meta.url))]);
  try {
    expect(sim.info.users.map((u) => u.username)).toEqual(['etl@acme.example', 'carol@acme.example']);
    const q = encodeURIComponent('SELECT Number__c FROM Invoice__c');
    const res = await fetch(`${sim.info.url}/services/data/v60.0/query?q=${q}`, { headers: { Authorization: `Bearer ${await sim.accessToken()}` } });
    expect(((await res.json()) as { records: { Number__c: string }[] }).records.map((r) => r.Number__c)).toEqual(['INV-1']);
  } finally {
    await sim.stop();
  }
});

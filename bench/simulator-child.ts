/**
 * The simulator of a bench, in its own process: the bench's figures (time, peak RSS, garbage collection) are
 * then the tool's alone, as they would be against Salesforce. Driven over IPC by bench/simulator-process.ts.
 */
import { startSimulator } from '../src/simulator/index.js';

export type SeedKind = 'scan' | 'execute';

/** Accounts K-0..K-(n-1): for the scan every 10th has a drifted Name; for execute all hold "Old i". */
function* accounts(kind: SeedKind, n: number): Generator<Record<string, string | number>> {
  for (let i = 0; i < n; i++) {
    if (kind === 'scan') yield { Name: i % 10 === 0 ? `Drifted ${i}` : `Account ${i}`, Billing_Id__c: `K-${i}`, AnnualRevenue: i };
    else yield { Name: `Old ${i}`, Billing_Id__c: `K-${i}` };
  }
}

export type ChildRequest = { id: number } & ({ op: 'seed'; kind: SeedKind; count: number } | { op: 'records'; object: string; fields: string[] } | { op: 'requests'; from: number } | { op: 'apiCallCount' } | { op: 'stop' });

const sim = await startSimulator({ port: 0, dailyApiLimit: 1e9 });
const send = (m: unknown) => process.send!(m);
send({
  ready: { url: sim.url, loginUrl: sim.loginUrl, clientId: sim.clientId, clientSecret: sim.clientSecret, integrationUser: sim.integrationUser },
});
process.on('message', async (m: ChildRequest) => {
  switch (m.op) {
    case 'seed':
      send({ id: m.id, result: sim.insertMany('Account', accounts(m.kind, m.count)) });
      return;
    case 'records':
      send({ id: m.id, result: sim.records(m.object).map((r) => m.fields.map((f) => r[f] ?? null)) });
      return;
    case 'requests':
      send({ id: m.id, result: sim.requests().slice(m.from).map((r) => ({ time: r.time, counted: r.counted, method: r.method, path: r.path })) });
      return;
    case 'apiCallCount':
      send({ id: m.id, result: sim.apiCallCount() });
      return;
    case 'stop':
      await sim.stop();
      send({ id: m.id, result: null });
      process.exit(0);
  }
});

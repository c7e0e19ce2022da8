/**
 * npm run bench:simulator [-- --records N --seconds S]
 * The simulator must never be the bottleneck: API calls/s for queries by external ID and for collection
 * writes, through the real jsforce client, with N records stored (default 1,000,000), and peak RSS.
 */
import { Agent, request } from 'node:http';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import jsforce from 'jsforce';
import pLimit from 'p-limit';
import { startSimulator } from '../src/simulator/index.js';

// The simulator runs in a worker thread (its own core), the jsforce client here, as in real use where the
// org is another machine: the figures are the simulator's capacity, not a single thread's.
if (!isMainThread) {
  const { records } = workerData as { records: number };
  const sim = await startSimulator({ port: 0, dailyApiLimit: 1e9 });
  const t0 = performance.now();
  sim.insertMany(
    'Account',
    (function* () {
      for (let i = 0; i < records; i++) yield { Name: `Account ${i}`, Billing_Id__c: `K-${i}`, AnnualRevenue: i, Industry: 'Energy' };
    })(),
  );
  parentPort!.postMessage({ kind: 'ready', url: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret, user: sim.integrationUser, loadSeconds: (performance.now() - t0) / 1000, rss: process.memoryUsage().rss });
  parentPort!.on('message', (m: string) => {
    // With the count, how busy the simulator's thread has been: what says whether it is the bottleneck.
    if (m === 'count') parentPort!.postMessage({ kind: 'count', n: sim.apiCallCount(), elu: performance.eventLoopUtilization() });
    if (m === 'stop') void sim.stop().then(() => process.exit(0));
  });
} else {

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

const records = arg('records', 1_000_000);
const seconds = arg('seconds', 5);
const concurrency = arg('concurrency', 8);

const worker = new Worker(new URL(import.meta.url), { workerData: { records } });
const ready = await new Promise<{ url: string; clientId: string; clientSecret: string; user: { username: string; password: string }; loadSeconds: number; rss: number }>((resolve) =>
  worker.once('message', resolve),
);
console.log(`bench:simulator  ${records.toLocaleString('en-US')} Account records loaded in ${ready.loadSeconds.toFixed(1)} s, process RSS ${(ready.rss / 1e6).toFixed(0)} MB`);
const apiCalls = () =>
  new Promise<{ n: number; elu: EventLoopUtilization }>((resolve) => {
    worker.once('message', (m: { n: number; elu: EventLoopUtilization }) => resolve(m));
    worker.postMessage('count');
  });
const sim = { apiCallCount: apiCalls };

const conn = new jsforce.Connection({ loginUrl: ready.url, version: '60.0', oauth2: { clientId: ready.clientId, clientSecret: ready.clientSecret, loginUrl: ready.url } });
await conn.login(ready.user.username, ready.user.password);

async function measure(label: string, call: (i: number) => Promise<unknown>): Promise<void> {
  const limit = pLimit(concurrency);
  const before = await sim.apiCallCount();
  const started = performance.now();
  let i = 0;
  const deadline = started + seconds * 1000;
  const workers: Promise<void>[] = [];
  for (let w = 0; w < concurrency; w++) {
    workers.push(
      limit(async () => {
        while (performance.now() < deadline) await call(i++);
      }),
    );
  }
  await Promise.all(workers);
  const elapsed = (performance.now() - started) / 1000;
  const after = await sim.apiCallCount();
  const calls = after.n - before.n;
  // Share of the time the simulator's thread was busy; calls/s over that share is what it could serve alone.
  const busy = performance.eventLoopUtilization(after.elu, before.elu).utilization;
  const rate = calls / elapsed;
  console.log(
    `  ${label.padEnd(48)} ${Math.round(rate).toLocaleString('en-US').padStart(6)} API calls/s` +
      `  simulator busy ${(busy * 100).toFixed(0).padStart(3)}%, capacity ~${Math.round(rate / Math.max(busy, 0.01)).toLocaleString('en-US')} calls/s` +
      `  (${calls} calls in ${elapsed.toFixed(1)} s, concurrency ${concurrency})`,
  );
}

// The same query through plain fetch: what the simulator serves when the client costs little.
const token = conn.accessToken!;
// node:http with keep-alive: the lightest client, so the figure leans towards the simulator's own cost.
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const origin = new URL(ready.url);
const plainGet = (path: string) =>
  new Promise<void>((resolve, reject) => {
    const req = request({ host: origin.hostname, port: origin.port, path, agent, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end();
  });
// Warm up the simulator's code paths first, so the first figure is not its JIT compiling.
for (let i = 0; i < 2_000; i++) await plainGet(`/services/data/v60.0/query?q=${encodeURIComponent(`SELECT Id FROM Account WHERE Billing_Id__c = 'K-${i}'`)}`);
await measure('query: 1 key by external ID (plain HTTP client)', (i) =>
  plainGet(`/services/data/v60.0/query?q=${encodeURIComponent(`SELECT Id, Name, SystemModstamp FROM Account WHERE Billing_Id__c = 'K-${(i * 7919) % records}'`)}`),
);
await measure("query: 1 key by external ID", async (i) => conn.query(`SELECT Id, Name, SystemModstamp FROM Account WHERE Billing_Id__c = 'K-${(i * 7919) % records}'`));
await measure("query: 200 keys by external ID (IN list)", async (i) => {
  const keys = Array.from({ length: 200 }, (_, k) => `'K-${(i * 200 + k) % records}'`).join(',');
  return conn.query(`SELECT Id, Name, AnnualRevenue, SystemModstamp FROM Account WHERE Billing_Id__c IN (${keys})`);
});
await measure('collections: update 200 records by Id', async (i) => {
  const ids = Array.from({ length: 200 }, (_, k) => `K-${(i * 200 + k) % records}`);
  const found = await conn.query<{ Id: string }>(`SELECT Id FROM Account WHERE Billing_Id__c IN (${ids.map((x) => `'${x}'`).join(',')})`);
  await conn.sobject('Account').update(found.records.map((r) => ({ Id: r.Id, AnnualRevenue: i })), { allOrNone: false });
});
await measure('collections: upsert 200 records by external ID', (i) =>
  conn.sobject('Account').upsert(Array.from({ length: 200 }, (_, k) => ({ Billing_Id__c: `K-${(i * 200 + k) % records}`, Name: `Renamed ${i}` })), 'Billing_Id__c'),
);
console.log(`  peak RSS of the process (simulator and client) ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
worker.postMessage('stop');
process.exit(0);
}

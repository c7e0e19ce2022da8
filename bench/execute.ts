/**
 * npm run bench:execute [-- --items N --rate-seconds S]
 * The simulator runs in its own process, so the figures are the executor's alone.
 * 1. N patch items (default 100,000) against the simulator with no latency and no rate limit: items/s and
 *    API calls (writes = ceil(N/200) collections calls, plus the freshness reads).
 * 2. The same N items through Bulk API 2.0 ingest jobs (the default above execute.bulkIngestThreshold):
 *    items/s and API calls.
 * 3. A run at --rate 20 for S seconds (default 30): the most requests in any 1-second window of the
 *    simulator's log (must be at most 20) and the mean rate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_PROGRESS } from '../src/cli/progress.js';
import { loadedConfig, parseConfig } from '../src/config/config.js';
import { executorBreaker, executorPlans, executorSalesforce } from '../src/execute/adapters.js';
import { executePlan } from '../src/execute/execute-plan.js';
import { approvePlan } from '../src/plan/approve-plan.js';
import { createPlan } from '../src/plan/create-plan.js';
import { connectSalesforce, readCredentials } from '../src/salesforce/index.js';
import { openStore } from '../src/store/open-store.js';
import { startSimulatorProcess } from './simulator-process.js';
import { arg, rssMb, writeSyntheticScan } from './support.js';

const n = arg('items', 100_000);
const rateSeconds = arg('rate-seconds', 30);

async function setup(items: number, rate: number) {
  const sim = await startSimulatorProcess();
  await sim.seed('execute', items);
  const rows = new Map((await sim.records('Account', ['Billing_Id__c', 'Id', 'SystemModstamp'])).map(([key, Id, SystemModstamp]) => [String(key), { Id, SystemModstamp }]));
  const dir = mkdtempSync(join(tmpdir(), 'bench-exec-'));
  const store = await openStore(join(dir, 'state.db'));
  const user = sim.integrationUser.id;
  const incidentId = await writeSyntheticScan(store, items, (i) => {
    const r = rows.get(`K-${i}`)!;
    const stamp = `${String(r.SystemModstamp).slice(0, 23)}+0000`;
    return { id: String(r.Id), externalId: `K-${i}`, isDeleted: false, fields: { Name: `Old ${i}` }, lastModifiedById: user, lastModifiedDate: stamp, systemModstamp: stamp };
  }, user);
  const config = parseConfig({ integrationUserIds: [user] }, 'bench');
  const plan = await createPlan({ db: store.db, sqlite: store.sqlite, config: loadedConfig(config), now: () => new Date() }, incidentId, 'bench-creator');
  await approvePlan(store, plan.planId, { by: 'bench-approver', allowSelfApproval: false, force: false }, new Date());
  const env = { SF_LOGIN_URL: sim.loginUrl, SF_USERNAME: sim.integrationUser.username, SF_PASSWORD: sim.integrationUser.password, SF_CLIENT_ID: sim.clientId, SF_CLIENT_SECRET: sim.clientSecret };
  const client = await connectSalesforce(readCredentials(env), { requestsPerSecond: rate, concurrency: 4, apiReserve: 0 });
  const abort = new AbortController();
  const deps = {
    db: store.db, plans: executorPlans(store.db, () => new Date()), salesforce: executorSalesforce(client), breaker: executorBreaker({ maxErrorRate: 0.5, window: 200, minSamples: 20 }),
    now: () => new Date(), progress: () => NO_PROGRESS, signal: abort.signal, log: () => {},
  };
  return { sim, store, dir, deps, planId: plan.planId, abort };
}

console.log(`bench:execute`);
for (const via of ['collections', 'bulk'] as const) {
  const { sim, store, dir, deps, planId } = await setup(n, 0);
  const before = await sim.apiCallCount();
  const logStart = (await sim.requests()).length;
  const t = performance.now();
  const bulk = via === 'bulk' ? { threshold: 0, jobSize: 10_000 } : undefined;
  const summary = await executePlan(deps, planId, { holder: 'bench', by: 'bench', batchSize: 200, canary: 0, pauseAfterCanary: false, dryRun: false, ...(bulk ? { bulk } : {}) });
  const seconds = (performance.now() - t) / 1000;
  const log = (await sim.requests(logStart)).filter((r) => r.counted);
  const writes = log.filter((r) => (r.path.endsWith('/composite/sobjects') && r.method === 'PATCH') || r.path.includes('/jobs/ingest')).length;
  const reads = log.filter((r) => r.path.endsWith('/composite') || r.path.endsWith('/query')).length;
  const calls = (await sim.apiCallCount()) - before;
  const others = log.filter((r) => !(r.path.endsWith('/composite/sobjects') && r.method === 'PATCH') && !r.path.includes('/jobs/ingest') && !r.path.endsWith('/composite') && !r.path.endsWith('/query'));
  const peak = rssMb().toFixed(0);
  if (via === 'collections') {
    console.log(`  ${n.toLocaleString('en-US')} patch items, sObject Collections: ${seconds.toFixed(1)} s, ${Math.round(summary.applied / seconds).toLocaleString('en-US')} items/s, applied ${summary.applied}`);
    console.log(`    API calls ${calls}: ${writes} collection writes (ceil(${n}/200) = ${Math.ceil(n / 200)}), ${reads} freshness reads, ${calls - writes - reads} other (${[...new Set(others.map((r) => `${r.method} ${r.path.replace(/^\/services\/data\/v[\d.]+/, '')}`))].join(', ')}); peak RSS ${peak} MB`);
  } else {
    console.log(`  ${n.toLocaleString('en-US')} patch items, Bulk API 2.0 jobs of 10,000: ${seconds.toFixed(1)} s, ${Math.round(summary.applied / seconds).toLocaleString('en-US')} items/s, applied ${summary.applied}`);
    console.log(`    API calls ${calls}: ${writes} Bulk API calls (${Math.ceil(n / 10_000)} job(s): create, upload, close, polls, two result reads), ${reads} freshness reads, ${calls - writes - reads} other (${[...new Set(others.map((r) => `${r.method} ${r.path.replace(/^\/services\/data\/v[\d.]+/, '')}`))].join(', ')}); peak RSS ${peak} MB`);
  }
  await store.close();
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
}
{
  // Enough items that the run is still going when stopped; batch size 1 makes every item two calls.
  const { sim, store, dir, deps, planId, abort } = await setup(Math.ceil(rateSeconds * 20), 20);
  const start = (await sim.requests()).length;
  const timer = setTimeout(() => abort.abort(), rateSeconds * 1000);
  const t = performance.now();
  await executePlan(deps, planId, { holder: 'bench', by: 'bench', batchSize: 1, canary: 0, pauseAfterCanary: false, dryRun: false }).catch((e: Error) => e);
  clearTimeout(timer);
  const elapsed = (performance.now() - t) / 1000;
  const times = (await sim.requests(start)).filter((r) => r.counted).map((r) => Date.parse(r.time));
  let maxWindow = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 1000) j++;
    maxWindow = Math.max(maxWindow, i - j + 1);
  }
  console.log(`  --rate 20 for ${elapsed.toFixed(1)} s: ${times.length} requests, max ${maxWindow} in any 1-second window, mean ${(times.length / elapsed).toFixed(2)}/s`);
  await store.close();
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);

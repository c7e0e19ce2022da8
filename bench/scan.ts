/**
 * npm run bench:scan [-- --records N --events M --batch-size B]
 * N affected records (default 100,000) in M events (default 1,000,000) against the simulator with no
 * latency (in its own process): scan time split into listing the keys, reading their events, fold, fetch,
 * diff and storing the snapshot; records/s; peak RSS; and Salesforce API calls per 10,000 affected records.
 * The fetch sends IN-list queries sized by SOQL's 100,000-character limit, five to a Composite call (one
 * counted API call), their next pages batched the same way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_PROGRESS } from '../src/cli/progress.js';
import { parseConfig } from '../src/config/config.js';
import type { IntegrationEvent } from '../src/domain/event.js';
import { connectSalesforce, readCredentials } from '../src/salesforce/index.js';
import { scanIncident } from '../src/scan/scan-incident.js';
import { appendChunk, createIngestBatch } from '../src/store/event-store.js';
import { createIncident } from '../src/store/incident-store.js';
import { openStore } from '../src/store/open-store.js';
import { startSimulatorProcess } from './simulator-process.js';
import { arg, rssMb } from './support.js';

const records = arg('records', 100_000);
const events = arg('events', 1_000_000);
const batchSize = arg('batch-size', 0) || undefined;
const sim = await startSimulatorProcess();
await sim.seed('scan', records);
const dir = mkdtempSync(join(tmpdir(), 'bench-scan-'));
const store = await openStore(join(dir, 'state.db'));
const batch = await createIngestBatch(store.db, 'bench.jsonl', 'jsonl', new Date());
const base = Date.parse('2026-11-20T14:00:00.000Z');
let chunk: { event: IntegrationEvent; fieldsJson: string; file: string; line: number }[] = [];
let t = performance.now();
for (let e = 0; e < events; e++) {
  const i = e % records;
  const round = Math.floor(e / records);
  const fields = { Name: `Account ${i}`, AnnualRevenue: i };
  chunk.push({
    event: { source: 'bench', id: `e-${e}`, time: new Date(base + e * 3).toISOString(), object: 'Account', externalIdField: 'Billing_Id__c', externalId: `K-${i}`, op: 'upsert', fields, status: 'delivered', seq: round, error: null, sfId: null },
    fieldsJson: JSON.stringify(fields), file: 'bench.jsonl', line: e + 1,
  });
  if (chunk.length === 10_000) {
    await appendChunk(store, batch, chunk, []);
    chunk = [];
  }
}
await appendChunk(store, batch, chunk, []);
const loadSeconds = (performance.now() - t) / 1000;
const incident = await createIncident(store.db, { name: 'bench', from: new Date(base).toISOString(), to: new Date(base + events * 3 + 1000).toISOString(), objects: ['Account'] }, new Date());
const env = { SF_LOGIN_URL: sim.loginUrl, SF_USERNAME: sim.integrationUser.username, SF_PASSWORD: sim.integrationUser.password, SF_CLIENT_ID: sim.clientId, SF_CLIENT_SECRET: sim.clientSecret };
const salesforce = await connectSalesforce(readCredentials(env), { requestsPerSecond: 0, concurrency: 4, apiReserve: 0 });
console.log(`bench:scan  ${records.toLocaleString('en-US')} affected records in ${events.toLocaleString('en-US')} events (events stored in ${loadSeconds.toFixed(1)} s), batch size ${batchSize ?? 'default'}`);
// Twice: fetching by IN-list queries (the export switched off by a threshold above the key count), then with
// the default, where the scan exports the object through one Bulk API 2.0 query when that costs fewer calls.
for (const [label, threshold] of [['IN-list queries, five to a Composite call', records + 1], ['default (export when cheaper)', undefined]] as const) {
  const config = parseConfig({ integrationUserIds: [sim.integrationUser.id], ...(threshold ? { scan: { bulkQueryThreshold: threshold } } : {}) }, 'bench');
  t = performance.now();
  const summary = await scanIncident({ db: store.db, sqlite: store.sqlite, salesforce, config, now: () => new Date(), progress: () => NO_PROGRESS }, incident.id, { sfScan: false, ...(batchSize ? { batchSize } : {}) });
  const seconds = (performance.now() - t) / 1000;
  const { keysMs, readMs, foldMs, fetchMs, diffMs, storeMs } = summary.timings;
  const how = summary.exportedObjects.length > 0 ? `Bulk API 2.0 export of ${summary.exportedObjects.join(', ')}` : 'Composite batches of IN-list queries';
  console.log(`  ${label}:`);
  console.log(`    scan ${seconds.toFixed(1)} s: fold ${(foldMs / 1000).toFixed(2)} s, fetch ${(fetchMs / 1000).toFixed(2)} s, diff ${(diffMs / 1000).toFixed(2)} s, affected keys listed ${(keysMs / 1000).toFixed(2)} s, events read ${(readMs / 1000).toFixed(2)} s, snapshot stored ${(storeMs / 1000).toFixed(2)} s`);
  console.log(`    fold+diff ${Math.round(records / ((foldMs + diffMs) / 1000)).toLocaleString('en-US')} records/s; whole scan ${Math.round(records / seconds).toLocaleString('en-US')} records/s; ${JSON.stringify(summary.byClass)}`);
  console.log(`    API calls ${summary.apiCalls} = ${((summary.apiCalls * 10_000) / records).toFixed(1)} per 10,000 affected records (${how}); peak RSS ${rssMb().toFixed(0)} MB`);
}
await store.close();
await sim.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);

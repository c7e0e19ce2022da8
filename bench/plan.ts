/**
 * npm run bench:plan [-- --items N] [-- --threads auto|main]
 * Plan and export for N items (default 100,000): a synthetic stored scan of N drifted records, then
 * `plan create` (decide, hash, store) and `plan export` (the review CSV), timed; items/s and peak RSS; the
 * same as one command (`plan create --out`). Then the second person's step: approve with the reviewed CSV
 * (every 100th row marked reject), timed, with peak RSS after it, since approval reads the whole reviewed CSV.
 * `--threads main` keeps deciding and formatting on the main thread, for comparison.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadedConfig, parseConfig } from '../src/config/config.js';
import { approvePlan } from '../src/plan/approve-plan.js';
import { createPlan } from '../src/plan/create-plan.js';
import { exportPlanCsv } from '../src/plan/export-plan.js';
import { THREAD_CHOICES, type ThreadChoice } from '../src/plan/plan-threads.js';
import { openStore } from '../src/store/open-store.js';
import { arg, rssMb, writeSyntheticScan } from './support.js';

const n = arg('items', 100_000);
const threadsFlag = process.argv.indexOf('--threads');
const threadsArg = threadsFlag === -1 ? 'auto' : process.argv[threadsFlag + 1];
if (!(THREAD_CHOICES as readonly (string | undefined)[]).includes(threadsArg)) {
  console.error(`bench:plan: --threads must be one of ${THREAD_CHOICES.join(', ')} (got ${threadsArg ?? 'nothing'})`);
  process.exit(2);
}
const threads = threadsArg as ThreadChoice;
const dir = mkdtempSync(join(tmpdir(), 'bench-plan-'));
const store = await openStore(join(dir, 'state.db'));
const user = '005Sm0000000001IAA';
const incidentId = await writeSyntheticScan(store, n, (i) => ({
  id: `001Sm${String(i).padStart(10, '0')}AAA`, externalId: `K-${i}`, isDeleted: false, fields: { Name: `Old ${i}` },
  lastModifiedById: user, lastModifiedDate: '2026-11-20T14:40:00.000+0000', systemModstamp: '2026-11-20T14:40:00.000+0000',
}), user);
const config = parseConfig({ integrationUserIds: [user] }, 'bench');
const loaded = loadedConfig(config);
const deps = { db: store.db, sqlite: store.sqlite, config: loaded, now: () => new Date() };
const count = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(`bench:plan  ${count(n)} drifted records, threads ${threads}`);

let t = performance.now();
const plan = await createPlan(deps, incidentId, 'bench', { threads });
const planSeconds = (performance.now() - t) / 1000;
t = performance.now();
const csv = join(dir, 'plan.csv');
const rows = await exportPlanCsv(store, { id: plan.planId, totals: plan.totals }, csv, { threads });
const exportSeconds = (performance.now() - t) / 1000;
console.log(`  plan create  ${planSeconds.toFixed(2)} s  ${count(n / planSeconds)} items/s  (${JSON.stringify(plan.totals.byAction)})`);
console.log(`  plan export  ${exportSeconds.toFixed(2)} s  ${count(rows / exportSeconds)} rows/s  (${(statSync(csv).size / 1e6).toFixed(1)} MB CSV)`);
console.log(`  plan create, then plan export  ${(planSeconds + exportSeconds).toFixed(2)} s  ${count(n / (planSeconds + exportSeconds))} items/s; peak RSS ${rssMb().toFixed(0)} MB`);

// Plan and export as one command: `plan create --out` writes the review CSV once the plan is stored.
t = performance.now();
const onePass = await createPlan(deps, incidentId, 'bench', { csv: { path: join(dir, 'one-pass.csv') }, threads });
const onePassSeconds = (performance.now() - t) / 1000;
console.log(`  plan create --out (plan, then its CSV, one command)  ${onePassSeconds.toFixed(2)} s  ${count(n / onePassSeconds)} items/s  (${onePass.csvRows} rows); peak RSS ${rssMb().toFixed(0)} MB`);

// The reviewer marks every 100th row reject (the decision column is the 13th of 14: ",<decision>,<row hash>").
const reviewed = join(dir, 'reviewed.csv');
const lines = readFileSync(csv, 'utf8').split('\n');
for (let i = 100; i < lines.length; i += 100) lines[i] = lines[i]!.replace(/,,([0-9a-f]{16})$/, ',reject,$1');
writeFileSync(reviewed, lines.join('\n'));
t = performance.now();
const approved = await approvePlan(store, plan.planId, { by: 'bench-approver', reviewedCsv: reviewed, allowSelfApproval: false, force: false }, new Date());
const approveSeconds = (performance.now() - t) / 1000;
console.log(`  plan approve --reviewed  ${approveSeconds.toFixed(2)} s  ${count(rows / approveSeconds)} rows/s  (${approved.excluded.length} items left out); peak RSS ${rssMb().toFixed(0)} MB`);
await store.close();
rmSync(dir, { recursive: true, force: true });

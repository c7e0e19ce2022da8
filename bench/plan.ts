/**
 * npm run bench:plan [-- --items N]
 * Plan and export for N items (default 100,000): a synthetic stored scan of N drifted records, then
 * `createPlan` (decide, hash, store) and the review CSV export, timed; items/s and peak RSS; the same in one
 * pass (`plan create --out`). Then the second
 * person's step: approve with the reviewed CSV (every 100th row marked reject), timed, with peak RSS after
 * it, since approval reads the whole reviewed CSV.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, parseConfig, sha256 } from '../src/config/config.js';
import { approvePlan } from '../src/plan/approve-plan.js';
import { createPlan } from '../src/plan/create-plan.js';
import { openPlanCsv, writePlanCsv } from '../src/plan/plan-csv.js';
import { openStore } from '../src/store/open-store.js';
import { iteratePlanItems } from '../src/store/plan-store.js';
import { arg, rssMb, writeSyntheticScan } from './support.js';

const n = arg('items', 100_000);
const dir = mkdtempSync(join(tmpdir(), 'bench-plan-'));
const store = await openStore(join(dir, 'state.db'));
const user = '005Sm0000000001IAA';
const incidentId = await writeSyntheticScan(store, n, (i) => ({
  id: `001Sm${String(i).padStart(10, '0')}AAA`, externalId: `K-${i}`, isDeleted: false, fields: { Name: `Old ${i}` },
  lastModifiedById: user, lastModifiedDate: '2026-11-20T14:40:00.000+0000', systemModstamp: '2026-11-20T14:40:00.000+0000',
}), user);
const config = parseConfig({ integrationUserIds: [user] }, 'bench');
const loaded = { config, hash: sha256(canonicalJson(config)), file: null };
let t = performance.now();
const plan = await createPlan({ db: store.db, sqlite: store.sqlite, config: loaded, now: () => new Date() }, incidentId, 'bench');
const planSeconds = (performance.now() - t) / 1000;
t = performance.now();
const csv = join(dir, 'plan.csv');
const rows = await writePlanCsv(csv, plan.planId, iteratePlanItems(store.db, plan.planId));
const exportSeconds = (performance.now() - t) / 1000;
console.log(`bench:plan  ${n.toLocaleString('en-US')} drifted records`);
console.log(`  plan create  ${planSeconds.toFixed(2)} s  ${Math.round(n / planSeconds).toLocaleString('en-US')} items/s  (${JSON.stringify(plan.totals.byAction)})`);
console.log(`  plan export  ${exportSeconds.toFixed(2)} s  ${Math.round(rows / exportSeconds).toLocaleString('en-US')} rows/s  (${(statSync(csv).size / 1e6).toFixed(1)} MB CSV)`);
console.log(`  plan + export ${Math.round(n / (planSeconds + exportSeconds)).toLocaleString('en-US')} items/s; peak RSS ${rssMb().toFixed(0)} MB`);
// The same in one pass: `plan create --out` writes the review CSV as the items are stored.
t = performance.now();
const onePass = await createPlan({ db: store.db, sqlite: store.sqlite, config: loaded, now: () => new Date() }, incidentId, 'bench', { csv: (planId) => openPlanCsv(join(dir, 'one-pass.csv'), planId) });
const onePassSeconds = (performance.now() - t) / 1000;
console.log(`  plan create --out (one pass)  ${onePassSeconds.toFixed(2)} s  ${Math.round(n / onePassSeconds).toLocaleString('en-US')} items/s  (${onePass.csvRows} rows); peak RSS ${rssMb().toFixed(0)} MB`);

// The reviewer marks every 100th row reject (the decision column is the 13th of 14: ",<decision>,<row hash>").
const reviewed = join(dir, 'reviewed.csv');
const lines = readFileSync(csv, 'utf8').split('\n');
for (let i = 100; i < lines.length; i += 100) lines[i] = lines[i]!.replace(/,,([0-9a-f]{16})$/, ',reject,$1');
writeFileSync(reviewed, lines.join('\n'));
t = performance.now();
const approved = await approvePlan(store.db, plan.planId, { by: 'bench-approver', reviewedCsv: reviewed, allowSelfApproval: false, force: false }, new Date());
const approveSeconds = (performance.now() - t) / 1000;
console.log(`  plan approve --reviewed  ${approveSeconds.toFixed(2)} s  ${Math.round(rows / approveSeconds).toLocaleString('en-US')} rows/s  (${approved.excluded.length} items left out); peak RSS ${rssMb().toFixed(0)} MB`);
await store.close();
rmSync(dir, { recursive: true, force: true });

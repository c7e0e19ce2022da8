import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadedConfig, parseConfig } from '../../src/config/config.js';
import type { ActualRecord, ScannedRecord } from '../../src/domain/drift.js';
import { createPlan } from '../../src/plan/create-plan.js';
import { exportPlanCsv } from '../../src/plan/export-plan.js';
import { THREAD_MIN, useWorkerThreads } from '../../src/plan/plan-threads.js';
import { diffRecord } from '../../src/scan/diff.js';
import { foldRecord } from '../../src/scan/fold.js';
import { createIncident } from '../../src/store/incident-store.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { getPlan, verifyPlanHash } from '../../src/store/plan-store.js';
import { appendSnapshotRecords, completeSnapshot, createSnapshot } from '../../src/store/snapshot-store.js';
import { anEvent } from '../support/builders.js';
import { runCli, tempDir } from '../support/cli.js';

const INTEGRATION = '005000000000001AAA';
const rules = { Name: { type: 'string', scale: 0 }, Phone: { type: 'phone', scale: 0 } };

/** Record i of a scan mixing what the planner meets: lost events, half-applied writes, missing, in sync, formulas. */
function record(i: number): ScannedRecord {
  const key = `B-${i}`;
  const events = [anEvent({ externalId: key, fields: { Name: `=N${i}`, Phone: `${i}` } }), anEvent({ externalId: key, fields: { Name: `Next ${i}` }, status: i % 3 === 0 ? 'failed' : 'delivered' })];
  const actual: ActualRecord[] =
    i % 5 === 4
      ? []
      : [{ id: `001Sm${String(i).padStart(10, '0')}AAA`, externalId: key, isDeleted: false, fields: i % 5 === 3 ? { Name: `Next ${i}`, Phone: `${i}` } : { Name: `=N${i}`, Phone: i % 5 === 2 ? 'typo' : `${i}` }, lastModifiedById: INTEGRATION, lastModifiedDate: '2026-11-20T14:40:00.000+0000', systemModstamp: '2026-11-20T14:40:00.000+0000' }];
  const expected = foldRecord(events, { externalIdField: 'Billing_Id__c' });
  const diff = diffRecord(expected, actual, { rules: new Map(Object.entries(rules)), windowEnd: '2026-11-20T15:00:00.000Z', integrationUserIds: new Set([INTEGRATION]), history: null });
  return { key: expected.key, externalIdField: 'Billing_Id__c', events, expected, actual, diff, fieldHistory: null };
}

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

describe('choosing worker threads', () => {
  it('auto takes them from the measured sizes on, only where the compiled worker exists; worker and main force the choice', () => {
    expect(useWorkerThreads('decide', THREAD_MIN.decide - 1, 'auto', true)).toBe(false);
    expect(useWorkerThreads('decide', THREAD_MIN.decide, 'auto', true)).toBe(true);
    expect(useWorkerThreads('format', THREAD_MIN.decide, 'auto', true)).toBe(false);
    expect(useWorkerThreads('format', THREAD_MIN.format, 'auto', true)).toBe(true);
    expect(useWorkerThreads('format', THREAD_MIN.format, 'auto', false)).toBe(false);
    expect(useWorkerThreads('decide', 1, 'worker', true)).toBe(true);
    expect(useWorkerThreads('format', 10 ** 9, 'main', true)).toBe(false);
  });

  it('refuses an unknown SF_RECONCILE_THREADS with exit 2 before storing anything', async () => {
    const dir = tempDir('plan-threads-env-');
    for (const args of [['plan', 'create', '1'], ['plan', 'export', '1', '--out', join(dir, 'x.csv')]]) {
      const r = await runCli([...args, '--db', join(dir, 'state.db')], { cwd: dir, env: { SF_RECONCILE_THREADS: 'many' } });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('error: SF_RECONCILE_THREADS must be one of auto, worker, main (got "many")\nhint: unset it to let sf-reconcile choose\n');
    }
    expect(existsSync(join(dir, 'state.db'))).toBe(false);
  });
});

describe('planning on worker threads', () => {
  it('a plan decided and exported on worker threads equals the one made on the main thread, item for item and byte for byte', async () => {
    const dir = tempDir('plan-threads-');
    const db = join(dir, 'state.db');
    store = await openStore(db);
    // Three pages of records and more of CSV rows, on threads forced by SF_RECONCILE_THREADS (auto would
    // keep a plan this small on the main thread).
    const n = 6_000;
    const threads = { SF_RECONCILE_THREADS: 'worker' };
    const incident = await createIncident(store.db, { name: 'threads', from: '2026-11-20T14:00:00.000Z', to: '2026-11-20T15:00:00.000Z', objects: ['Account'] }, new Date());
    const snapshotId = await createSnapshot(store.db, incident.id, new Date());
    for (let first = 0; first < n; first += 3_000) {
      await appendSnapshotRecords(store.db, snapshotId, first, Array.from({ length: 3_000 }, (_, j) => record(first + j)), store.sqlite);
    }
    await completeSnapshot(store.db, snapshotId, { records: n, fieldRules: { Account: rules } }, new Date());
    const config = parseConfig({ integrationUserIds: [INTEGRATION] }, 'test');
    const here = await createPlan({ db: store.db, sqlite: store.sqlite, config: loadedConfig(config), now: () => new Date() }, incident.id, 'alice', { threads: 'main' });
    expect(here.totals.byAction).toMatchObject({ replay: expect.any(Number), patch: expect.any(Number), none: expect.any(Number) });

    // The CLI (compiled) on worker threads; `plan create --out` exports too.
    writeConfig(dir);
    const created = await runCli(['plan', 'create', String(incident.id), '--by', 'bob', '--out', join(dir, 'created.csv'), '--json', '--db', db], { cwd: dir, env: threads });
    expect(created.code, created.stderr).toBe(0);
    const threaded = JSON.parse(created.stdout) as { planId: number; totals: unknown; csvRows: number };
    expect(threaded.totals).toEqual(here.totals);
    const items = (planId: number) => store!.sqlite!.prepare('SELECT item_id, object, external_id, action, item_json FROM plan_items WHERE plan_id = ? ORDER BY item_id').all(planId);
    expect(items(threaded.planId)).toEqual(items(here.planId));
    expect(await verifyPlanHash(store.db, await getPlan(store.db, threaded.planId))).toBe(true);

    // Exports: on two formatting threads (CLI) and on the main thread, the same bytes.
    const exported = await runCli(['plan', 'export', String(here.planId), '--out', join(dir, 'threads.csv'), '--db', db], { cwd: dir, env: threads });
    expect(exported.code, exported.stderr).toBe(0);
    const rows = await exportPlanCsv(store, { id: here.planId, totals: here.totals }, join(dir, 'main.csv'), { threads: 'main' });
    const mainCsv = readFileSync(join(dir, 'main.csv'), 'utf8');
    expect(readFileSync(join(dir, 'threads.csv'), 'utf8')).toBe(mainCsv);
    expect(mainCsv.split('\n').length - 2).toBe(rows); // header and final newline
    expect(rows).toBeGreaterThanOrEqual(here.totals.items - (here.totals.byAction.none ?? 0)); // a row per field change
    expect(mainCsv).toContain(",'=N1,"); // formulas neutralised in the CSV...
    expect(items(here.planId).some((r) => (r as { item_json: string }).item_json.includes('"=N1"'))).toBe(true); // ...intact in the plan

    // Through kysely alone (the path of other dialects): the same items and the same CSV.
    const viaKysely = await createPlan({ db: store.db, config: loadedConfig(config), now: () => new Date() }, incident.id, 'carol', { threads: 'main' });
    expect(items(viaKysely.planId)).toEqual(items(here.planId));
    await exportPlanCsv({ db: store.db }, { id: here.planId, totals: here.totals }, join(dir, 'kysely.csv'), { threads: 'main' });
    expect(readFileSync(join(dir, 'kysely.csv'), 'utf8')).toBe(mainCsv);

    // `plan create --out` wrote what `plan export` writes for that plan.
    await exportPlanCsv(store, { id: threaded.planId, totals: here.totals }, join(dir, 'main-created.csv'), { threads: 'main' });
    expect(readFileSync(join(dir, 'created.csv'), 'utf8')).toBe(readFileSync(join(dir, 'main-created.csv'), 'utf8'));
    expect(threaded.csvRows).toBe(mainCsv.split('\n').length - 2);
  });
});

function writeConfig(dir: string): void {
  writeFileSync(join(dir, 'sf-reconcile.config.json'), JSON.stringify({ integrationUserIds: [INTEGRATION] }));
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlanItem } from '../../src/domain/plan.js';
import { canonicalJson } from '../../src/domain/canonical-json.js';
import { hashPlan, planItemJson } from '../../src/plan/hash-plan.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import {
  appendJournal, getPlan, insertPlanHeader, insertPlanItems, iteratePlanItems, latestApproval, listPlans, planItemsById, planItemsPage,
  planJournal, planStatus, recordApproval, sealPlan, verifyPlanHash,
} from '../../src/store/plan-store.js';
import { aPlanItem } from '../support/builders.js';

let store: Store;
beforeEach(async () => {
  store = await openStore(':memory:');
});
afterEach(async () => {
  await store.close();
});

const totals = { items: 0, byAction: {}, byObject: {}, fieldChanges: 0, writes: { upsert: 0, update: 0, delete: 0 } };
const header = { incidentId: 1, snapshotId: 2, createdBy: 'carol', createdAt: '2026-11-20T16:00:00.000Z', configHash: 'cfg' };

/** Stores a plan the way createPlan does: header, items, then the seal with the hash. */
async function storePlan(items: PlanItem[]): Promise<{ id: number; hash: string }> {
  const id = await insertPlanHeader(store.db, header);
  await insertPlanItems(store.db, id, items);
  const hash = hashPlan({ id, ...header }, items);
  await sealPlan(store.db, id, hash, { ...totals, items: items.length }, { apiCalls: 1 }, 'carol', header.createdAt);
  return { id, hash };
}

const many = (n: number) => Array.from({ length: n }, (_, i) => aPlanItem({ itemId: i + 1, externalId: `B-${i + 1}` }));

describe('plan store', () => {
  it('a plan exists once sealed; its items page by id in bounded pages and verify against the hash', async () => {
    const unsealed = await insertPlanHeader(store.db, header);
    await expect(getPlan(store.db, unsealed)).rejects.toMatchObject({ name: 'UsageError', message: `there is no plan ${unsealed}` });
    const items = many(4500);
    const { id, hash } = await storePlan(items);
    const plan = await getPlan(store.db, id);
    expect(plan).toMatchObject({ id, hash, ...header, totals: { items: 4500 }, estimate: { apiCalls: 1 } });
    expect((await planItemsPage(store.db, id, 2000, 3)).map((i) => i.itemId)).toEqual([2001, 2002, 2003]);
    expect((await planItemsById(store.db, id, [4500, 7, 1])).map((i) => i.externalId)).toEqual(['B-1', 'B-7', 'B-4500']);
    const seen: number[] = [];
    for await (const item of iteratePlanItems(store.db, id, 1000)) seen.push(item.itemId);
    expect(seen).toEqual(items.map((i) => i.itemId));
    expect(await verifyPlanHash(store.db, plan)).toBe(true);
    expect((await listPlans(store.db)).map((p) => p.id)).toEqual([id]);
  });

  it("writes each item in canonicalJson's form (its hash input), through the fast path and kysely alike", async () => {
    const items: PlanItem[] = [
      aPlanItem({ itemId: 1, externalId: 'O\'Brien "\\ \n Ä 😀', reason: '=HYPERLINK("http://x","y")' }),
      aPlanItem({ itemId: 2, action: 'replay', sfId: null, systemModstamp: null, lastModifiedById: null, lastModifiedDate: null, changes: [{ field: 'AnnualRevenue', current: null, target: 1.5e21 }, { field: 'IsActive__c', current: true, target: false }],
        replay: [{ eventId: 'e1', fields: { Name: 'B', AnnualRevenue: -0.25, Amount__c: null } }, { eventId: 'e2', fields: {} }] }),
      aPlanItem({ itemId: 3, action: 'delete', changes: [], replay: [] }),
    ];
    for (const item of items) expect(planItemJson(item)).toBe(canonicalJson(item));
    for (const sqlite of [store.sqlite, null]) {
      const id = await insertPlanHeader(store.db, header);
      await insertPlanItems(store.db, id, items, { sqlite });
      const rows = store.sqlite!.prepare('SELECT item_json FROM plan_items WHERE plan_id = ? ORDER BY item_id').pluck().all(id);
      expect(rows).toEqual(items.map(canonicalJson));
    }
  });

  it('verifies a plan stored by an older version (items not in canonical form), and still refuses a changed one', async () => {
    const items = many(3);
    const id = await insertPlanHeader(store.db, header);
    await insertPlanItems(store.db, id, items, { json: items.map((i) => JSON.stringify(i)) });
    await sealPlan(store.db, id, hashPlan({ id, ...header }, items), { ...totals, items: 3 }, {}, 'carol', header.createdAt);
    expect(await verifyPlanHash(store.db, await getPlan(store.db, id))).toBe(true);
    store.sqlite!.prepare("UPDATE plan_items SET item_json = replace(item_json, 'B-2', 'B-9') WHERE plan_id = ? AND item_id = 2").run(id);
    expect(await verifyPlanHash(store.db, await getPlan(store.db, id))).toBe(false);
  });

  it('sealing is once only, and a changed item no longer verifies', async () => {
    const { id, hash } = await storePlan(many(3));
    await sealPlan(store.db, id, 'f'.repeat(64), totals, {}, 'mallory', header.createdAt);
    expect((await getPlan(store.db, id)).hash).toBe(hash);
    store.sqlite!.prepare("UPDATE plan_items SET item_json = replace(item_json, 'Acme', 'Acne') WHERE plan_id = ? AND item_id = 2").run(id);
    expect(await verifyPlanHash(store.db, await getPlan(store.db, id))).toBe(false);
  });

  it('records one approval per plan: two approvers at the same moment get one approval and one refusal', async () => {
    const { id, hash } = await storePlan(many(2));
    const approval = (by: string) => ({ by, at: '2026-11-20T16:05:00.000Z', planHash: hash, excludedItems: [], selfApproval: false, forced: false });
    const results = await Promise.allSettled([recordApproval(store.db, id, approval('dave')), recordApproval(store.db, id, approval('erin'))]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ name: 'UsageError', code: 'PLAN_ALREADY_APPROVED', message: `plan ${id} is already approved` });
    expect((await planJournal(store.db, id)).filter((j) => j.status === 'approved')).toHaveLength(1);
    expect(await latestApproval(store.db, id)).toMatchObject({ by: expect.stringMatching(/^(dave|erin)$/) as unknown as string });
  });

  it('derives the status from the append-only journal: export and notes do not change it', async () => {
    const { id, hash } = await storePlan(many(2));
    const at = (m: number) => new Date(Date.UTC(2026, 10, 20, 16, m));
    expect(await planStatus(store.db, id)).toBe('created');
    await appendJournal(store.db, id, { by: 'carol', status: 'exported', details: { rows: 2 } }, at(1));
    expect(await planStatus(store.db, id)).toBe('created');
    await recordApproval(store.db, id, { by: 'dave', at: at(2).toISOString(), planHash: hash, excludedItems: [2], selfApproval: false, forced: false });
    await appendJournal(store.db, id, { by: 'dave', status: 'note', details: { forced: 'x' } }, at(3));
    expect(await planStatus(store.db, id)).toBe('approved');
    await appendJournal(store.db, id, { by: 'ops', status: 'executing', details: {} }, at(4));
    await appendJournal(store.db, id, { by: 'ops', status: 'paused', details: {} }, at(5));
    expect(await planStatus(store.db, id)).toBe('paused');
    expect((await listPlans(store.db, { status: ['paused'] })).map((p) => p.id)).toEqual([id]);
    expect((await listPlans(store.db, { status: ['approved'] })).map((p) => p.id)).toEqual([]);
    expect((await planJournal(store.db, id)).map((j) => [j.status, j.by])).toEqual([
      ['created', 'carol'], ['exported', 'carol'], ['approved', 'dave'], ['note', 'dave'], ['executing', 'ops'], ['paused', 'ops'],
    ]);
    expect(await latestApproval(store.db, id)).toEqual({ by: 'dave', at: at(2).toISOString(), planHash: hash, excludedItems: [2], selfApproval: false, forced: false });
  });

  it('an unknown plan id is a usage error, not a crash', async () => {
    await expect(getPlan(store.db, 42)).rejects.toMatchObject({ name: 'UsageError', message: 'there is no plan 42' });
    await expect(getPlan(store.db, Number.NaN)).rejects.toMatchObject({ name: 'UsageError' });
  });
});

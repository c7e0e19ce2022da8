import type { Kysely } from 'kysely';
import type { LoadedConfig } from '../config/config.js';
import type { PlanItem } from '../domain/plan.js';
import { estimateWithConfig } from '../plan/estimate.js';
import { PlanHasher } from '../plan/hash-plan.js';
import { addToTotals, emptyTotals } from '../plan/plan-stages.js';
import { latestOutcomes } from '../store/execution-store.js';
import { getPlan, insertPlanHeader, insertPlanItems, iteratePlanItems, sealPlan, type PlanTotals } from '../store/plan-store.js';
import type { Database } from '../store/schema/index.js';
import type { ExecutorSalesforce } from './execute-plan.js';
import type { ObservedRecord } from './steps.js';

/** The item created its record: there was none when the plan was made (no Id, nothing held before). */
function createdBy(item: PlanItem): boolean {
  return (item.action === 'replay' || item.action === 'create') && item.sfId === null && item.changes.every((c) => c.current === null);
}

/**
 * What undoes an applied item, where Salesforce still holds what it wrote (`holdsOurs`): restore the values
 * it replaced, or delete a record it created, since restoring "no values" would leave an empty
 * record or fail on a required field; anything else goes to a person.
 */
function undo(planId: number, item: PlanItem, live: ObservedRecord | undefined, holdsOurs: boolean, created: boolean): Pick<PlanItem, 'action' | 'reasonCode' | 'reason' | 'changes'> {
  if (!holdsOurs) {
    return {
      action: 'manual',
      reasonCode: 'ROLLBACK_CHANGED_SINCE',
      reason: item.action === 'delete' ? `Plan ${planId} deleted this record: restore it from the Recycle Bin if needed.` : `The record changed after plan ${planId} wrote it (or is gone): decide by hand.`,
      changes: item.changes.map((c) => ({ field: c.field, current: live?.fields[c.field] ?? null, target: c.current })),
    };
  }
  if (created) return { action: 'delete', reasonCode: 'ROLLBACK_CREATED', reason: `Plan ${planId} created this record (item ${item.itemId}): delete it.`, changes: [] };
  return { action: 'patch', reasonCode: 'ROLLBACK', reason: `Restore the values plan ${planId} replaced (item ${item.itemId}).`, changes: item.changes.map((c) => ({ field: c.field, current: c.target, target: c.current })) };
}

/**
 * A new draft plan that restores the values the applied items replaced, only where Salesforce still holds
 * what the execution wrote; the others (changed since, or deleted) become manual. It is approved and executed
 * like any plan: nothing is written here.
 */
export async function createRollbackPlan(db: Kysely<Database>, salesforce: ExecutorSalesforce, config: LoadedConfig, planId: number, by: string, now: Date): Promise<{ planId: number; hash: string; totals: PlanTotals }> {
  const parent = await getPlan(db, planId);
  const latest = await latestOutcomes(db, planId);
  const createdAt = now.toISOString();
  const header = { incidentId: parent.incidentId, snapshotId: parent.snapshotId, createdBy: by, createdAt, configHash: config.hash };
  const newId = await insertPlanHeader(db, { ...header, parentPlanId: planId });
  const hasher = new PlanHasher({ id: newId, ...header });
  const totals: PlanTotals = emptyTotals();
  const applied: PlanItem[] = [];
  const created = new Set<number>();
  for await (const item of iteratePlanItems(db, planId)) {
    const o = latest.get(item.itemId);
    if (o?.state === 'applied' && item.changes.length + (item.action === 'delete' ? 1 : 0) > 0) {
      if (createdBy(item)) created.add(item.itemId);
      applied.push({ ...item, sfId: o.sfId ?? item.sfId }); // a created record's Id is the execution's
    }
  }
  const out: PlanItem[] = [];
  const json: string[] = [];
  let next = 1;
  const byObject = new Map<string, PlanItem[]>();
  for (const item of applied) {
    const list = byObject.get(item.object);
    if (list === undefined) byObject.set(item.object, [item]);
    else list.push(item);
  }
  for (const [object, items] of byObject) {
    for (let i = 0; i < items.length; i += 200) {
      const chunk = items.slice(i, i + 200);
      const fields = [...new Set(chunk.flatMap((c) => c.changes.map((x) => x.field)))];
      const seen = await salesforce.observe(object, chunk[0]!.externalIdField, fields, { ids: chunk.flatMap((c) => (c.sfId ? [c.sfId] : [])), externalIds: [] });
      for (const item of chunk) {
        const record = item.sfId ? seen.byId.get(item.sfId) : undefined;
        const live = record && !record.isDeleted ? record : undefined;
        const base = { ...item, itemId: next++, replay: [], systemModstamp: live?.systemModstamp ?? null, lastModifiedById: live?.lastModifiedById ?? null, lastModifiedDate: null };
        const holdsOurs = live !== undefined && item.action !== 'delete' && item.changes.every((c) => salesforce.equal(object, c.field, c.target, live.fields[c.field] ?? null));
        const rollback: PlanItem = { ...base, ...undo(planId, item, live, holdsOurs, created.has(item.itemId)) };
        json.push(hasher.add(rollback));
        addToTotals(totals, rollback);
        out.push(rollback);
      }
    }
  }
  await insertPlanItems(db, newId, out, { json });
  const hash = hasher.digest();
  const estimate = estimateWithConfig(totals.writes, config.config);
  await sealPlan(db, newId, hash, totals, estimate as unknown as Record<string, unknown>, by, createdAt);
  return { planId: newId, hash, totals };
}

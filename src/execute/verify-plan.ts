import type { Kysely } from 'kysely';
import type { PlanItem } from '../domain/plan.js';
import { latestOutcomes } from '../store/execution-store.js';
import { iteratePlanItems, recordVerification } from '../store/plan-store.js';
import type { Database } from '../store/schema/index.js';
import type { ExecutorSalesforce } from './execute-plan.js';
import { batchSteps, stepsOfItem, type WriteStep } from './steps.js';

export interface ResidualDrift {
  itemId: number;
  object: string;
  externalId: string;
  sfId: string | null;
  field: string;
  expected: unknown;
  actual: unknown;
  problem: string;
}

/**
 * Re-reads the records of every applied item and compares them with the plan's targets, and records what it
 * found in the plan's journal (who verified, when, how many items held). Returns the residual drift (empty
 * when every applied item holds); the CLI turns a non-empty result into exit 3.
 */
export async function verifyPlan(db: Kysely<Database>, salesforce: ExecutorSalesforce, planId: number, by: { by: string; now: Date }): Promise<{ checked: number; residual: ResidualDrift[] }> {
  const latest = await latestOutcomes(db, planId);
  const residual: ResidualDrift[] = [];
  let checked = 0;
  let pending: (WriteStep & { item: PlanItem })[] = [];
  const flush = async () => {
    for (const batch of batchSteps(pending, 200)) {
      const ids = batch.steps.flatMap((s) => (s.sfId ? [s.sfId] : []));
      const exts = batch.steps.flatMap((s) => (s.sfId ? [] : [s.externalId]));
      const fields = [...new Set(batch.steps.flatMap((s) => Object.keys(s.after)))].filter((f) => f !== batch.externalIdField);
      const seen = await salesforce.observe(batch.object, batch.externalIdField, fields, { ids, externalIds: exts });
      for (const step of batch.steps as (WriteStep & { item: PlanItem })[]) {
        const item = step.item;
        const record = (step.sfId ? seen.byId.get(step.sfId) : undefined) ?? seen.byExternalId.get(step.externalId) ?? null;
        const live = record !== null && !record.isDeleted ? record : null;
        checked += 1;
        if (item.action === 'delete') {
          if (live !== null) residual.push({ itemId: item.itemId, object: item.object, externalId: item.externalId, sfId: live.id, field: '', expected: null, actual: null, problem: 'still exists' });
          continue;
        }
        if (live === null) {
          residual.push({ itemId: item.itemId, object: item.object, externalId: item.externalId, sfId: step.sfId, field: '', expected: null, actual: null, problem: 'missing in Salesforce' });
          continue;
        }
        for (const c of item.changes) {
          const actual = live.fields[c.field] ?? null;
          if (!salesforce.equal(item.object, c.field, c.target, actual)) {
            residual.push({ itemId: item.itemId, object: item.object, externalId: item.externalId, sfId: live.id, field: c.field, expected: c.target, actual, problem: 'differs' });
          }
        }
      }
    }
    pending = [];
  };
  for await (const item of iteratePlanItems(db, planId)) {
    const o = latest.get(item.itemId);
    const steps = stepsOfItem(item);
    const last = steps[steps.length - 1];
    if (o === undefined || last === undefined || o.state !== 'applied' || o.step !== last.step) continue;
    pending.push({ ...last, sfId: o.sfId ?? last.sfId, after: Object.fromEntries(item.changes.map((c) => [c.field, c.target])), item });
    if (pending.length >= 1000) await flush();
  }
  await flush();
  await recordVerification(db, planId, by.by, { checked, residualDrift: residual.length }, by.now);
  return { checked, residual };
}

import type { PlanItem } from '../domain/plan.js';
import type { FieldValue, FieldValues } from '../domain/values.js';

/**
 * The writes a plan item turns into, worked out before the first one is sent (plan-then-apply).
 * A patch is one update by Id; a delete one delete; a replay one upsert by external ID per remaining event,
 * sent one step per record per round so the events keep their order.
 */
export type WriteKind = 'upsert' | 'update' | 'delete';

/** What the record must hold before a step is written; anything else means the world moved (stale). */
export type StepGuard =
  /** First step: unchanged since the plan's snapshot (same SystemModstamp), or still absent. */
  | { kind: 'snapshot'; systemModstamp: string | null; mustExist: boolean }
  /** Later replay steps: last written by the executor, and the touched fields as the previous step left them. */
  | { kind: 'previous-step'; values: FieldValues };

export interface WriteStep {
  itemId: number;
  step: number;
  lastStep: boolean;
  kind: WriteKind;
  object: string;
  externalIdField: string;
  externalId: string;
  /** Known Salesforce Id; null for a replay that creates the record. */
  sfId: string | null;
  /** The fields this write sends. */
  fields: FieldValues;
  guard: StepGuard;
  /** The owned fields as they should read once this step is applied (for settling and verifying). */
  after: FieldValues;
}

/** The record as re-read from Salesforce just before a write (or when settling after a crash). */
export interface ObservedRecord {
  id: string;
  isDeleted: boolean;
  systemModstamp: string;
  lastModifiedById: string;
  fields: FieldValues;
}

/** Compares a target value with what Salesforce returned, by the field's type. */
export type FieldEquality = (object: string, field: string, expected: FieldValue, actual: FieldValue) => boolean;

/** Splits a plan item into its ordered write steps. `none` and `manual` items write nothing. */
export function stepsOfItem(item: PlanItem): WriteStep[] {
  const base = {
    itemId: item.itemId,
    object: item.object,
    externalIdField: item.externalIdField,
    externalId: item.externalId,
    sfId: item.sfId,
  };
  const snapshotGuard: StepGuard = {
    kind: 'snapshot',
    systemModstamp: item.systemModstamp,
    mustExist: item.sfId !== null,
  };
  switch (item.action) {
    case 'patch': {
      const fields = Object.fromEntries(item.changes.map((c) => [c.field, c.target]));
      return [{ ...base, step: 0, lastStep: true, kind: 'update', fields, guard: snapshotGuard, after: fields }];
    }
    case 'delete':
      return [{ ...base, step: 0, lastStep: true, kind: 'delete', fields: {}, guard: snapshotGuard, after: {} }];
    case 'replay':
    case 'create': {
      // Before the first step, the touched fields hold their snapshot values; each step overlays its own.
      let state: FieldValues = Object.fromEntries(item.changes.map((c) => [c.field, c.current]));
      return item.replay.map((replayStep, index) => {
        const guard: StepGuard = index === 0 ? snapshotGuard : { kind: 'previous-step', values: state };
        state = { ...state, ...replayStep.fields };
        return {
          ...base,
          step: index,
          lastStep: index === item.replay.length - 1,
          kind: 'upsert' as const,
          fields: { ...replayStep.fields, [item.externalIdField]: item.externalId },
          guard,
          after: { ...replayStep.fields },
        };
      });
    }
    case 'none':
    case 'manual':
      return [];
  }
}

function fieldsMatch(object: string, expected: FieldValues, actual: FieldValues, equal: FieldEquality): boolean {
  for (const [field, value] of Object.entries(expected)) {
    if (!equal(object, field, value, actual[field] ?? null)) return false;
  }
  return true;
}

export type Freshness = 'fresh' | 'stale';

/**
 * Whether a step may be written now. `observed` is null when Salesforce has no live record.
 * Never overwrite a change made after the plan: any doubt is `stale`.
 */
export function checkFreshness(
  step: WriteStep,
  observed: ObservedRecord | null,
  executorUserId: string,
  equal: FieldEquality,
): Freshness {
  const live = observed !== null && !observed.isDeleted ? observed : null;
  if (step.guard.kind === 'snapshot') {
    if (!step.guard.mustExist) return live === null ? 'fresh' : 'stale';
    if (live === null) return 'stale';
    return live.systemModstamp === step.guard.systemModstamp ? 'fresh' : 'stale';
  }
  if (live === null || live.lastModifiedById !== executorUserId) return 'stale';
  return fieldsMatch(step.object, step.guard.values, live.fields, equal) ? 'fresh' : 'stale';
}

export type Settlement = 'applied' | 'not-applied' | 'stale';

/**
 * After a crash, decides what became of a step left `attempting`, from the record as it is now:
 * its target values are there (applied), its guard still holds (not applied: safe to send again),
 * or neither (someone else changed it: stale, never re-sent).
 */
export function settleAttempt(
  step: WriteStep,
  observed: ObservedRecord | null,
  executorUserId: string,
  equal: FieldEquality,
): Settlement {
  const live = observed !== null && !observed.isDeleted ? observed : null;
  if (step.kind === 'delete') {
    if (live === null) return 'applied';
    return checkFreshness(step, observed, executorUserId, equal) === 'fresh' ? 'not-applied' : 'stale';
  }
  if (live !== null && live.lastModifiedById === executorUserId && fieldsMatch(step.object, step.after, live.fields, equal)) {
    return 'applied';
  }
  return checkFreshness(step, observed, executorUserId, equal) === 'fresh' ? 'not-applied' : 'stale';
}

/** A group of steps sent in one call: same kind, object and external ID field. */
export interface WriteBatch {
  kind: WriteKind;
  object: string;
  externalIdField: string;
  /** sObject Collections (at most 200 records), or one Bulk API 2.0 ingest job. */
  via: 'collections' | 'bulk';
  steps: WriteStep[];
}

/**
 * Groups steps into calls of at most `batchSize` (sObject Collections take 200 at most); steps of the kinds
 * in `bulk.kinds` go into Bulk API 2.0 jobs of at most `bulk.jobSize` records instead.
 */
export function batchSteps(steps: readonly WriteStep[], batchSize: number, bulk?: { kinds: ReadonlySet<WriteKind>; jobSize: number }): WriteBatch[] {
  const size = Math.max(1, Math.min(200, Math.floor(batchSize)));
  const groups = new Map<string, WriteBatch>();
  const out: WriteBatch[] = [];
  for (const step of steps) {
    const via = bulk?.kinds.has(step.kind) === true ? 'bulk' : 'collections';
    const limit = via === 'bulk' ? Math.max(1, Math.floor(bulk!.jobSize)) : size;
    const key = `${step.kind}\u0000${step.object}\u0000${step.externalIdField}`;
    let batch = groups.get(key);
    if (batch === undefined || batch.steps.length >= limit) {
      batch = { kind: step.kind, object: step.object, externalIdField: step.externalIdField, via, steps: [] };
      groups.set(key, batch);
      out.push(batch);
    }
    batch.steps.push(step);
  }
  return out;
}

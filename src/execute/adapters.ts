import type { Kysely } from 'kysely';
import type { PlanStatus } from '../domain/plan.js';
import type { FieldValue } from '../domain/values.js';
import { toId18 } from '../domain/salesforce-id.js';
import { sameValue, type FieldRule } from '../scan/diff.js';
import type { SalesforceClient, SaveResult } from '../salesforce/index.js';
import { appendJournal, getPlan, latestApproval, planItemsById, planItemsPage, planStatus, verifyPlanHash } from '../store/plan-store.js';
import type { Database } from '../store/schema/index.js';
import { INITIAL_BREAKER, stepBreaker, type BreakerConfig } from './breaker.js';
import type { ExecutorBreaker, ExecutorPlans, ExecutorSalesforce, WriteResult } from './execute-plan.js';
import type { ObservedRecord, WriteBatch } from './steps.js';

const SYSTEM = ['Id', 'IsDeleted', 'SystemModstamp', 'LastModifiedById'];
/** UNABLE_TO_LOCK_ROW is transient: the records it hit are sent again, at most this many times. */
const LOCK_RETRIES = 3;

/** The executor's Salesforce calls, through the one shared client (rate limit, retries, API reserve). */
export function executorSalesforce(client: SalesforceClient): ExecutorSalesforce {
  const rules = new Map<string, Map<string, FieldRule>>();
  const rulesFor = async (object: string) => {
    let r = rules.get(object);
    if (r === undefined) {
      const d = await client.describe(object);
      r = new Map([...d.fields.values()].map((f) => [f.name, { type: f.type, scale: f.scale }]));
      rules.set(object, r);
    }
    return r;
  };
  const toObserved = (row: Record<string, unknown>, fields: readonly string[]): ObservedRecord => ({
    id: String(row.Id),
    isDeleted: row.IsDeleted === true,
    systemModstamp: String(row.SystemModstamp),
    lastModifiedById: toId18(String(row.LastModifiedById ?? '')),
    fields: Object.fromEntries(fields.map((f) => [f, (row[f] ?? null) as FieldValue])),
  });
  const toResult = (r: SaveResult | undefined): WriteResult =>
    r === undefined
      ? { success: false, id: null, errorCode: 'NO_RESULT', message: 'Salesforce returned no result for this record' }
      : { success: r.success, id: r.id ?? null, errorCode: r.errors[0]?.statusCode ?? null, message: r.errors[0]?.message ?? null };
  return {
    userId: async () => client.userId,
    apiCallsUsed: () => client.apiCalls,
    equal: (object, field, expected, actual) => sameValue(expected, actual, rules.get(object)?.get(field)),
    async observe(object, externalIdField, fields, keys) {
      await rulesFor(object);
      const select = [...new Set([...SYSTEM, externalIdField, ...fields])];
      const byId = new Map<string, ObservedRecord>();
      const byExternalId = new Map<string, ObservedRecord>();
      const rows = [
        ...(await client.fetchByKeys<Record<string, unknown>>(object, 'Id', keys.ids, select, { all: true })),
        ...(await client.fetchByKeys<Record<string, unknown>>(object, externalIdField, keys.externalIds, select, { all: true })),
      ];
      for (const row of rows) {
        const o = toObserved(row, fields);
        byId.set(o.id, o);
        const ext = String(row[externalIdField] ?? '');
        const prev = byExternalId.get(ext);
        if (prev === undefined || (prev.isDeleted && !o.isDeleted)) byExternalId.set(ext, o);
      }
      return { byId, byExternalId };
    },
    async write(batch: WriteBatch) {
      // A delete sent twice (a lost answer, a retry) finds the record already in the Recycle Bin: that is applied.
      const deleted = (r: SaveResult): WriteResult => (r.errors[0]?.statusCode === 'ENTITY_IS_DELETED' ? { ...toResult(r), success: true, errorCode: null, message: null } : toResult(r));
      const collections = async (steps: WriteBatch['steps']): Promise<WriteResult[]> => {
        const out: WriteResult[] = [];
        for (let i = 0; i < steps.length; i += 200) {
          const chunk = steps.slice(i, i + 200);
          if (batch.kind === 'update') out.push(...(await client.update(batch.object, chunk.map((s) => ({ Id: s.sfId!, ...s.fields })))).map(toResult));
          else if (batch.kind === 'upsert') out.push(...(await client.upsert(batch.object, batch.externalIdField, chunk.map((s) => s.fields))).map(toResult));
          else out.push(...(await client.destroy(chunk.map((s) => s.sfId!))).map(deleted));
        }
        return out;
      };
      // One Bulk API 2.0 job; each record's result is matched back from the job's successful and failed results.
      const bulk = async (steps: WriteBatch['steps']): Promise<WriteResult[]> => {
        if (batch.kind === 'update') return (await client.bulkIngest(batch.object, 'update', steps.map((s) => ({ Id: s.sfId!, ...s.fields })), 'Id')).map(toResult);
        if (batch.kind === 'upsert') {
          return (await client.bulkIngest(batch.object, 'upsert', steps.map((s) => ({ ...s.fields, [batch.externalIdField]: s.externalId })), batch.externalIdField, batch.externalIdField)).map(toResult);
        }
        return (await client.bulkIngest(batch.object, 'delete', steps.map((s) => ({ Id: s.sfId! })), 'Id')).map(deleted);
      };
      const results = batch.via === 'bulk' ? await bulk(batch.steps) : await collections(batch.steps);
      for (let attempt = 0; attempt < LOCK_RETRIES; attempt++) {
        const locked = results.map((r, i) => (r.errorCode === 'UNABLE_TO_LOCK_ROW' ? i : -1)).filter((i) => i >= 0);
        if (locked.length === 0) break;
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
        // Records a lock held back go again through collections: few, and the answer comes at once.
        const again = await collections(locked.map((i) => batch.steps[i]!));
        locked.forEach((i, j) => (results[i] = again[j]!));
      }
      return results;
    },
  };
}

/** The executor's view of the plan store: only approved items, and the hash check bound to the approval. */
export function executorPlans(db: Kysely<Database>, now: () => Date): ExecutorPlans {
  const excluded = new Map<number, Set<number>>();
  const excludedFor = async (planId: number) => {
    let set = excluded.get(planId);
    if (set === undefined) {
      set = new Set((await latestApproval(db, planId))?.excludedItems ?? []);
      excluded.set(planId, set);
    }
    return set;
  };
  return {
    async get(planId) {
      const plan = await getPlan(db, planId);
      const status: PlanStatus = await planStatus(db, planId);
      const approval = await latestApproval(db, planId);
      const hashMatches = (await verifyPlanHash(db, plan)) && (approval === null || approval.planHash === plan.hash);
      return { id: plan.id, status, hashMatches, itemCount: plan.totals.items - (approval?.excludedItems.length ?? 0), writes: { ...plan.totals.writes } };
    },
    async items(planId, afterItemId, limit) {
      const skip = await excludedFor(planId);
      // Skip whole pages of excluded items: an empty answer means the end of the plan.
      for (let after = afterItemId; ; ) {
        const raw = await planItemsPage(db, planId, after, limit);
        if (raw.length === 0) return [];
        const kept = raw.filter((i) => !skip.has(i.itemId));
        if (kept.length > 0) return kept;
        after = raw[raw.length - 1]!.itemId;
      }
    },
    async itemsById(planId, ids) {
      const skip = await excludedFor(planId);
      return (await planItemsById(db, planId, ids)).filter((i) => !skip.has(i.itemId));
    },
    journal: (planId, status, by, details) => appendJournal(db, planId, { by, status, details }, now()),
  };
}

export function executorBreaker(config: BreakerConfig): ExecutorBreaker {
  let state = INITIAL_BREAKER;
  return {
    record(signal) {
      const r = stepBreaker(state, signal, config);
      state = r.state;
      return r.trip;
    },
  };
}

import type { PlanItem, PlanStatus } from '../domain/plan.js';
import { PausedError, UsageError } from '../errors.js';
import type { Progress } from '../cli/progress.js';
import {
  acquireLease,
  appendOutcomes,
  finishRun,
  latestOutcomes,
  releaseLease,
  renewLease,
  startRun,
  type ItemOutcome,
  type OutcomeState,
} from '../store/execution-store.js';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema/index.js';
import {
  batchSteps,
  checkFreshness,
  settleAttempt,
  stepsOfItem,
  type FieldEquality,
  type ObservedRecord,
  type WriteBatch,
  type WriteKind,
  type WriteStep,
} from './steps.js';
import type { BulkSettings, PlanEstimate } from '../plan/estimate.js';

/** One record's result of a write call, aligned with the batch's steps. */
export interface WriteResult {
  success: boolean;
  id: string | null;
  errorCode: string | null;
  message: string | null;
}

/** The Salesforce calls the executor makes; every one goes through the shared rate limit. */
export interface ExecutorSalesforce {
  /** The user the executor writes as. */
  userId(): Promise<string>;
  /** Re-reads records by Id and by external ID (SystemModstamp, LastModifiedById, IsDeleted, `fields`). */
  observe(
    object: string,
    externalIdField: string,
    fields: readonly string[],
    keys: { ids: readonly string[]; externalIds: readonly string[] },
  ): Promise<{ byId: Map<string, ObservedRecord>; byExternalId: Map<string, ObservedRecord> }>;
  /** Sends one batch (collections, or a Bulk 2.0 job for large ones); results aligned with `batch.steps`. */
  write(batch: WriteBatch): Promise<WriteResult[]>;
  apiCallsUsed(): number;
  equal: FieldEquality;
}

/** What the executor reads of a plan and how it records the plan's life. */
export interface ExecutorPlans {
  get(planId: number): Promise<{ id: number; status: PlanStatus; hashMatches: boolean; itemCount: number; writes: Record<WriteKind, number> } | null>;
  /** Items with an id above `afterItemId`, in id order, at most `limit`. */
  items(planId: number, afterItemId: number, limit: number): Promise<PlanItem[]>;
  itemsById(planId: number, itemIds: readonly number[]): Promise<PlanItem[]>;
  journal(planId: number, status: PlanStatus, by: string, details: Record<string, unknown>): Promise<void>;
}

/** Decides, from each write's signal, whether to keep going. Built from the pure circuit breaker. */
export interface ExecutorBreaker {
  /** Returns a reason to pause, or null to go on. */
  record(signal: BreakerSignal): string | null;
}

export type BreakerSignal =
  | { kind: 'ok' }
  | { kind: 'record-failure'; errorCode: string }
  | { kind: 'unavailable-after-retries'; message: string }
  | { kind: 'limit-exceeded'; message: string };

export interface ExecuteOptions {
  holder: string;
  by: string;
  batchSize: number;
  canary: number;
  pauseAfterCanary: boolean;
  dryRun: boolean;
  /** Items handled together (all their steps, round by round) before the next window: bounds memory. */
  windowSize?: number;
  /**
   * A kind of write (update, upsert, delete) with more records in the plan than `threshold` goes through
   * Bulk API 2.0 ingest jobs of at most `jobSize` records instead of sObject Collections (the canary never).
   */
  bulk?: BulkSettings;
  leaseTtlMs?: number;
}

export interface ExecuteDeps {
  db: Kysely<Database>;
  plans: ExecutorPlans;
  salesforce: ExecutorSalesforce;
  breaker: ExecutorBreaker;
  now(): Date;
  progress(label: string, total?: number): Progress;
  signal: AbortSignal;
  log(line: string): void;
}

export interface ExecuteSummary {
  planId: number;
  status: 'completed' | 'paused' | 'dry-run';
  applied: number;
  failed: number;
  stale: number;
  skipped: number;
  /** Items already finished by an earlier run. */
  alreadyDone: number;
  apiCalls: number;
  durationMs: number;
  itemsPerSecond: number;
  canary: { items: number; held: boolean } | null;
  /** For --dry-run: what would be sent first (one round). */
  wouldSend?: { kind: string; object: string; via: string; records: number }[];
  /** For --dry-run: the API calls and time the whole run would use (filled by the caller, which knows the rate). */
  wouldUse?: PlanEstimate;
}

const FINAL: ReadonlySet<OutcomeState> = new Set(['failed', 'stale', 'skipped']);

/** Where an item stands: the next step to send, or null when it is finished. */
function nextStep(steps: readonly WriteStep[], latest: ItemOutcome | undefined): WriteStep | null {
  if (latest === undefined) return steps[0] ?? null;
  if (FINAL.has(latest.state)) return null;
  if (latest.state === 'applied') return steps[latest.step + 1] ?? null;
  return steps[latest.step] ?? null; // attempting that settled as not applied
}

/**
 * Runs an approved plan: the only path that writes repairs. Resumable: what is already applied is never
 * sent again, and a step left `attempting` by a crash is settled from Salesforce before anything is re-sent.
 */
export async function executePlan(deps: ExecuteDeps, planId: number, options: ExecuteOptions): Promise<ExecuteSummary> {
  const started = deps.now();
  const plan = await deps.plans.get(planId);
  if (plan === null) {
    throw new UsageError(`plan ${planId} does not exist`, { code: 'PLAN_NOT_FOUND', hint: 'list plans with "sf-reconcile plan show <id>"' });
  }
  if (!plan.hashMatches) {
    throw new UsageError(`plan ${planId} was changed after it was created: its stored hash no longer matches`, {
      code: 'PLAN_TAMPERED',
      hint: 'do not execute it; re-scan the incident and create a new plan',
    });
  }
  const runnable: PlanStatus[] = ['approved', 'executing', 'paused'];
  if (!runnable.includes(plan.status)) {
    throw new UsageError(`plan ${planId} is ${plan.status}; only an approved plan can be executed`, {
      code: 'PLAN_NOT_APPROVED',
      hint:
        plan.status === 'completed'
          ? `it already ran; check it with "sf-reconcile plan verify ${planId}"`
          : `have a second person approve it: "sf-reconcile plan approve ${planId} --by <name>"`,
    });
  }

  const leaseTtl = options.leaseTtlMs ?? 60_000;
  if (!options.dryRun) {
    const lease = await acquireLease(deps.db, planId, options.holder, leaseTtl, deps.now());
    if (!lease.acquired) {
      throw new UsageError(`plan ${planId} is being executed by ${lease.holder} (lease until ${lease.expiresAt})`, {
        code: 'PLAN_LEASED',
        hint: 'wait for that executor to finish; if it died, its lease expires by itself',
      });
    }
  }
  const runId = options.dryRun ? 0 : await startRun(deps.db, planId, options.holder, { ...options }, deps.now());
  const apiAtStart = deps.salesforce.apiCallsUsed();
  const counts = { applied: 0, failed: 0, stale: 0, skipped: 0, alreadyDone: 0 };
  const wouldSend = new Map<string, { kind: string; object: string; via: string; records: number }>();
  let canaryResult: ExecuteSummary['canary'] = null;
  let pauseReason: string | null = null;
  const userId = await deps.salesforce.userId();

  const record = async (outcomes: Omit<ItemOutcome, 'at'>[]) => {
    if (options.dryRun) return;
    await appendOutcomes(deps.db, planId, runId, outcomes, deps.now());
    if (!(await renewLease(deps.db, planId, options.holder, leaseTtl, deps.now()))) {
      throw new PausedError(`plan ${planId}: another executor took over this plan's lease`, { code: 'LEASE_LOST' });
    }
  };

  try {
    if (!options.dryRun) await deps.plans.journal(planId, 'executing', options.by, { runId });
    const latest = await latestOutcomes(deps.db, planId);

    // 1. Settle what a crash left `attempting`, before anything is re-sent.
    const attempting = [...latest.values()].filter((o) => o.state === 'attempting');
    if (attempting.length > 0 && !options.dryRun) {
      const items = await deps.plans.itemsById(planId, attempting.map((o) => o.itemId));
      const steps = items.flatMap((item) => {
        const o = latest.get(item.itemId)!;
        const step = stepsOfItem(item)[o.step];
        return step === undefined ? [] : [step];
      });
      for (const batch of batchSteps(steps, 200)) {
        const observed = await observeBatch(deps, batch);
        const settled: Omit<ItemOutcome, 'at'>[] = [];
        for (const step of batch.steps) {
          const seen = lookup(observed, step, latest.get(step.itemId)?.sfId ?? null);
          const verdict = settleAttempt(step, seen, userId, deps.salesforce.equal);
          const base = { itemId: step.itemId, step: step.step, canary: latest.get(step.itemId)?.canary ?? false, errorCode: null };
          if (verdict === 'applied') settled.push({ ...base, state: 'applied', sfId: seen?.id ?? step.sfId, message: 'settled after a restart: the write had been applied' });
          else if (verdict === 'stale') settled.push({ ...base, state: 'stale', sfId: seen?.id ?? step.sfId, message: 'settled after a restart: the record changed since the plan' });
        }
        await record(settled);
        for (const s of settled) latest.set(s.itemId, { ...s, at: '' });
        // Not-applied steps keep their `attempting` row; nextStep() sends them again.
      }
    }

    const progress = deps.progress(`plan ${planId}`, plan.itemCount);
    const bulkKinds = new Set((Object.entries(plan.writes) as [WriteKind, number][]).filter(([, n]) => options.bulk !== undefined && n > options.bulk.threshold).map(([kind]) => kind));
    const bulk = bulkKinds.size > 0 && options.bulk !== undefined ? { kinds: bulkKinds, jobSize: options.bulk.jobSize } : undefined;
    // A window holds a whole Bulk job's items, so each job is as large as the plan allows.
    const windowSize = Math.max(options.windowSize ?? Math.max(options.batchSize * 5, 1000), bulk?.jobSize ?? 0);

    // 2. The canary: the first N unfinished items go alone, then are verified before anything else is written.
    const canaryDone = [...latest.values()].some((o) => o.canary);
    let after = 0;
    const runWindow = async (items: PlanItem[], canary: boolean): Promise<void> => {
      const stepsByItem = new Map(items.map((item) => [item.itemId, stepsOfItem(item)]));
      for (;;) {
        const round: WriteStep[] = [];
        for (const item of items) {
          const step = nextStep(stepsByItem.get(item.itemId)!, latest.get(item.itemId));
          if (step !== null) round.push(step);
        }
        if (round.length === 0) return;
        for (const batch of batchSteps(round, options.batchSize, canary ? undefined : bulk)) {
          if (deps.signal.aborted) {
            pauseReason = 'stopped by a signal (SIGINT/SIGTERM) after the batch in flight was recorded';
            return;
          }
          const outcome = await runBatch(deps, batch, latest, userId, canary, options.dryRun, record, wouldSend);
          counts.applied += outcome.applied;
          counts.failed += outcome.failed;
          counts.stale += outcome.stale;
          progress.tick(outcome.finishedItems, counts.failed > 0 ? `failed ${counts.failed}` : undefined);
          if (outcome.pauseReason !== null) {
            pauseReason = outcome.pauseReason;
            return;
          }
        }
        if (options.dryRun) return; // one round shows what would be sent first
      }
    };

    if (options.canary > 0 && !canaryDone) {
      const canaryItems: PlanItem[] = [];
      while (canaryItems.length < options.canary) {
        const page = await deps.plans.items(planId, after, 500);
        if (page.length === 0) break;
        for (const item of page) {
          after = item.itemId;
          if (stepsOfItem(item).length > 0 && nextStep(stepsOfItem(item), latest.get(item.itemId)) !== null) {
            canaryItems.push(item);
            if (canaryItems.length >= options.canary) break;
          }
        }
      }
      await runWindow(canaryItems, true);
      if (pauseReason === null && !options.dryRun) {
        const problems = await verifyItems(deps, canaryItems, latest);
        canaryResult = { items: canaryItems.length, held: problems.length === 0 };
        if (problems.length > 0) {
          await deps.plans.journal(planId, 'failed', options.by, { runId, canary: 'failed', problems: problems.slice(0, 20) });
          throw new UsageError(
            `plan ${planId}: the canary did not hold (${problems.length} of ${canaryItems.length} items): ${problems[0]}`,
            { code: 'CANARY_FAILED', hint: `nothing else was written; investigate with "sf-reconcile plan verify ${planId}"` },
          );
        }
        if (options.pauseAfterCanary) {
          pauseReason = `the canary of ${canaryItems.length} item${canaryItems.length === 1 ? '' : 's'} held; waiting for a person's go-ahead`;
        }
      }
      after = 0; // the canary items are finished now; the main pass skips them
    }

    // 3. The rest, window by window, in item order.
    while (pauseReason === null) {
      const page = await deps.plans.items(planId, after, windowSize);
      if (page.length === 0) break;
      after = page[page.length - 1]!.itemId;
      const todo: PlanItem[] = [];
      for (const item of page) {
        const steps = stepsOfItem(item);
        if (steps.length === 0) continue;
        if (nextStep(steps, latest.get(item.itemId)) === null) counts.alreadyDone += 1;
        else todo.push(item);
      }
      await runWindow(todo, false);
      if (options.dryRun) break;
    }
    progress.done();

    const apiCalls = deps.salesforce.apiCallsUsed() - apiAtStart;
    const durationMs = deps.now().getTime() - started.getTime();
    const summary: ExecuteSummary = {
      planId,
      status: options.dryRun ? 'dry-run' : pauseReason === null ? 'completed' : 'paused',
      ...counts,
      apiCalls,
      durationMs,
      itemsPerSecond: durationMs > 0 ? Math.round(((counts.applied + counts.failed + counts.stale) * 1000) / durationMs) : 0,
      canary: canaryResult,
      ...(options.dryRun ? { wouldSend: [...wouldSend.values()] } : {}),
    };
    if (options.dryRun) return summary;
    if (pauseReason !== null) {
      await deps.plans.journal(planId, 'paused', options.by, { runId, reason: pauseReason, ...counts });
      await finishRun(deps.db, runId, 'paused', apiCalls, deps.now());
      throw new PausedError(`plan ${planId}: ${pauseReason}`, {
        code: 'EXECUTION_PAUSED',
        hint: `run "sf-reconcile plan execute ${planId}" again to resume where it stopped`,
        details: { summary },
      });
    }
    await deps.plans.journal(planId, 'completed', options.by, { runId, ...counts, apiCalls });
    await finishRun(deps.db, runId, 'completed', apiCalls, deps.now());
    return summary;
  } catch (error) {
    if (!options.dryRun && error instanceof PausedError && !(error.code === 'EXECUTION_PAUSED')) {
      // A pause raised below (API limits, Salesforce down): record it so status and resume work.
      await deps.plans.journal(planId, 'paused', options.by, { runId, reason: error.message }).catch(() => undefined);
      await finishRun(deps.db, runId, 'paused', deps.salesforce.apiCallsUsed() - apiAtStart, deps.now()).catch(() => undefined);
    }
    throw error;
  } finally {
    if (!options.dryRun) await releaseLease(deps.db, planId, options.holder).catch(() => undefined);
  }
}

type Observed = Awaited<ReturnType<ExecutorSalesforce['observe']>>;

async function observeBatch(deps: ExecuteDeps, batch: WriteBatch): Promise<Observed> {
  const ids = batch.steps.flatMap((s) => (s.sfId === null ? [] : [s.sfId]));
  const externalIds = batch.steps.flatMap((s) => (s.sfId === null ? [s.externalId] : []));
  const fields = [...new Set(batch.steps.flatMap((s) => [...Object.keys(s.after), ...(s.guard.kind === 'previous-step' ? Object.keys(s.guard.values) : [])]))]
    .filter((f) => f !== batch.externalIdField);
  return deps.salesforce.observe(batch.object, batch.externalIdField, fields, { ids, externalIds });
}

function lookup(observed: Observed, step: WriteStep, knownId: string | null): ObservedRecord | null {
  const id = step.sfId ?? knownId;
  if (id !== null) return observed.byId.get(id) ?? observed.byExternalId.get(step.externalId) ?? null;
  return observed.byExternalId.get(step.externalId) ?? null;
}

async function runBatch(
  deps: ExecuteDeps,
  batch: WriteBatch,
  latest: Map<number, ItemOutcome>,
  userId: string,
  canary: boolean,
  dryRun: boolean,
  record: (outcomes: Omit<ItemOutcome, 'at'>[]) => Promise<void>,
  wouldSend: Map<string, { kind: string; object: string; via: string; records: number }>,
): Promise<{ applied: number; failed: number; stale: number; finishedItems: number; pauseReason: string | null }> {
  const result = { applied: 0, failed: 0, stale: 0, finishedItems: 0, pauseReason: null as string | null };
  // Freshness: re-read right before writing; a record that moved since the plan is never written.
  const observed = await observeBatch(deps, batch);
  const fresh: WriteStep[] = [];
  const staleOutcomes: Omit<ItemOutcome, 'at'>[] = [];
  for (const step of batch.steps) {
    // A later replay step knows the Id the first step created.
    const knownId = latest.get(step.itemId)?.sfId ?? null;
    const seen = lookup(observed, step, knownId);
    const effective = step.sfId === null && knownId !== null && step.step > 0 ? { ...step, sfId: knownId } : step;
    if (checkFreshness(effective, seen, userId, deps.salesforce.equal) === 'fresh') fresh.push(effective);
    else {
      staleOutcomes.push({
        itemId: step.itemId,
        step: step.step,
        state: 'stale',
        sfId: seen?.id ?? step.sfId,
        errorCode: null,
        message: 'the record changed since the plan was made; re-scan and re-plan',
        canary,
      });
    }
  }
  result.stale = staleOutcomes.length;
  result.finishedItems += staleOutcomes.length;
  if (dryRun) {
    const key = `${batch.kind}\u0000${batch.object}\u0000${batch.via}`;
    const entry = wouldSend.get(key) ?? { kind: batch.kind, object: batch.object, via: batch.via, records: 0 };
    entry.records += fresh.length;
    wouldSend.set(key, entry);
    return result;
  }
  await record(staleOutcomes);
  for (const s of staleOutcomes) latest.set(s.itemId, { ...s, at: '' });
  if (fresh.length === 0) return result;

  const attempting = fresh.map((step) => ({
    itemId: step.itemId,
    step: step.step,
    state: 'attempting' as const,
    sfId: step.sfId,
    errorCode: null,
    message: null,
    canary,
  }));
  await record(attempting);
  for (const a of attempting) latest.set(a.itemId, { ...a, at: '' });

  let results: WriteResult[];
  try {
    results = await deps.salesforce.write({ ...batch, steps: fresh });
  } catch (error) {
    if (error instanceof PausedError) throw error; // API limits: the attempting rows settle on resume
    const message = (error as Error).message;
    const reason = deps.breaker.record({ kind: 'unavailable-after-retries', message });
    throw new PausedError(`Salesforce did not accept the batch: ${reason ?? message}`, { code: 'SALESFORCE_UNAVAILABLE', cause: error });
  }
  const outcomes: Omit<ItemOutcome, 'at'>[] = [];
  fresh.forEach((step, i) => {
    const r = results[i] ?? { success: false, id: null, errorCode: 'NO_RESULT', message: 'Salesforce returned no result for this record' };
    if (r.success) {
      outcomes.push({ itemId: step.itemId, step: step.step, state: 'applied', sfId: r.id ?? step.sfId, errorCode: null, message: null, canary });
      result.applied += step.lastStep ? 1 : 0;
      if (step.lastStep) result.finishedItems += 1;
      const reason = deps.breaker.record({ kind: 'ok' });
      if (reason !== null) result.pauseReason ??= reason;
    } else {
      outcomes.push({ itemId: step.itemId, step: step.step, state: 'failed', sfId: step.sfId, errorCode: r.errorCode, message: r.message, canary });
      result.failed += 1;
      result.finishedItems += 1;
      const reason = deps.breaker.record({ kind: 'record-failure', errorCode: r.errorCode ?? 'UNKNOWN' });
      if (reason !== null) result.pauseReason ??= reason;
    }
  });
  await record(outcomes);
  for (const o of outcomes) latest.set(o.itemId, { ...o, at: '' });
  return result;
}

/** Re-reads items' records and lists every applied item whose final targets do not hold. */
export async function verifyItems(deps: Pick<ExecuteDeps, 'salesforce'>, items: readonly PlanItem[], latest: Map<number, ItemOutcome>): Promise<string[]> {
  const problems: string[] = [];
  const finalSteps = items.flatMap((item) => {
    const o = latest.get(item.itemId);
    const steps = stepsOfItem(item);
    const last = steps[steps.length - 1];
    if (o === undefined || last === undefined || o.state !== 'applied' || o.step !== last.step) {
      if (o?.state === 'failed') problems.push(`item ${item.itemId} (${item.object} ${item.externalId}) failed: ${o.errorCode ?? ''} ${o.message ?? ''}`.trim());
      return [];
    }
    // Read back every field the item changes, not only the last step's.
    const after = Object.fromEntries(item.changes.map((c) => [c.field, c.target]));
    return [{ ...last, sfId: o.sfId ?? last.sfId, after, target: item }];
  });
  for (const batch of batchSteps(finalSteps, 200)) {
    const observed = await observeBatch(deps as ExecuteDeps, batch);
    for (const step of batch.steps) {
      const seen = lookup(observed, step, step.sfId);
      const item = (step as WriteStep & { target: PlanItem }).target;
      if (item.action === 'delete') {
        if (seen !== null && !seen.isDeleted) problems.push(`item ${item.itemId} (${item.object} ${item.externalId}) still exists`);
        continue;
      }
      if (seen === null || seen.isDeleted) {
        problems.push(`item ${item.itemId} (${item.object} ${item.externalId}) is missing in Salesforce`);
        continue;
      }
      for (const change of item.changes) {
        if (!deps.salesforce.equal(item.object, change.field, change.target, seen.fields[change.field] ?? null)) {
          problems.push(
            `item ${item.itemId} (${item.object} ${item.externalId}) ${change.field} is ${JSON.stringify(seen.fields[change.field] ?? null)}, expected ${JSON.stringify(change.target)}`,
          );
        }
      }
    }
  }
  return problems;
}

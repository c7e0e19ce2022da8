import type { Kysely, Selectable } from 'kysely';
import type { ExecutionItemOutcomeRow } from './schema/executions.js';
import type { Database } from './schema/index.js';

/** A step's recorded state. `attempting` is written before a batch is sent; the others after. */
export type OutcomeState = 'attempting' | 'applied' | 'failed' | 'stale' | 'skipped';

export interface ItemOutcome {
  itemId: number;
  step: number;
  state: OutcomeState;
  sfId: string | null;
  errorCode: string | null;
  message: string | null;
  canary: boolean;
  at: string;
}

export interface LeaseResult {
  acquired: boolean;
  /** The holder now (ours when acquired). */
  holder: string;
  expiresAt: string;
}

/**
 * Takes the plan's lease unless another live holder has it. A lease whose expiry passed belongs to a dead
 * executor and is taken over. Runs in a transaction so two executors cannot both win.
 */
export async function acquireLease(
  db: Kysely<Database>,
  planId: number,
  holder: string,
  ttlMs: number,
  now: Date,
): Promise<LeaseResult> {
  const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('plan_leases').selectAll().where('plan_id', '=', planId).executeTakeFirst();
    if (current === undefined) {
      await trx.insertInto('plan_leases').values({ plan_id: planId, holder, expires_at: expiresAt }).execute();
      return { acquired: true, holder, expiresAt };
    }
    if (current.holder !== holder && current.expires_at > now.toISOString()) {
      return { acquired: false, holder: current.holder, expiresAt: current.expires_at };
    }
    await trx
      .updateTable('plan_leases')
      .set({ holder, expires_at: expiresAt })
      .where('plan_id', '=', planId)
      .where('holder', '=', current.holder)
      .execute();
    return { acquired: true, holder, expiresAt };
  });
}

/** Extends our lease; false when it was taken over (we were presumed dead) and we must stop. */
export async function renewLease(db: Kysely<Database>, planId: number, holder: string, ttlMs: number, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('plan_leases')
    .set({ expires_at: new Date(now.getTime() + ttlMs).toISOString() })
    .where('plan_id', '=', planId)
    .where('holder', '=', holder)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function releaseLease(db: Kysely<Database>, planId: number, holder: string): Promise<void> {
  await db.deleteFrom('plan_leases').where('plan_id', '=', planId).where('holder', '=', holder).execute();
}

export async function startRun(
  db: Kysely<Database>,
  planId: number,
  holder: string,
  options: Record<string, unknown>,
  now: Date,
): Promise<number> {
  const row = await db
    .insertInto('execution_runs')
    .values({ plan_id: planId, holder, started_at: now.toISOString(), options_json: JSON.stringify(options), finished_at: null, outcome: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function finishRun(db: Kysely<Database>, runId: number, outcome: string, apiCalls: number, now: Date): Promise<void> {
  await db
    .updateTable('execution_runs')
    .set({ finished_at: now.toISOString(), outcome, api_calls: apiCalls })
    .where('id', '=', runId)
    .execute();
}

export interface ExecutionRun {
  id: number;
  planId: number;
  holder: string;
  startedAt: string;
  finishedAt: string | null;
  outcome: string | null;
  apiCalls: number;
}

export async function listRuns(db: Kysely<Database>, planId: number): Promise<ExecutionRun[]> {
  const rows = await db.selectFrom('execution_runs').selectAll().where('plan_id', '=', planId).orderBy('id').execute();
  return rows.map((r) => ({
    id: r.id,
    planId: r.plan_id,
    holder: r.holder,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    outcome: r.outcome,
    apiCalls: r.api_calls,
  }));
}

/** Appends outcomes in one transaction (the journal is append-only: a state change is a new row). */
export async function appendOutcomes(
  db: Kysely<Database>,
  planId: number,
  runId: number,
  outcomes: readonly Omit<ItemOutcome, 'at'>[],
  now: Date,
): Promise<void> {
  if (outcomes.length === 0) return;
  const at = now.toISOString();
  await db.transaction().execute(async (trx) => {
    // Chunked so one statement stays under every dialect's bound-parameter limit.
    for (let i = 0; i < outcomes.length; i += 500) {
      await trx
        .insertInto('execution_item_outcomes')
        .values(
          outcomes.slice(i, i + 500).map((o) => ({
            plan_id: planId,
            item_id: o.itemId,
            step: o.step,
            run_id: runId,
            state: o.state,
            at,
            sf_id: o.sfId,
            error_code: o.errorCode,
            message: o.message,
            canary: o.canary ? 1 : 0,
          })),
        )
        .execute();
    }
  });
}

/** Each item's latest outcome (its current state), keyed by item id. */
export async function latestOutcomes(db: Kysely<Database>, planId: number): Promise<Map<number, ItemOutcome>> {
  const latest = new Map<number, ItemOutcome>();
  let after = 0;
  // Paged by row id; later rows overwrite earlier ones, so the map ends with each item's latest state.
  for (;;) {
    const rows = await db
      .selectFrom('execution_item_outcomes')
      .selectAll()
      .where('plan_id', '=', planId)
      .where('id', '>', after)
      .orderBy('id')
      .limit(5000)
      .execute();
    for (const r of rows) latest.set(r.item_id, toOutcome(r));
    if (rows.length < 5000) break;
    after = rows[rows.length - 1]!.id;
  }
  return latest;
}

/** Every outcome row of an item, oldest first (for audits and the kill test). */
export async function outcomeHistory(db: Kysely<Database>, planId: number): Promise<(ItemOutcome & { runId: number })[]> {
  const rows = await db.selectFrom('execution_item_outcomes').selectAll().where('plan_id', '=', planId).orderBy('id').execute();
  return rows.map((r) => ({ ...toOutcome(r), runId: r.run_id }));
}

function toOutcome(r: Selectable<ExecutionItemOutcomeRow>): ItemOutcome {
  return {
    itemId: r.item_id,
    step: r.step,
    state: r.state as OutcomeState,
    sfId: r.sf_id,
    errorCode: r.error_code,
    message: r.message,
    canary: r.canary === 1,
    at: r.at,
  };
}

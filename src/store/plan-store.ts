import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { PlanItem, PlanStatus } from '../domain/plan.js';
import { UsageError } from '../errors.js';
import { PlanHasher, planItemJson, type PlanHeader } from '../plan/hash-plan.js';
import { emptyStoredItems, type PlanTotals, type StoredPlanItems } from '../plan/plan-stages.js';
import type { Database } from './schema/index.js';
import { seekPages, type KeyedJson } from './seek-pages.js';
import { statement } from './sqlite-statements.js';

export interface PlanRecord extends PlanHeader {
  hash: string;
  totals: PlanTotals;
  estimate: Record<string, unknown>;
  parentPlanId: number | null;
}

export type { PlanTotals };

export interface JournalEntry {
  at: string;
  by: string;
  status: PlanStatus | 'note';
  details: Record<string, unknown>;
}

export interface Approval {
  by: string;
  at: string;
  planHash: string;
  excludedItems: number[];
  selfApproval: boolean;
  forced: boolean;
}

/** Starts a plan: the header row; items follow, then `sealPlan` stores hash and totals. */
export async function insertPlanHeader(db: Kysely<Database>, input: Omit<PlanHeader, 'id'> & { parentPlanId?: number | null }): Promise<number> {
  const row = await db
    .insertInto('plans')
    .values({
      incident_id: input.incidentId, snapshot_id: input.snapshotId, created_by: input.createdBy, created_at: input.createdAt,
      config_hash: input.configHash, hash: null, totals_json: null, estimate_json: null, parent_plan_id: input.parentPlanId ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Stores items in one transaction, each as its canonical JSON (`json[i]` when the caller already made it for
 * the hash).
 */
export async function insertPlanItems(db: Kysely<Database>, planId: number, items: readonly PlanItem[], options: { json?: readonly string[]; sqlite?: Sqlite | null } = {}): Promise<void> {
  const stored = emptyStoredItems();
  items.forEach((item, i) => {
    stored.itemId.push(item.itemId);
    stored.object.push(item.object);
    stored.externalId.push(item.externalId);
    stored.action.push(item.action);
    stored.json.push(options.json?.[i] ?? planItemJson(item));
  });
  await insertStoredPlanItems(db, planId, stored, options.sqlite ?? null);
}

/** Stores decided items in one transaction: with the SQLite handle through one prepared statement, else kysely. */
export async function insertStoredPlanItems(db: Kysely<Database>, planId: number, items: StoredPlanItems, sqlite: Sqlite | null = null): Promise<void> {
  const n = items.json.length;
  if (n === 0) return;
  const { itemId, object, externalId, action, json } = items;
  if (sqlite !== null) {
    const st = statement(sqlite, 'INSERT INTO plan_items (plan_id, item_id, object, external_id, action, item_json) VALUES (?, ?, ?, ?, ?, ?)');
    sqlite.transaction(() => {
      for (let i = 0; i < n; i++) st.run(planId, itemId[i], object[i], externalId[i], action[i], json[i]);
    }).immediate();
    return;
  }
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < n; i += 500) {
      const rows = [];
      for (let j = i; j < Math.min(n, i + 500); j++) rows.push({ plan_id: planId, item_id: itemId[j]!, object: object[j]!, external_id: externalId[j]!, action: action[j]!, item_json: json[j]! });
      await trx.insertInto('plan_items').values(rows).execute();
    }
  });
}

/** The plan's items as stored (canonical JSON), a page at a time in item order: what an export formats. */
export function planItemJsonPages(db: Kysely<Database>, planId: number, sqlite: Sqlite | null = null, pageSize = 2000): AsyncGenerator<string[]> {
  // Rows as arrays on SQLite: building an object per row cost more than reading it.
  const read = async (after: number): Promise<KeyedJson[]> =>
    sqlite !== null
      ? (statement(sqlite, 'SELECT item_id, item_json FROM plan_items WHERE plan_id = ? AND item_id > ? ORDER BY item_id LIMIT ?').raw(true).all(planId, after, pageSize) as KeyedJson[])
      : (await db.selectFrom('plan_items').select(['item_id', 'item_json']).where('plan_id', '=', planId).where('item_id', '>', after).orderBy('item_id').limit(pageSize).execute()).map((r) => [r.item_id, r.item_json]);
  return seekPages(read, 0, pageSize);
}

type Sqlite = BetterSqlite3.Database;

/** Completes creation: hash, totals, estimate, and the `created` journal entry, in one transaction. */
export async function sealPlan(db: Kysely<Database>, planId: number, hash: string, totals: PlanTotals, estimate: Record<string, unknown>, by: string, at: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('plans').set({ hash, totals_json: JSON.stringify(totals), estimate_json: JSON.stringify(estimate) }).where('id', '=', planId).where('hash', 'is', null).execute();
    await trx.insertInto('plan_journal').values({ plan_id: planId, at, by, status: 'created', details_json: JSON.stringify({ hash }) }).execute();
  });
}

/** The plan, or a UsageError (exit 2). A plan whose creation never finished does not exist. */
export async function getPlan(db: Kysely<Database>, planId: number): Promise<PlanRecord> {
  const r = Number.isSafeInteger(planId) ? await db.selectFrom('plans').selectAll().where('id', '=', planId).where('hash', 'is not', null).executeTakeFirst() : undefined;
  if (r === undefined) throw new UsageError(`there is no plan ${String(planId)}`, { code: 'PLAN_NOT_FOUND', hint: 'create one with "sf-reconcile plan create <incident>"' });
  return {
    id: r.id, incidentId: r.incident_id, snapshotId: r.snapshot_id, createdBy: r.created_by, createdAt: r.created_at, configHash: r.config_hash,
    hash: r.hash!, totals: JSON.parse(r.totals_json ?? '{}') as PlanTotals, estimate: JSON.parse(r.estimate_json ?? '{}') as Record<string, unknown>, parentPlanId: r.parent_plan_id,
  };
}

export async function listPlans(db: Kysely<Database>, filter: { status?: PlanStatus[] } = {}): Promise<(PlanRecord & { status: PlanStatus })[]> {
  const rows = await db.selectFrom('plans').select('id').where('hash', 'is not', null).orderBy('id').execute();
  const out: (PlanRecord & { status: PlanStatus })[] = [];
  for (const r of rows) {
    const plan = await getPlan(db, r.id);
    const status = await planStatus(db, r.id);
    if (filter.status === undefined || filter.status.includes(status)) out.push({ ...plan, status });
  }
  return out;
}

/** Items with an id above `afterItemId`, in id order. */
export async function planItemsPage(db: Kysely<Database>, planId: number, afterItemId: number, limit: number): Promise<PlanItem[]> {
  const rows = await db.selectFrom('plan_items').select('item_json').where('plan_id', '=', planId).where('item_id', '>', afterItemId).orderBy('item_id').limit(limit).execute();
  return rows.map((r) => JSON.parse(r.item_json) as PlanItem);
}

export async function planItemsById(db: Kysely<Database>, planId: number, ids: readonly number[]): Promise<PlanItem[]> {
  const out: PlanItem[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom('plan_items').select('item_json').where('plan_id', '=', planId).where('item_id', 'in', ids.slice(i, i + 500)).orderBy('item_id').execute();
    out.push(...rows.map((r) => JSON.parse(r.item_json) as PlanItem));
  }
  return out;
}

export async function* iteratePlanItems(db: Kysely<Database>, planId: number, pageSize = 2000): AsyncGenerator<PlanItem> {
  for await (const page of planItemJsonPages(db, planId, null, pageSize)) for (const json of page) yield JSON.parse(json) as PlanItem;
}

/**
 * Recomputes the hash from what is stored now: a changed item or header no longer matches. Items are stored
 * in canonical form, so their stored text is hashed as it is; a plan whose text is not canonical (written by
 * an older version) is checked again by re-serialising each item.
 */
export async function verifyPlanHash(db: Kysely<Database>, plan: PlanRecord, sqlite: Sqlite | null = null): Promise<boolean> {
  const header = { id: plan.id, incidentId: plan.incidentId, snapshotId: plan.snapshotId, createdBy: plan.createdBy, createdAt: plan.createdAt, configHash: plan.configHash };
  const rehash = async (reserialise: boolean) => {
    const hasher = new PlanHasher(header);
    for await (const page of planItemJsonPages(db, plan.id, sqlite)) {
      if (reserialise) for (const json of page) hasher.add(JSON.parse(json) as PlanItem);
      else hasher.addJsonPage(page);
    }
    return hasher.digest();
  };
  return (await rehash(false)) === plan.hash || (await rehash(true)) === plan.hash;
}

export async function appendJournal(db: Kysely<Database>, planId: number, entry: Omit<JournalEntry, 'at'>, now: Date): Promise<void> {
  await db.insertInto('plan_journal').values({ plan_id: planId, at: now.toISOString(), by: entry.by, status: entry.status, details_json: JSON.stringify(entry.details) }).execute();
}

export async function planJournal(db: Kysely<Database>, planId: number): Promise<JournalEntry[]> {
  const rows = await db.selectFrom('plan_journal').selectAll().where('plan_id', '=', planId).orderBy('id').execute();
  return rows.map((r) => ({ at: r.at, by: r.by, status: r.status as JournalEntry['status'], details: JSON.parse(r.details_json) as Record<string, unknown> }));
}

/** What `plan verify` found, kept in the journal as a note (verifying changes nothing, so not a status). */
export interface Verification {
  at: string;
  by: string;
  checked: number;
  residualDrift: number;
}

export async function recordVerification(db: Kysely<Database>, planId: number, by: string, result: { checked: number; residualDrift: number }, now: Date): Promise<void> {
  await appendJournal(db, planId, { by, status: 'note', details: { verified: { checked: result.checked, residualDrift: result.residualDrift } } }, now);
}

/** The plan's latest verification, or null if nobody verified it. */
export async function latestVerification(db: Kysely<Database>, planId: number): Promise<Verification | null> {
  const journal = await planJournal(db, planId);
  for (let i = journal.length - 1; i >= 0; i--) {
    const v = verificationOf(journal[i]!);
    if (v !== null) return v;
  }
  return null;
}

export function verificationOf(entry: JournalEntry): Verification | null {
  const v = entry.status === 'note' ? (entry.details.verified as { checked?: unknown; residualDrift?: unknown } | undefined) : undefined;
  if (v === undefined || typeof v.checked !== 'number' || typeof v.residualDrift !== 'number') return null;
  return { at: entry.at, by: entry.by, checked: v.checked, residualDrift: v.residualDrift };
}

/** The current status: the last status-changing entry of the journal ('exported' keeps a plan reviewable). */
export async function planStatus(db: Kysely<Database>, planId: number): Promise<PlanStatus> {
  const rows = await db.selectFrom('plan_journal').select('status').where('plan_id', '=', planId).where('status', '!=', 'note').orderBy('id', 'desc').execute();
  for (const r of rows) {
    if (r.status === 'exported') continue; // exporting does not change what may happen next
    return r.status as PlanStatus;
  }
  return 'created';
}

/** Records the approval and its journal entry together; a second approval of the plan is refused (unique index). */
export async function recordApproval(db: Kysely<Database>, planId: number, approval: Approval): Promise<void> {
  try {
    await insertApproval(db, planId, approval);
  } catch (error) {
    if (/UNIQUE|unique|duplicate key/.test((error as Error).message)) {
      throw new UsageError(`plan ${planId} is already approved`, { code: 'PLAN_ALREADY_APPROVED', hint: `see its state with "sf-reconcile plan show ${planId}"` });
    }
    throw error;
  }
}

async function insertApproval(db: Kysely<Database>, planId: number, approval: Approval): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('plan_approvals')
      .values({ plan_id: planId, by: approval.by, at: approval.at, plan_hash: approval.planHash, excluded_items_json: JSON.stringify(approval.excludedItems), self_approval: approval.selfApproval ? 1 : 0, forced: approval.forced ? 1 : 0 })
      .execute();
    await trx
      .insertInto('plan_journal')
      .values({ plan_id: planId, at: approval.at, by: approval.by, status: 'approved', details_json: JSON.stringify({ planHash: approval.planHash, excludedItems: approval.excludedItems.length, selfApproval: approval.selfApproval, forced: approval.forced }) })
      .execute();
  });
}

export async function latestApproval(db: Kysely<Database>, planId: number): Promise<Approval | null> {
  const r = await db.selectFrom('plan_approvals').selectAll().where('plan_id', '=', planId).orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (r === undefined) return null;
  return { by: r.by, at: r.at, planHash: r.plan_hash, excludedItems: JSON.parse(r.excluded_items_json) as number[], selfApproval: r.self_approval === 1, forced: r.forced === 1 };
}

import { userInfo } from 'node:os';
import type { Kysely } from 'kysely';
import type { LoadedConfig } from '../config/config.js';
import type { PlanItem } from '../domain/plan.js';
import type { FieldRule } from '../scan/diff.js';
import { insertPlanHeader, insertPlanItems, sealPlan, type PlanTotals } from '../store/plan-store.js';
import type { Store } from '../store/open-store.js';
import type { Database } from '../store/schema/index.js';
import { loadScannedRecords } from '../store/snapshot-store.js';
import { decideRecord } from './decide.js';
import { estimateWithConfig, type PlanEstimate } from './estimate.js';
import { PlanHasher, type PlanHeader } from './hash-plan.js';
import type { PlanCsvWriter } from './plan-csv.js';
import type { ScannedRecord } from '../domain/drift.js';

export interface CreatePlanDeps {
  db: Kysely<Database>;
  /** The SQLite handle where the store is SQLite: items are stored through its fast path. */
  sqlite?: Store['sqlite'];
  config: LoadedConfig;
  now(): Date;
}

export interface CreatedPlan {
  planId: number;
  incidentId: number;
  snapshotId: number;
  hash: string;
  createdBy: string;
  totals: PlanTotals;
  estimate: PlanEstimate;
}

export function defaultActor(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

function emptyTotals(): PlanTotals {
  return { items: 0, byAction: {}, byObject: {}, fieldChanges: 0, writes: { upsert: 0, update: 0, delete: 0 } };
}

export function addToTotals(totals: PlanTotals, item: PlanItem): void {
  totals.items += 1;
  totals.byAction[item.action] = (totals.byAction[item.action] ?? 0) + 1;
  const o = (totals.byObject[item.object] ??= {});
  o[item.action] = (o[item.action] ?? 0) + 1;
  totals.fieldChanges += item.changes.length;
  if (item.action === 'replay' || item.action === 'create') totals.writes.upsert += item.replay.length;
  if (item.action === 'patch') totals.writes.update += 1;
  if (item.action === 'delete') totals.writes.delete += 1;
}

/**
 * Turns the incident's latest scan into an immutable plan: decides every record, stores the numbered items
 * in pages, hashes them as they go, and seals the plan. Streams: memory does not grow with the scan's size.
 */
export async function createPlan(
  deps: CreatePlanDeps,
  incidentId: number,
  createdBy: string,
  options: { csv?: (planId: number) => Promise<PlanCsvWriter> } = {},
): Promise<CreatedPlan & { csvRows?: number }> {
  const { incident, snapshot, records } = await loadScannedRecords(deps.db, incidentId);
  const createdAt = deps.now().toISOString();
  const header = { incidentId: incident.id, snapshotId: snapshot.id, createdBy, createdAt, configHash: deps.config.hash };
  const planId = await insertPlanHeader(deps.db, header);
  // `plan create --out`: the review CSV is written in the same pass as the items.
  const csv = options.csv === undefined ? null : await options.csv(planId);
  try {
    const rules = (snapshot.summary.fieldRules ?? {}) as Record<string, Record<string, FieldRule>>;
    const created = await storeItems(deps, planId, header, records, rules, csv);
    return csv === null ? created : { ...created, csvRows: await csv.close() };
  } catch (error) {
    await csv?.discard();
    throw error;
  }
}

async function storeItems(
  deps: CreatePlanDeps,
  planId: number,
  header: Omit<PlanHeader, 'id'>,
  records: AsyncIterable<ScannedRecord>,
  rules: Record<string, Record<string, FieldRule>>,
  csv: PlanCsvWriter | null,
): Promise<CreatedPlan> {
  const { incidentId, snapshotId, createdBy, createdAt } = header;
  const hasher = new PlanHasher({ id: planId, ...header });
  const totals = emptyTotals();
  let page: PlanItem[] = [];
  let json: string[] = [];
  let nextId = 1;
  const store = { sqlite: deps.sqlite ?? null };
  for await (const record of records) {
    const cfg = deps.config.config.objects[record.key.object];
    const decisions = decideRecord(record, { conflict: cfg?.conflict ?? 'manual', coalesce: cfg?.replay?.coalesce ?? false, rules: rules[record.key.object] ?? {} });
    for (const d of decisions) {
      const item: PlanItem = { itemId: nextId++, ...d };
      json.push(hasher.add(item));
      addToTotals(totals, item);
      page.push(item);
      if (csv !== null) await csv.add(item);
    }
    if (page.length >= 2000) {
      await insertPlanItems(deps.db, planId, page, { json, ...store });
      page = [];
      json = [];
    }
  }
  await insertPlanItems(deps.db, planId, page, { json, ...store });
  const hash = hasher.digest();
  const estimate = estimateWithConfig(totals.writes, deps.config.config);
  await sealPlan(deps.db, planId, hash, totals, estimate as unknown as Record<string, unknown>, createdBy, createdAt);
  return { planId, incidentId, snapshotId, hash, createdBy, totals, estimate };
}

/**
 * The planner's CPU work, free of I/O, in two stages that run on the main thread or on worker threads
 * (plan-threads.ts) with the same results:
 * - deciding: stored scan records (JSON) in, plan items out in canonical JSON (what is hashed and stored)
 *   around the item id, which the storing thread fills in page order, with the page's totals;
 * - formatting: stored items in, review CSV text out (row hashes, csv-stringify).
 */
import { stringify } from 'csv-stringify/sync';
import type { ConflictPolicy } from '../config/config.js';
import type { PlanItem } from '../domain/plan.js';
import type { FieldRule } from '../scan/diff.js';
import { recordFromJson } from '../scan/snapshot-record.js';
import { decideRecord } from './decide.js';
import { planItemJsonParts } from './hash-plan.js';
import { planRows, rowHash } from './plan-csv.js';

export interface PlanTotals {
  items: number;
  byAction: Record<string, number>;
  byObject: Record<string, Record<string, number>>;
  fieldChanges: number;
  writes: { upsert: number; update: number; delete: number };
}

export function emptyTotals(): PlanTotals {
  return { items: 0, byAction: {}, byObject: {}, fieldChanges: 0, writes: { upsert: 0, update: 0, delete: 0 } };
}

export function addToTotals(totals: PlanTotals, item: Omit<PlanItem, 'itemId'>): void {
  totals.items += 1;
  totals.byAction[item.action] = (totals.byAction[item.action] ?? 0) + 1;
  const o = (totals.byObject[item.object] ??= {});
  o[item.action] = (o[item.action] ?? 0) + 1;
  totals.fieldChanges += item.changes.length;
  if (item.action === 'replay' || item.action === 'create') totals.writes.upsert += item.replay.length;
  if (item.action === 'patch') totals.writes.update += 1;
  if (item.action === 'delete') totals.writes.delete += 1;
}

/** Adds a page's totals into the plan's. */
export function mergeTotals(into: PlanTotals, page: PlanTotals): void {
  into.items += page.items;
  for (const [action, n] of Object.entries(page.byAction)) into.byAction[action] = (into.byAction[action] ?? 0) + n;
  for (const [object, byAction] of Object.entries(page.byObject)) {
    const o = (into.byObject[object] ??= {});
    for (const [action, n] of Object.entries(byAction)) o[action] = (o[action] ?? 0) + n;
  }
  into.fieldChanges += page.fieldChanges;
  into.writes.upsert += page.writes.upsert;
  into.writes.update += page.writes.update;
  into.writes.delete += page.writes.delete;
}

/** What deciding needs besides the records: plain data, so it can be handed to a worker thread. */
export interface DecideContext {
  planId: number;
  /** Per object: its conflict policy and whether replays are coalesced; objects not listed get the defaults. */
  policies: Record<string, { conflict: ConflictPolicy; coalesce: boolean }>;
  /** Per object, the scan's comparison rules by field. */
  rules: Record<string, Record<string, FieldRule>>;
}

/**
 * Plan items as stored: their canonical JSON and the columns beside it, by column (the i-th of each array
 * is one item), which crosses between threads at a fraction of the cost of an object per item.
 */
export interface StoredPlanItems {
  itemId: number[];
  object: string[];
  externalId: string[];
  action: string[];
  json: string[];
}

export function emptyStoredItems(): StoredPlanItems {
  return { itemId: [], object: [], externalId: [], action: [], json: [] };
}

/** Decided items before they are numbered: each one's canonical JSON is `${head[i]}${itemId}${tail[i]}`. */
export interface DecidedItems {
  object: string[];
  externalId: string[];
  action: string[];
  head: string[];
  tail: string[];
}

export interface DecidedPage {
  items: DecidedItems;
  totals: PlanTotals;
}

const DEFAULT_POLICY = { conflict: 'manual', coalesce: false } as const;

/**
 * Decides a page of stored scan records. Pages are independent (several threads may decide them at once);
 * their items are numbered in page order afterwards (`numberItems`).
 */
export function decidePage(context: DecideContext, records: readonly string[]): DecidedPage {
  const { policies, rules } = context;
  const items: DecidedItems = { object: [], externalId: [], action: [], head: [], tail: [] };
  const totals = emptyTotals();
  for (const json of records) {
    const record = recordFromJson(json);
    const object = record.key.object;
    const policy = policies[object] ?? DEFAULT_POLICY;
    for (const d of decideRecord(record, { conflict: policy.conflict, coalesce: policy.coalesce, rules: rules[object] ?? {} })) {
      const [head, tail] = planItemJsonParts(d);
      items.object.push(d.object);
      items.externalId.push(d.externalId);
      items.action.push(d.action);
      items.head.push(head);
      items.tail.push(tail);
      addToTotals(totals, d);
    }
  }
  return { items, totals };
}

/** Numbers a page's items from `firstItemId`: what is hashed and stored. */
export function numberItems(items: DecidedItems, firstItemId: number): StoredPlanItems {
  const n = items.head.length;
  const itemId = new Array<number>(n);
  const json = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    itemId[i] = firstItemId + i;
    json[i] = `${items.head[i]!}${firstItemId + i}${items.tail[i]!}`;
  }
  return { itemId, object: items.object, externalId: items.externalId, action: items.action, json };
}

/** CSV text (no header) and how many rows it holds. */
export interface FormattedRows {
  text: string;
  rows: number;
}

/** Review rows as CSV text: each row with an empty decision cell and its row hash. */
function formatReviewRows(rows: readonly string[][]): FormattedRows {
  const complete = new Array<string[]>(rows.length);
  // The cells are already neutralised (planRows); the row hash is hex and the decision empty.
  for (let i = 0; i < rows.length; i++) complete[i] = [...rows[i]!, '', rowHash(rows[i]!)];
  return { text: complete.length === 0 ? '' : stringify(complete), rows: complete.length };
}

/** Plan items as review CSV text. */
export function formatPlanItems(planId: number, items: Iterable<PlanItem>): FormattedRows {
  const rows: string[][] = [];
  for (const item of items) for (const cells of planRows(planId, item)) rows.push(cells);
  return formatReviewRows(rows);
}

/** Stored items (canonical JSON) as review CSV text. */
export function formatStoredItems(planId: number, items: readonly string[]): FormattedRows {
  return formatPlanItems(planId, items.map((json) => JSON.parse(json) as PlanItem));
}

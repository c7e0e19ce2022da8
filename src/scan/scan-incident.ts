import type { Kysely } from 'kysely';
import type { Config } from '../config/config.js';
import type { ActualRecord, FieldHistoryEntry, Incident, RecordDiff, ScannedRecord } from '../domain/drift.js';
import type { StoredEvent } from '../domain/event.js';
import { recordKeyId, type RecordKey } from '../domain/record-key.js';
import { toId18 } from '../domain/salesforce-id.js';
import type { FieldValue } from '../domain/values.js';
import { ConfigError, UsageError } from '../errors.js';
import type { Progress } from '../cli/progress.js';
import type { SalesforceClient } from '../salesforce/index.js';
import { soqlName } from '../salesforce/soql.js';
import { knownExternalIds, loadEventsForKeys, sampleEvents } from '../store/event-store.js';
import { getIncident } from '../store/incident-store.js';
import type { Store } from '../store/open-store.js';
import type { Database } from '../store/schema/index.js';
import {
  addSnapshotKeys, appendScanRows, appendSnapshotRecords, collectWindowKeys, completeSnapshot, countSnapshotKeys, createSnapshot, deleteScanRows, scanRowsForKeys, snapshotKeysPage,
} from '../store/snapshot-store.js';
import { diffRecord, editedByPersonAfter, isNumericType, type FieldRule } from './diff.js';
import { foldRecord, inFoldOrder } from './fold.js';

export interface ScanDeps {
  db: Kysely<Database>;
  salesforce: SalesforceClient;
  config: Config;
  now(): Date;
  progress(label: string, total?: number): Progress;
  /** The SQLite handle where the store is SQLite: event reads take its fast path. */
  sqlite?: Store['sqlite'];
}

export interface ScanOptions {
  /** Also ask Salesforce which records changed in the window (SystemModstamp); default true. */
  sfScan: boolean;
  /** Records handled together: bounds memory. */
  batchSize?: number;
}

export interface ScanSummary {
  incidentId: number;
  snapshotId: number;
  records: number;
  byClass: Record<string, number>;
  byObject: Record<string, Record<string, number>>;
  conflictCandidates: number;
  fromSalesforceScan: number;
  /** Objects fetched by one Bulk API 2.0 export instead of IN-list queries. */
  exportedObjects: string[];
  apiCalls: number;
  durationMs: number;
  /** keys: listing the affected record keys; read: loading their events; store: writing the snapshot. */
  timings: { keysMs: number; readMs: number; foldMs: number; fetchMs: number; diffMs: number; storeMs: number };
  /** Per object, the comparison rule of each owned field (describe type, scale, config): the planner compares with them. */
  fieldRules: Record<string, Record<string, FieldRule>>;
}

const SYSTEM_FIELDS = ['Id', 'IsDeleted', 'LastModifiedDate', 'LastModifiedById', 'SystemModstamp'];

interface ObjectPlan {
  object: string;
  externalIdField: string;
  ownedFields: string[] | undefined;
  rules: Map<string, FieldRule>;
  /** The same rules by lower-case field name: events may spell a field's API name in another case. */
  rulesByLowerName: Map<string, FieldRule>;
  historyObject: string | null;
  historyParentField: string;
}

/** Resolves an object's external ID field, owned fields and comparison rules, checked against describe. */
async function planObject(deps: ScanDeps, object: string, events: readonly StoredEvent[]): Promise<ObjectPlan> {
  const cfg = deps.config.objects[object];
  const externalIdField = cfg?.externalIdField ?? events.find((e) => e.externalIdField !== null)?.externalIdField ?? null;
  if (externalIdField === null) {
    throw new ConfigError(`no external ID field for ${object}: the events carry none and the config has no objects.${object}.externalIdField`, {
      path: `objects.${object}.externalIdField`,
      hint: `add "objects": { "${object}": { "externalIdField": "<Field__c>" } } to sf-reconcile.config.json`,
    });
  }
  const describe = await deps.salesforce.describe(object);
  const eventFields = new Set(events.flatMap((e) => Object.keys(e.fields)));
  const fields = [externalIdField, ...(cfg?.fields ?? []), ...eventFields];
  for (const field of fields) {
    if (!describe.fields.has(field.toLowerCase())) {
      throw new ConfigError(`Salesforce's ${object} has no field "${field}"`, {
        code: 'UNKNOWN_FIELD',
        hint: `check the field's API name in the events and in objects.${object} of sf-reconcile.config.json (custom fields end in __c)`,
      });
    }
  }
  const rules = new Map<string, FieldRule>();
  for (const f of describe.fields.values()) {
    const compare = cfg?.compare?.[f.name];
    rules.set(f.name, { type: f.type, scale: f.scale, ...(compare?.trim ? { trim: true } : {}), ...(compare?.caseInsensitive ? { caseInsensitive: true } : {}) });
  }
  const names = await deps.salesforce.objectNames();
  const historyName = object.endsWith('__c') ? `${object.slice(0, -3)}__History` : `${object}History`;
  return {
    object: describe.name,
    externalIdField: describe.fields.get(externalIdField.toLowerCase())!.name,
    ownedFields: cfg?.fields,
    rules,
    rulesByLowerName: new Map([...rules].map(([name, rule]) => [name.toLowerCase(), rule])),
    historyObject: names.has(historyName.toLowerCase()) ? historyName : null,
    historyParentField: object.endsWith('__c') ? 'ParentId' : `${object}Id`,
  };
}

function toActual(row: Record<string, unknown>, externalIdField: string, fields: readonly string[]): ActualRecord {
  return {
    id: String(row.Id),
    externalId: String(row[externalIdField] ?? ''),
    isDeleted: row.IsDeleted === true || row.IsDeleted === 'true',
    fields: Object.fromEntries(fields.map((f) => [f, (row[f] ?? null) as FieldValue])),
    lastModifiedDate: String(row.LastModifiedDate ?? ''),
    lastModifiedById: toId18(String(row.LastModifiedById ?? '')),
    systemModstamp: String(row.SystemModstamp ?? ''),
  };
}

/**
 * Scans an incident: the affected record keys (every key with an event in the window, and unless told not
 * to, the records Salesforce changed in the window that the event log knows), the state each should have
 * (the fold of its whole history), what Salesforce holds (queryAll, so deleted records show), and the diff.
 * Stores an append-only snapshot; memory is bounded by the batch size.
 */
export async function scanIncident(deps: ScanDeps, incidentId: number, options: ScanOptions): Promise<ScanSummary> {
  const started = performance.now();
  const apiAtStart = deps.salesforce.apiCalls;
  const incident = await getIncident(deps.db, incidentId);
  const batchSize = options.batchSize ?? 5000;
  const snapshotId = await createSnapshot(deps.db, incidentId, deps.now());
  const summary: ScanSummary = {
    incidentId, snapshotId, records: 0, byClass: {}, byObject: {}, conflictCandidates: 0, fromSalesforceScan: 0, exportedObjects: [], apiCalls: 0, durationMs: 0,
    timings: { keysMs: 0, readMs: 0, foldMs: 0, fetchMs: 0, diffMs: 0, storeMs: 0 },
    fieldRules: {},
  };
  const plans = new Map<string, ObjectPlan>();
  const integrationUserIds = new Set(deps.config.integrationUserIds.map(toId18));
  const windowEndMs = Date.parse(incident.to);
  const progress = deps.progress(`scan incident ${incidentId}`);
  let ordinal = 0;

  const processBatch = async (keys: RecordKey[]) => {
    let t = performance.now();
    const eventsByKey = await loadEventsForKeys(deps.db, keys, deps.sqlite ?? null);
    const byObject = new Map<string, RecordKey[]>();
    for (const k of keys) {
      const list = byObject.get(k.object) ?? [];
      list.push(k);
      byObject.set(k.object, list);
    }
    summary.timings.readMs += performance.now() - t;
    const scanned: ScannedRecord[] = [];
    for (const [object, objectKeys] of byObject) {
      let plan = plans.get(object);
      if (plan === undefined) {
        plan = await planObject(deps, object, objectKeys.flatMap((k) => eventsByKey.get(recordKeyId(k)) ?? []));
        plans.set(object, plan);
      }
      t = performance.now();
      const foldOptions = { externalIdField: plan.externalIdField, ...(plan.ownedFields ? { ownedFields: new Set(plan.ownedFields) } : {}) };
      const folded = objectKeys.map((key) => {
        const events = inFoldOrder(eventsByKey.get(recordKeyId(key)) ?? []);
        return { key, events, expected: foldRecord(events, foldOptions) };
      });
      summary.timings.foldMs += performance.now() - t;

      t = performance.now();
      const compared = [...new Set([...(plan.ownedFields ?? []), ...folded.flatMap((f) => Object.keys(f.expected.fields))])].filter((f) => f !== plan.externalIdField);
      const select = [...SYSTEM_FIELDS, plan.externalIdField, ...compared];
      // From the object's export where it has every field this batch compares; else by IN-list queries.
      const exportedFields = exported.get(object);
      const rows = exportedFields !== undefined && select.every((f) => exportedFields.has(f))
        ? await scanRowsForKeys<Record<string, unknown>>(deps.db, snapshotId, object, objectKeys.map((k) => k.externalId.toLowerCase()))
        : await deps.salesforce.fetchByKeys<Record<string, unknown>>(plan.object, plan.externalIdField, objectKeys.map((k) => k.externalId), select, { all: true });
      // External IDs match case-insensitively in Salesforce.
      const actualByKey = new Map<string, ActualRecord[]>();
      for (const row of rows) {
        const actual = toActual(row, plan.externalIdField, compared);
        const k = actual.externalId.toLowerCase();
        const list = actualByKey.get(k);
        if (list === undefined) actualByKey.set(k, [actual]);
        else list.push(actual);
      }
      // Field history of the records a person touched after the window, where the org keeps it.
      const historyById = new Map<string, FieldHistoryEntry[]>();
      if (plan.historyObject !== null) {
        const candidates = rows
          .filter((r) => editedByPersonAfter(String(r.LastModifiedById ?? ''), String(r.LastModifiedDate ?? ''), windowEndMs, integrationUserIds))
          .map((r) => String(r.Id));
        if (candidates.length > 0) {
          for (const id of candidates) historyById.set(id, []);
          const history = await deps.salesforce.fetchByKeys<Record<string, unknown>>(
            plan.historyObject,
            plan.historyParentField,
            candidates,
            [plan.historyParentField, 'Field', 'OldValue', 'NewValue', 'CreatedById', 'CreatedDate'],
            { andWhere: `CreatedDate > ${new Date(incident.to).toISOString()}` },
          );
          for (const h of history) {
            historyById.get(toId18(String(h[plan.historyParentField])))?.push({
              field: String(h.Field), oldValue: (h.OldValue ?? null) as FieldValue, newValue: (h.NewValue ?? null) as FieldValue,
              createdById: String(h.CreatedById), createdDate: String(h.CreatedDate),
            });
          }
        }
      }
      summary.timings.fetchMs += performance.now() - t;

      const objectRules = (summary.fieldRules[object] ??= {});
      for (const field of compared) {
        const r = plan.rules.get(field) ?? plan.rulesByLowerName.get(field.toLowerCase());
        if (r !== undefined) objectRules[field] = r;
      }
      t = performance.now();
      const perObject = (summary.byObject[object] ??= {});
      for (const f of folded) {
        const actual = actualByKey.get(f.key.externalId.toLowerCase()) ?? [];
        const live = actual.filter((a) => !a.isDeleted);
        const history = plan.historyObject === null ? null : live.length === 1 ? historyById.get(live[0]!.id) ?? [] : null;
        const diff: RecordDiff = diffRecord(f.expected, actual, { rules: plan.rules, windowEnd: incident.to, integrationUserIds, history });
        // The events go as they are: the snapshot store keeps them as references (without their record key).
        scanned.push({ key: f.key, externalIdField: plan.externalIdField, events: f.events, expected: f.expected, actual, diff, fieldHistory: history });
        summary.byClass[diff.class] = (summary.byClass[diff.class] ?? 0) + 1;
        perObject[diff.class] = (perObject[diff.class] ?? 0) + 1;
        if (diff.conflictCandidate) summary.conflictCandidates += 1;
      }
      summary.timings.diffMs += performance.now() - t;
    }
    t = performance.now();
    await appendSnapshotRecords(deps.db, snapshotId, ordinal, scanned, deps.sqlite ?? null);
    ordinal += scanned.length;
    summary.records += scanned.length;
    summary.timings.storeMs += performance.now() - t;
    progress.tick(scanned.length);
  };

  // 1. Every record key with an event in the window, whatever its status: listed once, then read page by page.
  let t = performance.now();
  await collectWindowKeys(deps.db, snapshotId, { from: incident.from, to: incident.to, objects: incident.objects });
  summary.timings.keysMs += performance.now() - t;
  // An object with many affected keys may be cheaper to export whole through a Bulk API 2.0 query.
  const exported = new Map<string, Set<string>>();
  try {
    t = performance.now();
    const threshold = deps.config.scan.bulkQueryThreshold ?? DEFAULT_BULK_QUERY_THRESHOLD;
    for (const [object, keyCount] of await countSnapshotKeys(deps.db, snapshotId)) {
      if (keyCount <= threshold) continue;
      const fields = await exportObject(deps, snapshotId, object, keyCount);
      if (fields !== null) {
        exported.set(object, fields);
        summary.exportedObjects.push(object);
      }
    }
    summary.timings.fetchMs += performance.now() - t;
    let after: RecordKey | undefined;
    for (;;) {
      t = performance.now();
      const keys = await snapshotKeysPage(deps.db, snapshotId, after, batchSize);
      summary.timings.keysMs += performance.now() - t;
      if (keys.length === 0) break;
      await processBatch(keys);
      after = keys[keys.length - 1];
    }

    // 2. Records Salesforce changed in the window with no event in it (a deployment, a trigger), that the log knows.
    if (options.sfScan) {
      const objects = incident.objects ?? [...plans.keys()];
      for (const object of objects) {
        const plan = plans.get(object) ?? (await planObjectFromConfig(deps, object));
        if (plan === null) continue;
        const changed = await deps.salesforce.query<Record<string, unknown>>(
          `SELECT ${soqlName(plan.externalIdField)} FROM ${soqlName(plan.object)} WHERE SystemModstamp >= ${new Date(incident.from).toISOString()} AND SystemModstamp < ${new Date(incident.to).toISOString()}`,
          { all: true },
        );
        const candidates = [...new Set(changed.map((r) => String(r[plan.externalIdField] ?? '')).filter((x) => x !== ''))];
        const known = await addSnapshotKeys(deps.db, snapshotId, object, [...(await knownExternalIds(deps.db, object, candidates))]);
        summary.fromSalesforceScan += known.length;
        for (let i = 0; i < known.length; i += batchSize) await processBatch(known.slice(i, i + batchSize).map((externalId) => ({ object, externalId })));
      }
    }
    progress.done();
  } finally {
    // Scratch rows of an export (a finished or a broken one): gone when the scan ends, however it ends.
    await deleteScanRows(deps.db, snapshotId);
  }
  summary.apiCalls = deps.salesforce.apiCalls - apiAtStart;
  summary.durationMs = Math.round(performance.now() - started);
  for (const k of Object.keys(summary.timings) as (keyof ScanSummary['timings'])[]) summary.timings[k] = Math.round(summary.timings[k]);
  await completeSnapshot(deps.db, snapshotId, summary as unknown as Record<string, unknown>, deps.now());
  return summary;
}

/** Affected keys of one object above which the scan considers exporting the object (configurable: scan.bulkQueryThreshold). */
export const DEFAULT_BULK_QUERY_THRESHOLD = 50_000;
/** Rows per page of an export's results. */
const EXPORT_PAGE = 50_000;
/** Affected keys one API call fetches by IN-list queries (five filled queries and their next pages a Composite call; measured 4,500). */
const KEYS_PER_QUERY_CALL = 4_000;

/**
 * Exports an object through one Bulk API 2.0 query (queryAll, so deleted records show) when that costs fewer
 * API calls than fetching its affected keys by IN-list queries: a create, polls and a page per 50,000
 * records, against about one call per 4,000 keys. Counting the object's records costs one call. The rows go
 * to scratch rows keyed by external ID. Returns the fields exported, or null when IN lists are cheaper.
 */
async function exportObject(deps: ScanDeps, snapshotId: number, object: string, keyCount: number): Promise<Set<string> | null> {
  const sample = await sampleEvents(deps.db, object, 1000);
  if (sample.length === 0) return null;
  const plan = await planObject(deps, object, sample);
  const where = `${soqlName(plan.externalIdField)} != null`;
  const records = await deps.salesforce.count(`SELECT COUNT() FROM ${soqlName(plan.object)} WHERE ${where}`, { all: true });
  if (3 + Math.ceil(records / EXPORT_PAGE) >= Math.ceil(keyCount / KEYS_PER_QUERY_CALL)) return null;
  const owned = plan.ownedFields ?? [...new Set(sample.flatMap((e) => Object.keys(e.fields)))];
  const fields = [...new Set([...SYSTEM_FIELDS, plan.externalIdField, ...owned])];
  const soql = `SELECT ${fields.map(soqlName).join(', ')} FROM ${soqlName(plan.object)} WHERE ${where}`;
  await deps.salesforce.bulkQueryPages(soql, { all: true, maxRecords: EXPORT_PAGE }, async (rows) => {
    await appendScanRows(deps.db, snapshotId, object, rows.map((row) => ({ key: String(row[plan.externalIdField] ?? '').toLowerCase(), row: typedRow(row, plan.rules) })));
  });
  return new Set(fields);
}

/**
 * A Bulk API CSV row in the REST API's shape: numbers and booleans typed by describe, empty cells null, and
 * datetimes in the `+0000` form (the plan's write guard compares SystemModstamp as text).
 */
export function typedRow(row: Record<string, string | null>, rules: ReadonlyMap<string, FieldRule>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, text] of Object.entries(row)) {
    const type = field === 'IsDeleted' ? 'boolean' : rules.get(field)?.type ?? 'string';
    if (text === null || text === '') out[field] = type === 'boolean' ? false : null;
    else if (type === 'boolean') out[field] = text === 'true';
    else if (isNumericType(type)) out[field] = Number.isFinite(Number(text)) ? Number(text) : text;
    else if (type === 'datetime') out[field] = text.replace(/(\.\d{3})?Z$/, (_m, ms: string | undefined) => `${ms ?? '.000'}+0000`);
    else out[field] = text;
  }
  return out;
}

async function planObjectFromConfig(deps: ScanDeps, object: string): Promise<ObjectPlan | null> {
  const sample = await sampleEvents(deps.db, object, 100);
  if (sample.length === 0 && deps.config.objects[object] === undefined) return null; // the log never wrote it
  return planObject(deps, object, sample);
}

/** Validates an incident window given on the command line. */
export function checkWindow(from: string, to: string): void {
  if (Date.parse(from) >= Date.parse(to)) {
    throw new UsageError(`the window's start (${from}) must be before its end (${to})`, { code: 'BAD_WINDOW', hint: 'swap --from and --to, or widen the window' });
  }
}

export type { Incident };

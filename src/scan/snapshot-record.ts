/**
 * How a scanned record is stored in a snapshot: without what can be derived from the rest, because the
 * planner parses every stored record and JSON.parse's cost grows with the text (a record took about 1 KB,
 * now about half). Lossless: `recordFromJson(recordToJson(r))` gives back `r` (events as the references the
 * planner reads). Records stored by earlier versions (no `v`) are read as they are.
 */
import type { ActualRecord, FieldDrift, RecordDiff, ScannedRecord, StoredEventRef } from '../domain/drift.js';
import type { FieldValue } from '../domain/values.js';

interface StoredActual {
  id: string;
  /** Only when it differs from the record key's (case). */
  externalId?: string;
  isDeleted: boolean;
  fields: ActualRecord['fields'];
  lastModifiedById: string;
  lastModifiedDate: string;
  systemModstamp: string;
}

interface StoredDiff {
  class: RecordDiff['class'];
  conflictCandidate: boolean;
  /** Expected and actual values only when they are not the record's (expected.fields, the described actual's). */
  drifts: { field: string; conflict: boolean; expected?: FieldValue; actual?: FieldValue }[];
  /** Index in `actual` of the Salesforce record the diff describes (Id, last modified, SystemModstamp); -1 none. */
  of: number;
  /** Only when not every actual record's Id (duplicates list the live ones). */
  sfIds?: string[];
}

interface StoredRecord {
  v: 2;
  key: ScannedRecord['key'];
  externalIdField: string;
  events: StoredEventRef[];
  expected: { exists: boolean; fields: ScannedRecord['expected']['fields'] };
  actual: StoredActual[];
  diff: StoredDiff;
  fieldHistory: ScannedRecord['fieldHistory'];
}

function describes(diff: RecordDiff, a: ActualRecord | undefined): boolean {
  if (a === undefined) return diff.sfId === null && diff.lastModifiedById === null && diff.lastModifiedDate === null && diff.systemModstamp === null;
  return diff.sfId === a.id && diff.lastModifiedById === a.lastModifiedById && diff.lastModifiedDate === a.lastModifiedDate && diff.systemModstamp === a.systemModstamp;
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function recordToJson(r: ScannedRecord): string {
  const key = r.key;
  const actual: StoredActual[] = r.actual.map((a) => ({
    id: a.id,
    ...(a.externalId === key.externalId ? {} : { externalId: a.externalId }),
    isDeleted: a.isDeleted,
    fields: a.fields,
    lastModifiedById: a.lastModifiedById,
    lastModifiedDate: a.lastModifiedDate,
    systemModstamp: a.systemModstamp,
  }));
  const of = r.actual.findIndex((a) => describes(r.diff, a));
  const derivable =
    (of !== -1 || describes(r.diff, undefined)) &&
    r.expected.key.object === key.object && r.expected.key.externalId === key.externalId && r.diff.key.object === key.object && r.diff.key.externalId === key.externalId &&
    r.expected.externalIdField === r.externalIdField && sameIds(r.expected.eventIds, r.events.map((e) => e.id));
  if (!derivable) {
    // What cannot be rebuilt from the rest is stored whole (the scan never produces such a record).
    return JSON.stringify({ key, externalIdField: r.externalIdField, events: eventRefs(r), expected: r.expected, actual: r.actual, diff: r.diff, fieldHistory: r.fieldHistory });
  }
  const described = r.actual[of]?.fields ?? {};
  const drifts = r.diff.drifts.map((d) =>
    d.expected === (r.expected.fields[d.field] ?? null) && d.actual === (described[d.field] ?? null)
      ? { field: d.field, conflict: d.conflict }
      : { field: d.field, conflict: d.conflict, expected: d.expected, actual: d.actual },
  );
  const diff: StoredDiff = {
    class: r.diff.class,
    conflictCandidate: r.diff.conflictCandidate,
    drifts,
    of,
    ...(sameIds(r.diff.sfIds, r.actual.map((a) => a.id)) ? {} : { sfIds: r.diff.sfIds }),
  };
  const stored: StoredRecord = {
    v: 2,
    key,
    externalIdField: r.externalIdField,
    events: eventRefs(r),
    expected: { exists: r.expected.exists, fields: r.expected.fields },
    actual,
    diff,
    fieldHistory: r.fieldHistory,
  };
  return JSON.stringify(stored);
}

/** The parts of each event the planner reads; the store keeps the rest (time, file, line) under (source, id). */
function eventRefs(r: ScannedRecord): StoredEventRef[] {
  return r.events.map((e) => ({ source: e.source, id: e.id, op: e.op, fields: e.fields, status: e.status }));
}

export function recordFromJson(json: string): ScannedRecord {
  const parsed = JSON.parse(json) as StoredRecord | ScannedRecord;
  if (!('v' in parsed)) return parsed;
  const { key, externalIdField, events } = parsed;
  const actual: ActualRecord[] = parsed.actual.map((a) => ({
    id: a.id,
    externalId: a.externalId ?? key.externalId,
    isDeleted: a.isDeleted,
    fields: a.fields,
    lastModifiedById: a.lastModifiedById,
    lastModifiedDate: a.lastModifiedDate,
    systemModstamp: a.systemModstamp,
  }));
  const d = parsed.diff;
  const a = d.of === -1 ? undefined : actual[d.of];
  const described = a?.fields ?? {};
  const expectedFields = parsed.expected.fields;
  const drifts: FieldDrift[] = d.drifts.map((x) => ({
    field: x.field,
    expected: 'expected' in x ? x.expected! : (expectedFields[x.field] ?? null),
    actual: 'actual' in x ? x.actual! : (described[x.field] ?? null),
    conflict: x.conflict,
  }));
  const eventIds = new Array<string>(events.length);
  for (let i = 0; i < events.length; i++) eventIds[i] = events[i]!.id;
  return {
    key,
    externalIdField,
    events,
    expected: { key, externalIdField, exists: parsed.expected.exists, fields: expectedFields, eventIds },
    actual,
    diff: {
      key,
      class: d.class,
      sfId: a === undefined ? null : a.id,
      sfIds: d.sfIds ?? actual.map((x) => x.id),
      drifts,
      lastModifiedById: a === undefined ? null : a.lastModifiedById,
      lastModifiedDate: a === undefined ? null : a.lastModifiedDate,
      systemModstamp: a === undefined ? null : a.systemModstamp,
      conflictCandidate: d.conflictCandidate,
    },
    fieldHistory: parsed.fieldHistory,
  };
}

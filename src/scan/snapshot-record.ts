/**
 * How a scanned record is stored in a snapshot. The planner parses every stored record, and on this kind of
 * machine JSON.parse is most of planning: its cost grows with the text and with every object key it builds.
 * So a record is stored as positional arrays, without what can be derived from the rest: 290 bytes where
 * the record as an object takes 1,040 (bench:plan's records), parsed in two thirds of the time.
 *
 * Lossless: `recordFromJson(recordToJson(r))` gives back `r`, its events as the references the planner
 * reads. Records stored whole by earlier versions (JSON objects) are read as they are.
 */
import type { ActualRecord, FieldDrift, RecordDiff, ScannedRecord, StoredEventRef } from '../domain/drift.js';
import type { FieldValue, FieldValues } from '../domain/values.js';

/** Layout version: the first element of every stored array. */
const FORMAT = 3;

type StoredEvent = [source: string, id: string, op: StoredEventRef['op'], status: StoredEventRef['status'], fields: FieldValues];

type StoredActual = [
  id: string,
  /** Null when it is the record key's (it differs only in case, if at all). */
  externalId: string | null,
  isDeleted: boolean,
  fields: FieldValues,
  lastModifiedById: string,
  lastModifiedDate: string,
  systemModstamp: string,
];

/** Expected and actual values only when they are not the record's (expected fields, the described actual's). */
type StoredDrift = [field: string, conflict: boolean] | [field: string, conflict: boolean, expected: FieldValue, actual: FieldValue];

type StoredRecord = [
  format: typeof FORMAT,
  object: string,
  externalId: string,
  externalIdField: string,
  events: StoredEvent[],
  expectedExists: boolean,
  expectedFields: FieldValues,
  actual: StoredActual[],
  diffClass: RecordDiff['class'],
  conflictCandidate: boolean,
  drifts: StoredDrift[],
  /** Index in `actual` of the Salesforce record the diff describes (Id, last modified, SystemModstamp); -1 none. */
  describedActual: number,
  /** Null when the diff's Ids are every actual record's (duplicates list the live ones). */
  sfIds: string[] | null,
  fieldHistory: ScannedRecord['fieldHistory'],
];

function describes(diff: RecordDiff, a: ActualRecord | undefined): boolean {
  if (a === undefined) return diff.sfId === null && diff.lastModifiedById === null && diff.lastModifiedDate === null && diff.systemModstamp === null;
  return diff.sfId === a.id && diff.lastModifiedById === a.lastModifiedById && diff.lastModifiedDate === a.lastModifiedDate && diff.systemModstamp === a.systemModstamp;
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameKey(a: ScannedRecord['key'], b: ScannedRecord['key']): boolean {
  return a.object === b.object && a.externalId === b.externalId;
}

export function recordToJson(r: ScannedRecord): string {
  const { key, diff, expected } = r;
  const described = r.actual.findIndex((a) => describes(diff, a));
  const derivable =
    (described !== -1 || describes(diff, undefined)) && sameKey(expected.key, key) && sameKey(diff.key, key) &&
    expected.externalIdField === r.externalIdField && sameIds(expected.eventIds, r.events.map((e) => e.id));
  if (!derivable) {
    // What cannot be rebuilt from the rest is stored whole (the scan never produces such a record).
    return JSON.stringify({ key, externalIdField: r.externalIdField, events: r.events.map(eventRef), expected, actual: r.actual, diff, fieldHistory: r.fieldHistory });
  }
  const describedFields = r.actual[described]?.fields ?? {};
  const stored: StoredRecord = [
    FORMAT,
    key.object,
    key.externalId,
    r.externalIdField,
    r.events.map((e): StoredEvent => [e.source, e.id, e.op, e.status, e.fields]),
    expected.exists,
    expected.fields,
    r.actual.map((a): StoredActual => [a.id, a.externalId === key.externalId ? null : a.externalId, a.isDeleted, a.fields, a.lastModifiedById, a.lastModifiedDate, a.systemModstamp]),
    diff.class,
    diff.conflictCandidate,
    diff.drifts.map((d): StoredDrift =>
      d.expected === (expected.fields[d.field] ?? null) && d.actual === (describedFields[d.field] ?? null) ? [d.field, d.conflict] : [d.field, d.conflict, d.expected, d.actual],
    ),
    described,
    sameIds(diff.sfIds, r.actual.map((a) => a.id)) ? null : diff.sfIds,
    r.fieldHistory,
  ];
  return JSON.stringify(stored);
}

/** The parts of an event the planner reads; the event store keeps the rest (time, file, line) under (source, id). */
function eventRef(e: StoredEventRef): StoredEventRef {
  return { source: e.source, id: e.id, op: e.op, fields: e.fields, status: e.status };
}

export function recordFromJson(json: string): ScannedRecord {
  const parsed = JSON.parse(json) as StoredRecord | ScannedRecord;
  if (!Array.isArray(parsed)) return parsed;
  const [, object, externalId, externalIdField, storedEvents, exists, expectedFields, storedActual, cls, conflictCandidate, storedDrifts, described, sfIds, fieldHistory] = parsed;
  const key = { object, externalId };
  const events = new Array<StoredEventRef>(storedEvents.length);
  const eventIds = new Array<string>(storedEvents.length);
  for (let i = 0; i < storedEvents.length; i++) {
    const [source, id, op, status, fields] = storedEvents[i]!;
    events[i] = { source, id, op, fields, status };
    eventIds[i] = id;
  }
  const actual = storedActual.map(
    ([id, ext, isDeleted, fields, lastModifiedById, lastModifiedDate, systemModstamp]): ActualRecord => ({ id, externalId: ext ?? externalId, isDeleted, fields, lastModifiedById, lastModifiedDate, systemModstamp }),
  );
  const a = described === -1 ? undefined : actual[described];
  const describedFields = a?.fields ?? {};
  const drifts = storedDrifts.map(
    (d): FieldDrift => ({
      field: d[0],
      expected: d.length === 4 ? d[2] : (expectedFields[d[0]] ?? null),
      actual: d.length === 4 ? d[3] : (describedFields[d[0]] ?? null),
      conflict: d[1],
    }),
  );
  return {
    key,
    externalIdField,
    events,
    expected: { key, externalIdField, exists, fields: expectedFields, eventIds },
    actual,
    diff: {
      key,
      class: cls,
      sfId: a === undefined ? null : a.id,
      sfIds: sfIds ?? actual.map((x) => x.id),
      drifts,
      lastModifiedById: a === undefined ? null : a.lastModifiedById,
      lastModifiedDate: a === undefined ? null : a.lastModifiedDate,
      systemModstamp: a === undefined ? null : a.systemModstamp,
      conflictCandidate,
    },
    fieldHistory,
  };
}

import type { RecordKey } from './record-key.js';
import type { FieldValue, FieldValues } from './values.js';

/** What the fold of a record's events says Salesforce should hold. */
export interface ExpectedRecord {
  key: RecordKey;
  externalIdField: string;
  /** False when the events end in a delete (a tombstone). */
  exists: boolean;
  /** Expected values of the owned fields: the last writer of each field wins. */
  fields: FieldValues;
  /** Event ids in fold order (seq, time, file, line). */
  eventIds: string[];
}

/** One record as Salesforce returned it at snapshot time. Datetimes are kept as Salesforce sent them. */
export interface ActualRecord {
  /** 18-character Salesforce Id. */
  id: string;
  externalId: string;
  isDeleted: boolean;
  fields: FieldValues;
  lastModifiedDate: string;
  lastModifiedById: string;
  systemModstamp: string;
}

/**
 * How a record compares with what it should be.
 * - `in_sync`: nothing to do.
 * - `missing`: should exist, Salesforce has no such record.
 * - `deleted`: should exist, Salesforce has it only in the Recycle Bin.
 * - `unexpected`: should be deleted (events end in a delete), still exists.
 * - `drift`: exists, some owned fields differ.
 * - `duplicate`: several Salesforce records share the external ID.
 */
export const DRIFT_CLASSES = ['in_sync', 'missing', 'deleted', 'unexpected', 'drift', 'duplicate'] as const;
export type DriftClass = (typeof DRIFT_CLASSES)[number];

export interface FieldDrift {
  field: string;
  expected: FieldValue;
  actual: FieldValue;
  /** A person (not an integration user) may have changed this field after the window. */
  conflict: boolean;
}

export interface RecordDiff {
  key: RecordKey;
  class: DriftClass;
  /** The matching Salesforce record, when exactly one exists. */
  sfId: string | null;
  /** Every Salesforce Id sharing the external ID (length > 1 only for duplicates). */
  sfIds: string[];
  /** Only for class `drift` (and `unexpected`/`deleted` when useful): the owned fields that differ. */
  drifts: FieldDrift[];
  lastModifiedById: string | null;
  lastModifiedDate: string | null;
  systemModstamp: string | null;
  /** Last modified after the window's end by a user not in integrationUserIds. */
  conflictCandidate: boolean;
}

/** A named incident window to investigate. Times are ISO-8601 UTC. */
export interface Incident {
  id: number;
  name: string;
  from: string;
  to: string;
  /** Objects to look at; null means every object the events mention. */
  objects: string[] | null;
  createdAt: string;
}

/** One change of a tracked field, from `<Object>History` (AccountHistory, Foo__History). */
export interface FieldHistoryEntry {
  field: string;
  oldValue: string | number | boolean | null;
  newValue: string | number | boolean | null;
  createdById: string;
  createdDate: string;
}

/** A stored scan: what Salesforce returned, when, for one incident. Append-only; the latest is the default. */
export interface ScanSnapshot {
  id: number;
  incidentId: number;
  takenAt: string;
  /** Counts by object and class, API calls used, duration: what `scan` printed. */
  summary: Record<string, unknown>;
}

/**
 * Everything the planner needs about one affected record, as the scan stored it.
 * `events` are the record's whole known history in fold order.
 */
export interface ScannedRecord {
  key: RecordKey;
  externalIdField: string;
  events: readonly StoredEventRef[];
  expected: ExpectedRecord;
  /** Every Salesforce record with this external ID (0: missing, >1: duplicate). */
  actual: ActualRecord[];
  diff: RecordDiff;
  /** Field history of the record after the window, when the object's history is queryable; else null. */
  fieldHistory: FieldHistoryEntry[] | null;
}

/**
 * The parts of a stored event the planner reads (to find matching prefixes and build replays), in fold
 * order; the event store keeps the rest under (source, id).
 */
export interface StoredEventRef {
  source: string;
  id: string;
  op: 'upsert' | 'create' | 'update' | 'delete';
  fields: FieldValues;
  status: 'delivered' | 'failed' | 'unknown';
}

import type { ActualRecord, ExpectedRecord, FieldDrift, FieldHistoryEntry, RecordDiff } from '../domain/drift.js';
import { toId18 } from '../domain/salesforce-id.js';
import type { FieldValue } from '../domain/values.js';

/** What the diff knows of a field from describe, and the config's comparison rules. */
export interface FieldRule {
  type: string;
  scale: number;
  trim?: boolean;
  caseInsensitive?: boolean;
}

const NUMERIC = new Set(['int', 'double', 'currency', 'percent', 'long']);

/** Whether a describe type holds numbers (int, double, currency, percent, long). */
export function isNumericType(type: string): boolean {
  return NUMERIC.has(type);
}
const TEXT = new Set(['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'combobox', 'encryptedstring']);

/**
 * A value in comparable form for its Salesforce type (docs section 9): numbers at their scale, dates as
 * YYYY-MM-DD, datetimes as epoch milliseconds (so `+0000` and `Z` forms match), booleans (null is false),
 * 15- vs 18-character Ids, multi-picklists as sorted sets, and text with Salesforce's "empty is null".
 * A value that does not fit its type is kept as text, so it shows as drift rather than passing silently.
 */
export function normaliseValue(value: FieldValue, rule: FieldRule | undefined): FieldValue {
  const type = rule?.type ?? 'string';
  if (type === 'boolean') {
    if (value === null || value === false || value === 'false') return false;
    if (value === true || value === 'true') return true;
    return String(value);
  }
  if (value === null || value === '') return null;
  if (NUMERIC.has(type)) {
    const n = typeof value === 'number' ? value : Number(String(value).trim());
    if (typeof value === 'boolean' || !Number.isFinite(n)) return String(value);
    const scale = type === 'int' || type === 'long' ? 0 : Math.max(0, rule?.scale ?? 0);
    const f = 10 ** scale;
    return Math.round(n * f) / f;
  }
  if (type === 'date') {
    const text = String(value);
    return /^\d{4}-\d{2}-\d{2}/.test(text) ? text.slice(0, 10) : text;
  }
  if (type === 'datetime') {
    const ms = Date.parse(String(value).replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    return Number.isNaN(ms) ? String(value) : ms;
  }
  if (type === 'id' || type === 'reference') return toId18(String(value));
  if (type === 'multipicklist') return String(value).split(';').map((s) => s.trim()).filter((s) => s !== '').sort().join(';') || null;
  let text = String(value);
  if (TEXT.has(type) || rule !== undefined) {
    if (rule?.trim) text = text.trim();
    if (rule?.caseInsensitive) text = text.toLowerCase();
  }
  return text === '' ? null : text;
}

export function sameValue(expected: FieldValue, actual: FieldValue, rule: FieldRule | undefined): boolean {
  // Normalising is a function of the value: equal values normalise equal. Most fields are in sync.
  if (expected === actual) return true;
  return normaliseValue(expected, rule) === normaliseValue(actual, rule);
}

export interface DiffOptions {
  /** Field API name -> rule (from describe and the config's `compare`). */
  rules: ReadonlyMap<string, FieldRule>;
  windowEnd: string;
  integrationUserIds: ReadonlySet<string>;
  /** The record's field history after the window, when the object's history is queryable. */
  history: readonly FieldHistoryEntry[] | null;
}

/**
 * Classifies one record: in_sync, missing, deleted, unexpected, drift (with the fields that differ) or
 * duplicate. Marks it a conflict candidate when a person (not an integration user) modified it after the
 * window's end; with field history, only the fields that person changed are marked as conflicts.
 */
export function diffRecord(expected: ExpectedRecord, actual: readonly ActualRecord[], options: DiffOptions): RecordDiff {
  // Built as literals, not spreads: several spreads into one object literal cost microseconds a record in V8,
  // and the scan diffs every affected record. Key order is the stored JSON's, so keep it.
  const result = (cls: RecordDiff['class'], a: ActualRecord | undefined, sfIds: string[], drifts: FieldDrift[], conflictCandidate: boolean): RecordDiff => ({
    key: expected.key,
    sfIds,
    drifts,
    sfId: a === undefined ? null : a.id,
    lastModifiedById: a === undefined ? null : a.lastModifiedById,
    lastModifiedDate: a === undefined ? null : a.lastModifiedDate,
    systemModstamp: a === undefined ? null : a.systemModstamp,
    class: cls,
    conflictCandidate,
  });
  let record: ActualRecord | undefined;
  let liveCount = 0;
  for (const a of actual) {
    if (a.isDeleted) continue;
    liveCount += 1;
    record ??= a;
  }
  if (liveCount > 1) {
    return result('duplicate', undefined, actual.filter((a) => !a.isDeleted).map((a) => a.id), [], false);
  }
  const sfIds = actual.map((a) => a.id);
  const windowEndMs = Date.parse(options.windowEnd);
  const personAfterWindow = (a: ActualRecord) => editedByPersonAfter(a.lastModifiedById, a.lastModifiedDate, windowEndMs, options.integrationUserIds);
  if (!expected.exists) {
    if (record === undefined) return result('in_sync', actual[0], sfIds, [], false);
    return result('unexpected', record, sfIds, [], personAfterWindow(record));
  }
  if (record === undefined) {
    const deleted = actual.find((a) => a.isDeleted);
    return result(deleted ? 'deleted' : 'missing', deleted, sfIds, [], deleted ? personAfterWindow(deleted) : false);
  }
  const conflictCandidate = personAfterWindow(record);
  let changedByPerson: Set<string> | null = null;
  const drifts: FieldDrift[] = [];
  for (const field in expected.fields) {
    const value = expected.fields[field]!;
    const actualValue = record.fields[field] ?? null;
    if (sameValue(value, actualValue, options.rules.get(field))) continue;
    let conflict = conflictCandidate;
    if (conflict && options.history !== null) {
      changedByPerson ??= new Set(
        options.history
          .filter((h) => editedByPersonAfter(h.createdById, h.createdDate, windowEndMs, options.integrationUserIds))
          .map((h) => h.field.toLowerCase()),
      );
      conflict = changedByPerson.has(field.toLowerCase());
    }
    drifts.push({ field, expected: value, actual: actualValue, conflict });
  }
  return result(drifts.length > 0 ? 'drift' : 'in_sync', record, sfIds, drifts, conflictCandidate);
}

/** Whether a change (by `userId`, at `at`) was made by someone not in `integrationUserIds` after the window's end. */
export function editedByPersonAfter(userId: string, at: string, windowEndMs: number, integrationUserIds: ReadonlySet<string>): boolean {
  return !integrationUserIds.has(toId18(userId)) && parseSalesforceTime(at) > windowEndMs;
}

/** Epoch milliseconds of a Salesforce datetime (`...+0000`) or an ISO one (`...Z`). */
function parseSalesforceTime(text: string): number {
  return Date.parse(text.endsWith('+0000') ? `${text.slice(0, -5)}Z` : text);
}

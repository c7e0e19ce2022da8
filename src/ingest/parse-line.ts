import { EVENT_OPS, EVENT_STATUSES, type EventOp, type EventStatus, type IntegrationEvent } from '../domain/event.js';
import { isApiName, type FieldValue, type FieldValues } from '../domain/values.js';

/**
 * Pure parsing of one input line (or CSV record) into an event, or a rejection with a reason a person can
 * act on. No I/O: the ingest shell feeds lines and stores the results.
 */

export const INPUT_FORMATS = ['jsonl', 'cloudevents', 'csv'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export type LineResult = { ok: true; event: IntegrationEvent } | { ok: false; reason: string };

/** ISO-8601 date-time with a zone (Z or ±hh:mm / ±hhmm); seconds and fractions optional. */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;
const CANONICAL_TIME = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;
const SF_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
const OPS: ReadonlySet<string> = new Set(EVENT_OPS);
const STATUSES: ReadonlySet<string> = new Set(EVENT_STATUSES);

function reject(reason: string): LineResult {
  return { ok: false, reason };
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Normalises an ISO time to UTC with milliseconds, or returns null when it has no zone or does not parse. */
export function normaliseTime(value: string): string | null {
  // Fast path: already canonical (what most integrations write). Days 29-31 need a round trip (2026-02-30).
  if (value.length === 24 && CANONICAL_TIME.test(value)) {
    if (Number(value.slice(8, 10)) <= 28) return value;
    const ms = Date.parse(value);
    return !Number.isNaN(ms) && new Date(ms).toISOString() === value ? value : null;
  }
  if (!ISO_WITH_ZONE.test(value)) return null;
  // Fractions beyond milliseconds are truncated: Salesforce keeps milliseconds.
  const ms = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  if (Number.isNaN(ms)) return null;
  return new Date(ms).toISOString();
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The shared checks of the canonical shape; `where` prefixes key names (e.g. `data.` for CloudEvents). */
function validateEvent(o: Record<string, unknown>, defaultSource: string, where: string): LineResult {
  const id = o.id;
  if (typeof id !== 'string' || id.length === 0) {
    return reject(id === undefined ? 'missing required key "id"' : `"id" must be a non-empty string (got ${show(id)})`);
  }
  const source = o.source ?? defaultSource;
  if (typeof source !== 'string' || source.length === 0) return reject(`"source" must be a non-empty string (got ${show(source)})`);
  if (o.time === undefined) return reject('missing required key "time"');
  if (typeof o.time !== 'string') return reject(`"time" must be an ISO-8601 string (got ${show(o.time)})`);
  const time = normaliseTime(o.time);
  if (time === null) {
    return reject(
      `"time" must be ISO-8601 with a zone, e.g. 2026-11-20T14:03:22.120Z or +01:00 (got ${show(o.time)})`,
    );
  }
  const d = (key: string) => `"${where}${key}"`;
  const object = o.object;
  if (object === undefined) return reject(`missing required key ${d('object')}`);
  if (typeof object !== 'string' || !isApiName(object)) {
    return reject(`${d('object')} must be an sObject API name such as Account or Invoice__c (got ${show(object)})`);
  }
  const externalIdField = o.externalIdField ?? null;
  if (externalIdField !== null && (typeof externalIdField !== 'string' || !isApiName(externalIdField))) {
    return reject(`${d('externalIdField')} must be a field API name such as Billing_Id__c (got ${show(externalIdField)})`);
  }
  let externalId = o.externalId;
  if (externalId === undefined) return reject(`missing required key ${d('externalId')}`);
  if (typeof externalId === 'number' && Number.isFinite(externalId)) externalId = String(externalId);
  if (typeof externalId !== 'string' || externalId.length === 0) {
    return reject(`${d('externalId')} must be a non-empty string (got ${show(externalId)})`);
  }
  if (o.op === undefined) return reject(`missing required key ${d('op')}`);
  if (typeof o.op !== 'string' || !OPS.has(o.op)) {
    return reject(`${d('op')} must be one of ${EVENT_OPS.join(', ')} (got ${show(o.op)})`);
  }
  const op = o.op as EventOp;
  if (o.status === undefined) return reject(`missing required key ${d('status')}`);
  if (typeof o.status !== 'string' || !STATUSES.has(o.status)) {
    return reject(`${d('status')} must be one of ${EVENT_STATUSES.join(', ')} (got ${show(o.status)})`);
  }
  const status = o.status as EventStatus;
  let fields: FieldValues = {};
  if (o.fields === undefined || o.fields === null) {
    if (op !== 'delete') return reject(`missing required key ${d('fields')} (required unless op is delete)`);
  } else if (!isPlainObject(o.fields)) {
    return reject(`${d('fields')} must be an object of field API names to values (got ${show(o.fields)})`);
  } else {
    fields = {};
    for (const [name, value] of Object.entries(o.fields)) {
      if (!isApiName(name)) return reject(`field name ${show(name)} in ${d('fields')} is not a valid API name`);
      if (value !== null && typeof value !== 'string' && typeof value !== 'boolean' && !(typeof value === 'number' && Number.isFinite(value))) {
        return reject(`${d(`fields.${name}`)} must be a string, number, boolean or null (got ${show(value)})`);
      }
      fields[name] = value as FieldValue;
    }
  }
  const seq = o.seq ?? null;
  if (seq !== null && !(typeof seq === 'number' && Number.isSafeInteger(seq))) {
    return reject(`${d('seq')} must be an integer (got ${show(seq)})`);
  }
  const error = o.error ?? null;
  if (error !== null && typeof error !== 'string') return reject(`${d('error')} must be a string (got ${show(error)})`);
  const sfId = o.sfId ?? null;
  if (sfId !== null && (typeof sfId !== 'string' || !SF_ID.test(sfId))) {
    return reject(`${d('sfId')} must be a 15- or 18-character Salesforce Id (got ${show(sfId)})`);
  }
  return {
    ok: true,
    event: { source, id, time, object, externalIdField, externalId, op, fields, status, seq: seq as number | null, error, sfId },
  };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, reason: `invalid JSON: ${(error as Error).message}` };
  }
}

/** A canonical JSON Lines event. */
export function parseCanonicalLine(text: string, defaultSource: string): LineResult {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  if (!isPlainObject(parsed.value)) return reject(`a line must be a JSON object (got ${show(parsed.value)})`);
  return validateEvent(parsed.value, defaultSource, '');
}

/** A CloudEvents 1.0 structured-mode JSON line whose `data` holds the event's Salesforce part. */
export function parseCloudEventLine(text: string, defaultSource: string): LineResult {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const ce = parsed.value;
  if (!isPlainObject(ce)) return reject(`a line must be a JSON object (got ${show(ce)})`);
  if (ce.specversion !== '1.0') return reject(`"specversion" must be "1.0" for CloudEvents (got ${show(ce.specversion)})`);
  if (typeof ce.type !== 'string' || ce.type.length === 0) return reject('missing required CloudEvents key "type"');
  if (!isPlainObject(ce.data)) return reject(`"data" must be an object holding the event (got ${show(ce.data)})`);
  const data = ce.data;
  return validateEvent(
    {
      id: ce.id,
      source: ce.source ?? defaultSource,
      time: ce.time,
      object: data.object,
      externalIdField: data.externalIdField,
      externalId: data.externalId,
      op: data.op,
      fields: data.fields,
      status: data.status,
      seq: data.seq,
      error: data.error,
      sfId: data.sfId,
    },
    defaultSource,
    'data.',
  );
}

export const CSV_BASE_COLUMNS = ['id', 'time', 'source', 'object', 'externalIdField', 'externalId', 'op', 'status', 'seq', 'error'] as const;
const CSV_KNOWN: ReadonlySet<string> = new Set([...CSV_BASE_COLUMNS, 'sfId']);

/** Checks a CSV header; returns a reason when it cannot describe events. */
export function checkCsvHeader(header: readonly string[]): string | null {
  for (const required of ['id', 'time', 'object', 'externalId', 'op', 'status']) {
    if (!header.includes(required)) return `CSV header lacks the column "${required}" (expected ${CSV_BASE_COLUMNS.join(',')} plus fields.<Field> columns)`;
  }
  for (const column of header) {
    if (CSV_KNOWN.has(column)) continue;
    if (!column.startsWith('fields.')) return `CSV header has an unknown column "${column}" (field columns are named fields.<FieldApiName>)`;
  }
  return null;
}

/**
 * A CSV record (cells aligned with the header). An empty cell means "not sent"; `#N/A` means null
 * (Data Loader's convention). Field values stay strings: the scan normalises them by Salesforce's types.
 */
export function parseCsvRecord(header: readonly string[], cells: readonly string[], defaultSource: string): LineResult {
  if (cells.length !== header.length) {
    return reject(`CSV row has ${cells.length} cells, the header has ${header.length}`);
  }
  const o: Record<string, unknown> = {};
  const fields: Record<string, FieldValue> = {};
  let hasFields = false;
  for (let i = 0; i < header.length; i++) {
    const column = header[i]!;
    const cell = cells[i]!;
    if (column.startsWith('fields.')) {
      if (cell === '') continue;
      fields[column.slice(7)] = cell === '#N/A' ? null : cell;
      hasFields = true;
    } else if (cell !== '') {
      o[column] = cell;
    }
  }
  if (typeof o.seq === 'string') {
    const seq = Number(o.seq);
    if (!/^-?\d+$/.test(o.seq) || !Number.isSafeInteger(seq)) return reject(`"seq" must be an integer (got ${show(o.seq)})`);
    o.seq = seq;
  }
  if (hasFields || o.op !== 'delete') o.fields = fields;
  return validateEvent(o, defaultSource, '');
}

/** Guesses a file's format from its first non-empty line. */
export function detectFormat(firstLine: string): InputFormat {
  const trimmed = firstLine.trimStart();
  if (trimmed.startsWith('{')) return /"specversion"\s*:/.test(trimmed) ? 'cloudevents' : 'jsonl';
  return 'csv';
}

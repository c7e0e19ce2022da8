import type { Kysely } from 'kysely';
import type { IntegrationEvent, StoredEvent } from '../domain/event.js';
import type { RecordKey } from '../domain/record-key.js';
import type { Store } from './open-store.js';
import type { EventRow } from './schema/events.js';
import type { Database } from './schema/index.js';
import { statement } from './sqlite-statements.js';

/**
 * The event store's repository. Events are append-only: this module inserts and reads them, and no code
 * path updates or deletes an event.
 */

export interface EventToStore {
  event: IntegrationEvent;
  /** The fields as stored (JSON). */
  fieldsJson: string;
  file: string;
  line: number;
}

export interface QuarantineEntry {
  file: string;
  line: number;
  raw: string;
  reason: string;
}

export interface ChunkCounts {
  read: number;
  accepted: number;
  duplicate: number;
  rejected: number;
}

export interface IngestBatch {
  id: number;
  file: string;
  format: string;
  startedAt: string;
  finishedAt: string | null;
  counts: ChunkCounts;
}

export async function createIngestBatch(db: Kysely<Database>, file: string, format: string, now: Date): Promise<number> {
  const row = await db
    .insertInto('ingest_batches')
    .values({ file, format, started_at: now.toISOString(), finished_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function finishIngestBatch(db: Kysely<Database>, batchId: number, now: Date): Promise<void> {
  await db.updateTable('ingest_batches').set({ finished_at: now.toISOString() }).where('id', '=', batchId).execute();
}

export async function getIngestBatch(db: Kysely<Database>, batchId: number): Promise<IngestBatch | null> {
  const r = await db.selectFrom('ingest_batches').selectAll().where('id', '=', batchId).executeTakeFirst();
  if (r === undefined) return null;
  return {
    id: r.id,
    file: r.file,
    format: r.format,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    counts: { read: r.read_count, accepted: r.accepted_count, duplicate: r.duplicate_count, rejected: r.rejected_count },
  };
}

/**
 * A chunk's events as one flat array, PACKED_WIDTH values per event, in the order of packEvent. The ingest
 * parses on a worker thread and hands chunks to the thread that writes: a flat array of strings and numbers
 * crosses threads about three times cheaper than an array of objects.
 */
export type PackedEvents = (string | number | null)[];
export const PACKED_WIDTH = 14;

export function packEvent(out: PackedEvents, e: IntegrationEvent, fieldsJson: string, file: string, line: number): void {
  out.push(e.source, e.id, e.time, e.object, e.externalIdField, e.externalId, e.op, e.status, e.seq, e.error, e.sfId, fieldsJson, file, line);
}

export function packEvents(events: readonly EventToStore[]): PackedEvents {
  const out: PackedEvents = [];
  for (const x of events) packEvent(out, x.event, x.fieldsJson, x.file, x.line);
  return out;
}

/** The packed event at offset `i`. Only on the rare paths (conflicts, the portable insert). */
function unpackEvent(p: PackedEvents, i: number): EventToStore {
  return {
    event: {
      source: p[i] as string,
      id: p[i + 1] as string,
      time: p[i + 2] as string,
      object: p[i + 3] as string,
      externalIdField: p[i + 4] as string | null,
      externalId: p[i + 5] as string,
      op: p[i + 6] as IntegrationEvent['op'],
      status: p[i + 7] as IntegrationEvent['status'],
      seq: p[i + 8] as number | null,
      error: p[i + 9] as string | null,
      sfId: p[i + 10] as string | null,
      fields: JSON.parse(p[i + 11] as string) as IntegrationEvent['fields'],
    },
    fieldsJson: p[i + 11] as string,
    file: p[i + 12] as string,
    line: p[i + 13] as number,
  };
}

/**
 * Whether a stored event and a re-sent one carry the same content (field order does not matter). Only
 * called when the identity already exists, so the common path pays nothing for it.
 */
export function sameContent(stored: EventRow | undefined, e: IntegrationEvent): boolean {
  if (stored === undefined) return false;
  if (
    stored.time !== e.time || stored.object !== e.object || stored.external_id_field !== e.externalIdField ||
    stored.external_id !== e.externalId || stored.op !== e.op || stored.status !== e.status ||
    stored.seq !== e.seq || stored.error !== e.error || stored.sf_id !== e.sfId
  ) {
    return false;
  }
  const fields = JSON.parse(stored.fields_json) as Record<string, unknown>;
  const names = Object.keys(fields);
  if (names.length !== Object.keys(e.fields).length) return false;
  return names.every((n) => Object.hasOwn(e.fields, n) && fields[n] === e.fields[n]);
}

function conflict(x: EventToStore): QuarantineEntry {
  const e = x.event;
  return {
    file: x.file,
    line: x.line,
    raw: JSON.stringify(e).slice(0, QUARANTINE_RAW_LIMIT),
    reason: `conflicting duplicate: an event with source "${e.source}" and id "${e.id}" is already stored with different content (kept the stored one)`,
  };
}

/**
 * Appends one chunk of parsed lines in ONE transaction, together with the batch's running counts, so a
 * kill at any moment leaves the store consistent. Returns the counts this chunk added.
 *
 * A rejected line already quarantined from the same file, line and content (a re-ingest, or the rerun after
 * a kill) counts as rejected in this chunk's counts but is not stored a second time.
 */
export async function appendChunk(
  store: Store,
  batchId: number,
  events: readonly EventToStore[],
  rejected: readonly QuarantineEntry[],
): Promise<ChunkCounts> {
  return appendPackedChunk(store, batchId, packEvents(events), rejected);
}

/** appendChunk for events already packed (what the ingest's parser thread produces). */
export async function appendPackedChunk(
  store: Store,
  batchId: number,
  events: PackedEvents,
  rejected: readonly QuarantineEntry[],
): Promise<ChunkCounts> {
  if (store.sqlite !== null) return appendChunkSqlite(store.sqlite, batchId, events, rejected);
  return appendChunkPortable(store.db, batchId, events, rejected);
}

type Sqlite = NonNullable<Store['sqlite']>;
/** The ingest's statements, each prepared once per connection (sqlite-statements.ts). */
function ingestStatements(sqlite: Sqlite) {
  return {
    insert: statement(
      sqlite,
      `INSERT INTO events (source, event_id, time, object, external_id_field, external_id, op, status, seq, error, sf_id, fields_json, batch_id, file, line)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, event_id) DO NOTHING`,
    ),
    stored: statement(sqlite, 'SELECT * FROM events WHERE source = ? AND event_id = ?'),
    quarantined: statement(sqlite, 'SELECT 1 FROM quarantine WHERE file = ? AND line = ? AND reason = ? AND raw = ? LIMIT 1').pluck(),
    quarantine: statement(sqlite, 'INSERT INTO quarantine (batch_id, file, line, raw, reason) VALUES (?, ?, ?, ?, ?)'),
    counts: statement(
      sqlite,
      `UPDATE ingest_batches SET read_count = read_count + ?, accepted_count = accepted_count + ?,
       duplicate_count = duplicate_count + ?, rejected_count = rejected_count + ? WHERE id = ?`,
    ),
  };
}

// SQLite fast path: prepared statements in one transaction are several times faster than building each
// insert with kysely. appendChunkPortable is the same logic for other dialects.
function appendChunkSqlite(sqlite: Sqlite, batchId: number, p: PackedEvents, rejected: readonly QuarantineEntry[]): ChunkCounts {
  const st = ingestStatements(sqlite);
  const quarantine = (q: QuarantineEntry) => {
    if (st.quarantined.get(q.file, q.line, q.reason, q.raw) === undefined) st.quarantine.run(batchId, q.file, q.line, q.raw, q.reason);
  };
  const run = sqlite.transaction((): ChunkCounts => {
    const n = p.length / PACKED_WIDTH;
    const counts: ChunkCounts = { read: n + rejected.length, accepted: 0, duplicate: 0, rejected: rejected.length };
    for (const q of rejected) quarantine(q);
    for (let i = 0; i < p.length; i += PACKED_WIDTH) {
      const info = st.insert.run(
        p[i], p[i + 1], p[i + 2], p[i + 3], p[i + 4], p[i + 5], p[i + 6], p[i + 7], p[i + 8], p[i + 9], p[i + 10], p[i + 11],
        batchId, p[i + 12], p[i + 13],
      );
      if (info.changes === 1) {
        counts.accepted += 1;
        continue;
      }
      const x = unpackEvent(p, i);
      if (sameContent(st.stored.get(x.event.source, x.event.id) as EventRow | undefined, x.event)) counts.duplicate += 1;
      else {
        counts.rejected += 1;
        quarantine(conflict(x));
      }
    }
    st.counts.run(counts.read, counts.accepted, counts.duplicate, counts.rejected, batchId);
    return counts;
  });
  return run.immediate();
}

/** Raw text kept for a quarantined line: enough to see the problem, bounded so a huge line cannot bloat the store. */
export const QUARANTINE_RAW_LIMIT = 4096;

async function appendChunkPortable(
  db: Kysely<Database>,
  batchId: number,
  p: PackedEvents,
  rejected: readonly QuarantineEntry[],
): Promise<ChunkCounts> {
  return db.transaction().execute(async (trx) => {
    const n = p.length / PACKED_WIDTH;
    const counts: ChunkCounts = { read: n + rejected.length, accepted: 0, duplicate: 0, rejected: rejected.length };
    const quarantine = async (q: QuarantineEntry) => {
      const seen = await trx
        .selectFrom('quarantine')
        .select('id')
        .where('file', '=', q.file)
        .where('line', '=', q.line)
        .where('reason', '=', q.reason)
        .where('raw', '=', q.raw)
        .limit(1)
        .executeTakeFirst();
      if (seen === undefined) {
        await trx.insertInto('quarantine').values({ batch_id: batchId, file: q.file, line: q.line, raw: q.raw, reason: q.reason }).execute();
      }
    };
    for (const q of rejected) await quarantine(q);
    for (let i = 0; i < p.length; i += PACKED_WIDTH) {
      const x = unpackEvent(p, i);
      const e = x.event;
      const result = await trx
        .insertInto('events')
        .values({
          source: e.source, event_id: e.id, time: e.time, object: e.object, external_id_field: e.externalIdField,
          external_id: e.externalId, op: e.op, status: e.status, seq: e.seq, error: e.error, sf_id: e.sfId,
          fields_json: x.fieldsJson, batch_id: batchId, file: x.file, line: x.line,
        })
        .onConflict((oc) => oc.columns(['source', 'event_id']).doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 1) {
        counts.accepted += 1;
        continue;
      }
      const stored = await trx
        .selectFrom('events')
        .selectAll()
        .where('source', '=', e.source)
        .where('event_id', '=', e.id)
        .executeTakeFirst();
      if (sameContent(stored, e)) counts.duplicate += 1;
      else {
        counts.rejected += 1;
        await quarantine(conflict(x));
      }
    }
    await trx
      .updateTable('ingest_batches')
      .set((eb) => ({
        read_count: eb('read_count', '+', counts.read),
        accepted_count: eb('accepted_count', '+', counts.accepted),
        duplicate_count: eb('duplicate_count', '+', counts.duplicate),
        rejected_count: eb('rejected_count', '+', counts.rejected),
      }))
      .where('id', '=', batchId)
      .execute();
    return counts;
  });
}

export interface QuarantinedLine extends QuarantineEntry {
  batchId: number;
}

export async function listQuarantine(db: Kysely<Database>, batchId?: number): Promise<QuarantinedLine[]> {
  let q = db.selectFrom('quarantine').selectAll().orderBy('id');
  if (batchId !== undefined) q = q.where('batch_id', '=', batchId);
  const rows = await q.execute();
  return rows.map((r) => ({ batchId: r.batch_id, file: r.file, line: r.line, raw: r.raw, reason: r.reason }));
}

export interface EventFilter {
  from?: string;
  to?: string;
  objects?: readonly string[] | null;
}

export interface EventStats {
  total: number;
  first: string | null;
  last: string | null;
  byObject: Record<string, number>;
  byStatus: Record<string, number>;
  /** Hour (`2026-11-20T14`) -> count. */
  byHour: Record<string, number>;
}

/** Counts by object, status and hour, and the first and last event time, within an optional window. */
export async function eventStats(db: Kysely<Database>, filter: EventFilter): Promise<EventStats> {
  let base = db.selectFrom('events');
  if (filter.from !== undefined) base = base.where('time', '>=', filter.from);
  if (filter.to !== undefined) base = base.where('time', '<', filter.to);
  if (filter.objects != null && filter.objects.length > 0) base = base.where('object', 'in', [...filter.objects]);
  const totals = await base
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('time').as('first'), eb.fn.max('time').as('last')])
    .executeTakeFirstOrThrow();
  const byObject = await base.select((eb) => ['object', eb.fn.countAll<number>().as('n')]).groupBy('object').orderBy('object').execute();
  const byStatus = await base.select((eb) => ['status', eb.fn.countAll<number>().as('n')]).groupBy('status').orderBy('status').execute();
  // substr is the same in SQLite and PostgreSQL: the hour is the first 13 characters of the ISO time.
  const byHour = await base
    .select((eb) => [eb.fn<string>('substr', ['time', eb.lit(1), eb.lit(13)]).as('hour'), eb.fn.countAll<number>().as('n')])
    .groupBy('hour')
    .orderBy('hour')
    .execute();
  return {
    total: Number(totals.n),
    first: (totals.first as string | null) ?? null,
    last: (totals.last as string | null) ?? null,
    byObject: Object.fromEntries(byObject.map((r) => [r.object, Number(r.n)])),
    byStatus: Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)])),
    byHour: Object.fromEntries(byHour.map((r) => [r.hour, Number(r.n)])),
  };
}

function toStoredEvent(r: Database['events']): StoredEvent {
  return {
    source: r.source,
    id: r.event_id,
    time: r.time,
    object: r.object,
    externalIdField: r.external_id_field,
    externalId: r.external_id,
    op: r.op as StoredEvent['op'],
    fields: JSON.parse(r.fields_json) as StoredEvent['fields'],
    status: r.status as StoredEvent['status'],
    seq: r.seq,
    error: r.error,
    sfId: r.sf_id,
    batchId: r.batch_id,
    file: r.file,
    line: r.line,
  };
}

/**
 * Every stored event of the given record keys (their whole known history), grouped by key. Each key's events
 * come in storage order; the fold puts them in fold order (it checks, and sorts only when needed).
 * With the SQLite handle it reads through prepared statements (several times faster than kysely's row
 * objects for the million events of a large scan); loadEventsPortable is the same read for other dialects.
 */
export async function loadEventsForKeys(db: Kysely<Database>, keys: readonly RecordKey[], sqlite: Sqlite | null = null): Promise<Map<string, StoredEvent[]>> {
  const out = new Map<string, StoredEvent[]>();
  const byObject = new Map<string, string[]>();
  for (const k of keys) {
    const list = byObject.get(k.object) ?? [];
    list.push(k.externalId);
    byObject.set(k.object, list);
  }
  for (const [object, ids] of byObject) {
    for (let i = 0; i < ids.length; i += KEYS_PER_READ) {
      const slice = ids.slice(i, i + KEYS_PER_READ);
      if (sqlite !== null) loadEventsSqlite(sqlite, object, slice, out);
      else await loadEventsPortable(db, object, slice, out);
    }
  }
  return out;
}

/** Keys per statement: well under every dialect's bound-parameter limit. */
const KEYS_PER_READ = 500;
const EVENT_COLUMNS = 'external_id, source, event_id, time, op, fields_json, status, seq, error, sf_id, external_id_field, batch_id, file, line';

function loadEventsSqlite(sqlite: Sqlite, object: string, ids: readonly string[], out: Map<string, StoredEvent[]>): void {
  const st = statement(sqlite, `SELECT ${EVENT_COLUMNS} FROM events WHERE object = ? AND external_id IN (${ids.map(() => '?').join(',')})`).raw(true);
  for (const r of st.all(object, ...ids) as unknown[][]) {
    const externalId = r[0] as string;
    const event: StoredEvent = {
      source: r[1] as string,
      id: r[2] as string,
      time: r[3] as string,
      object,
      externalIdField: r[10] as string | null,
      externalId,
      op: r[4] as StoredEvent['op'],
      fields: JSON.parse(r[5] as string) as StoredEvent['fields'],
      status: r[6] as StoredEvent['status'],
      seq: r[7] as number | null,
      error: r[8] as string | null,
      sfId: r[9] as string | null,
      batchId: r[11] as number,
      file: r[12] as string,
      line: r[13] as number,
    };
    const key = `${object}\u0000${externalId}`;
    const list = out.get(key);
    if (list === undefined) out.set(key, [event]);
    else list.push(event);
  }
}

async function loadEventsPortable(db: Kysely<Database>, object: string, ids: readonly string[], out: Map<string, StoredEvent[]>): Promise<void> {
  const rows = await db.selectFrom('events').selectAll().where('object', '=', object).where('external_id', 'in', ids).orderBy('time').orderBy('file').orderBy('line').execute();
  for (const r of rows) {
    const key = `${r.object}\u0000${r.external_id}`;
    const list = out.get(key) ?? [];
    list.push(toStoredEvent(r));
    out.set(key, list);
  }
}

/** Whether any event exists for these record keys (used to keep only Salesforce changes the log knows). */
export async function knownExternalIds(db: Kysely<Database>, object: string, externalIds: readonly string[]): Promise<Set<string>> {
  const known = new Set<string>();
  for (let i = 0; i < externalIds.length; i += 500) {
    const rows = await db
      .selectFrom('events')
      .select('external_id')
      .distinct()
      .where('object', '=', object)
      .where('external_id', 'in', externalIds.slice(i, i + 500))
      .execute();
    for (const r of rows) known.add(r.external_id);
  }
  return known;
}

export async function countEvents(db: Kysely<Database>): Promise<number> {
  const r = await db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** A few events of an object (to learn its external ID field when only Salesforce's change scan found it). */
export async function sampleEvents(db: Kysely<Database>, object: string, limit: number): Promise<StoredEvent[]> {
  const rows = await db.selectFrom('events').selectAll().where('object', '=', object).limit(limit).execute();
  return rows.map(toStoredEvent);
}

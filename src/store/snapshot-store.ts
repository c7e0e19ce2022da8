import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { RecordKey } from '../domain/record-key.js';
import type { Incident, ScanSnapshot, ScannedRecord } from '../domain/drift.js';
import { recordFromJson, recordToJson } from '../scan/snapshot-record.js';
import { UsageError } from '../errors.js';
import { getIncident } from './incident-store.js';
import type { Database } from './schema/index.js';
import { seekPages, type KeyedJson } from './seek-pages.js';
import { statement } from './sqlite-statements.js';

/** Starts a snapshot; it becomes visible to planning once `completeSnapshot` ran. */
export async function createSnapshot(db: Kysely<Database>, incidentId: number, takenAt: Date): Promise<number> {
  const row = await db
    .insertInto('snapshots')
    .values({ incident_id: incidentId, taken_at: takenAt.toISOString(), completed_at: null, summary_json: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Lists into snapshot_keys every record key with an event in [from, to) (of the given objects), in one pass
 * over the window's events. Returns how many keys the scan covers.
 */
export async function collectWindowKeys(db: Kysely<Database>, snapshotId: number, window: { from: string; to: string; objects: readonly string[] | null }): Promise<number> {
  let keys = db
    .selectFrom('events')
    .select([sql.lit(snapshotId).as('snapshot_id'), 'object', 'external_id'])
    .distinct()
    .where('time', '>=', window.from)
    .where('time', '<', window.to);
  if (window.objects !== null && window.objects.length > 0) keys = keys.where('object', 'in', [...window.objects]);
  const result = await db.insertInto('snapshot_keys').columns(['snapshot_id', 'object', 'external_id']).expression(keys).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

/** The scan's keys after `after`, in (object, external ID) order: a seek on the primary key, whatever the page. */
export async function snapshotKeysPage(db: Kysely<Database>, snapshotId: number, after: RecordKey | undefined, limit: number): Promise<RecordKey[]> {
  let q = db.selectFrom('snapshot_keys').select(['object', 'external_id']).where('snapshot_id', '=', snapshotId);
  if (after !== undefined) q = q.where((eb) => eb(eb.refTuple('object', 'external_id'), '>', eb.tuple(after.object, after.externalId)));
  const rows = await q.orderBy('object').orderBy('external_id').limit(limit).execute();
  return rows.map((r) => ({ object: r.object, externalId: r.external_id }));
}

/** How many keys the scan covers, by object. */
export async function countSnapshotKeys(db: Kysely<Database>, snapshotId: number): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('snapshot_keys')
    .select(['object', (eb) => eb.fn.countAll<number>().as('n')])
    .where('snapshot_id', '=', snapshotId)
    .groupBy('object')
    .execute();
  return new Map(rows.map((r) => [r.object, Number(r.n)]));
}

/** Stores rows an export returned, keyed by their external ID (lower case), in one transaction. */
export async function appendScanRows(db: Kysely<Database>, snapshotId: number, object: string, rows: readonly { key: string; row: unknown }[]): Promise<void> {
  if (rows.length === 0) return;
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += 200) {
      await trx
        .insertInto('scan_rows')
        .values(rows.slice(i, i + 200).map((r) => ({ snapshot_id: snapshotId, object, key: r.key, row_json: JSON.stringify(r.row) })))
        .execute();
    }
  });
}

/** The exported rows of these external IDs (lower case). */
export async function scanRowsForKeys<T>(db: Kysely<Database>, snapshotId: number, object: string, keys: readonly string[]): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await db
      .selectFrom('scan_rows')
      .select('row_json')
      .where('snapshot_id', '=', snapshotId)
      .where('object', '=', object)
      .where('key', 'in', keys.slice(i, i + 500))
      .execute();
    for (const r of rows) out.push(JSON.parse(r.row_json) as T);
  }
  return out;
}

export async function deleteScanRows(db: Kysely<Database>, snapshotId: number): Promise<void> {
  await db.deleteFrom('scan_rows').where('snapshot_id', '=', snapshotId).execute();
}

/** Adds keys the scan found another way (Salesforce's changes in the window) and returns those it did not cover yet. */
export async function addSnapshotKeys(db: Kysely<Database>, snapshotId: number, object: string, externalIds: readonly string[]): Promise<string[]> {
  const added: string[] = [];
  for (let i = 0; i < externalIds.length; i += 500) {
    const slice = externalIds.slice(i, i + 500);
    const covered = new Set(
      (await db.selectFrom('snapshot_keys').select('external_id').where('snapshot_id', '=', snapshotId).where('object', '=', object).where('external_id', 'in', slice).execute()).map((r) => r.external_id),
    );
    const fresh = [...new Set(slice)].filter((x) => !covered.has(x));
    if (fresh.length === 0) continue;
    await db.insertInto('snapshot_keys').values(fresh.map((external_id) => ({ snapshot_id: snapshotId, object, external_id }))).execute();
    added.push(...fresh);
  }
  return added;
}

/**
 * Appends scanned records (in one transaction), numbered after those already stored. With the SQLite handle,
 * through one prepared statement (the scan stores every affected record); otherwise through kysely.
 */
export async function appendSnapshotRecords(
  db: Kysely<Database>,
  snapshotId: number,
  firstOrdinal: number,
  records: readonly ScannedRecord[],
  sqlite: BetterSqlite3.Database | null = null,
): Promise<void> {
  if (records.length === 0) return;
  if (sqlite !== null) {
    const st = statement(sqlite, 'INSERT INTO snapshot_records (snapshot_id, ordinal, object, external_id, class, sf_id, record_json) VALUES (?, ?, ?, ?, ?, ?, ?)');
    sqlite.transaction(() => {
      records.forEach((r, i) => st.run(snapshotId, firstOrdinal + i, r.key.object, r.key.externalId, r.diff.class, r.diff.sfId, recordToJson(r)));
    }).immediate();
    return;
  }
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < records.length; i += 200) {
      await trx
        .insertInto('snapshot_records')
        .values(
          records.slice(i, i + 200).map((r, j) => ({
            snapshot_id: snapshotId,
            ordinal: firstOrdinal + i + j,
            object: r.key.object,
            external_id: r.key.externalId,
            class: r.diff.class,
            sf_id: r.diff.sfId,
            record_json: recordToJson(r),
          })),
        )
        .execute();
    }
  });
}

export async function completeSnapshot(db: Kysely<Database>, snapshotId: number, summary: Record<string, unknown>, now: Date): Promise<void> {
  await db.updateTable('snapshots').set({ completed_at: now.toISOString(), summary_json: JSON.stringify(summary) }).where('id', '=', snapshotId).execute();
}

/** The latest completed snapshot of an incident, or null when it was never scanned. */
export async function latestSnapshotId(db: Kysely<Database>, incidentId: number): Promise<number | null> {
  const row = await db
    .selectFrom('snapshots')
    .select('id')
    .where('incident_id', '=', incidentId)
    .where('completed_at', 'is not', null)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.id ?? null;
}

export async function getSnapshot(db: Kysely<Database>, snapshotId: number): Promise<ScanSnapshot | null> {
  const row = await db.selectFrom('snapshots').selectAll().where('id', '=', snapshotId).executeTakeFirst();
  if (row === undefined || row.completed_at === null) return null;
  return { id: row.id, incidentId: row.incident_id, takenAt: row.taken_at, summary: JSON.parse(row.summary_json ?? '{}') as Record<string, unknown> };
}

/** Pages through a snapshot's records in a stable order, in bounded memory. */
export async function* iterateSnapshotRecords(db: Kysely<Database>, snapshotId: number, pageSize = 1000): AsyncGenerator<ScannedRecord> {
  for await (const page of snapshotRecordPages(db, snapshotId, null, pageSize)) for (const json of page) yield recordFromJson(json);
}

/** A snapshot's stored records (JSON), a page at a time in ordinal order: what the planner decides from. */
export function snapshotRecordPages(db: Kysely<Database>, snapshotId: number, sqlite: BetterSqlite3.Database | null = null, pageSize = 2000): AsyncGenerator<string[]> {
  // Rows as arrays on SQLite: building an object per row cost more than reading it.
  const read = async (after: number): Promise<KeyedJson[]> =>
    sqlite !== null
      ? (statement(sqlite, 'SELECT ordinal, record_json FROM snapshot_records WHERE snapshot_id = ? AND ordinal > ? ORDER BY ordinal LIMIT ?').raw(true).all(snapshotId, after, pageSize) as KeyedJson[])
      : (await db.selectFrom('snapshot_records').select(['ordinal', 'record_json']).where('snapshot_id', '=', snapshotId).where('ordinal', '>', after).orderBy('ordinal').limit(pageSize).execute()).map((r) => [r.ordinal, r.record_json]);
  return seekPages(read, -1, pageSize);
}

export async function countSnapshotRecords(db: Kysely<Database>, snapshotId: number): Promise<number> {
  const row = await db.selectFrom('snapshot_records').select((eb) => eb.fn.countAll<number>().as('n')).where('snapshot_id', '=', snapshotId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * What the planner starts from: the incident and its snapshot (the latest by default).
 * An unknown incident, or one never scanned, is a UsageError naming the command to run.
 */
export async function loadSnapshot(db: Kysely<Database>, incidentId: number, snapshotId?: number): Promise<{ incident: Incident; snapshot: ScanSnapshot }> {
  const incident = await getIncident(db, incidentId);
  const id = snapshotId ?? (await latestSnapshotId(db, incidentId));
  const snapshot = id === null ? null : await getSnapshot(db, id);
  if (snapshot === null || snapshot.incidentId !== incidentId) {
    throw new UsageError(`incident ${incidentId} has no completed scan${snapshotId ? ` ${snapshotId}` : ''}`, {
      code: 'NOT_SCANNED',
      hint: `run "sf-reconcile scan ${incidentId}" first`,
    });
  }
  return { incident, snapshot };
}

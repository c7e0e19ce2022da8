import type { Kysely } from 'kysely';
import type { Incident, ScanSnapshot, ScannedRecord } from '../domain/drift.js';
import { UsageError } from '../errors.js';
import { getIncident } from './incident-store.js';
import type { Database } from './schema/index.js';

/** Starts a snapshot; it becomes visible to planning once `completeSnapshot` ran. */
export async function createSnapshot(db: Kysely<Database>, incidentId: number, takenAt: Date): Promise<number> {
  const row = await db
    .insertInto('snapshots')
    .values({ incident_id: incidentId, taken_at: takenAt.toISOString(), completed_at: null, summary_json: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Appends scanned records (in one transaction), numbered after those already stored. */
export async function appendSnapshotRecords(db: Kysely<Database>, snapshotId: number, firstOrdinal: number, records: readonly ScannedRecord[]): Promise<void> {
  if (records.length === 0) return;
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
            record_json: JSON.stringify(r),
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
  let after = -1;
  for (;;) {
    const rows = await db
      .selectFrom('snapshot_records')
      .select(['ordinal', 'record_json'])
      .where('snapshot_id', '=', snapshotId)
      .where('ordinal', '>', after)
      .orderBy('ordinal')
      .limit(pageSize)
      .execute();
    for (const r of rows) yield JSON.parse(r.record_json) as ScannedRecord;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.ordinal;
  }
}

/**
 * What the planner reads: the incident, the snapshot (the latest by default) and its records.
 * An unknown incident, or one never scanned, is a UsageError naming the command to run.
 */
export async function loadScannedRecords(
  db: Kysely<Database>,
  incidentId: number,
  snapshotId?: number,
): Promise<{ incident: Incident; snapshot: ScanSnapshot; records: AsyncIterable<ScannedRecord> }> {
  const incident = await getIncident(db, incidentId);
  const id = snapshotId ?? (await latestSnapshotId(db, incidentId));
  const snapshot = id === null ? null : await getSnapshot(db, id);
  if (snapshot === null || snapshot.incidentId !== incidentId) {
    throw new UsageError(`incident ${incidentId} has no completed scan${snapshotId ? ` ${snapshotId}` : ''}`, {
      code: 'NOT_SCANNED',
      hint: `run "sf-reconcile scan ${incidentId}" first`,
    });
  }
  return { incident, snapshot, records: iterateSnapshotRecords(db, snapshot.id) };
}

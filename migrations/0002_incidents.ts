import type { Kysely } from 'kysely';

/**
 * Incidents and their scans. A snapshot is what Salesforce returned for the affected records at one time,
 * with the fold and the diff of each: append-only; a second scan adds a new snapshot. `completed_at` stays
 * null until the scan finished, so an interrupted scan is never taken as the latest.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('incidents')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('from_time', 'text', (c) => c.notNull())
    .addColumn('to_time', 'text', (c) => c.notNull())
    .addColumn('objects_json', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('snapshots')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('incident_id', 'integer', (c) => c.notNull())
    .addColumn('taken_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .addColumn('summary_json', 'text')
    .execute();
  await db.schema.createIndex('snapshots_incident').on('snapshots').column('incident_id').execute();
  await db.schema
    .createTable('snapshot_records')
    .addColumn('snapshot_id', 'integer', (c) => c.notNull())
    .addColumn('ordinal', 'integer', (c) => c.notNull())
    .addColumn('object', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('class', 'text', (c) => c.notNull())
    .addColumn('sf_id', 'text')
    .addColumn('record_json', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('snapshot_records_pk', ['snapshot_id', 'ordinal'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('snapshot_records').execute();
  await db.schema.dropTable('snapshots').execute();
  await db.schema.dropTable('incidents').execute();
}

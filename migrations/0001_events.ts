import { sql, type Kysely } from 'kysely';

/**
 * The event store. `events` is append-only: identity (source, event_id), provenance (batch, file, line).
 * A re-sent event with the same identity is a harmless duplicate when its content matches the stored one,
 * and is quarantined as a conflict when it does not. `ingest_batches`: one row per file ingested, with its
 * running counts. `quarantine`: every rejected input line with its reason, once per (file, line, content).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ingest_batches')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('read_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('accepted_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('duplicate_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rejected_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('time', 'text', (c) => c.notNull())
    .addColumn('object', 'text', (c) => c.notNull())
    .addColumn('external_id_field', 'text')
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('op', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer')
    .addColumn('error', 'text')
    .addColumn('sf_id', 'text')
    .addColumn('fields_json', 'text', (c) => c.notNull())
    .addColumn('batch_id', 'integer', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('events_pk', ['source', 'event_id'])
    .execute();
  await db.schema.createIndex('events_record_key').on('events').columns(['object', 'external_id']).execute();
  await db.schema.createIndex('events_time').on('events').column('time').execute();

  await db.schema
    .createTable('quarantine')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('batch_id', 'integer', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('raw', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull().defaultTo(sql`CURRENT_TIMESTAMP`))
    .execute();
  await db.schema.createIndex('quarantine_batch').on('quarantine').column('batch_id').execute();
  // A re-ingest looks up (file, line) to avoid storing the same rejected line twice.
  await db.schema.createIndex('quarantine_line').on('quarantine').columns(['file', 'line']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('quarantine').execute();
  await db.schema.dropTable('events').execute();
  await db.schema.dropTable('ingest_batches').execute();
}

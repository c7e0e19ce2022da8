import type { Kysely } from 'kysely';

/**
 * Scratch space of a scan that exported an object through a Bulk API 2.0 query (many affected keys): the
 * exported rows keyed by their external ID (lower case, as Salesforce matches them), read a batch of keys at a
 * time. Deleted when the scan completes; what the scan found is kept in snapshot_records.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('scan_rows')
    .addColumn('snapshot_id', 'integer', (c) => c.notNull())
    .addColumn('object', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('row_json', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('scan_rows_key').on('scan_rows').columns(['snapshot_id', 'object', 'key']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('scan_rows').execute();
}

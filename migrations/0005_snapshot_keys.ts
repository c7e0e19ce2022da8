import type { Kysely } from 'kysely';

/**
 * The record keys a scan covers, listed once when the scan starts. Paging through this table by its primary
 * key is a seek; paging through the events' DISTINCT keys re-read the whole window for every page.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('snapshot_keys')
    .addColumn('snapshot_id', 'integer', (c) => c.notNull())
    .addColumn('object', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('snapshot_keys_pk', ['snapshot_id', 'object', 'external_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('snapshot_keys').execute();
}

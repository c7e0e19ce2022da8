import type { Kysely } from 'kysely';

/**
 * Plans: immutable once created (header + items), hashed; their life is the append-only `plan_journal`
 * (created, exported, approved, rejected, executing, paused, completed, failed), the status derived from it.
 * `plan_approvals` binds an approval to the plan's hash and to the items left out by the review.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('plans')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('incident_id', 'integer', (c) => c.notNull())
    .addColumn('snapshot_id', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('config_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text')
    .addColumn('totals_json', 'text')
    .addColumn('estimate_json', 'text')
    .addColumn('parent_plan_id', 'integer')
    .execute();
  await db.schema
    .createTable('plan_items')
    .addColumn('plan_id', 'integer', (c) => c.notNull())
    .addColumn('item_id', 'integer', (c) => c.notNull())
    .addColumn('object', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('item_json', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('plan_items_pk', ['plan_id', 'item_id'])
    .execute();
  await db.schema
    .createTable('plan_journal')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('plan_id', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('by', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('details_json', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('plan_journal_plan').on('plan_journal').columns(['plan_id', 'id']).execute();
  await db.schema
    .createTable('plan_approvals')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('plan_id', 'integer', (c) => c.notNull())
    .addColumn('by', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('plan_hash', 'text', (c) => c.notNull())
    .addColumn('excluded_items_json', 'text', (c) => c.notNull())
    .addColumn('self_approval', 'integer', (c) => c.notNull())
    .addColumn('forced', 'integer', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('plan_approvals').execute();
  await db.schema.dropTable('plan_journal').execute();
  await db.schema.dropTable('plan_items').execute();
  await db.schema.dropTable('plans').execute();
}

import type { Kysely } from 'kysely';

/**
 * The executor's journal. `execution_runs`: one row per `plan execute` process. `execution_item_outcomes`:
 * append-only, one row per state change of a plan item's step (attempting, applied, failed, stale, skipped);
 * an item's current state is its latest row. `plan_leases`: the one mutable table, so a single executor holds
 * a plan at a time; a lease expires when its holder stops renewing it (it died).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('execution_runs')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('plan_id', 'integer', (c) => c.notNull())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('outcome', 'text')
    .addColumn('options_json', 'text', (c) => c.notNull())
    .addColumn('api_calls', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('execution_runs_plan').on('execution_runs').column('plan_id').execute();

  await db.schema
    .createTable('execution_item_outcomes')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('plan_id', 'integer', (c) => c.notNull())
    .addColumn('item_id', 'integer', (c) => c.notNull())
    .addColumn('step', 'integer', (c) => c.notNull())
    .addColumn('run_id', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('sf_id', 'text')
    .addColumn('error_code', 'text')
    .addColumn('message', 'text')
    .addColumn('canary', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('execution_item_outcomes_item')
    .on('execution_item_outcomes')
    .columns(['plan_id', 'item_id', 'id'])
    .execute();

  await db.schema
    .createTable('plan_leases')
    .addColumn('plan_id', 'integer', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('plan_leases').execute();
  await db.schema.dropTable('execution_item_outcomes').execute();
  await db.schema.dropTable('execution_runs').execute();
}

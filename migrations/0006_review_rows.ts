import type { Kysely } from 'kysely';

/**
 * Scratch space for `plan approve --reviewed`: the reviewed CSV's rows, keyed by a review id and the item
 * they name, so a plan of any size is checked a page of items at a time in bounded memory. A review's rows
 * are deleted when its check ends.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('review_rows')
    .addColumn('review_id', 'bigint', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('item_num', 'integer')
    .addColumn('cells_json', 'text', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('row_hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('review_rows_item').on('review_rows').columns(['review_id', 'item_num', 'line']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('review_rows').execute();
}

import { randomInt } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { ReviewedRow } from '../plan/plan-csv.js';
import type { Database } from './schema/index.js';
import { statement } from './sqlite-statements.js';

type Sqlite = BetterSqlite3.Database;

/** A fresh id for one check of a reviewed CSV (two approvers may check at once). */
export function newReviewId(): number {
  return randomInt(1, 2 ** 47);
}

function itemNumber(cell: string | undefined): number | null {
  return cell !== undefined && /^[1-9]\d{0,14}$/.test(cell) ? Number(cell) : null;
}

/**
 * Stores reviewed rows in one transaction: with the SQLite handle through one prepared statement (kysely
 * building an insert per 100 rows was a third of approving a 100,000-row review), else through kysely.
 */
export async function appendReviewRows(db: Kysely<Database>, reviewId: number, rows: readonly ReviewedRow[], sqlite: Sqlite | null = null): Promise<void> {
  if (rows.length === 0) return;
  if (sqlite !== null) {
    const st = statement(sqlite, 'INSERT INTO review_rows (review_id, line, item_num, cells_json, decision, row_hash) VALUES (?, ?, ?, ?, ?, ?)');
    sqlite.transaction(() => {
      for (const r of rows) st.run(reviewId, r.line, itemNumber(r.cells[1]), JSON.stringify(r.cells), r.decision, r.rowHash);
    }).immediate();
    return;
  }
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += 100) {
      await trx
        .insertInto('review_rows')
        .values(rows.slice(i, i + 100).map((r) => ({ review_id: reviewId, line: r.line, item_num: itemNumber(r.cells[1]), cells_json: JSON.stringify(r.cells), decision: r.decision, row_hash: r.rowHash })))
        .execute();
    }
  });
}

function toReviewed(r: { line: number; cells_json: string; decision: string; row_hash: string }): ReviewedRow {
  return { line: r.line, cells: JSON.parse(r.cells_json) as string[], decision: r.decision, rowHash: r.row_hash };
}

/** The reviewed rows naming an item id in (after, last], in line order. */
export async function reviewRowsForItems(db: Kysely<Database>, reviewId: number, after: number, last: number, sqlite: Sqlite | null = null): Promise<ReviewedRow[]> {
  if (sqlite !== null) {
    const rows = statement(sqlite, 'SELECT line, cells_json, decision, row_hash FROM review_rows WHERE review_id = ? AND item_num > ? AND item_num <= ? ORDER BY line').all(reviewId, after, last);
    return (rows as { line: number; cells_json: string; decision: string; row_hash: string }[]).map(toReviewed);
  }
  const rows = await db
    .selectFrom('review_rows')
    .select(['line', 'cells_json', 'decision', 'row_hash'])
    .where('review_id', '=', reviewId)
    .where('item_num', '>', after)
    .where('item_num', '<=', last)
    .orderBy('line')
    .execute();
  return rows.map(toReviewed);
}

/** Reviewed rows naming no item id in (0, maxItemId]: rows the plan cannot have. At most `limit`, in line order. */
export async function reviewRowsOutside(db: Kysely<Database>, reviewId: number, maxItemId: number, limit: number): Promise<ReviewedRow[]> {
  const rows = await db
    .selectFrom('review_rows')
    .select(['line', 'cells_json', 'decision', 'row_hash'])
    .where('review_id', '=', reviewId)
    .where((eb) => eb.or([eb('item_num', 'is', null), eb('item_num', '>', maxItemId)]))
    .orderBy('line')
    .limit(limit)
    .execute();
  return rows.map(toReviewed);
}

export async function deleteReview(db: Kysely<Database>, reviewId: number): Promise<void> {
  await db.deleteFrom('review_rows').where('review_id', '=', reviewId).execute();
}

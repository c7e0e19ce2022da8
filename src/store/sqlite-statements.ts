import type BetterSqlite3 from 'better-sqlite3';

const prepared = new WeakMap<BetterSqlite3.Database, Map<string, BetterSqlite3.Statement>>();

/**
 * The SQLite fast paths' statements: each SQL text prepared once per connection. Preparing costs more than
 * running a small insert, and these run once a row.
 */
export function statement(sqlite: BetterSqlite3.Database, sql: string): BetterSqlite3.Statement {
  let bySql = prepared.get(sqlite);
  if (bySql === undefined) prepared.set(sqlite, (bySql = new Map()));
  let st = bySql.get(sql);
  if (st === undefined) bySql.set(sql, (st = sqlite.prepare(sql)));
  return st;
}

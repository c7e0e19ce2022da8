import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type MigrationProvider } from 'kysely';
import { MIGRATIONS } from '../../migrations/index.js';
import { ReconcileError, EXIT, UsageError } from '../errors.js';
import type { Database } from './schema/index.js';

export const DEFAULT_DB_PATH = '.sf-reconcile/state.db';

export interface Store {
  db: Kysely<Database>;
  /** Absolute path of the database file, or `:memory:`. */
  path: string;
  /**
   * The better-sqlite3 handle, for the one marked SQLite fast path (bulk event insert). Null on other dialects.
   * Everything else goes through `db`.
   */
  sqlite: BetterSqlite3.Database | null;
  close(): Promise<void>;
}

/** `--db` wins, then `SF_RECONCILE_DB`, then `.sf-reconcile/state.db` under the working directory. */
export function resolveDbPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const chosen = flag ?? env.SF_RECONCILE_DB ?? DEFAULT_DB_PATH;
  return chosen === ':memory:' ? chosen : resolve(cwd, chosen);
}

const staticProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};

/** Opens (creating if needed) the embedded SQLite store in WAL mode and applies pending migrations. */
export async function openStore(path: string): Promise<Store> {
  let sqlite: BetterSqlite3.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    sqlite = new BetterSqlite3(path, { timeout: 10_000 });
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    // 64 MB of page cache: the event indexes stay in memory during large ingests (bounded, unlike the input).
    sqlite.pragma('cache_size = -65536');
    // Checkpoint the WAL into the database every ~40 MB instead of every 4 MB: bulk writes (a plan's items,
    // a scan's records, an ingest) spend a fifth less time, for a larger WAL file between checkpoints.
    sqlite.pragma('wal_autocheckpoint = 10000');
  } catch (error) {
    throw new UsageError(`cannot open the state database ${path}: ${(error as Error).message}`, {
      code: 'STORE_UNAVAILABLE',
      hint: 'check the path given to --db or SF_RECONCILE_DB and that its folder is writable',
    });
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const migrator = new Migrator({ db, provider: staticProvider });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) {
    await db.destroy();
    throw translateStoreError(error, path);
  }
  return {
    db,
    path,
    sqlite,
    close: () => db.destroy(),
  };
}

/** Maps SQLite's errors to ones a person can act on; anything else passes through. */
export function translateStoreError(error: unknown, path: string): unknown {
  const message = (error as Error | undefined)?.message ?? String(error);
  if (/database is locked|SQLITE_BUSY/i.test(message)) {
    return new ReconcileError('STORE_LOCKED', EXIT.failure, `the state database ${path} is locked by another process`, {
      hint: 'wait for the other sf-reconcile command to finish, or close the program holding the file',
    });
  }
  if (/readonly|SQLITE_READONLY|unable to open/i.test(message)) {
    return new UsageError(`cannot write the state database ${path}: ${message}`, {
      code: 'STORE_UNAVAILABLE',
      hint: 'check the file permissions, or point --db somewhere writable',
    });
  }
  return error;
}

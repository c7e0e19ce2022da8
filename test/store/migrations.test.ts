import { Migrator, NO_MIGRATIONS } from 'kysely';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../migrations/index.js';
import { openStore } from '../../src/store/open-store.js';

describe('migrations', () => {
  it('migrate up from empty, then all the way down, then up again', async () => {
    const store = await openStore(':memory:');
    const migrator = new Migrator({ db: store.db, provider: { getMigrations: async () => MIGRATIONS } });
    const applied = (await migrator.getMigrations()).filter((m) => m.executedAt !== undefined);
    expect(applied.map((m) => m.name)).toEqual(Object.keys(MIGRATIONS));

    const down = await migrator.migrateTo(NO_MIGRATIONS);
    expect(down.error).toBeUndefined();
    const tablesAfterDown = await store.db.introspection.getTables();
    expect(tablesAfterDown.map((t) => t.name).filter((n) => !n.startsWith('kysely_'))).toEqual([]);

    const up = await migrator.migrateToLatest();
    expect(up.error).toBeUndefined();
    await store.close();
  });
});

import type { Kysely } from 'kysely';

// Owned by the scan stage (incidents, snapshots, diffs).
export async function up(_db: Kysely<unknown>): Promise<void> {}

export async function down(_db: Kysely<unknown>): Promise<void> {}

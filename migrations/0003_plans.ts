import type { Kysely } from 'kysely';

// Owned by the plan stage (plans, items, journal, approvals).
export async function up(_db: Kysely<unknown>): Promise<void> {}

export async function down(_db: Kysely<unknown>): Promise<void> {}

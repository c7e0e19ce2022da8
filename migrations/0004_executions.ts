import type { Kysely } from 'kysely';

// Owned by the execute stage (executions, item outcomes, leases).
export async function up(_db: Kysely<unknown>): Promise<void> {}

export async function down(_db: Kysely<unknown>): Promise<void> {}

import type { Kysely } from 'kysely';

// Owned by the ingest stage (event store). Filled in by the Foundation issue.
export async function up(_db: Kysely<unknown>): Promise<void> {}

export async function down(_db: Kysely<unknown>): Promise<void> {}

import type { Kysely } from 'kysely';

/**
 * A plan is approved at most once (approving twice is refused, a rejected plan cannot be approved). The
 * unique index makes that hold when two approvers act at the same moment, on any database.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('plan_approvals_one_per_plan').on('plan_approvals').column('plan_id').unique().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('plan_approvals_one_per_plan').execute();
}

import type { Kysely } from 'kysely';
import type { PlanItem } from '../domain/plan.js';
import { InputError, UsageError } from '../errors.js';
import { appendJournal, getPlan, iteratePlanItems, latestApproval, planStatus, recordApproval, verifyPlanHash } from '../store/plan-store.js';
import type { Database } from '../store/schema/index.js';
import { latestSnapshotId } from '../store/snapshot-store.js';
import { readReviewedCsv } from './plan-csv.js';
import { checkReview } from './review-rules.js';

export interface ApproveOptions {
  by: string;
  reviewedCsv?: string;
  allowSelfApproval: boolean;
  force: boolean;
}

/**
 * Four eyes: the approver is not the creator (unless explicitly allowed, and recorded), the plan is
 * untouched (hash), not already approved or rejected, built from the incident's latest scan (unless forced,
 * and recorded), and a reviewed CSV changed nothing but the decision column. The approval binds the hash.
 */
export async function approvePlan(db: Kysely<Database>, planId: number, options: ApproveOptions, now: Date): Promise<{ planId: number; hash: string; excluded: number[]; approvedItems: number }> {
  const plan = await getPlan(db, planId);
  const status = await planStatus(db, planId);
  if (status === 'rejected') throw new UsageError(`plan ${planId} was rejected; a rejected plan cannot be approved`, { code: 'PLAN_REJECTED', hint: `scan again and create a new plan: "sf-reconcile plan create ${plan.incidentId}"` });
  if (status !== 'created') throw new UsageError(`plan ${planId} is already ${status}`, { code: 'PLAN_ALREADY_APPROVED', hint: `see its state with "sf-reconcile plan show ${planId}"` });
  if (options.by.trim() === '') throw new UsageError('--by must name the approver');
  if (options.by === plan.createdBy && !options.allowSelfApproval) {
    throw new UsageError(`${options.by} created plan ${planId} and cannot also approve it (four eyes)`, { code: 'SELF_APPROVAL', hint: 'ask a second person to approve, or pass --allow-self-approval (it is recorded)' });
  }
  if (!(await verifyPlanHash(db, plan))) {
    throw new UsageError(`plan ${planId} was changed after it was created: its hash no longer matches`, { code: 'PLAN_TAMPERED', hint: 'do not approve it; create a new plan from a fresh scan' });
  }
  const latest = await latestSnapshotId(db, plan.incidentId);
  if (latest !== null && latest !== plan.snapshotId && !options.force) {
    throw new UsageError(`incident ${plan.incidentId} was scanned again (snapshot ${latest}) after plan ${planId} was made from snapshot ${plan.snapshotId}`, {
      code: 'STALE_PLAN',
      hint: `create a new plan from the latest scan ("sf-reconcile plan create ${plan.incidentId}"), or pass --force to approve this one anyway (recorded)`,
    });
  }
  let excluded: number[] = [];
  if (options.reviewedCsv !== undefined) {
    const rows = readReviewedCsv(options.reviewedCsv);
    const items: PlanItem[] = [];
    for await (const item of iteratePlanItems(db, planId)) items.push(item);
    const review = checkReview(planId, items, rows);
    if (review.problems.length > 0) {
      throw new InputError(`the reviewed CSV was refused, nothing approved: ${review.problems.slice(0, 5).join('; ')}${review.problems.length > 5 ? `; and ${review.problems.length - 5} more` : ''}`, {
        code: 'REVIEW_REFUSED',
        file: options.reviewedCsv,
        hint: 'export the plan again and change only the decision column (empty to approve, reject to leave an item out)',
        details: { problems: review.problems },
      });
    }
    excluded = review.excluded;
  }
  if (options.force && latest !== plan.snapshotId) {
    await appendJournal(db, planId, { by: options.by, status: 'note', details: { forced: `approved although snapshot ${latest} is newer` } }, now);
  }
  await recordApproval(db, planId, { by: options.by, at: now.toISOString(), planHash: plan.hash, excludedItems: excluded, selfApproval: options.by === plan.createdBy, forced: options.force });
  const approval = await latestApproval(db, planId);
  return { planId, hash: approval!.planHash, excluded, approvedItems: plan.totals.items - excluded.length };
}

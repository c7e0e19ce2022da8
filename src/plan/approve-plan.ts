import type { Kysely } from 'kysely';
import type { PlanItem } from '../domain/plan.js';
import { InputError, UsageError } from '../errors.js';
import { appendJournal, getPlan, planItemJsonPages, planStatus, recordApproval, verifyPlanHash } from '../store/plan-store.js';
import type { Store } from '../store/open-store.js';
import type { Database } from '../store/schema/index.js';
import { latestSnapshotId } from '../store/snapshot-store.js';
import { streamReviewedCsv, type ReviewedRow } from './plan-csv.js';
import { checkReview, type ReviewOutcome } from './review-rules.js';
import { appendReviewRows, deleteReview, newReviewId, reviewRowsForItems, reviewRowsOutside } from '../store/review-store.js';

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
export async function approvePlan(store: { db: Kysely<Database>; sqlite?: Store['sqlite'] }, planId: number, options: ApproveOptions, now: Date): Promise<{ planId: number; hash: string; excluded: number[]; approvedItems: number }> {
  const { db } = store;
  const plan = await getPlan(db, planId);
  const status = await planStatus(db, planId);
  if (status === 'rejected') throw new UsageError(`plan ${planId} was rejected; a rejected plan cannot be approved`, { code: 'PLAN_REJECTED', hint: `scan again and create a new plan: "sf-reconcile plan create ${plan.incidentId}"` });
  if (status !== 'created') throw new UsageError(`plan ${planId} is already ${status}`, { code: 'PLAN_ALREADY_APPROVED', hint: `see its state with "sf-reconcile plan show ${planId}"` });
  if (options.by.trim() === '') throw new UsageError('--by must name the approver');
  if (options.by === plan.createdBy && !options.allowSelfApproval) {
    throw new UsageError(`${options.by} created plan ${planId} and cannot also approve it (four eyes)`, { code: 'SELF_APPROVAL', hint: 'ask a second person to approve, or pass --allow-self-approval (it is recorded)' });
  }
  if (!(await verifyPlanHash(db, plan, store.sqlite ?? null))) {
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
    const review = await checkReviewedCsv(db, store.sqlite ?? null, planId, options.reviewedCsv);
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
  return { planId, hash: plan.hash, excluded, approvedItems: plan.totals.items - excluded.length };
}

/** Problems kept for the message and the JSON: enough to act on, bounded however damaged the file. */
const MAX_PROBLEMS = 1000;

/**
 * checkReview over a plan and a reviewed CSV of any size in bounded memory: the CSV's rows are streamed into
 * scratch rows keyed by the item they name, then the plan is checked a page of items at a time against the
 * rows naming those items; rows naming no item of the plan are listed last.
 */
async function checkReviewedCsv(db: Kysely<Database>, sqlite: Store['sqlite'] | null, planId: number, path: string): Promise<ReviewOutcome> {
  const reviewId = newReviewId();
  try {
    let pending: ReviewedRow[] = [];
    for await (const row of streamReviewedCsv(path)) {
      if (row.cells[0] !== String(planId)) {
        return { excluded: [], problems: [`the reviewed CSV belongs to plan ${row.cells[0]}, not plan ${planId} (line ${row.line})`] };
      }
      pending.push(row);
      if (pending.length >= 1000) {
        await appendReviewRows(db, reviewId, pending, sqlite);
        pending = [];
      }
    }
    await appendReviewRows(db, reviewId, pending, sqlite);
    const problems: string[] = [];
    const excluded: number[] = [];
    let after = 0;
    let page: PlanItem[] = [];
    const checkPage = async () => {
      if (page.length === 0) return;
      const last = page[page.length - 1]!.itemId;
      const outcome = checkReview(planId, page, await reviewRowsForItems(db, reviewId, after, last, sqlite));
      problems.push(...outcome.problems.slice(0, MAX_PROBLEMS - problems.length));
      excluded.push(...outcome.excluded);
      after = last;
      page = [];
    };
    for await (const json of planItemJsonPages(db, planId, sqlite)) {
      for (const j of json) page.push(JSON.parse(j) as PlanItem);
      await checkPage();
    }
    // Rows whose item id is not a number, or beyond the plan's last item.
    const outside = await reviewRowsOutside(db, reviewId, after, MAX_PROBLEMS);
    problems.push(...checkReview(planId, [], outside).problems.slice(0, MAX_PROBLEMS - problems.length));
    return { excluded, problems };
  } finally {
    await deleteReview(db, reviewId);
  }
}

import type { PlanItem } from '../domain/plan.js';
import type { ReviewedRow } from './plan-csv.js';
import { planRows, rowHash } from './plan-csv.js';

export interface ReviewOutcome {
  /** Items the reviewers marked `reject`: left out of the approval. */
  excluded: number[];
  /** Every reason the review cannot be accepted (empty when it can). */
  problems: string[];
}

/**
 * The four-eyes rules for a reviewed CSV: it must be this plan's, every row must be there exactly once and
 * unchanged (row hash and cells), and only the decision column may say something: empty (approve) or
 * `reject` (leave that item out). Row order does not matter.
 */
export function checkReview(planId: number, items: Iterable<PlanItem>, rows: readonly ReviewedRow[]): ReviewOutcome {
  const problems: string[] = [];
  const expected = new Map<string, string[]>();
  for (const item of items) {
    for (const cells of planRows(planId, item)) expected.set(`${cells[1]}\u0000${cells[6]}`, cells);
  }
  const otherPlan = rows.find((r) => r.cells[0] !== String(planId));
  if (otherPlan !== undefined) {
    return { excluded: [], problems: [`the reviewed CSV belongs to plan ${otherPlan.cells[0]}, not plan ${planId} (line ${otherPlan.line})`] };
  }
  const excluded = new Set<number>();
  const seen = new Set<string>();
  for (const row of rows) {
    const key = `${row.cells[1]}\u0000${row.cells[6]}`;
    const want = expected.get(key);
    if (want === undefined) {
      problems.push(`line ${row.line}: a row the plan does not have (item ${row.cells[1]}, field "${row.cells[6]}")`);
      continue;
    }
    if (seen.has(key)) {
      problems.push(`line ${row.line}: item ${row.cells[1]} field "${row.cells[6]}" appears twice`);
      continue;
    }
    seen.add(key);
    const changed = want.map((cell, i) => (cell === row.cells[i] ? null : i)).filter((i): i is number => i !== null);
    if (changed.length > 0 || row.rowHash !== rowHash(want)) {
      const names = ['plan_id', 'item_id', 'object', 'external_id', 'sf_id', 'action', 'field', 'current_value', 'proposed_value', 'last_modified_by', 'last_modified_date', 'reason'];
      problems.push(`line ${row.line}: item ${row.cells[1]} was edited (${changed.length > 0 ? changed.map((i) => names[i]).join(', ') : 'row_hash'}); only the decision column may change`);
      continue;
    }
    if (row.decision === 'reject') excluded.add(Number(row.cells[1]));
    else if (row.decision !== '' && row.decision !== 'approve') problems.push(`line ${row.line}: decision must be empty (approve) or "reject" (got "${row.decision}")`);
  }
  for (const [key, cells] of expected) {
    if (!seen.has(key)) problems.push(`item ${cells[1]} field "${cells[6]}" is missing from the reviewed CSV`);
  }
  return { excluded: [...excluded].sort((a, b) => a - b), problems };
}

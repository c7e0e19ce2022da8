import type { Generated } from 'kysely';

// Row types of plans. Row types stay inside store/: repositories return domain objects.

export interface PlanRow {
  id: Generated<number>;
  incident_id: number;
  snapshot_id: number;
  created_by: string;
  created_at: string;
  config_hash: string;
  hash: string | null;
  totals_json: string | null;
  estimate_json: string | null;
  parent_plan_id: number | null;
}

export interface PlanItemRow {
  plan_id: number;
  item_id: number;
  object: string;
  external_id: string;
  action: string;
  item_json: string;
}

export interface PlanJournalRow {
  id: Generated<number>;
  plan_id: number;
  at: string;
  by: string;
  status: string;
  details_json: string;
}

export interface PlanApprovalRow {
  id: Generated<number>;
  plan_id: number;
  by: string;
  at: string;
  plan_hash: string;
  excluded_items_json: string;
  self_approval: number;
  forced: number;
}

/** One row of a reviewed CSV while `plan approve --reviewed` checks it (scratch, deleted afterwards). */
export interface ReviewRowRow {
  review_id: number;
  line: number;
  /** The row's item_id cell as a number, or null when it is not one. */
  item_num: number | null;
  cells_json: string;
  decision: string;
  row_hash: string;
}

export interface PlansTables {
  plans: PlanRow;
  review_rows: ReviewRowRow;
  plan_items: PlanItemRow;
  plan_journal: PlanJournalRow;
  plan_approvals: PlanApprovalRow;
}

import type { Generated } from 'kysely';

// Row types of the executor's tables. Row types stay inside store/: repositories return domain objects.

export interface ExecutionRunRow {
  id: Generated<number>;
  plan_id: number;
  holder: string;
  started_at: string;
  finished_at: string | null;
  outcome: string | null;
  options_json: string;
  api_calls: Generated<number>;
}

export interface ExecutionItemOutcomeRow {
  id: Generated<number>;
  plan_id: number;
  item_id: number;
  /** Replay step index (0 for patch/delete). */
  step: number;
  run_id: number;
  state: string;
  at: string;
  sf_id: string | null;
  error_code: string | null;
  message: string | null;
  canary: Generated<number>;
}

export interface PlanLeaseRow {
  plan_id: number;
  holder: string;
  expires_at: string;
}

export interface ExecutionsTables {
  execution_runs: ExecutionRunRow;
  execution_item_outcomes: ExecutionItemOutcomeRow;
  plan_leases: PlanLeaseRow;
}

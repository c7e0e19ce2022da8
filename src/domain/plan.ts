import type { FieldValue, FieldValues } from './values.js';

/**
 * What the planner decided for one record.
 * - `none`: in sync. - `replay`: re-send the events after the matching prefix, as upserts by external ID.
 * - `patch`: reconciliation, update the drifted fields by Salesforce Id. - `create`: reserved for objects
 *   without replay. - `delete`: events end in a delete but the record exists. - `manual`: a person decides.
 */
export const DECISION_KINDS = ['none', 'replay', 'patch', 'create', 'delete', 'manual'] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

/** One field a plan item will change, with the value seen at the snapshot (the write guard). */
export interface FieldChange {
  field: string;
  current: FieldValue;
  target: FieldValue;
}

/** One upsert a replay will send, in order. */
export interface ReplayStep {
  eventId: string;
  fields: FieldValues;
}

export interface PlanItem {
  /** 1-based, stable within the plan. */
  itemId: number;
  object: string;
  externalIdField: string;
  externalId: string;
  sfId: string | null;
  action: DecisionKind;
  /** Stable machine code, e.g. `LOST_EVENTS`, `HALF_APPLIED`, `PERSON_EDITED_AFTER_WINDOW`. */
  reasonCode: string;
  /** One plain sentence a Salesforce admin can read. */
  reason: string;
  changes: FieldChange[];
  replay: ReplayStep[];
  systemModstamp: string | null;
  lastModifiedById: string | null;
  lastModifiedDate: string | null;
}

/** Plan life cycle; the current status is derived from the append-only journal. */
export const PLAN_STATUSES = [
  'created',
  'exported',
  'approved',
  'rejected',
  'executing',
  'paused',
  'completed',
  'failed',
] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];

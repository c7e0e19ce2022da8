import type { FieldValues } from './values.js';

export const EVENT_OPS = ['upsert', 'create', 'update', 'delete'] as const;
export type EventOp = (typeof EVENT_OPS)[number];

/** `unknown`: the integration never learned the outcome (a timeout, a dropped connection). */
export const EVENT_STATUSES = ['delivered', 'failed', 'unknown'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/** One write the integration meant to make into Salesforce. Identity is (source, id). */
export interface IntegrationEvent {
  source: string;
  id: string;
  /** Normalised to UTC with milliseconds, `2026-11-20T14:03:22.120Z`, so it sorts as text. */
  time: string;
  object: string;
  /** From the event, else filled from the config's `objects.<Object>.externalIdField` at scan time. */
  externalIdField: string | null;
  externalId: string;
  op: EventOp;
  /** Empty for deletes. */
  fields: FieldValues;
  status: EventStatus;
  /** Order within one record; ties are broken by time, then file and line. */
  seq: number | null;
  error: string | null;
  sfId: string | null;
}

/** Where a stored event came from. */
export interface EventProvenance {
  batchId: number;
  file: string;
  line: number;
}

export type StoredEvent = IntegrationEvent & EventProvenance;

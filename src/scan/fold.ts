import type { ExpectedRecord } from '../domain/drift.js';
import type { IntegrationEvent, StoredEvent } from '../domain/event.js';
import type { FieldValues } from '../domain/values.js';

/** The state a record's events produce: whether it should exist and the owned fields' values. */
export interface FoldState {
  /** False before any event and after a delete (a tombstone). */
  exists: boolean;
  /** True once a delete was folded (distinguishes a tombstone from "never written"). */
  deleted: boolean;
  fields: FieldValues;
}

export const EMPTY_FOLD_STATE: FoldState = Object.freeze({ exists: false, deleted: false, fields: Object.freeze({}) });

type Foldable = IntegrationEvent & Partial<Pick<StoredEvent, 'file' | 'line'>>;

/**
 * Fold order: `seq` when both events carry one, then time, then file and line (ingest order), then (source, id)
 * so the order is total and repeatable.
 */
export function compareEvents(a: Foldable, b: Foldable): number {
  if (a.seq !== null && b.seq !== null && a.seq !== b.seq) return a.seq - b.seq;
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  const fa = a.file ?? '';
  const fb = b.file ?? '';
  if (fa !== fb) return fa < fb ? -1 : 1;
  const la = a.line ?? 0;
  const lb = b.line ?? 0;
  if (la !== lb) return la - lb;
  if (a.source !== b.source) return a.source < b.source ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Returns a new array in fold order. */
export function sortEvents<E extends Foldable>(events: readonly E[]): E[] {
  return [...events].sort(compareEvents);
}

/**
 * Applies one event: upsert/create/update merge their fields (last writer wins), delete leaves a tombstone.
 * A create or upsert after a delete starts a new record from its own fields; an update after a delete is
 * ignored, as Salesforce rejects updates to deleted records (ENTITY_IS_DELETED).
 * `owned` restricts the fields tracked (the config's integration-owned fields); undefined tracks all.
 */
export function applyEvent(state: FoldState, event: IntegrationEvent, owned?: ReadonlySet<string>): FoldState {
  if (event.op === 'delete') return { exists: false, deleted: true, fields: {} };
  if (event.op === 'update' && state.deleted) return state;
  const base = event.op !== 'update' && state.deleted ? {} : state.fields;
  const fields: FieldValues = { ...base };
  for (const [name, value] of Object.entries(event.fields)) {
    if (owned === undefined || owned.has(name)) fields[name] = value;
  }
  return { exists: true, deleted: false, fields };
}

/**
 * Folds a record's whole known history into the state it should have in Salesforce.
 * Events are sorted into fold order first; every event counts whatever its status, since the log is
 * what the integration meant to write.
 */
export function foldRecord(
  events: readonly StoredEvent[],
  options: { externalIdField: string; ownedFields?: readonly string[] },
): ExpectedRecord {
  const sorted = sortEvents(events);
  const first = sorted[0];
  if (first === undefined) throw new Error('foldRecord needs at least one event');
  const owned = options.ownedFields === undefined ? undefined : new Set(options.ownedFields);
  let state = EMPTY_FOLD_STATE;
  for (const event of sorted) state = applyEvent(state, event, owned);
  return {
    key: { object: first.object, externalId: first.externalId },
    externalIdField: options.externalIdField,
    exists: state.exists,
    fields: state.fields,
    eventIds: sorted.map((e) => e.id),
  };
}

/**
 * The state after each prefix of the (sorted) events: index 0 is the empty prefix, index i the state after
 * the first i events. The planner uses it to find the longest prefix that matches what Salesforce holds.
 */
export function* foldPrefixes(
  sortedEvents: readonly IntegrationEvent[],
  ownedFields?: readonly string[],
): Generator<{ length: number; state: FoldState }> {
  const owned = ownedFields === undefined ? undefined : new Set(ownedFields);
  let state = EMPTY_FOLD_STATE;
  yield { length: 0, state };
  for (let i = 0; i < sortedEvents.length; i++) {
    state = applyEvent(state, sortedEvents[i]!, owned);
    yield { length: i + 1, state };
  }
}

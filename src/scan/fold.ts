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

/** The events in fold order: the same array when they already are (the store returns most records' events in order). */
export function inFoldOrder<E extends Foldable>(events: readonly E[]): readonly E[] {
  for (let i = 1; i < events.length; i++) if (compareEvents(events[i - 1]!, events[i]!) > 0) return sortEvents(events);
  return events;
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
  options: { externalIdField: string; ownedFields?: readonly string[] | ReadonlySet<string> },
): ExpectedRecord {
  const sorted = inFoldOrder(events);
  const first = sorted[0];
  if (first === undefined) throw new Error('foldRecord needs at least one event');
  const owned = options.ownedFields === undefined ? undefined : options.ownedFields instanceof Set ? options.ownedFields : new Set(options.ownedFields);
  // The same rules as applyEvent, on one mutable accumulator: the scan folds every affected record.
  let exists = false;
  let deleted = false;
  let fields: FieldValues = {};
  const eventIds: string[] = new Array<string>(sorted.length);
  for (let i = 0; i < sorted.length; i++) {
    const event = sorted[i]!;
    eventIds[i] = event.id;
    if (event.op === 'delete') {
      exists = false;
      deleted = true;
      fields = {};
      continue;
    }
    if (event.op === 'update' && deleted) continue;
    exists = true;
    deleted = false;
    const values = event.fields;
    for (const name in values) if (owned === undefined || owned.has(name)) fields[name] = values[name]!;
  }
  return { key: { object: first.object, externalId: first.externalId }, externalIdField: options.externalIdField, exists, fields, eventIds };
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

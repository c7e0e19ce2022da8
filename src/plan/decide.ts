import type { ConflictPolicy } from '../config/config.js';
import type { ScannedRecord, StoredEventRef } from '../domain/drift.js';
import type { FieldChange, PlanItem, ReplayStep } from '../domain/plan.js';
import type { FieldValue, FieldValues } from '../domain/values.js';
import { sameValue, type FieldRule } from '../scan/diff.js';
import { foldPrefixes } from '../scan/fold.js';

export interface DecidePolicy {
  conflict: ConflictPolicy;
  /** Send one upsert with the final state instead of one per lost event. */
  coalesce: boolean;
  rules: Readonly<Record<string, FieldRule>>;
}

/** A plan item before it is numbered. */
export type Decision = Omit<PlanItem, 'itemId'>;

/** A decision for the record, built as one literal (spreads of a shared base cost microseconds a record). */
function decision(
  r: ScannedRecord,
  action: Decision['action'],
  reasonCode: string,
  reason: string,
  changes: FieldChange[] = [],
  replay: ReplayStep[] = [],
  sfId: string | null = r.diff.sfId,
): Decision {
  return {
    object: r.key.object,
    externalIdField: r.externalIdField,
    externalId: r.key.externalId,
    sfId,
    systemModstamp: r.diff.systemModstamp,
    lastModifiedById: r.diff.lastModifiedById,
    lastModifiedDate: r.diff.lastModifiedDate,
    action,
    reasonCode,
    reason,
    changes,
    replay,
  };
}

/** "value" or "values": reasons are read by admins, one sentence each. */
function plural(n: number, noun: string): string {
  return n === 1 ? noun : `${noun}s`;
}

function lostEventsReason(after: string, prefix: number, remaining: number): string {
  if (prefix === 0) {
    return remaining === 1
      ? "The record's event failed or never got an answer, and Salesforce holds what it held before: re-send it."
      : `The record's ${remaining} events failed or never got an answer, and Salesforce holds what it held before them: re-send them in order.`;
  }
  return remaining === 1
    ? `Salesforce holds the state after event ${after}; the later event failed or never got an answer: re-send it.`
    : `Salesforce holds the state after event ${after}; the ${remaining} later events failed or never got an answer: re-send them in order.`;
}

function describeKey(r: ScannedRecord): string {
  return `${r.key.object} ${r.externalIdField}=${JSON.stringify(r.key.externalId)}`;
}

/** The changes that bring the record's owned fields from what Salesforce holds to their expected values. */
function changesFor(r: ScannedRecord, fields: readonly string[], rules: DecidePolicy['rules']): FieldChange[] {
  const actual = r.actual.find((a) => !a.isDeleted)?.fields ?? {};
  return fields
    .filter((f) => !sameValue(r.expected.fields[f] ?? null, actual[f] ?? null, rules[f]))
    .map((f) => ({ field: f, current: (actual[f] ?? null) as FieldValue, target: r.expected.fields[f] ?? null }));
}

/** The replay steps for events after `from` (upserts; deletes never appear here), or coalesced into one. */
function replaySteps(events: readonly StoredEventRef[], from: number, owned: ReadonlySet<string>, coalesce: boolean, finalFields: FieldValues): ReplayStep[] {
  const remaining = events.slice(from);
  if (coalesce && remaining.length > 0) return [{ eventId: remaining[remaining.length - 1]!.id, fields: { ...finalFields } }];
  return remaining.map((e) => ({ eventId: e.id, fields: Object.fromEntries(Object.entries(e.fields).filter(([f]) => owned.has(f))) }));
}

/**
 * The longest prefix of the record's events that Salesforce holds, or -1: its fold equals what Salesforce
 * holds on every owned field. Events after it were lost, failed, or overtaken by an older event delivered late.
 *
 * When every event after the prefix failed or never got an answer, the log itself says they did not land,
 * so only the fields the prefix wrote must match: a record that existed before its first known event holds
 * values no event of ours wrote (the empty prefix sets nothing), and its failed writes are a replay, not a
 * field overwritten from elsewhere. Events the log calls delivered keep the strict comparison, or a
 * half-applied write would pass for a lost one.
 */
export function matchingPrefix(r: ScannedRecord, rules: DecidePolicy['rules']): number {
  const actual = r.actual.find((a) => !a.isDeleted);
  if (actual === undefined) return -1;
  const owned = Object.keys(r.expected.fields);
  let undeliveredFrom = r.events.length;
  while (undeliveredFrom > 0 && r.events[undeliveredFrom - 1]!.status !== 'delivered') undeliveredFrom -= 1;
  let best = -1;
  for (const { length, state } of foldPrefixes(r.events as never, owned)) {
    if (length === r.events.length) break; // the full fold is what drifted
    const holds = (f: string) => sameValue(state.fields[f] ?? null, actual.fields[f] ?? null, rules[f]);
    const written = length === 0 || state.exists;
    if (owned.every(holds) || (length >= undeliveredFrom && written && owned.every((f) => !Object.hasOwn(state.fields, f) || holds(f)))) best = length;
  }
  return best;
}

/**
 * Decides what to do with one scanned record, with a reason code and one plain sentence:
 * none, replay (re-send the lost events as upserts by external ID), patch (reconciliation of the drifted
 * fields by Id), delete, or manual (a person decides). A person's edit after the window goes to manual
 * field by field unless the object's conflict policy says integration-wins (patch) or salesforce-wins (leave).
 * Returns one decision, or two when a record has both fields to patch and fields for manual review.
 */
export function decideRecord(r: ScannedRecord, policy: DecidePolicy): Decision[] {
  const owned = Object.keys(r.expected.fields);
  const who = r.diff.lastModifiedById ?? 'someone';
  switch (r.diff.class) {
    case 'in_sync':
      return [decision(r, 'none', 'IN_SYNC', 'Salesforce already holds what the events say.')];
    case 'duplicate':
      return [decision(r, 'manual', 'DUPLICATE_EXTERNAL_ID', `${r.diff.sfIds.length} Salesforce records share ${describeKey(r)} (${r.diff.sfIds.join(', ')}); merge them in Salesforce, then scan again.`, [], [], null)];
    case 'unexpected': {
      if (r.diff.conflictCandidate && policy.conflict !== 'integration-wins') {
        if (policy.conflict === 'salesforce-wins') {
          return [decision(r, 'none', 'SALESFORCE_WINS', `The events delete this record, but ${who} edited it after the window and the policy keeps Salesforce's version.`)];
        }
        return [decision(r, 'manual', 'PERSON_EDITED_AFTER_WINDOW', `The events end in a delete, but ${who} edited the record after the window: decide whether it should go.`)];
      }
      return [decision(r, 'delete', 'ENDS_IN_DELETE', 'The events end in a delete, but the record still exists in Salesforce.')];
    }
    case 'deleted': {
      if (policy.conflict === 'integration-wins') {
        const steps = replaySteps(r.events, lastDelete(r.events) + 1, new Set(owned), true, r.expected.fields);
        const changes = owned.map((f) => ({ field: f, current: null, target: r.expected.fields[f] ?? null }));
        return [decision(r, 'replay', 'DELETED_IN_SALESFORCE', 'The record was deleted in Salesforce; the policy recreates it from the events (a new Id).', changes, steps, null)];
      }
      return [decision(r, 'manual', 'DELETED_IN_SALESFORCE', 'The record is in the Recycle Bin but the events say it should exist: restore it in Salesforce (keeps its Id and history), then scan again.')];
    }
    case 'missing': {
      const from = lastDelete(r.events) + 1;
      const steps = replaySteps(r.events, from, new Set(owned), policy.coalesce, r.expected.fields);
      const lost = r.events.slice(from).filter((e) => e.status !== 'delivered').length;
      const changes = owned.map((f) => ({ field: f, current: null, target: r.expected.fields[f] ?? null }));
      return [decision(r, 'replay', 'LOST_EVENTS', `The record does not exist in Salesforce; re-send ${steps.length} ${plural(steps.length, 'upsert')} by external ID (${lost} of the events failed or never got an answer).`, changes, steps, null)];
    }
    case 'drift': {
      const conflicting = r.diff.drifts.filter((d) => d.conflict).map((d) => d.field);
      const free = r.diff.drifts.filter((d) => !d.conflict).map((d) => d.field);
      const out: Decision[] = [];
      if (conflicting.length > 0) {
        if (policy.conflict === 'integration-wins') free.push(...conflicting);
        else if (policy.conflict === 'manual') {
          out.push(decision(
            r, 'manual', r.fieldHistory === null ? 'PERSON_EDITED_AFTER_WINDOW' : 'PERSON_CHANGED_FIELDS',
            r.fieldHistory === null
              ? `${who} edited the record after the window (no field history to tell which fields): review ${conflicting.join(', ')}.`
              : `${who} changed ${conflicting.join(', ')} after the window (field history): keep the person's values or the events'.`,
            changesFor(r, conflicting, policy.rules),
          ));
        }
        // salesforce-wins: the conflicting fields are left as Salesforce holds them.
        if (free.length === 0) {
          if (out.length === 0) out.push(decision(r, 'none', 'SALESFORCE_WINS', `${who} changed ${conflicting.join(', ')} after the window and the policy keeps Salesforce's values.`));
          return out;
        }
        const fate = policy.conflict === 'manual' ? 'go to manual review' : policy.conflict === 'integration-wins' ? 'are overwritten by policy (integration-wins)' : "keep Salesforce's values by policy";
        out.push(decision(r, 'patch', 'PATCH_BESIDE_CONFLICT', `Patch ${free.join(', ')} to the events' values; ${conflicting.join(', ')} ${fate}.`, changesFor(r, free, policy.rules)));
        return out;
      }
      const prefix = matchingPrefix(r, policy.rules);
      if (prefix >= 0 && !r.events.slice(prefix).some((e) => e.op === 'delete')) {
        const remaining = r.events.slice(prefix);
        const steps = replaySteps(r.events, prefix, new Set(owned), policy.coalesce, r.expected.fields);
        const undelivered = remaining.every((e) => e.status !== 'delivered');
        const after = r.events[prefix - 1]?.id ?? '(none)';
        return [decision(
          r, 'replay', undelivered ? 'LOST_EVENTS' : 'OUT_OF_ORDER',
          undelivered ? lostEventsReason(after, prefix, remaining.length)
            : `Salesforce holds the state after event ${after}: the later events were lost or overtaken by an older event delivered late; re-send them in order.`,
          changesFor(r, owned, policy.rules), steps,
        )];
      }
      const drifted = r.diff.drifts.map((d) => d.field);
      const current = r.actual.find((a) => !a.isDeleted)?.fields ?? {};
      // A drifted field holding a value no event ever wrote was overwritten from elsewhere; otherwise some
      // of the events' writes landed and others did not: a half-applied write.
      const overwritten = drifted.filter((f) => (current[f] ?? null) !== null && !r.events.some((e) => Object.hasOwn(e.fields, f) && sameValue(e.fields[f] ?? null, current[f] ?? null, policy.rules[f])));
      const seenInEvents = overwritten.length === 0;
      return [decision(
        r, 'patch', seenInEvents ? 'HALF_APPLIED' : 'OVERWRITTEN_WITHOUT_EVENT',
        seenInEvents
          ? `No prefix of the events matches Salesforce (a write was half applied): patch ${drifted.join(', ')} to the expected ${plural(drifted.length, 'value')}.`
          : `${overwritten.join(', ')} ${overwritten.length === 1 ? 'holds a value' : 'hold values'} no event wrote (a deployment, a trigger or a person): patch ${drifted.join(', ')} to the expected ${plural(drifted.length, 'value')}.`,
        changesFor(r, drifted, policy.rules),
      )];
    }
  }
}

function lastDelete(events: readonly StoredEventRef[]): number {
  for (let i = events.length - 1; i >= 0; i--) if (events[i]!.op === 'delete') return i;
  return -1;
}

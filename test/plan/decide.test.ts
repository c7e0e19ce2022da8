import { describe, expect, it } from 'vitest';
import type { ActualRecord, ScannedRecord, StoredEventRef } from '../../src/domain/drift.js';
import { decideRecord, type DecidePolicy } from '../../src/plan/decide.js';
import { diffRecord } from '../../src/scan/diff.js';
import { foldRecord } from '../../src/scan/fold.js';

const PERSON = '005000000000009AAA';
const INTEGRATION = '005000000000001AAA';
const rules = { Name: { type: 'string', scale: 0 }, Phone: { type: 'phone', scale: 0 }, AnnualRevenue: { type: 'currency', scale: 0 } };
const policy = (o: Partial<DecidePolicy> = {}): DecidePolicy => ({ conflict: 'manual', coalesce: false, rules, ...o });

let n = 0;
type TestEvent = StoredEventRef & { time: string; seq: number; file: string; line: number };
const ev = (fields: Record<string, string | number | null>, o: Partial<TestEvent> = {}): TestEvent => {
  n += 1;
  return { source: 's', id: `e${n}`, time: `2026-11-20T14:00:${String(n).padStart(2, '0')}.000Z`, op: 'upsert', fields, status: 'delivered', seq: n, file: 'f', line: n, ...o };
};
const sf = (fields: ActualRecord['fields'], o: Partial<ActualRecord> = {}): ActualRecord => ({
  id: '001000000000001AAA', externalId: 'B-1', isDeleted: false, fields, lastModifiedById: INTEGRATION, lastModifiedDate: '2026-11-20T15:00:00.000+0000', systemModstamp: '2026-11-20T15:00:00.000+0000', ...o,
});

/** A scanned record built the way the scan builds it: fold, then diff. */
function scanned(events: TestEvent[], actual: ActualRecord[], history: ScannedRecord['fieldHistory'] = null): ScannedRecord {
  const full = events.map((e) => ({ ...e, object: 'Account', externalId: 'B-1', externalIdField: 'Billing_Id__c', error: null, sfId: null, batchId: 1 }));
  const expected = foldRecord(full, { externalIdField: 'Billing_Id__c' });
  const diff = diffRecord(expected, actual, { rules: new Map(Object.entries(rules)), windowEnd: '2026-11-20T16:00:00.000Z', integrationUserIds: new Set([INTEGRATION]), history });
  return { key: expected.key, externalIdField: 'Billing_Id__c', events, expected, actual, diff, fieldHistory: history };
}

describe('decideRecord', () => {
  it('none when in sync', () => {
    const [d] = decideRecord(scanned([ev({ Name: 'A' })], [sf({ Name: 'A' })]), policy());
    expect(d).toMatchObject({ action: 'none', reasonCode: 'IN_SYNC' });
  });

  it('replays the lost events after the matching prefix, in order', () => {
    const events = [ev({ Name: 'A', Phone: '1' }), ev({ Name: 'B' }, { status: 'failed' }), ev({ Phone: '3' }, { status: 'unknown' })];
    const [d] = decideRecord(scanned(events, [sf({ Name: 'A', Phone: '1' })]), policy());
    expect(d).toMatchObject({ action: 'replay', reasonCode: 'LOST_EVENTS', sfId: '001000000000001AAA' });
    expect(d!.replay.map((s) => [s.eventId, s.fields])).toEqual([[events[1]!.id, { Name: 'B' }], [events[2]!.id, { Phone: '3' }]]);
    expect(d!.reason).toMatch(/re-send them in order/);
  });

  it('replays the failed writes to a record that existed before its first known event', () => {
    // Salesforce holds values no event of ours wrote (the record predates the log), and the log says the
    // writes failed: a replay of them, not a field overwritten from elsewhere.
    const only = ev({ Name: 'Acme Ltd', Phone: '1' }, { status: 'failed' });
    const [d] = decideRecord(scanned([only], [sf({ Name: 'Acme', Phone: null })]), policy());
    expect(d).toMatchObject({ action: 'replay', reasonCode: 'LOST_EVENTS', sfId: '001000000000001AAA', changes: [{ field: 'Name', current: 'Acme', target: 'Acme Ltd' }, { field: 'Phone', current: null, target: '1' }] });
    expect(d!.replay).toEqual([{ eventId: only.id, fields: { Name: 'Acme Ltd', Phone: '1' } }]);
    expect(d!.reason).toBe("The record's event failed or never got an answer, and Salesforce holds what it held before: re-send it.");
    const two = [ev({ Name: 'B' }, { status: 'unknown' }), ev({ Phone: '2' }, { status: 'failed' })];
    expect(decideRecord(scanned(two, [sf({ Name: 'A', Phone: '0' })]), policy())[0]!.reason).toBe(
      "The record's 2 events failed or never got an answer, and Salesforce holds what it held before them: re-send them in order.",
    );

    // After a delivered event: the fields it wrote must match; the failed ones' fields may hold anything.
    const events = [ev({ Name: 'A' }), ev({ Phone: '2' }, { status: 'failed' })];
    const [after] = decideRecord(scanned(events, [sf({ Name: 'A', Phone: 'old' })]), policy());
    expect(after).toMatchObject({ action: 'replay', reasonCode: 'LOST_EVENTS', changes: [{ field: 'Phone', current: 'old', target: '2' }] });
    expect(after!.replay.map((x) => x.eventId)).toEqual([events[1]!.id]);

    // The same values with every event delivered: the log says they landed, so no prefix is assumed lost.
    const delivered = [ev({ Name: 'A' }), ev({ Phone: '2' })];
    expect(decideRecord(scanned(delivered, [sf({ Name: 'A', Phone: 'old' })]), policy())[0]).toMatchObject({ action: 'patch', reasonCode: 'OVERWRITTEN_WITHOUT_EVENT' });
    // A field the delivered prefix wrote holds something else: not that prefix either.
    const overwritten = [ev({ Name: 'A' }), ev({ Name: 'B' }, { status: 'failed' })];
    expect(decideRecord(scanned(overwritten, [sf({ Name: 'X' })]), policy())[0]).toMatchObject({ action: 'patch', reasonCode: 'OVERWRITTEN_WITHOUT_EVENT' });
  });

  it('replays after out-of-order delivery (an older event delivered late overtook a newer one)', () => {
    const events = [ev({ Name: 'Old' }), ev({ Name: 'New' })];
    const [d] = decideRecord(scanned(events, [sf({ Name: 'Old' })]), policy());
    expect(d).toMatchObject({ action: 'replay', reasonCode: 'OUT_OF_ORDER', replay: [{ eventId: events[1]!.id, fields: { Name: 'New' } }] });
  });

  it('coalesces a replay into one upsert of the final state when configured', () => {
    const events = [ev({ Name: 'A', Phone: '1' }), ev({ Name: 'B' }, { status: 'failed' }), ev({ Phone: '3' }, { status: 'failed' })];
    const [d] = decideRecord(scanned(events, [sf({ Name: 'A', Phone: '1' })]), policy({ coalesce: true }));
    expect(d!.replay).toEqual([{ eventId: events[2]!.id, fields: { Name: 'B', Phone: '3' } }]);
  });

  it('replays a missing record from the empty prefix', () => {
    const [d] = decideRecord(scanned([ev({ Name: 'A' }, { status: 'failed' })], []), policy());
    expect(d).toMatchObject({ action: 'replay', reasonCode: 'LOST_EVENTS', sfId: null, changes: [{ field: 'Name', current: null, target: 'A' }] });
  });

  it('patches a half-applied write: no prefix matches, only the drifted fields', () => {
    const [d] = decideRecord(scanned([ev({ Name: 'A', Phone: '1', AnnualRevenue: 5 })], [sf({ Name: 'A', Phone: '9', AnnualRevenue: 5 })]), policy());
    expect(d).toMatchObject({ action: 'patch', reasonCode: 'OVERWRITTEN_WITHOUT_EVENT', changes: [{ field: 'Phone', current: '9', target: '1' }] });
    const [half] = decideRecord(scanned([ev({ Name: 'A', Phone: '1' }), ev({ Name: 'B', Phone: '2' })], [sf({ Name: 'B', Phone: '1' })]), policy());
    expect(half).toMatchObject({ action: 'patch', reasonCode: 'HALF_APPLIED', changes: [{ field: 'Phone', current: '1', target: '2' }] });
  });

  it('words its reasons for one field or event and for several', () => {
    const [one] = decideRecord(scanned([ev({ Name: 'A', Phone: '1' })], [sf({ Name: 'A', Phone: '9' })]), policy());
    expect(one!.reason).toBe('Phone holds a value no event wrote (a deployment, a trigger or a person): patch Phone to the expected value.');
    const [two] = decideRecord(scanned([ev({ Name: 'A', Phone: '1' })], [sf({ Name: 'X', Phone: '9' })]), policy());
    expect(two!.reason).toBe('Name, Phone hold values no event wrote (a deployment, a trigger or a person): patch Name, Phone to the expected values.');
    const events = [ev({ Name: 'A' }), ev({ Name: 'B' }, { status: 'failed' })];
    const [lostOne] = decideRecord(scanned(events, [sf({ Name: 'A' })]), policy());
    expect(lostOne!.reason).toBe(`Salesforce holds the state after event ${events[0]!.id}; the later event failed or never got an answer: re-send it.`);
    const [missing] = decideRecord(scanned([ev({ Name: 'A' }, { status: 'failed' })], []), policy());
    expect(missing!.reason).toMatch(/re-send 1 upsert by external ID/);
  });

  it('deletes a record whose events end in a delete', () => {
    const [d] = decideRecord(scanned([ev({ Name: 'A' }), ev({}, { op: 'delete' })], [sf({ Name: 'A' })]), policy());
    expect(d).toMatchObject({ action: 'delete', reasonCode: 'ENDS_IN_DELETE', sfId: '001000000000001AAA' });
  });

  it('sends duplicates and deleted-in-Salesforce records to manual review', () => {
    const [dup] = decideRecord(scanned([ev({ Name: 'A' })], [sf({ Name: 'A' }), sf({ Name: 'A' }, { id: '001000000000002AAA' })]), policy());
    expect(dup).toMatchObject({ action: 'manual', reasonCode: 'DUPLICATE_EXTERNAL_ID' });
    const [del] = decideRecord(scanned([ev({ Name: 'A' })], [sf({ Name: 'A' }, { isDeleted: true })]), policy());
    expect(del).toMatchObject({ action: 'manual', reasonCode: 'DELETED_IN_SALESFORCE' });
  });

  const person = { lastModifiedById: PERSON, lastModifiedDate: '2026-11-20T17:00:00.000+0000' };
  const history = [{ field: 'Phone', oldValue: '1', newValue: '2', createdById: PERSON, createdDate: '2026-11-20T17:00:00.000+0000' }];

  it('a person\'s edit after the window: without history every drifted field goes to manual', () => {
    const ds = decideRecord(scanned([ev({ Name: 'A', Phone: '1' })], [sf({ Name: 'X', Phone: '2' }, person)]), policy());
    expect(ds.map((d) => [d.action, d.reasonCode, d.changes.map((c) => c.field)])).toEqual([['manual', 'PERSON_EDITED_AFTER_WINDOW', ['Name', 'Phone']]]);
  });

  it('with field history, only the fields the person changed go to manual; the others are patched', () => {
    const ds = decideRecord(scanned([ev({ Name: 'A', Phone: '1' })], [sf({ Name: 'X', Phone: '2' }, person)], history), policy());
    expect(ds.map((d) => [d.action, d.reasonCode, d.changes.map((c) => c.field)])).toEqual([
      ['manual', 'PERSON_CHANGED_FIELDS', ['Phone']],
      ['patch', 'PATCH_BESIDE_CONFLICT', ['Name']],
    ]);
  });

  it('applies each conflict policy', () => {
    const record = scanned([ev({ Name: 'A', Phone: '1' })], [sf({ Name: 'X', Phone: '2' }, person)], history);
    expect(decideRecord(record, policy({ conflict: 'integration-wins' })).map((d) => [d.action, d.changes.map((c) => c.field)])).toEqual([['patch', ['Name', 'Phone']]]);
    expect(decideRecord(record, policy({ conflict: 'salesforce-wins' })).map((d) => [d.action, d.changes.map((c) => c.field)])).toEqual([['patch', ['Name']]]);
    const onlyConflict = scanned([ev({ Name: 'A', Phone: '1' })], [sf({ Name: 'A', Phone: '2' }, person)], history);
    expect(decideRecord(onlyConflict, policy({ conflict: 'salesforce-wins' }))[0]).toMatchObject({ action: 'none', reasonCode: 'SALESFORCE_WINS' });
  });

  it('gives every record at least one decision, each with a reason code and a sentence', () => {
    const cases = [
      scanned([ev({ Name: 'A' })], [sf({ Name: 'A' })]),
      scanned([ev({ Name: 'A' })], []),
      scanned([ev({ Name: 'A' })], [sf({ Name: 'B' }, person)]),
      scanned([ev({ Name: 'A' }), ev({}, { op: 'delete' })], []),
    ];
    for (const c of cases) {
      const ds = decideRecord(c, policy());
      expect(ds.length).toBeGreaterThan(0);
      for (const d of ds) expect(d.reason).toMatch(/\.$/);
    }
  });
});

import { describe, expect, it } from 'vitest';
import type { ActualRecord, FieldHistoryEntry, ScannedRecord } from '../../src/domain/drift.js';
import { diffRecord } from '../../src/scan/diff.js';
import { foldRecord } from '../../src/scan/fold.js';
import { recordFromJson, recordToJson } from '../../src/scan/snapshot-record.js';
import { anEvent } from '../support/builders.js';

const PERSON = '005000000000009AAA';
const INTEGRATION = '005000000000001AAA';
const rules = new Map(Object.entries({ Name: { type: 'string', scale: 0 }, AnnualRevenue: { type: 'currency', scale: 0 } }));

const sf = (fields: ActualRecord['fields'], o: Partial<ActualRecord> = {}): ActualRecord => ({
  id: '001000000000001AAA', externalId: 'B-1001', isDeleted: false, fields, lastModifiedById: INTEGRATION,
  lastModifiedDate: '2026-11-20T15:00:00.000+0000', systemModstamp: '2026-11-20T15:00:01.000+0000', ...o,
});

/** A record as the scan builds it: fold the events, diff against what Salesforce holds. */
function scanned(events: ReturnType<typeof anEvent>[], actual: ActualRecord[], history: FieldHistoryEntry[] | null = null): ScannedRecord {
  const expected = foldRecord(events, { externalIdField: 'Billing_Id__c' });
  const diff = diffRecord(expected, actual, { rules, windowEnd: '2026-11-20T16:00:00.000Z', integrationUserIds: new Set([INTEGRATION]), history });
  return { key: expected.key, externalIdField: 'Billing_Id__c', events, expected, actual, diff, fieldHistory: history };
}

/** What a stored record gives back: the same, with each event reduced to the parts the planner reads. */
function asRead(r: ScannedRecord): ScannedRecord {
  return { ...r, events: r.events.map((e) => ({ source: e.source, id: e.id, op: e.op, fields: e.fields, status: e.status })) };
}

const later = { lastModifiedById: PERSON, lastModifiedDate: '2026-11-21T09:00:00.000+0000', systemModstamp: '2026-11-21T09:00:00.000+0000' };
const cases: [string, ScannedRecord][] = [
  ['in sync', scanned([anEvent({ fields: { Name: 'Acme' } })], [sf({ Name: 'Acme' })])],
  ['drift', scanned([anEvent({ fields: { Name: 'Acme', AnnualRevenue: 100 } }), anEvent({ fields: { Name: 'Acme 2' }, status: 'failed' })], [sf({ Name: 'Acme', AnnualRevenue: '100' })])],
  ['missing', scanned([anEvent({ fields: { Name: 'Acme' }, status: 'unknown' })], [])],
  ['deleted (Recycle Bin)', scanned([anEvent({ fields: { Name: 'Acme' } })], [sf({ Name: 'Acme' }, { isDeleted: true })])],
  ['unexpected, edited by a person', scanned([anEvent({ fields: { Name: 'Acme' } }), anEvent({ op: 'delete', fields: {} })], [sf({ Name: 'Acme' }, later)])],
  ['duplicate', scanned([anEvent({ fields: { Name: 'Acme' } })], [sf({ Name: 'Acme' }), sf({ Name: 'Acme' }, { id: '001000000000002AAA' })])],
  ['deleted copy beside the live one, external ID in another case', scanned([anEvent({ fields: { Name: 'Acme' } })], [sf({ Name: 'Old' }, { id: '001000000000003AAA', isDeleted: true }), sf({ Name: 'Other' }, { externalId: 'b-1001' })])],
  ['a person changed a field (field history)', scanned([anEvent({ fields: { Name: 'Acme', AnnualRevenue: 5 } })], [sf({ Name: 'Mine', AnnualRevenue: 6 }, later)], [{ field: 'Name', oldValue: 'Acme', newValue: 'Mine', createdById: PERSON, createdDate: later.lastModifiedDate }])],
];

describe('stored scan records', () => {
  it.each(cases)('%s: read back exactly as scanned, smaller than the record itself', (_, record) => {
    const json = recordToJson(record);
    expect(recordFromJson(json)).toEqual(asRead(record));
    expect(json.length).toBeLessThan(JSON.stringify(record).length * 0.8);
  });

  it('keeps what cannot be derived: drift values the diff normalised, a diff describing no stored record', () => {
    const record = scanned([anEvent({ fields: { Name: 'Acme' } })], [sf({ Name: 'Other' })]);
    const odd: ScannedRecord = { ...record, diff: { ...record.diff, drifts: [{ field: 'Name', expected: 'ACME', actual: 'other', conflict: false }] } };
    expect(recordFromJson(recordToJson(odd))).toEqual(asRead(odd));
    const detached: ScannedRecord = { ...record, diff: { ...record.diff, sfId: '001000000000009AAA' } };
    expect(recordFromJson(recordToJson(detached))).toEqual(asRead(detached));
  });

  it('reads records stored whole by earlier versions', () => {
    const record = cases[1]![1];
    expect(recordFromJson(JSON.stringify(record))).toEqual(record);
  });
});

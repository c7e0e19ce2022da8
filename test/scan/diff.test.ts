import { describe, expect, it } from 'vitest';
import type { ActualRecord, ExpectedRecord } from '../../src/domain/drift.js';
import { diffRecord, normaliseValue, type FieldRule } from '../../src/scan/diff.js';

const rule = (type: string, extra: Partial<FieldRule> = {}): FieldRule => ({ type, scale: 0, ...extra });

describe('normaliseValue', () => {
  it.each([
    [1200000, '1200000', rule('currency')],
    [12.345, 12.35, rule('double', { scale: 2 })],
    ['2026-11-20T14:03:22Z', '2026-11-20T14:03:22.000+0000', rule('datetime')],
    ['2026-11-20', '2026-11-20', rule('date')],
    [null, false, rule('boolean')],
    ['true', true, rule('boolean')],
    ['', null, rule('string')],
    ['  Acme ', 'Acme', rule('string', { trim: true })],
    ['ACME', 'acme', rule('string', { caseInsensitive: true })],
    ['001000000000001', '001000000000001AAA', rule('reference')],
    ['B;A', 'A;B', rule('multipicklist')],
  ])('treats %j and %j as equal for %o', (a, b, r) => {
    expect(normaliseValue(a, r)).toEqual(normaliseValue(b, r));
  });

  it('keeps values that do not fit the type as text, so they show as drift', () => {
    expect(normaliseValue('lots', rule('currency'))).toBe('lots');
    expect(normaliseValue('Acme', rule('string'))).not.toEqual(normaliseValue('acme', rule('string')));
  });
});

const expected = (fields: ExpectedRecord['fields'], exists = true): ExpectedRecord => ({
  key: { object: 'Account', externalId: 'B-1' }, externalIdField: 'Billing_Id__c', exists, fields, eventIds: ['e1'],
});
const actual = (fields: ActualRecord['fields'], o: Partial<ActualRecord> = {}): ActualRecord => ({
  id: '001000000000001AAA', externalId: 'B-1', isDeleted: false, fields, lastModifiedDate: '2026-11-20T15:00:00.000+0000',
  lastModifiedById: '005000000000001AAA', systemModstamp: '2026-11-20T15:00:00.000+0000', ...o,
});
const options = { rules: new Map([['Name', rule('string')], ['Phone', rule('phone')]]), windowEnd: '2026-11-20T16:00:00.000Z', integrationUserIds: new Set(['005000000000001AAA']), history: null };

describe('diffRecord', () => {
  it('is in sync with itself, whatever the values', () => {
    const fields = { Name: 'Acme', Phone: null };
    expect(diffRecord(expected(fields), [actual(fields)], options).class).toBe('in_sync');
  });

  it('classifies missing, deleted, unexpected, duplicate and drift', () => {
    expect(diffRecord(expected({ Name: 'A' }), [], options).class).toBe('missing');
    expect(diffRecord(expected({ Name: 'A' }), [actual({ Name: 'A' }, { isDeleted: true })], options).class).toBe('deleted');
    expect(diffRecord(expected({}, false), [actual({ Name: 'A' })], options).class).toBe('unexpected');
    expect(diffRecord(expected({}, false), [], options).class).toBe('in_sync');
    expect(diffRecord(expected({ Name: 'A' }), [actual({ Name: 'A' }), actual({ Name: 'A' }, { id: '001000000000002AAA' })], options)).toMatchObject({ class: 'duplicate', sfIds: ['001000000000001AAA', '001000000000002AAA'] });
    const d = diffRecord(expected({ Name: 'A', Phone: '1' }), [actual({ Name: 'A', Phone: '2' })], options);
    expect(d).toMatchObject({ class: 'drift', drifts: [{ field: 'Phone', expected: '1', actual: '2', conflict: false }] });
  });

  it('marks a person\'s edit after the window; with history, only the fields that person changed', () => {
    const person = { lastModifiedById: '005000000000009AAA', lastModifiedDate: '2026-11-20T17:00:00.000+0000' };
    const noHistory = diffRecord(expected({ Name: 'A', Phone: '1' }), [actual({ Name: 'B', Phone: '2' }, person)], options);
    expect(noHistory.conflictCandidate).toBe(true);
    expect(noHistory.drifts.map((f) => [f.field, f.conflict])).toEqual([['Name', true], ['Phone', true]]);
    const history = [{ field: 'Phone', oldValue: '1', newValue: '2', createdById: '005000000000009AAA', createdDate: '2026-11-20T17:00:00.000+0000' }];
    const withHistory = diffRecord(expected({ Name: 'A', Phone: '1' }), [actual({ Name: 'B', Phone: '2' }, person)], { ...options, history });
    expect(withHistory.drifts.map((f) => [f.field, f.conflict])).toEqual([['Name', false], ['Phone', true]]);
  });
});

import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/domain/canonical-json.js';
import type { ActualRecord, ScannedRecord } from '../../src/domain/drift.js';
import { decideRecord } from '../../src/plan/decide.js';
import { decidePage, emptyTotals, addToTotals, formatStoredItems, mergeTotals, numberItems } from '../../src/plan/plan-stages.js';
import { planRows, rowHash } from '../../src/plan/plan-csv.js';
import { diffRecord } from '../../src/scan/diff.js';
import { foldRecord } from '../../src/scan/fold.js';
import { recordToJson } from '../../src/scan/snapshot-record.js';
import { anEvent } from '../support/builders.js';
import { parse } from 'csv-parse/sync';

const INTEGRATION = '005000000000001AAA';
const PERSON = '005000000000009AAA';
const rules = { Name: { type: 'string', scale: 0 }, Phone: { type: 'phone', scale: 0 } };

/** Scanned record i: lost events, a half-applied write, a person's edit (two items), missing, in sync. */
function scanned(i: number): ScannedRecord {
  const externalId = `B-${i}`;
  const events = [anEvent({ externalId, fields: { Name: `A${i}`, Phone: '1' } }), anEvent({ externalId, fields: { Name: `=B${i}` }, status: i % 2 ? 'failed' : 'delivered' })];
  const base: ActualRecord = { id: `001000000000${String(i).padStart(3, '0')}AAA`, externalId, isDeleted: false, fields: {}, lastModifiedById: INTEGRATION, lastModifiedDate: '2026-11-20T15:00:00.000+0000', systemModstamp: '2026-11-20T15:00:00.000+0000' };
  const variants: ActualRecord[][] = [
    [{ ...base, fields: { Name: `A${i}`, Phone: '1' } }],
    [{ ...base, fields: { Name: `A${i}`, Phone: '2' } }],
    [{ ...base, fields: { Name: 'Mine', Phone: '2' }, lastModifiedById: PERSON, lastModifiedDate: '2026-11-21T09:00:00.000+0000' }],
    [],
    [{ ...base, fields: { Name: `=B${i}`, Phone: '1' } }],
  ];
  const actual = variants[i % variants.length]!;
  // Field history says the person changed Name only: Phone is still patched, Name goes to manual review.
  const history = i % variants.length === 2 ? [{ field: 'Name', oldValue: `A${i}`, newValue: 'Mine', createdById: PERSON, createdDate: '2026-11-21T09:00:00.000+0000' }] : null;
  const expected = foldRecord(events, { externalIdField: 'Billing_Id__c' });
  const diff = diffRecord(expected, actual, { rules: new Map(Object.entries(rules)), windowEnd: '2026-11-20T16:00:00.000Z', integrationUserIds: new Set([INTEGRATION]), history });
  return { key: expected.key, externalIdField: 'Billing_Id__c', events, expected, actual, diff, fieldHistory: history };
}

const context = { planId: 7, policies: { Account: { conflict: 'manual' as const, coalesce: false } }, rules: { Account: rules } };

describe('plan stages', () => {
  it('decide pages of stored records into the items decideRecord gives, numbered in page order, with their totals', () => {
    const records = Array.from({ length: 23 }, (_, i) => scanned(i));
    const pages = [records.slice(0, 10), records.slice(10, 11), records.slice(11)];
    const json: string[] = [];
    const totals = emptyTotals();
    let next = 1;
    for (const page of pages) {
      const decided = decidePage(context, page.map(recordToJson));
      const numbered = numberItems(decided.items, next);
      next += numbered.json.length;
      json.push(...numbered.json);
      mergeTotals(totals, decided.totals);
      expect(numbered.itemId).toEqual(numbered.json.map((j) => (JSON.parse(j) as { itemId: number }).itemId));
    }
    // The same decisions one record at a time, numbered from 1, in canonical JSON.
    const expectedTotals = emptyTotals();
    const expected = records
      .flatMap((r) => decideRecord(r, { conflict: 'manual', coalesce: false, rules }))
      .map((d, i) => {
        addToTotals(expectedTotals, d);
        return canonicalJson({ itemId: i + 1, ...d });
      });
    expect(json).toEqual(expected);
    expect(json.length).toBeGreaterThan(records.length); // the person's edits split into patch + manual
    expect(totals).toEqual(expectedTotals);
    expect(new Set(Object.keys(totals.byAction))).toEqual(new Set(['replay', 'patch', 'manual', 'none']));
  });

  it('format stored items as review rows: neutralised cells, an empty decision, the row hash', () => {
    const decided = numberItems(decidePage(context, [scanned(4), scanned(3), scanned(0)].map(recordToJson)).items, 1);
    const { text, rows } = formatStoredItems(7, decided.json);
    const parsed = parse(text) as string[][];
    expect(parsed).toHaveLength(rows);
    const expectedRows = decided.json.flatMap((j) => planRows(7, JSON.parse(j)));
    expect(parsed.map((r) => r.slice(0, 12))).toEqual(expectedRows);
    expect(parsed.every((r, i) => r[12] === '' && r[13] === rowHash(expectedRows[i]!))).toBe(true);
    expect(text).toContain("'=B"); // a formula in a value is inert in the CSV
  });
});

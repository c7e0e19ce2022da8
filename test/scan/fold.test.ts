import { describe, expect, it } from 'vitest';
import { foldPrefixes, foldRecord, sortEvents } from '../../src/scan/fold.js';
import { anEvent } from '../support/builders.js';

const options = { externalIdField: 'Billing_Id__c' };

describe('foldRecord', () => {
  it('merges upserts field by field, the last writer of each field winning', () => {
    const expected = foldRecord(
      [
        anEvent({ id: 'a', seq: 1, fields: { Name: 'Acme', AnnualRevenue: 100 } }),
        anEvent({ id: 'b', seq: 2, fields: { AnnualRevenue: 200, Phone: '555' } }),
      ],
      options,
    );
    expect(expected.exists).toBe(true);
    expect(expected.fields).toEqual({ Name: 'Acme', AnnualRevenue: 200, Phone: '555' });
    expect(expected.eventIds).toEqual(['a', 'b']);
  });

  it('orders by seq before time: an older event delivered late does not win', () => {
    const expected = foldRecord(
      [
        anEvent({ id: 'late', seq: 1, time: '2026-11-20T15:00:00.000Z', fields: { Name: 'Old' } }),
        anEvent({ id: 'new', seq: 2, time: '2026-11-20T14:00:00.000Z', fields: { Name: 'New' } }),
      ],
      options,
    );
    expect(expected.fields.Name).toBe('New');
    expect(expected.eventIds).toEqual(['late', 'new']);
  });

  it('breaks seq ties by time, then file and line', () => {
    const sorted = sortEvents([
      anEvent({ id: 'c', seq: 5, time: '2026-11-20T14:00:01.000Z', line: 1 }),
      anEvent({ id: 'b', seq: 5, time: '2026-11-20T14:00:00.000Z', line: 9 }),
      anEvent({ id: 'a', seq: 5, time: '2026-11-20T14:00:00.000Z', line: 2 }),
    ]);
    expect(sorted.map((e) => e.id)).toEqual(['a', 'b', 'c']);
  });

  it('leaves a tombstone after a delete, and a later upsert starts a fresh record', () => {
    const deleted = foldRecord(
      [anEvent({ seq: 1, fields: { Name: 'A', Phone: '1' } }), anEvent({ seq: 2, op: 'delete', fields: {} })],
      options,
    );
    expect(deleted.exists).toBe(false);
    expect(deleted.fields).toEqual({});

    const recreated = foldRecord(
      [
        anEvent({ seq: 1, fields: { Name: 'A', Phone: '1' } }),
        anEvent({ seq: 2, op: 'delete', fields: {} }),
        anEvent({ seq: 3, op: 'update', fields: { Phone: '2' } }),
        anEvent({ seq: 4, op: 'create', fields: { Name: 'B' } }),
      ],
      options,
    );
    expect(recreated.exists).toBe(true);
    expect(recreated.fields).toEqual({ Name: 'B' });
  });

  it('tracks only the owned fields when the config names them', () => {
    const expected = foldRecord([anEvent({ fields: { Name: 'A', Secret__c: 'x' } })], {
      ...options,
      ownedFields: ['Name'],
    });
    expect(expected.fields).toEqual({ Name: 'A' });
  });

  it('counts every event whatever its status: the log is what the integration meant to write', () => {
    const expected = foldRecord(
      [anEvent({ seq: 1, fields: { Name: 'A' } }), anEvent({ seq: 2, status: 'failed', fields: { Name: 'B' } })],
      options,
    );
    expect(expected.fields.Name).toBe('B');
  });

  it('does not depend on input order once events carry seq', () => {
    const events = [1, 2, 3, 4, 5].map((seq) => anEvent({ id: `e${seq}`, seq, fields: { Name: `v${seq}`, [`F${seq}__c`]: seq } }));
    const reference = foldRecord(events, options);
    for (let shift = 1; shift < events.length; shift++) {
      const rotated = [...events.slice(shift), ...events.slice(0, shift)].reverse();
      expect(foldRecord(rotated, options)).toEqual(reference);
    }
  });
});

describe('foldRecord and foldPrefixes agree', () => {
  it('on 2,000 seeded random histories of creates, upserts, updates and deletes, with and without owned fields', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const ops = ['create', 'upsert', 'update', 'delete'] as const;
    for (let run = 0; run < 2000; run++) {
      const events = Array.from({ length: 1 + random(8) }, (_, i) => {
        const op = ops[random(ops.length)]!;
        const fields: Record<string, string | number | null> = {};
        if (op !== 'delete') for (const f of ['Name', 'Phone', 'AnnualRevenue', 'Secret__c']) if (random(2) === 0) fields[f] = random(3) === 0 ? null : `${f}-${run}-${i}`;
        return anEvent({ id: `r${run}-${i}`, seq: random(4), op, fields });
      });
      const ownedFields = run % 2 === 0 ? undefined : ['Name', 'AnnualRevenue'];
      const sorted = sortEvents(events);
      const prefixes = [...foldPrefixes(sorted, ownedFields)];
      const last = prefixes[prefixes.length - 1]!.state;
      const folded = foldRecord(events, { ...options, ...(ownedFields ? { ownedFields } : {}) });
      expect({ exists: folded.exists, fields: folded.fields, eventIds: folded.eventIds }).toEqual({
        exists: last.exists,
        fields: last.fields,
        eventIds: sorted.map((e) => e.id),
      });
    }
  });
});

describe('foldPrefixes', () => {
  it('yields the empty prefix first, then the state after each event', () => {
    const events = sortEvents([
      anEvent({ seq: 1, fields: { Name: 'A' } }),
      anEvent({ seq: 2, fields: { Name: 'B' } }),
    ]);
    const prefixes = [...foldPrefixes(events)];
    expect(prefixes.map((p) => [p.length, p.state.exists, p.state.fields.Name ?? null])).toEqual([
      [0, false, null],
      [1, true, 'A'],
      [2, true, 'B'],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import type { FieldValue } from '../../src/domain/values.js';
import {
  batchSteps,
  checkFreshness,
  settleAttempt,
  stepsOfItem,
  type ObservedRecord,
} from '../../src/execute/steps.js';
import { aPlanItem } from '../support/builders.js';

const EXECUTOR = '005000000000001AAA';
const PERSON = '005000000000002AAA';
const strictEqual = (_o: string, _f: string, a: FieldValue, b: FieldValue) => a === b;

function observed(overrides: Partial<ObservedRecord> = {}): ObservedRecord {
  return {
    id: '001000000000001AAA',
    isDeleted: false,
    systemModstamp: '2026-11-20T14:10:00.000+0000',
    lastModifiedById: EXECUTOR,
    fields: { Name: 'Acme Corp' },
    ...overrides,
  };
}

describe('stepsOfItem', () => {
  it('turns a patch into one update of the changed fields only, guarded by the snapshot', () => {
    const [step, ...rest] = stepsOfItem(aPlanItem());
    expect(rest).toEqual([]);
    expect(step).toMatchObject({ kind: 'update', sfId: '001000000000001AAA', fields: { Name: 'Acme' }, lastStep: true });
    expect(step!.guard).toEqual({ kind: 'snapshot', systemModstamp: '2026-11-20T14:10:00.000+0000', mustExist: true });
  });

  it('turns a replay into ordered upserts by external ID, each guarded by the state the previous one left', () => {
    const steps = stepsOfItem(
      aPlanItem({
        action: 'replay',
        changes: [{ field: 'Name', current: 'A', target: 'C' }],
        replay: [
          { eventId: 'e2', fields: { Name: 'B' } },
          { eventId: 'e3', fields: { Name: 'C' } },
        ],
      }),
    );
    expect(steps.map((s) => [s.kind, s.step, s.fields.Name, s.fields.Billing_Id__c, s.lastStep])).toEqual([
      ['upsert', 0, 'B', 'B-1001', false],
      ['upsert', 1, 'C', 'B-1001', true],
    ]);
    expect(steps[1]!.guard).toEqual({ kind: 'previous-step', values: { Name: 'B' } });
  });

  it('writes nothing for none and manual items', () => {
    expect(stepsOfItem(aPlanItem({ action: 'manual' }))).toEqual([]);
    expect(stepsOfItem(aPlanItem({ action: 'none' }))).toEqual([]);
  });
});

describe('checkFreshness', () => {
  const [patch] = stepsOfItem(aPlanItem());

  it('is fresh when the SystemModstamp is the snapshot one', () => {
    expect(checkFreshness(patch!, observed(), EXECUTOR, strictEqual)).toBe('fresh');
  });

  it('is stale when the record changed since the snapshot, or is gone', () => {
    expect(checkFreshness(patch!, observed({ systemModstamp: '2026-11-21T09:00:00.000+0000' }), EXECUTOR, strictEqual)).toBe('stale');
    expect(checkFreshness(patch!, null, EXECUTOR, strictEqual)).toBe('stale');
    expect(checkFreshness(patch!, observed({ isDeleted: true }), EXECUTOR, strictEqual)).toBe('stale');
  });

  it('for a replay creating a missing record, is stale once someone created it meanwhile', () => {
    const [create] = stepsOfItem(
      aPlanItem({ action: 'replay', sfId: null, systemModstamp: null, replay: [{ eventId: 'e1', fields: { Name: 'A' } }] }),
    );
    expect(checkFreshness(create!, null, EXECUTOR, strictEqual)).toBe('fresh');
    expect(checkFreshness(create!, observed(), EXECUTOR, strictEqual)).toBe('stale');
  });

  it('for later replay steps, is stale when a person wrote in between', () => {
    const steps = stepsOfItem(
      aPlanItem({ action: 'replay', replay: [{ eventId: 'a', fields: { Name: 'B' } }, { eventId: 'b', fields: { Name: 'C' } }] }),
    );
    const second = steps[1]!;
    expect(checkFreshness(second, observed({ fields: { Name: 'B' } }), EXECUTOR, strictEqual)).toBe('fresh');
    expect(checkFreshness(second, observed({ fields: { Name: 'B' }, lastModifiedById: PERSON }), EXECUTOR, strictEqual)).toBe('stale');
    expect(checkFreshness(second, observed({ fields: { Name: 'X' } }), EXECUTOR, strictEqual)).toBe('stale');
  });
});

describe('settleAttempt', () => {
  const [patch] = stepsOfItem(aPlanItem());

  it('is applied when the target values are there, written by the executor', () => {
    expect(settleAttempt(patch!, observed({ fields: { Name: 'Acme' }, systemModstamp: 'later' }), EXECUTOR, strictEqual)).toBe('applied');
  });

  it('is not applied when the guard still holds, so it is safe to send again', () => {
    expect(settleAttempt(patch!, observed(), EXECUTOR, strictEqual)).toBe('not-applied');
  });

  it('is stale when someone else changed the record', () => {
    expect(settleAttempt(patch!, observed({ fields: { Name: 'Other' }, systemModstamp: 'later', lastModifiedById: PERSON }), EXECUTOR, strictEqual)).toBe('stale');
  });

  it('settles a delete by whether the record still lives', () => {
    const [del] = stepsOfItem(aPlanItem({ action: 'delete', changes: [] }));
    expect(settleAttempt(del!, null, EXECUTOR, strictEqual)).toBe('applied');
    expect(settleAttempt(del!, observed({ isDeleted: true }), EXECUTOR, strictEqual)).toBe('applied');
    expect(settleAttempt(del!, observed(), EXECUTOR, strictEqual)).toBe('not-applied');
  });
});

describe('batchSteps', () => {
  it('groups by kind and object and never exceeds the batch size or 200', () => {
    const steps = Array.from({ length: 450 }, (_, i) =>
      stepsOfItem(aPlanItem({ itemId: i + 1, object: i % 3 === 0 ? 'Contact' : 'Account' }))[0]!,
    );
    const batches = batchSteps(steps, 500);
    expect(Math.max(...batches.map((b) => b.steps.length))).toBe(200);
    expect(batches.reduce((n, b) => n + b.steps.length, 0)).toBe(450);
    for (const b of batches) expect(new Set(b.steps.map((s) => s.object))).toEqual(new Set([b.object]));
    expect(batchSteps(steps, 50).every((b) => b.steps.length <= 50)).toBe(true);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLease, appendOutcomes, latestOutcomes, releaseLease, renewLease, startRun } from '../../src/store/execution-store.js';
import { openStore, type Store } from '../../src/store/open-store.js';

let store: Store;
beforeEach(async () => {
  store = await openStore(':memory:');
});
afterEach(async () => {
  await store.close();
});

const t0 = new Date('2026-11-28T10:00:00.000Z');
const later = (ms: number) => new Date(t0.getTime() + ms);

describe('plan leases', () => {
  it('lets one executor hold a plan; a second is refused until the lease expires', async () => {
    expect((await acquireLease(store.db, 1, 'host-a:1', 30_000, t0)).acquired).toBe(true);
    const second = await acquireLease(store.db, 1, 'host-b:2', 30_000, later(1_000));
    expect(second).toMatchObject({ acquired: false, holder: 'host-a:1' });
    // The holder died: no renewal, the lease runs out, the next executor takes it over.
    expect((await acquireLease(store.db, 1, 'host-b:2', 30_000, later(31_000))).acquired).toBe(true);
    expect(await renewLease(store.db, 1, 'host-a:1', 30_000, later(32_000))).toBe(false);
    expect(await renewLease(store.db, 1, 'host-b:2', 30_000, later(32_000))).toBe(true);
  });

  it('is free again once released, and leases of other plans are independent', async () => {
    await acquireLease(store.db, 1, 'a', 30_000, t0);
    expect((await acquireLease(store.db, 2, 'b', 30_000, t0)).acquired).toBe(true);
    await releaseLease(store.db, 1, 'a');
    expect((await acquireLease(store.db, 1, 'b', 30_000, t0)).acquired).toBe(true);
  });
});

describe('item outcomes', () => {
  it('keeps every state change and reports each item by its latest one', async () => {
    const run = await startRun(store.db, 7, 'a', {}, t0);
    const base = { sfId: null, errorCode: null, message: null, canary: false };
    await appendOutcomes(store.db, 7, run, [
      { itemId: 1, step: 0, state: 'attempting', ...base },
      { itemId: 2, step: 0, state: 'attempting', ...base },
    ], t0);
    await appendOutcomes(store.db, 7, run, [
      { itemId: 1, step: 0, state: 'applied', ...base, sfId: '001000000000001AAA' },
      { itemId: 2, step: 0, state: 'failed', ...base, errorCode: 'STRING_TOO_LONG', message: 'Name: data value too large' },
    ], later(10));
    const latest = await latestOutcomes(store.db, 7);
    expect(latest.get(1)).toMatchObject({ state: 'applied', sfId: '001000000000001AAA' });
    expect(latest.get(2)).toMatchObject({ state: 'failed', errorCode: 'STRING_TOO_LONG' });
    expect(await latestOutcomes(store.db, 8)).toEqual(new Map());
  });
});

import { describe, expect, it } from 'vitest';
import { INITIAL_BREAKER, stepBreaker, type BreakerSignal } from '../../src/execute/breaker.js';

const config = { maxErrorRate: 0.5, window: 10, minSamples: 4 };
function run(signals: BreakerSignal[]) {
  let state = INITIAL_BREAKER;
  const trips: (string | null)[] = [];
  for (const s of signals) {
    const r = stepBreaker(state, s, config);
    state = r.state;
    trips.push(r.trip);
  }
  return trips;
}
const ok: BreakerSignal = { kind: 'ok' };
const fail: BreakerSignal = { kind: 'record-failure', errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION' };

describe('stepBreaker', () => {
  it('tolerates isolated record failures', () => {
    expect(run([ok, fail, ok, ok, fail, ok, ok, ok]).every((t) => t === null)).toBe(true);
  });
  it('trips when the recent error rate passes the threshold, once it has enough samples', () => {
    const trips = run([fail, fail, fail, ok, fail]);
    expect(trips.slice(0, 3)).toEqual([null, null, null]);
    expect(trips[3]).toMatch(/3 of the last 4 writes failed \(more than 50%\)/);
  });
  it('trips at once on 503s that outlast the retries and on API limits, and stays tripped', () => {
    expect(run([ok, { kind: 'unavailable-after-retries', message: '503' }, ok])[2]).toMatch(/unavailable/);
    expect(run([{ kind: 'limit-exceeded', message: 'REQUEST_LIMIT_EXCEEDED' }])[0]).toMatch(/API limit/);
  });
});

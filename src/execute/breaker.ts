/**
 * The circuit breaker of an execution, as a pure step function: each write result goes in, and out comes
 * the state and, when the run must stop, a reason a person can read. The shell pauses the run (exit 75).
 */
export type BreakerSignal =
  | { kind: 'ok' }
  | { kind: 'record-failure'; errorCode: string }
  | { kind: 'unavailable-after-retries'; message: string }
  | { kind: 'limit-exceeded'; message: string };

export interface BreakerConfig {
  /** Trip when the share of failures among the last `window` results exceeds this. */
  maxErrorRate: number;
  window: number;
  /** No rate judgement before this many results. */
  minSamples: number;
}

export interface BreakerState {
  recent: boolean[]; // true = failure, oldest first
  tripped: string | null;
}

export const INITIAL_BREAKER: BreakerState = { recent: [], tripped: null };

export function stepBreaker(state: BreakerState, signal: BreakerSignal, config: BreakerConfig): { state: BreakerState; trip: string | null } {
  if (state.tripped !== null) return { state, trip: state.tripped };
  if (signal.kind === 'unavailable-after-retries') {
    const trip = `Salesforce stayed unavailable after the retries (${signal.message})`;
    return { state: { ...state, tripped: trip }, trip };
  }
  if (signal.kind === 'limit-exceeded') {
    const trip = `API limit reached (${signal.message})`;
    return { state: { ...state, tripped: trip }, trip };
  }
  const recent = [...state.recent, signal.kind === 'record-failure'].slice(-config.window);
  const failures = recent.filter(Boolean).length;
  if (recent.length >= config.minSamples && failures / recent.length > config.maxErrorRate) {
    const trip = `${failures} of the last ${recent.length} writes failed (more than ${Math.round(config.maxErrorRate * 100)}%)`;
    return { state: { recent, tripped: trip }, trip };
  }
  return { state: { recent, tripped: null }, trip: null };
}

/**
 * One shared rate limit for every Salesforce call. Two rules together: requests are spaced at least 1/rate
 * apart, and no `rate` requests ever start within one second plus a margin (a sliding window), so however
 * the event loop or the network bunches them, no 1-second window seen by Salesforce holds more than `rate`.
 * (A token bucket with bursts could let twice the rate through a window.) The step is pure.
 */
export interface SpacingState {
  nextAt: number;
  /** Start times of the last `floor(rate)` requests, oldest first. */
  recent: number[];
}

export const WINDOW_MARGIN_MS = 25;

/** When the next request may go: `waitMs` from `now`, and the state after it goes. */
export function takeSlot(state: SpacingState, now: number, intervalMs: number, perSecond = Number.POSITIVE_INFINITY): { state: SpacingState; waitMs: number } {
  let at = Math.max(now, state.nextAt);
  const size = Math.max(1, Math.floor(perSecond));
  const recent = state.recent.length >= size ? state.recent.slice(state.recent.length - size + 1) : [...state.recent];
  if (Number.isFinite(perSecond) && state.recent.length >= size) {
    const oldest = state.recent[state.recent.length - size]!;
    at = Math.max(at, oldest + 1000 + WINDOW_MARGIN_MS);
  }
  recent.push(at);
  return { state: { nextAt: at + intervalMs, recent }, waitMs: at - now };
}

export class RateLimiter {
  private state: SpacingState = { nextAt: 0, recent: [] };
  readonly intervalMs: number;
  private readonly perSecond: number;

  constructor(
    requestsPerSecond: number,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    const limited = Number.isFinite(requestsPerSecond) && requestsPerSecond > 0;
    this.perSecond = limited ? requestsPerSecond : Number.POSITIVE_INFINITY;
    this.intervalMs = limited ? 1000 / requestsPerSecond : 0;
  }

  async acquire(): Promise<void> {
    if (this.intervalMs === 0) return;
    const { state, waitMs } = takeSlot(this.state, this.now(), this.intervalMs, this.perSecond);
    this.state = state;
    if (waitMs > 0) await this.sleep(waitMs);
  }
}

/**
 * One shared rate limit for every Salesforce call. Requests are spaced at least 1/rate apart, so no
 * 1-second window ever holds more than `rate` requests (a bursting token bucket could hold twice that).
 * The step function is pure; `RateLimiter` does the waiting.
 */
export interface SpacingState {
  nextAt: number;
}

/** When the next request may go: `waitMs` from `now`, and the state after it goes. */
export function takeSlot(state: SpacingState, now: number, intervalMs: number): { state: SpacingState; waitMs: number } {
  const at = Math.max(now, state.nextAt);
  return { state: { nextAt: at + intervalMs }, waitMs: at - now };
}

export class RateLimiter {
  private state: SpacingState = { nextAt: 0 };
  readonly intervalMs: number;

  constructor(
    requestsPerSecond: number,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    // 1 ms of margin at modest rates: timers round to the millisecond and the window count must hold.
    const base = Number.isFinite(requestsPerSecond) && requestsPerSecond > 0 ? 1000 / requestsPerSecond : 0;
    this.intervalMs = base === 0 ? 0 : requestsPerSecond <= 200 ? base + 1 : base;
  }

  async acquire(): Promise<void> {
    if (this.intervalMs === 0) return;
    const { state, waitMs } = takeSlot(this.state, this.now(), this.intervalMs);
    this.state = state;
    if (waitMs > 0) await this.sleep(waitMs);
  }
}

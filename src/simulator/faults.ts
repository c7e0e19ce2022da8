/**
 * Scriptable, deterministic faults. The same seed and the same request sequence give the same faults, so
 * a drill or a test replays exactly.
 */
export interface FaultSpec {
  /** PRNG seed for probabilities and jitter (default 1). */
  seed?: number;
  /** Added to every API response. */
  latencyMs?: number;
  jitterMs?: number;
  /** 503 SERVER_UNAVAILABLE for API requests number `from` (1-based, counted from when set) .. from+count-1. */
  unavailable?: { from: number; count: number }[];
  /** 503 with this probability on any API request. */
  unavailableProbability?: number;
  /** Daily API allocation: requests beyond it get 403 REQUEST_LIMIT_EXCEEDED. */
  dailyApiLimit?: number;
  /** API usage already spent when the faults are set (to start near the limit). */
  apiUsed?: number;
  /** UNABLE_TO_LOCK_ROW for a record write, with this probability. */
  lockRowProbability?: number;
  /** FIELD_CUSTOM_VALIDATION_EXCEPTION when a written value of `field` matches `pattern`. */
  validationRules?: { object: string; field: string; pattern: string; message?: string }[];
  /** Connection destroyed without a response for these API request numbers. */
  dropConnections?: { from: number; count: number }[];
  dropProbability?: number;
  /** 503 SERVER_UNAVAILABLE for every API request during these spans, in ms after the faults were set. */
  unavailableDuring?: { afterMs: number; forMs: number }[];
  /**
   * The request is carried out (a write commits), then the connection is destroyed without a response:
   * the caller cannot tell whether it happened. For these API request numbers.
   */
  dropResponses?: { from: number; count: number }[];
}

/** mulberry32: small, fast, good enough for fault injection. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type RequestFault = { kind: 'none' } | { kind: 'unavailable' } | { kind: 'drop' } | { kind: 'dropResponse' };

export class FaultEngine {
  private spec: FaultSpec = {};
  private random = createRandom(1);
  private requestNumber = 0;
  /** Wall-clock time the faults were set: time spans are measured from it. */
  private setAt = performance.now();
  private rules: { object: string; field: string; pattern: RegExp; message: string }[] = [];

  set(spec: FaultSpec): void {
    this.spec = spec;
    this.random = createRandom(spec.seed ?? 1);
    this.requestNumber = 0;
    this.setAt = performance.now();
    this.rules = (spec.validationRules ?? []).map((r) => ({
      object: r.object.toLowerCase(),
      field: r.field.toLowerCase(),
      pattern: new RegExp(r.pattern),
      message: r.message ?? `${r.field} is not valid here (validation rule)`,
    }));
  }

  get current(): FaultSpec {
    return this.spec;
  }

  delayMs(): number {
    const base = this.spec.latencyMs ?? 0;
    const jitter = this.spec.jitterMs ?? 0;
    return base + (jitter > 0 ? Math.floor(this.random() * jitter) : 0);
  }

  /** Decides the fault of the next API request. */
  nextRequest(): RequestFault {
    this.requestNumber += 1;
    const n = this.requestNumber;
    const inRange = (ranges: { from: number; count: number }[] | undefined) => (ranges ?? []).some((r) => n >= r.from && n < r.from + r.count);
    if (inRange(this.spec.dropConnections)) return { kind: 'drop' };
    if (inRange(this.spec.dropResponses)) return { kind: 'dropResponse' };
    if ((this.spec.dropProbability ?? 0) > 0 && this.random() < this.spec.dropProbability!) return { kind: 'drop' };
    if (inRange(this.spec.unavailable)) return { kind: 'unavailable' };
    const elapsed = performance.now() - this.setAt;
    if ((this.spec.unavailableDuring ?? []).some((w) => elapsed >= w.afterMs && elapsed < w.afterMs + w.forMs)) return { kind: 'unavailable' };
    if ((this.spec.unavailableProbability ?? 0) > 0 && this.random() < this.spec.unavailableProbability!) return { kind: 'unavailable' };
    return { kind: 'none' };
  }

  lockRow(): boolean {
    const p = this.spec.lockRowProbability ?? 0;
    return p > 0 && this.random() < p;
  }

  /** The validation rule a write breaks, if any. */
  brokenRule(object: string, values: Record<string, unknown>): { field: string; message: string } | null {
    for (const rule of this.rules) {
      if (rule.object !== object.toLowerCase()) continue;
      for (const [name, value] of Object.entries(values)) {
        if (name.toLowerCase() === rule.field && value !== null && value !== undefined && rule.pattern.test(String(value))) {
          return { field: name, message: rule.message };
        }
      }
    }
    return null;
  }
}

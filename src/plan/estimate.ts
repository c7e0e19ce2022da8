import type { PlanTotals } from '../store/plan-store.js';

/** Writes of one kind above this go through a Bulk API 2.0 ingest job instead of sObject Collections. */
export const DEFAULT_BULK_INGEST_THRESHOLD = 10_000;
/** A Bulk 2.0 ingest job costs about this many calls: create, upload, close, ~2 polls, 2 result reads. */
const BULK_JOB_CALLS = 7;

export interface PlanEstimate {
  apiCalls: number;
  collectionsCalls: number;
  freshnessReads: number;
  bulkJobs: number;
  seconds: number;
  requestsPerSecond: number;
  method: Record<string, 'collections' | 'bulk'>;
}

/**
 * API calls and time to execute a plan at the configured rate: each kind of write in batches of 200
 * (one freshness read per batch), or one Bulk API 2.0 job when the kind exceeds the threshold.
 */
export function estimatePlan(writes: PlanTotals['writes'], options: { requestsPerSecond: number; bulkIngestThreshold?: number; batchSize?: number }): PlanEstimate {
  const threshold = options.bulkIngestThreshold ?? DEFAULT_BULK_INGEST_THRESHOLD;
  const batch = Math.min(200, options.batchSize ?? 200);
  let collectionsCalls = 0;
  let freshnessReads = 0;
  let bulkJobs = 0;
  const method: PlanEstimate['method'] = {};
  for (const [kind, count] of Object.entries(writes) as [keyof PlanTotals['writes'], number][]) {
    if (count === 0) continue;
    const batches = Math.ceil(count / batch);
    freshnessReads += Math.ceil(batches / 5); // five reads per Composite call
    if (count > threshold) {
      bulkJobs += 1;
      method[kind] = 'bulk';
    } else {
      collectionsCalls += batches;
      method[kind] = 'collections';
    }
  }
  const apiCalls = collectionsCalls + freshnessReads + bulkJobs * BULK_JOB_CALLS;
  const rate = options.requestsPerSecond > 0 ? options.requestsPerSecond : Number.POSITIVE_INFINITY;
  return { apiCalls, collectionsCalls, freshnessReads, bulkJobs, seconds: Math.ceil(apiCalls / rate), requestsPerSecond: options.requestsPerSecond, method };
}

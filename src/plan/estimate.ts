import type { Config } from '../config/config.js';
import type { PlanTotals } from '../store/plan-store.js';

/** Writes of one kind above this go through a Bulk API 2.0 ingest job instead of sObject Collections. */
export const DEFAULT_BULK_INGEST_THRESHOLD = 10_000;
/** Records per Bulk API 2.0 ingest job, by default: a freshness read covers them just before the job. */
export const DEFAULT_BULK_JOB_SIZE = 10_000;
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
 * API calls and time to execute a plan at the configured rate, counted the way the executor sends it: each
 * kind of write in sObject Collections batches of 200 (or --batch-size), each batch preceded by one freshness
 * read; a kind above the threshold in Bulk API 2.0 jobs of `bulkJobSize` records, each preceded by one
 * freshness read (a Composite call of IN-list queries).
 */
export function estimatePlan(
  writes: PlanTotals['writes'],
  options: { requestsPerSecond: number; bulkIngestThreshold?: number; bulkJobSize?: number; batchSize?: number },
): PlanEstimate {
  const threshold = options.bulkIngestThreshold ?? DEFAULT_BULK_INGEST_THRESHOLD;
  const jobSize = options.bulkJobSize ?? DEFAULT_BULK_JOB_SIZE;
  const batch = Math.min(200, options.batchSize ?? 200);
  let collectionsCalls = 0;
  let freshnessReads = 0;
  let bulkJobs = 0;
  const method: PlanEstimate['method'] = {};
  for (const [kind, count] of Object.entries(writes) as [keyof PlanTotals['writes'], number][]) {
    if (count === 0) continue;
    if (count > threshold) {
      const jobs = Math.ceil(count / jobSize);
      bulkJobs += jobs;
      freshnessReads += jobs;
      method[kind] = 'bulk';
    } else {
      const batches = Math.ceil(count / batch);
      collectionsCalls += batches;
      freshnessReads += batches;
      method[kind] = 'collections';
    }
  }
  const apiCalls = collectionsCalls + freshnessReads + bulkJobs * BULK_JOB_CALLS;
  const rate = options.requestsPerSecond > 0 ? options.requestsPerSecond : Number.POSITIVE_INFINITY;
  return { apiCalls, collectionsCalls, freshnessReads, bulkJobs, seconds: Math.ceil(apiCalls / rate), requestsPerSecond: options.requestsPerSecond, method };
}

/** When and how writes go through Bulk API 2.0 ingest jobs: above `threshold` writes of a kind, jobs of `jobSize`. */
export interface BulkSettings {
  threshold: number;
  jobSize: number;
}

/** The config's Bulk API 2.0 settings (their documented defaults where it says nothing), or none (`--no-bulk`). */
export function bulkOptions(config: Config, enabled = true): BulkSettings | undefined {
  if (!enabled) return undefined;
  return { threshold: config.execute.bulkIngestThreshold ?? DEFAULT_BULK_INGEST_THRESHOLD, jobSize: config.execute.bulkJobSize ?? DEFAULT_BULK_JOB_SIZE };
}

/** estimatePlan with the config's settings, and what a run overrides: the rate, the batch size, `--no-bulk`. */
export function estimateWithConfig(writes: PlanTotals['writes'], config: Config, run: { rate?: number; batchSize?: number; bulk?: boolean } = {}): PlanEstimate {
  const bulk = bulkOptions(config, run.bulk ?? true);
  const batchSize = run.batchSize ?? config.execute.batchSize;
  return estimatePlan(writes, {
    requestsPerSecond: run.rate ?? config.limits.requestsPerSecond,
    bulkIngestThreshold: bulk?.threshold ?? Number.POSITIVE_INFINITY,
    ...(bulk ? { bulkJobSize: bulk.jobSize } : {}),
    ...(batchSize ? { batchSize } : {}),
  });
}

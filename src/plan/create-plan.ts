import { userInfo } from 'node:os';
import type { Kysely } from 'kysely';
import type { Progress } from '../cli/progress.js';
import type { LoadedConfig } from '../config/config.js';
import { ReconcileError } from '../errors.js';
import type { FieldRule } from '../scan/diff.js';
import { insertPlanHeader, insertStoredPlanItems, sealPlan } from '../store/plan-store.js';
import type { Store } from '../store/open-store.js';
import type { Database } from '../store/schema/index.js';
import { countSnapshotRecords, loadSnapshot, snapshotRecordPages } from '../store/snapshot-store.js';
import { estimateWithConfig, type PlanEstimate } from './estimate.js';
import { PlanHasher } from './hash-plan.js';
import { openPlanCsvFile, writePlanItemsCsv } from './export-plan.js';
import { emptyTotals, mergeTotals, numberItems, type DecideContext, type DecidedPage, type PlanTotals } from './plan-stages.js';
import { InOrder, openPlanStages, type PlanStages, type ThreadChoice } from './plan-threads.js';

export interface CreatePlanDeps {
  db: Kysely<Database>;
  /** The SQLite handle where the store is SQLite: records are read and items stored through its fast path. */
  sqlite?: Store['sqlite'];
  config: LoadedConfig;
  now(): Date;
}

export interface CreatedPlan {
  planId: number;
  incidentId: number;
  snapshotId: number;
  hash: string;
  createdBy: string;
  totals: PlanTotals;
  estimate: PlanEstimate;
}

export interface CreatePlanOptions {
  /** `plan create --out`: also the review CSV, written from the stored items as `plan export` writes it. */
  csv?: { path: string; excel?: boolean };
  /** Where deciding and formatting run (plan-threads.ts); `auto` by default. */
  threads?: ThreadChoice;
  /** Ticks once per scanned record decided and stored (a bar on a terminal, nothing when piped). */
  progress?: Progress;
}

export function defaultActor(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** Pages decided ahead of the main thread: enough to keep the deciding thread busy, bounded. */
const PAGES_AHEAD = 4;

/**
 * Turns the incident's latest scan into an immutable plan: decides every record, stores the numbered items
 * in pages, hashes them as they go, and seals the plan. Streams: memory does not grow with the scan's size.
 * On large scans deciding runs on a worker thread while this thread reads the records, numbers, hashes and
 * stores the items. With `csv`, the review CSV follows, written as `plan export` writes it (formatting it
 * alongside deciding was slower: three busy threads on two cores).
 */
export async function createPlan(deps: CreatePlanDeps, incidentId: number, createdBy: string, options: CreatePlanOptions = {}): Promise<CreatedPlan & { csvRows?: number }> {
  const { incident, snapshot } = await loadSnapshot(deps.db, incidentId);
  const createdAt = deps.now().toISOString();
  const header = { incidentId: incident.id, snapshotId: snapshot.id, createdBy, createdAt, configHash: deps.config.hash };
  // Opened first: a --out that cannot be written stops before anything is stored.
  const csv = options.csv === undefined ? null : await openPlanCsvFile(options.csv.path, options.csv);
  let stages: PlanStages | null = null;
  try {
    const planId = await insertPlanHeader(deps.db, header);
    const records = await countSnapshotRecords(deps.db, snapshot.id);
    const context: DecideContext = {
      planId,
      policies: Object.fromEntries(Object.entries(deps.config.config.objects).map(([object, cfg]) => [object, { conflict: cfg.conflict ?? 'manual', coalesce: cfg.replay?.coalesce ?? false }])),
      rules: (snapshot.summary.fieldRules ?? {}) as Record<string, Record<string, FieldRule>>,
    };
    stages = openPlanStages(context, 'decide', records, options.threads === undefined ? {} : { threads: options.threads });
    const hasher = new PlanHasher({ id: planId, ...header });
    const totals = emptyTotals();
    const decided = new InOrder<DecidedPage>();
    let nextItemId = 1;
    const pageSizes: number[] = [];
    options.progress?.setTotal(records);
    const store = async (page: DecidedPage) => {
      const items = numberItems(page.items, nextItemId);
      nextItemId += items.json.length;
      hasher.addJsonPage(items.json);
      await insertStoredPlanItems(deps.db, planId, items, deps.sqlite ?? null);
      mergeTotals(totals, page.totals);
      options.progress?.tick(pageSizes.shift());
    };
    for await (const page of snapshotRecordPages(deps.db, snapshot.id, deps.sqlite ?? null)) {
      decided.push(stages.decide(page));
      pageSizes.push(page.length);
      if (decided.length > PAGES_AHEAD) await store(await decided.next());
    }
    while (decided.length > 0) await store(await decided.next());
    options.progress?.done();
    const hash = hasher.digest();
    const estimate = estimateWithConfig(totals.writes, deps.config.config);
    await sealPlan(deps.db, planId, hash, totals, estimate as unknown as Record<string, unknown>, createdBy, createdAt);
    const created = { planId, incidentId: incident.id, snapshotId: snapshot.id, hash, createdBy, totals, estimate };
    if (csv === null) return created;
    await stages.close();
    try {
      return { ...created, csvRows: await writePlanItemsCsv(deps, { id: planId, totals }, csv, options.threads === undefined ? {} : { threads: options.threads }) };
    } catch (error) {
      // The plan is stored and sealed: say so, so nobody creates it again, and how to get its CSV.
      if (!(error instanceof ReconcileError)) throw error;
      throw new ReconcileError(error.code, error.exitCode, `plan ${planId} was created, but ${error.message}`, {
        hint: `write its review CSV with "sf-reconcile plan export ${planId} --out <file>"`,
        cause: error,
      });
    }
  } catch (error) {
    await csv?.discard();
    throw error;
  } finally {
    await stages?.close();
  }
}

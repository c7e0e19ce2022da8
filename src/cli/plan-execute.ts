import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import { latestOutcomes } from '../store/execution-store.js';
import { planItemsById } from '../store/plan-store.js';
import type { Database } from '../store/schema/index.js';
import { hostname } from 'node:os';
import { EXIT, UsageError } from '../errors.js';
import { executorBreaker, executorPlans, executorSalesforce } from '../execute/adapters.js';
import { executePlan, type ExecuteSummary } from '../execute/execute-plan.js';
import { createRollbackPlan } from '../execute/rollback.js';
import { verifyPlan } from '../execute/verify-plan.js';
import { defaultActor } from '../plan/create-plan.js';
import { getPlan, listPlans } from '../store/plan-store.js';
import { bulkOptions, estimateWithConfig } from '../plan/estimate.js';
import { discardOnFailure, openCsv } from '../files/csv-writer.js';
import { salesforceFor } from './connect.js';
import type { CliContext } from './context.js';
import { parseId } from './incident.js';

/** Failed items of an execution as CSV (errorCode and message), formulas neutralised. */
export async function writeFailuresCsv(db: Kysely<Database>, planId: number, path: string): Promise<number> {
  const latest = await latestOutcomes(db, planId);
  const failed = [...latest.values()].filter((o) => o.state === 'failed');
  const items = new Map((await planItemsById(db, planId, failed.map((f) => f.itemId))).map((i) => [i.itemId, i]));
  const csv = await openCsv(path, ['plan_id', 'item_id', 'object', 'external_id', 'sf_id', 'action', 'step', 'error_code', 'message', 'at']);
  for (const f of failed) {
    const item = items.get(f.itemId);
    await csv.write([planId, f.itemId, item?.object, item?.externalId, f.sfId ?? item?.sfId, item?.action, f.step, f.errorCode, f.message, f.at]);
  }
  await csv.close();
  return failed.length;
}

function positive(name: string, integer: boolean) {
  return (v: string): number => {
    const n = Number(v.replace(/\/s$/, ''));
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'} (got "${v}")`);
    return n;
  };
}

function renderSummary(s: ExecuteSummary): string {
  const lines = [
    `plan ${s.planId} ${s.status}: applied ${s.applied}, failed ${s.failed}, stale ${s.stale}, already done ${s.alreadyDone}`,
    `API calls ${s.apiCalls}; ${(s.durationMs / 1000).toFixed(1)} s; ${s.itemsPerSecond} items/s`,
  ];
  if (s.canary) lines.push(`canary: ${s.canary.items} items ${s.canary.held ? 'held' : 'did not hold'}`);
  if (s.wouldSend) lines.push(...s.wouldSend.map((w) => `would send: ${w.kind} ${w.object} x${w.records} via ${w.via === 'bulk' ? 'Bulk API 2.0' : 'sObject Collections'}`));
  if (s.wouldUse) {
    const u = s.wouldUse;
    lines.push(`would use about ${u.apiCalls} API calls (${u.collectionsCalls} collections writes, ${u.bulkJobs} Bulk API jobs, ${u.freshnessReads} freshness reads), about ${u.seconds} s at ${u.requestsPerSecond}/s`);
  }
  if (s.failed > 0) lines.push(`failures: sf-reconcile plan export ${s.planId} --failed --out failed-${s.planId}.csv`);
  if (s.stale > 0) lines.push(`stale items changed since the plan and were not written: re-scan and re-plan`);
  if (s.status === 'completed') lines.push(`next: sf-reconcile plan verify ${s.planId}`);
  return lines.join('\n');
}

/** Registers `plan execute`, `plan verify` and `plan rollback` under the `plan` command (issue 6). */
export function registerExecuteCommands(plan: Command, ctx: CliContext): void {
  plan
    .command('execute')
    .description('run an approved plan: rate-limited, batched, canaried, circuit-broken, resumable (exit 75 = paused, run again)')
    .argument('[plan]', 'plan id')
    .option('--all-approved', 'run every approved, unfinished plan, oldest first (for a scheduler)')
    .option('--rate <n>', 'requests per second for every call, reads included (default: the config)', positive('rate', false))
    .option('--concurrency <n>', 'calls in flight (default: the config)', positive('concurrency', true))
    .option('--batch-size <n>', 'records per call, at most 200 (default: execute.batchSize in the config, else 200)', positive('batch-size', true))
    .option('--canary <n>', 'write n items first, verify them, continue only if they hold', positive('canary', true))
    .option('--pause-after-canary', 'stop after a good canary for a person\'s go-ahead (run again to continue)')
    .option('--max-error-rate <r>', 'pause when this share of the recent writes failed', (v) => {
      const n = Number(v);
      if (!(n >= 0 && n <= 1)) throw new UsageError(`--max-error-rate must be between 0 and 1 (got "${v}")`);
      return n;
    })
    .option('--no-bulk', 'send every write through sObject Collections, even above execute.bulkIngestThreshold')
    .option('--dry-run', 'freshness reads and batching, no writes: print what would be sent')
    .option('--by <name>', 'who runs it (default: the OS user)')
    .option('--target-org <alias>', 'use an org the Salesforce CLI (sf) is logged in to')
    .action(async (id: string | undefined, opts: { allApproved?: boolean; rate?: number; concurrency?: number; batchSize?: number; canary?: number; pauseAfterCanary?: boolean; maxErrorRate?: number; bulk: boolean; dryRun?: boolean; by?: string; targetOrg?: string }) => {
      if ((id === undefined) === (opts.allApproved !== true)) throw new UsageError('give a plan id or --all-approved (not both)');
      if (opts.batchSize !== undefined && opts.batchSize > 200) throw new UsageError(`--batch-size must be at most 200 (sObject Collections' limit; got ${opts.batchSize})`);
      const store = await ctx.store();
      const config = ctx.config();
      const batchSize = opts.batchSize ?? config.config.execute.batchSize ?? 200;
      const planIds = opts.allApproved
        ? (await listPlans(store.db, { status: ['approved', 'executing', 'paused'] })).map((p) => p.id)
        : [parseId('plan', id!)];
      if (planIds.length === 0) {
        ctx.output().result({ plans: [] }, () => 'no approved plans to execute');
        return;
      }
      for (const planId of planIds) await getPlan(store.db, planId); // unknown plan: exit 2 before logging in
      const client = await salesforceFor(ctx, config, { ...(opts.targetOrg ? { targetOrg: opts.targetOrg } : {}), ...(opts.rate ? { rate: opts.rate } : {}), ...(opts.concurrency ? { concurrency: opts.concurrency } : {}) });
      const summaries: ExecuteSummary[] = [];
      for (const planId of planIds) {
        const summary = await executePlan(
          {
            db: store.db,
            plans: executorPlans(store.db, () => new Date()),
            salesforce: executorSalesforce(client),
            breaker: executorBreaker({ maxErrorRate: opts.maxErrorRate ?? config.config.execute.maxErrorRate ?? 0.5, window: 200, minSamples: 20 }),
            now: () => new Date(),
            progress: ctx.progress(),
            signal: ctx.abort.signal,
            log: (line) => ctx.stderr.write(`${line}\n`),
          },
          planId,
          {
            holder: `${hostname()}:${process.pid}`,
            by: opts.by ?? defaultActor(),
            batchSize,
            canary: opts.canary ?? 0,
            pauseAfterCanary: opts.pauseAfterCanary === true,
            dryRun: opts.dryRun === true,
            bulk: bulkOptions(config.config, opts.bulk),
          },
        );
        if (summary.status === 'dry-run') {
          // What the whole run would spend, counted as the executor sends it (the dry run itself read one round).
          const writes = (await getPlan(store.db, planId)).totals.writes;
          summary.wouldUse = estimateWithConfig(writes, config.config, { batchSize, bulk: opts.bulk, ...(opts.rate ? { rate: opts.rate } : {}) });
        }
        summaries.push(summary);
      }
      ctx.output().result(opts.allApproved ? { plans: summaries } : summaries[0], () => summaries.map(renderSummary).join('\n\n'));
    });

  plan
    .command('verify')
    .description('re-read the records of the applied items and compare with the targets (exit 3 when drift remains)')
    .argument('<plan>', 'plan id')
    .option('--out <file>', 'write the residual drift as CSV')
    .option('--target-org <alias>', 'use an org the Salesforce CLI (sf) is logged in to')
    .action(async (id: string, opts: { out?: string; targetOrg?: string }) => {
      const store = await ctx.store();
      const p = await getPlan(store.db, parseId('plan', id));
      // Opened first: a path that cannot be written fails before Salesforce is read, not after.
      const csv = opts.out === undefined ? null : await openCsv(opts.out, ['plan_id', 'item_id', 'object', 'external_id', 'sf_id', 'field', 'expected', 'actual', 'problem']);
      const result = await discardOnFailure(csv, async () => {
        const client = await salesforceFor(ctx, ctx.config(), opts.targetOrg ? { targetOrg: opts.targetOrg } : {});
        const verified = await verifyPlan(store.db, executorSalesforce(client), p.id, { by: defaultActor(), now: new Date() });
        if (csv !== null) {
          for (const r of verified.residual) await csv.write([p.id, r.itemId, r.object, r.externalId, r.sfId, r.field, r.expected, r.actual, r.problem]);
          await csv.close();
        }
        return verified;
      });
      if (result.residual.length > 0) ctx.exitCode = EXIT.driftRemains;
      ctx.output().result({ planId: p.id, checked: result.checked, residualDrift: result.residual.length, residual: result.residual.slice(0, 100) }, () =>
        result.residual.length === 0
          ? `plan ${p.id}: all ${result.checked} applied items hold`
          : `plan ${p.id}: ${result.residual.length} residual drift(s) in ${result.checked} applied items${opts.out ? ` (written to ${opts.out})` : ''}\n${result.residual.slice(0, 10).map((r) => `  item ${r.itemId} ${r.object} ${r.externalId} ${r.field} ${r.problem}`).join('\n')}`,
      );
    });

  plan
    .command('rollback')
    .description('create a draft plan restoring the values an execution replaced (approve and execute it like any plan)')
    .argument('<plan>', 'plan id')
    .option('--by <name>', 'who creates the rollback plan (default: the OS user)')
    .option('--target-org <alias>', 'use an org the Salesforce CLI (sf) is logged in to')
    .action(async (id: string, opts: { by?: string; targetOrg?: string }) => {
      const store = await ctx.store();
      const p = await getPlan(store.db, parseId('plan', id));
      const config = ctx.config();
      const client = await salesforceFor(ctx, config, opts.targetOrg ? { targetOrg: opts.targetOrg } : {});
      const created = await createRollbackPlan(store.db, executorSalesforce(client), config, p.id, opts.by ?? defaultActor(), new Date());
      ctx.output().result(created, () => `rollback plan ${created.planId} for plan ${p.id}: ${JSON.stringify(created.totals.byAction)}\nnext: a second person approves it: sf-reconcile plan approve ${created.planId} --by <name>`);
    });
}

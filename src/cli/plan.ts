import type { Command } from 'commander';
import { approvePlan } from '../plan/approve-plan.js';
import { createPlan, defaultActor } from '../plan/create-plan.js';
import { exportPlanCsv } from '../plan/export-plan.js';
import { THREAD_CHOICES, type ThreadChoice } from '../plan/plan-threads.js';
import { appendJournal, getPlan, planItemsPage, planJournal, planStatus, verificationOf, type JournalEntry } from '../store/plan-store.js';
import { UsageError } from '../errors.js';
import type { CliContext } from './context.js';
import { parseId } from './incident.js';
import { formatTable } from './output.js';
import { registerExecuteCommands } from './plan-execute.js';

/**
 * SF_RECONCILE_THREADS: where `plan create` decides and `plan export` formats. `auto` (the default) takes
 * worker threads for large plans only; `main` or `worker` force it, to compare or to rule threads out.
 */
function threadChoice(env: NodeJS.ProcessEnv): ThreadChoice {
  const value = env.SF_RECONCILE_THREADS;
  if (value === undefined || value === '') return 'auto';
  if ((THREAD_CHOICES as readonly string[]).includes(value)) return value as ThreadChoice;
  throw new UsageError(`SF_RECONCILE_THREADS must be one of ${THREAD_CHOICES.join(', ')} (got "${value}")`, { hint: 'unset it to let sf-reconcile choose' });
}

/** A journal line for people: notes say what they record (a verification, a forced approval). */
function describeJournalEntry(entry: JournalEntry): string {
  const verified = verificationOf(entry);
  const what =
    verified !== null ? `verified (${verified.residualDrift === 0 ? `all ${verified.checked} applied items hold` : `${verified.residualDrift} residual drift in ${verified.checked} applied items`})`
    : entry.status === 'note' && typeof entry.details.forced === 'string' ? `note (${entry.details.forced})`
    : entry.status;
  return `${entry.at} ${what} by ${entry.by}`;
}

/** Registers `plan create|show|export|approve|reject` (and, through plan-execute.ts, execute|verify|rollback). */
export function register(program: Command, ctx: CliContext): void {
  const plan = program.command('plan').description('repair plans: create, review, approve, execute, verify, roll back');

  plan
    .command('create')
    .description("decide per record (replay, patch, delete, manual) from the incident's latest scan and store an immutable plan")
    .argument('<incident>', 'incident id')
    .option('--by <name>', 'who creates the plan (default: the OS user)')
    .option('--out <file>', 'also write the review CSV once the plan is stored (as "plan export" would)')
    .option('--excel', 'with --out: add a UTF-8 byte-order mark so Excel reads accents correctly')
    .action(async (incident: string, opts: { by?: string; out?: string; excel?: boolean }) => {
      const threads = threadChoice(ctx.env);
      const store = await ctx.store();
      const by = opts.by ?? defaultActor();
      const out = opts.out;
      const created = await createPlan(
        { db: store.db, sqlite: store.sqlite, config: ctx.config(), now: () => new Date() },
        parseId('incident', incident),
        by,
        { progress: ctx.progress()('plan create'), threads, ...(out === undefined ? {} : { csv: { path: out, excel: opts.excel === true } }) },
      );
      if (out !== undefined) await appendJournal(store.db, created.planId, { by, status: 'exported', details: { out, rows: created.csvRows ?? 0 } }, new Date());
      const review = `sf-reconcile plan approve ${created.planId} --by <name> --reviewed ${out ?? `plan-${created.planId}.csv`}`;
      ctx.output().result({ ...created, ...(out === undefined ? {} : { out }) }, () =>
        [
          `plan ${created.planId} for incident ${created.incidentId} (snapshot ${created.snapshotId}), hash ${created.hash.slice(0, 16)}`,
          formatTable(['action', 'items'], Object.entries(created.totals.byAction)),
          `estimate: ${created.estimate.apiCalls} API calls, about ${created.estimate.seconds} s at ${created.estimate.requestsPerSecond}/s`,
          out === undefined
            ? `next: sf-reconcile plan export ${created.planId} --out plan-${created.planId}.csv, then a second person runs ${review}`
            : `review CSV: ${created.csvRows ?? 0} rows written to ${out}; next, a second person runs ${review}`,
        ].join('\n'),
      );
    });

  plan
    .command('show')
    .description('totals by action and object, the first items with their reasons, the estimate and the journal')
    .argument('<plan>', 'plan id')
    .option('--items <n>', 'how many items to list', (v) => parseId('--items', v), 20)
    .action(async (id: string, opts: { items: number }) => {
      const store = await ctx.store();
      const p = await getPlan(store.db, parseId('plan', id));
      const status = await planStatus(store.db, p.id);
      const items = (await planItemsPage(store.db, p.id, 0, opts.items * 3)).filter((i) => i.action !== 'none').slice(0, opts.items);
      const journal = await planJournal(store.db, p.id);
      ctx.output().result({ ...p, status, items, journal }, () =>
        [
          `plan ${p.id}: ${status}; incident ${p.incidentId}, snapshot ${p.snapshotId}; created by ${p.createdBy} at ${p.createdAt}`,
          `hash ${p.hash}`,
          '',
          formatTable(['object', ...Object.keys(p.totals.byAction)], Object.entries(p.totals.byObject).map(([o, c]) => [o, ...Object.keys(p.totals.byAction).map((a) => c[a] ?? 0)])),
          '',
          formatTable(['item', 'action', 'object', 'external id', 'reason'], items.map((i) => [i.itemId, i.action, i.object, i.externalId, i.reason])),
          '',
          `estimate: ${String(p.estimate.apiCalls)} API calls, about ${String(p.estimate.seconds)} s`,
          `journal: ${journal.map(describeJournalEntry).join('; ')}`,
        ].join('\n'),
      );
    });

  plan
    .command('export')
    .description('write the plan as CSV for review: one row per field change, a decision column to mark "reject"')
    .argument('<plan>', 'plan id')
    .requiredOption('--out <file>', 'CSV file to write')
    .option('--excel', 'add a UTF-8 byte-order mark so Excel reads accents correctly')
    .option('--failed', 'export the items that failed in execution instead')
    .action(async (id: string, opts: { out: string; excel?: boolean; failed?: boolean }) => {
      const threads = threadChoice(ctx.env);
      const store = await ctx.store();
      const p = await getPlan(store.db, parseId('plan', id));
      if (opts.failed) {
        const { writeFailuresCsv } = await import('./plan-execute.js');
        const rows = await writeFailuresCsv(store.db, p.id, opts.out);
        ctx.output().result({ planId: p.id, out: opts.out, rows }, () => `${rows} failed item(s) written to ${opts.out}`);
        return;
      }
      const rows = await exportPlanCsv(store, p, opts.out, { excel: opts.excel === true, threads });
      await appendJournal(store.db, p.id, { by: defaultActor(), status: 'exported', details: { out: opts.out, rows } }, new Date());
      ctx.output().result({ planId: p.id, out: opts.out, rows }, () => `${rows} rows written to ${opts.out}; mark "reject" in the decision column to leave an item out, change nothing else`);
    });

  plan
    .command('approve')
    .description('approve a plan as a second person, optionally with the reviewed CSV; binds the plan hash')
    .argument('<plan>', 'plan id')
    .requiredOption('--by <name>', 'who approves (must differ from the creator)')
    .option('--reviewed <file>', 'the reviewed CSV: rows marked "reject" are left out; anything else edited refuses the approval')
    .option('--allow-self-approval', 'let the creator approve (recorded as such)')
    .option('--force', 'approve although a newer scan of the incident exists (recorded)')
    .action(async (id: string, opts: { by: string; reviewed?: string; allowSelfApproval?: boolean; force?: boolean }) => {
      const store = await ctx.store();
      const result = await approvePlan(store, parseId('plan', id), { by: opts.by, ...(opts.reviewed ? { reviewedCsv: opts.reviewed } : {}), allowSelfApproval: opts.allowSelfApproval === true, force: opts.force === true }, new Date());
      ctx.output().result(result, () => `plan ${result.planId} approved by ${opts.by} (hash ${result.hash.slice(0, 16)}): ${result.approvedItems} items, ${result.excluded.length} left out\nnext: sf-reconcile plan execute ${result.planId} --canary 10`);
    });

  plan
    .command('reject')
    .description('reject a plan, with a reason')
    .argument('<plan>', 'plan id')
    .requiredOption('--by <name>', 'who rejects')
    .requiredOption('--reason <text>', 'why')
    .action(async (id: string, opts: { by: string; reason: string }) => {
      const store = await ctx.store();
      const p = await getPlan(store.db, parseId('plan', id));
      const status = await planStatus(store.db, p.id);
      if (status !== 'created' && status !== 'approved') throw new UsageError(`plan ${p.id} is ${status} and can no longer be rejected`);
      await appendJournal(store.db, p.id, { by: opts.by, status: 'rejected', details: { reason: opts.reason } }, new Date());
      ctx.output().result({ planId: p.id, status: 'rejected' }, () => `plan ${p.id} rejected by ${opts.by}: ${opts.reason}`);
    });

  registerExecuteCommands(plan, ctx);
}

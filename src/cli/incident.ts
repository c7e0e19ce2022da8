import type { Command } from 'commander';
import { normaliseTime } from '../ingest/parse-line.js';
import { isApiName } from '../domain/values.js';
import { UsageError } from '../errors.js';
import { checkWindow } from '../scan/scan-incident.js';
import { createIncident, getIncident, listIncidents } from '../store/incident-store.js';
import { latestSnapshotId, getSnapshot } from '../store/snapshot-store.js';
import type { CliContext } from './context.js';
import { formatTable } from './output.js';

export function parseId(what: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new UsageError(`${what} must be a number (got "${value}")`);
  return n;
}

function isoArg(name: string, value: string): string {
  const t = normaliseTime(value);
  if (t === null) throw new UsageError(`--${name} must be an ISO-8601 time with a zone, e.g. 2026-11-20T14:00:00Z (got "${value}")`);
  return t;
}

/** Registers `incident open|list|show`. */
export function register(program: Command, ctx: CliContext): void {
  const incident = program.command('incident').description('name the time window of an incident');
  incident
    .command('open')
    .description('open an incident: a named window (and objects) to scan')
    .requiredOption('--name <name>', 'a short name, e.g. "billing-sync 503s"')
    .requiredOption('--from <iso>', 'window start (ISO-8601 with zone)')
    .requiredOption('--to <iso>', 'window end (ISO-8601 with zone)')
    .option('--objects <list>', 'comma-separated sObject names (default: every object the events mention)')
    .action(async (opts: { name: string; from: string; to: string; objects?: string }) => {
      const from = isoArg('from', opts.from);
      const to = isoArg('to', opts.to);
      checkWindow(from, to);
      const objects = opts.objects === undefined ? null : opts.objects.split(',').map((o) => o.trim()).filter((o) => o.length > 0);
      for (const o of objects ?? []) if (!isApiName(o)) throw new UsageError(`--objects: "${o}" is not an sObject API name`);
      const store = await ctx.store();
      const created = await createIncident(store.db, { name: opts.name, from, to, objects }, new Date());
      ctx.output().result(created, () => `${created.id}`);
    });
  incident
    .command('list')
    .description('list incidents')
    .action(async () => {
      const store = await ctx.store();
      const all = await listIncidents(store.db);
      ctx.output().result(all, () =>
        all.length === 0 ? 'no incidents: open one with "sf-reconcile incident open --name N --from ISO --to ISO"' : formatTable(['id', 'name', 'from', 'to', 'objects'], all.map((i) => [i.id, i.name, i.from, i.to, i.objects?.join(',') ?? '(all)'])),
      );
    });
  incident
    .command('show')
    .description('show an incident and its latest scan')
    .argument('<incident>', 'incident id')
    .action(async (id: string) => {
      const store = await ctx.store();
      const found = await getIncident(store.db, parseId('incident', id));
      const snapId = await latestSnapshotId(store.db, found.id);
      const snapshot = snapId === null ? null : await getSnapshot(store.db, snapId);
      ctx.output().result({ ...found, latestSnapshot: snapshot }, () =>
        [
          `incident ${found.id}: ${found.name}`,
          `window  ${found.from} .. ${found.to}`,
          `objects ${found.objects?.join(', ') ?? '(every object in the events)'}`,
          snapshot === null ? `not scanned yet: run "sf-reconcile scan ${found.id}"` : `latest scan ${snapshot.id} at ${snapshot.takenAt}: ${JSON.stringify((snapshot.summary as { byClass?: unknown }).byClass ?? {})}`,
        ].join('\n'),
      );
    });
}

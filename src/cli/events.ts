import type { Command } from 'commander';
import { normaliseTime } from '../ingest/parse-line.js';
import { UsageError } from '../errors.js';
import { eventStats, listQuarantine } from '../store/event-store.js';
import type { CliContext } from './context.js';
import { formatTable } from './output.js';

function isoOption(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const normalised = normaliseTime(value);
  if (normalised === null) {
    throw new UsageError(`--${name} must be an ISO-8601 time with a zone, e.g. 2026-11-20T14:00:00Z (got "${value}")`);
  }
  return normalised;
}

/** Registers `events stats` and `events quarantine`. */
export function register(program: Command, ctx: CliContext): void {
  const events = program.command('events').description('look into the event store');
  events
    .command('stats')
    .description('counts by object, status and hour; first and last event time')
    .option('--from <iso>', 'only events at or after this time')
    .option('--to <iso>', 'only events before this time')
    .option('--object <name>', 'only this sObject')
    .action(async (opts: { from?: string; to?: string; object?: string }) => {
      const from = isoOption('from', opts.from);
      const to = isoOption('to', opts.to);
      if (from !== undefined && to !== undefined && from >= to) throw new UsageError(`--from (${from}) must be before --to (${to})`);
      const store = await ctx.store();
      const stats = await eventStats(store.db, {
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
        objects: opts.object ? [opts.object] : null,
      });
      ctx.output().result(stats, () => {
        if (stats.total === 0) return 'no events';
        const lines = [`${stats.total} events, first ${stats.first}, last ${stats.last}`, ''];
        lines.push(formatTable(['object', 'events'], Object.entries(stats.byObject)), '');
        lines.push(formatTable(['status', 'events'], Object.entries(stats.byStatus)), '');
        lines.push(formatTable(['hour (UTC)', 'events'], Object.entries(stats.byHour).map(([h, n]) => [`${h}:00`, n])));
        return lines.join('\n');
      });
    });
  events
    .command('quarantine')
    .description('list quarantined input lines with their reasons')
    .option('--batch <id>', 'only this ingest batch', (v) => Number.parseInt(v, 10))
    .action(async (opts: { batch?: number }) => {
      const store = await ctx.store();
      const lines = await listQuarantine(store.db, opts.batch);
      ctx.output().result(lines, () =>
        lines.length === 0 ? 'nothing quarantined' : formatTable(['batch', 'file', 'line', 'reason'], lines.map((q) => [q.batchId, q.file, q.line, q.reason])),
      );
    });
}

import { Option, type Command } from 'commander';
import { ingestFiles } from '../ingest/ingest-files.js';
import { INPUT_FORMATS, type InputFormat } from '../ingest/parse-line.js';
import type { CliContext } from './context.js';
import { formatTable } from './output.js';

/** Registers `ingest <file...|->`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('ingest')
    .description('store the integration\'s event log (JSON Lines, CloudEvents, CSV; gzip detected) in the append-only event store')
    .argument('<files...>', 'event log files; - reads standard input')
    .addOption(new Option('--format <format>', 'override format detection').choices([...INPUT_FORMATS]))
    .option('--source <name>', 'source for events that carry none (default: the file\'s base name)')
    .addHelpText(
      'after',
      '\nEvery line is stored, counted as a duplicate (same source and id, same content), or quarantined with a reason.\nAlways: read = accepted + duplicate + rejected.',
    )
    .action(async (files: string[], opts: { format?: InputFormat; source?: string }) => {
      const store = await ctx.store();
      const result = await ingestFiles(
        { store, now: () => new Date(), progress: ctx.progress(), stdin: ctx.stdin, signal: ctx.abort.signal },
        files,
        { ...(opts.format ? { format: opts.format } : {}), ...(opts.source ? { source: opts.source } : {}) },
      );
      ctx.output().result(result, () => {
        const rows = result.files.map((f) => [f.file, f.format + (f.gzip ? '.gz' : ''), f.read, f.accepted, f.duplicate, f.rejected]);
        if (result.files.length > 1) rows.push(['total', '', result.total.read, result.total.accepted, result.total.duplicate, result.total.rejected]);
        const table = formatTable(['file', 'format', 'read', 'accepted', 'duplicate', 'rejected'], rows);
        const hint = result.total.rejected > 0 ? `\n${result.total.rejected} line(s) quarantined with their reasons: see "sf-reconcile events quarantine"` : '';
        return table + hint;
      });
    });
}

import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { InputError } from '../errors.js';
import { gatherReport } from '../report/gather-report.js';
import { renderReportHtml, renderReportMarkdown } from '../report/render-report.js';
import type { CliContext } from './context.js';
import { parseId } from './incident.js';

/** Registers `report INCIDENT`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('report')
    .description('the stakeholder update: window, impact by class, decisions, plan results, what is left, next steps')
    .argument('<incident>', 'incident id')
    .addOption(new Option('--format <format>', 'md or html').choices(['md', 'html']).default('md'))
    .option('--out <file>', 'write to a file instead of standard output')
    .action(async (id: string, opts: { format: 'md' | 'html'; out?: string }) => {
      const store = await ctx.store();
      const data = await gatherReport(store.db, parseId('incident', id), new Date());
      const text = opts.format === 'html' ? renderReportHtml(data) : renderReportMarkdown(data);
      if (opts.out) {
        try {
          writeFileSync(opts.out, text);
        } catch (error) {
          throw new InputError(`cannot write ${opts.out}: ${(error as Error).message}`, { file: opts.out });
        }
        ctx.output().result({ incidentId: data.incident.id, out: opts.out, format: opts.format }, () => `report written to ${opts.out}`);
      } else if (ctx.output().json) ctx.output().result(data, () => '');
      else ctx.stdout.write(text);
    });
}

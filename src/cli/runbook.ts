import type { Command } from 'commander';
import { SCENARIOS } from '../drill/scenarios.js';
import { checkRunbooks, findRunbook, loadRunbooks, renderForTerminal } from '../runbook/runbooks.js';
import { EXIT } from '../errors.js';
import type { CliContext } from './context.js';
import { formatTable } from './output.js';

/** Registers `runbook list|show|check`. */
export function register(program: Command, ctx: CliContext): void {
  const runbook = program.command('runbook').description('the incident runbooks shipped with sf-reconcile');
  runbook
    .command('list')
    .description('list the runbooks')
    .action(() => {
      const all = loadRunbooks();
      ctx.output().result(all.map((r) => ({ name: r.name, title: r.title, file: r.file })), () => formatTable(['name', 'incident'], all.map((r) => [r.name, r.title])));
    });
  runbook
    .command('show')
    .description('print a runbook, readable in a terminal')
    .argument('<name>', 'runbook name (see runbook list)')
    .action((name: string) => {
      const rb = findRunbook(name);
      ctx.output().result({ name: rb.name, title: rb.title, markdown: rb.text }, () => renderForTerminal(rb.text, (ctx.stdout as { isTTY?: boolean }).isTTY === true));
    });
  runbook
    .command('check')
    .description('every runbook has every section, every cited command parses against this CLI, every drill exists')
    .action(() => {
      const all = loadRunbooks();
      const problems = checkRunbooks(all, program, Object.keys(SCENARIOS));
      if (problems.length > 0) ctx.exitCode = EXIT.failure;
      ctx.output().result({ runbooks: all.length, problems }, () => (problems.length === 0 ? `${all.length} runbooks OK` : `${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}`));
    });
}

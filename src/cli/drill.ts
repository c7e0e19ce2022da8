import type { Command } from 'commander';
import type * as Drill from '../drill/run-drill.js';
import { SCENARIOS, DEFAULT_SCENARIO } from '../drill/scenarios.js';
import { EXIT, UsageError } from '../errors.js';
import type { CliContext } from './context.js';
import { formatTable } from './output.js';

/** Registers `drill [SCENARIO]`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('drill')
    .description('rehearse an incident end to end against the built-in Salesforce simulator and print a scorecard')
    .argument('[scenario]', `scenario to play (default ${DEFAULT_SCENARIO}; "all" plays every one)`)
    .option('--seed <n>', 'seed: the same seed plays the same drill', (v) => {
      if (!/^\d+$/.test(v)) throw new UsageError(`--seed must be a whole number (got "${v}")`);
      return Number(v);
    }, 1)
    .option('--list', 'list the scenarios and the runbook each rehearses')
    .option('--fresh', 'use a fresh temporary database (the default unless --db is given)')
    .action(async (name: string | undefined, opts: { seed: number; list?: boolean }) => {
      if (opts.list) {
        const rows = Object.values(SCENARIOS).map((s) => [s.name, `runbooks/${s.runbook}.md`, s.title]);
        ctx.output().result(Object.values(SCENARIOS).map((s) => ({ name: s.name, runbook: `runbooks/${s.runbook}.md`, title: s.title })), () => formatTable(['scenario', 'runbook', 'incident'], rows));
        return;
      }
      const names = name === 'all' ? Object.keys(SCENARIOS) : [name ?? DEFAULT_SCENARIO];
      const dbPath = ctx.globals().db;
      // Loaded on use: the drill brings the simulator (and its SOQL parser) and jsforce.
      const { runDrill, scorecardLine } = await import('../drill/run-drill.js');
      const cards: Awaited<ReturnType<typeof Drill.runDrill>>[] = [];
      for (const n of names) {
        if (!ctx.output().json) ctx.stdout.write(`\n== drill ${n} (seed ${opts.seed}) ==\n`);
        const card = await runDrill(n, { seed: opts.seed, ...(dbPath ? { dbPath } : {}), progress: ctx.progress(), log: (line) => ctx.output().info(`  ${line}`) });
        cards.push(card);
        if (!ctx.output().json) ctx.stdout.write(`${scorecardLine(card)}\n`);
      }
      if (cards.some((c) => !c.passed)) ctx.exitCode = EXIT.failure;
      ctx.output().result(names.length === 1 ? cards[0] : cards, () =>
        names.length === 1 ? '' : `\n${formatTable(['scenario', 'result', 'affected', 'repaired', 'manual', 'wrong', 'residual', 'api', 'floor'], cards.map((c) => [c.scenario, c.passed ? 'PASS' : 'FAIL', c.affected, c.repaired, c.manual, c.wronglyChanged, c.residualDrift, c.apiCalls, c.apiFloor]))}`,
      );
    });
}

#!/usr/bin/env node
/**
 * The one place that builds real dependencies, runs commander, and turns errors into exit codes.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { createCliContext, type CliContext, type GlobalOptions } from './cli/context.js';
import type { RegisterCommands } from './cli/commands.js';
import * as drill from './cli/drill.js';
import * as events from './cli/events.js';
import * as incident from './cli/incident.js';
import * as ingest from './cli/ingest.js';
import * as plan from './cli/plan.js';
import * as report from './cli/report.js';
import * as runbook from './cli/runbook.js';
import * as scan from './cli/scan.js';
import * as simulator from './cli/simulator.js';
import { EXIT, ReconcileError, redactSecrets } from './errors.js';

export const VERSION = '0.1.0';

const COMMAND_GROUPS: RegisterCommands[] = [
  ingest.register,
  events.register,
  incident.register,
  scan.register,
  plan.register,
  runbook.register,
  drill.register,
  report.register,
  simulator.register,
];

// Schedulers and scripts branch on these; the README's command sections say which command returns which.
const EXIT_CODES_HELP = `
Exit codes:
  ${EXIT.ok}   done
  ${EXIT.failure}   failed (Salesforce, the disk, or a bug); the message says which
  ${EXIT.usage}   bad usage or input; the message names it and how to fix it
  ${EXIT.driftRemains}   plan verify: drift remains
  ${EXIT.paused}  paused and resumable: run the same command again

Start with "sf-reconcile runbook list", or rehearse with "sf-reconcile drill".`;

/** Builds the full command tree. Exported so `runbook check` and tests can parse commands without running them. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('sf-reconcile')
    .description('Controlled, repeatable repair of Salesforce data after an integration incident.')
    .version(VERSION, '-V, --version')
    .addOption(new Option('--db <path>', 'state database file (default .sf-reconcile/state.db, or SF_RECONCILE_DB)'))
    .addOption(new Option('--config <path>', 'configuration file (default sf-reconcile.config.json)'))
    .option('--json', 'print machine-readable JSON on stdout')
    .option('--debug', 'show stack traces of internal errors')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    });
  for (const register of COMMAND_GROUPS) register(program, ctx);
  // Sub-commands inherit the output settings and the exit override.
  const configure = (cmd: Command) => {
    for (const sub of cmd.commands) {
      sub.exitOverride().configureOutput({
        writeOut: (s) => ctx.stdout.write(s),
        writeErr: (s) => ctx.stderr.write(s),
      });
      sub.showHelpAfterError('(run with --help for usage)');
      configure(sub);
    }
  };
  configure(program);
  return program;
}

/** Runs the CLI and returns the exit code; never throws. */
export async function run(
  argv: string[],
  io: Pick<CliContext, 'env' | 'cwd' | 'stdout' | 'stderr' | 'stdin'>,
): Promise<number> {
  let program: Command | undefined;
  const getGlobals = (): GlobalOptions => (program?.opts() as GlobalOptions | undefined) ?? {};
  const ctx = createCliContext({ ...io, getGlobals });
  const onSignal = () => ctx.abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    program = buildProgram(ctx);
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    return reportError(error, ctx, argv);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await ctx.dispose().catch(() => undefined);
  }
}

function reportError(error: unknown, ctx: CliContext, argv: string[]): number {
  if (error instanceof CommanderError) {
    // Help and version are exits 0; every other commander error is a usage error it has already printed.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) {
      return EXIT.ok;
    }
    return EXIT.usage;
  }
  const json = argv.includes('--json');
  const redact = (s: string) => redactSecrets(s, ctx.secrets);
  if (error instanceof ReconcileError) {
    if (json) ctx.stdout.write(`${redact(JSON.stringify({ error: error.toJSON() }, null, 2))}\n`);
    // A pause is how a resumable job stops (exit 75), not a failure: say it as such.
    const label = error.exitCode === EXIT.paused ? 'paused' : 'error';
    ctx.stderr.write(redact(`${label}: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ''}`));
    return error.exitCode;
  }
  const err = error instanceof Error ? error : new Error(String(error));
  const debug = argv.includes('--debug');
  if (json) {
    const body = { code: 'INTERNAL', exitCode: EXIT.failure, message: err.message };
    ctx.stdout.write(`${redact(JSON.stringify({ error: body }, null, 2))}\n`);
  }
  ctx.stderr.write(
    redact(
      `internal error: ${err.message}\n` +
        (debug ? `${err.stack ?? ''}\n` : 'hint: this is a bug in sf-reconcile: please report it (add --debug for the stack)\n'),
    ),
  );
  return EXIT.failure;
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // Output piped into a reader that stopped early (`| head`): the reader has what it wanted, so end quietly
  // instead of dying on an unhandled EPIPE with a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(process.exitCode ?? 0);
    });
  }
  const code = await run(process.argv.slice(2), {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
  });
  process.exitCode = code;
  // A lingering keep-alive socket must not hold a finished command open; unref'd so a normal exit wins.
  setTimeout(() => process.exit(code), 200).unref();
}

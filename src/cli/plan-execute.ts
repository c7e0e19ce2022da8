import type { Command } from 'commander';
import type { CliContext } from './context.js';

/** Registers `plan execute`, `plan verify` and `plan rollback` under the `plan` command (issue 6). */
export function registerExecuteCommands(_plan: Command, _ctx: CliContext): void {}

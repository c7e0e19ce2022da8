import type { Command } from 'commander';
import type { CliContext } from './context.js';

/** Registers the `events` command(s). */
export function register(_program: Command, _ctx: CliContext): void {}

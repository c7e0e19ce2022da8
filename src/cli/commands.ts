import type { Command } from 'commander';
import type { CliContext } from './context.js';

/**
 * One registration function per command group, each in its own file (files mirror the command tree).
 * Stages own their file; main.ts only calls this list.
 */
export type RegisterCommands = (program: Command, ctx: CliContext) => void;

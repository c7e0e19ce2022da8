import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command, Option } from 'commander';
import { UsageError } from '../errors.js';

export const REQUIRED_SECTIONS = [
  'Symptoms', 'Impact assessment', 'Immediate safety actions', 'Diagnosis', 'Decision points', 'Safe recovery',
  'Data repair', 'Communication', 'Ownership', 'Drill', 'Last reviewed',
] as const;

export interface Runbook {
  name: string;
  file: string;
  title: string;
  text: string;
}

/** The runbooks/ folder shipped with the tool (found from this file, in src/ or dist/src/). */
export function runbooksDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'runbooks')) && existsSync(join(dir, 'package.json'))) return join(dir, 'runbooks');
    dir = dirname(dir);
  }
  throw new UsageError('cannot find the runbooks/ folder next to sf-reconcile', { code: 'RUNBOOKS_MISSING' });
}

export function loadRunbooks(dir = runbooksDir()): Runbook[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      const title = /^#\s+(.+)$/m.exec(text)?.[1]?.replace(/^Runbook:\s*/, '') ?? f;
      return { name: f.replace(/\.md$/, ''), file: join(dir, f), title, text };
    });
}

export function findRunbook(name: string, dir?: string): Runbook {
  const all = loadRunbooks(dir);
  const found = all.find((r) => r.name === name.replace(/\.md$/, ''));
  if (found === undefined) throw new UsageError(`there is no runbook "${name}"`, { code: 'UNKNOWN_RUNBOOK', hint: `list them with "sf-reconcile runbook list" (${all.map((r) => r.name).join(', ')})` });
  return found;
}

/** Splits a command line like a shell does (quotes, no expansion). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | null = null;
  let has = false;
  for (const ch of line) {
    if (quote !== null) {
      if (ch === quote) quote = null;
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || word.length > 0) words.push(word);
      word = '';
      has = false;
    } else word += ch;
  }
  if (has || word.length > 0) words.push(word);
  return words;
}

/** The `sf-reconcile ...` lines of a runbook's shell blocks. */
export function citedCommands(text: string): { line: number; command: string }[] {
  const out: { line: number; command: string }[] = [];
  let inBlock = false;
  text.split('\n').forEach((l, i) => {
    if (/^```/.test(l.trim())) inBlock = !inBlock;
    else if (inBlock && l.trim().startsWith('sf-reconcile')) out.push({ line: i + 1, command: l.trim() });
  });
  return out;
}

function optionFor(cmd: Command, flag: string): Option | undefined {
  for (let c: Command | null = cmd; c !== null; c = c.parent) {
    const o = c.options.find((x) => x.long === flag || x.short === flag || x.long === flag.replace(/^--no-/, '--'));
    if (o !== undefined) return o;
  }
  return undefined;
}

/** Checks one cited command against the real command tree, without running it. Returns a problem or null. */
export function checkCommand(program: Command, words: readonly string[]): string | null {
  let cmd: Command = program;
  let i = 1; // words[0] is sf-reconcile
  while (i < words.length) {
    const sub = cmd.commands.find((c) => c.name() === words[i] || c.aliases().includes(words[i]!));
    if (sub === undefined) break;
    cmd = sub;
    i += 1;
  }
  if (cmd === program) return `unknown command "${words[1] ?? ''}"`;
  if (cmd.commands.length > 0) return `"${words.slice(0, i).join(' ')}" needs a subcommand (${cmd.commands.map((c) => c.name()).join(', ')})`;
  const positionals: string[] = [];
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith('-') && w.length > 1) {
      const [flag] = w.split('=');
      const option = optionFor(cmd, flag!);
      if (option === undefined) return `"${cmd.name()}" has no option ${flag}`;
      if ((option.required || option.optional) && !w.includes('=')) i += 1;
    } else positionals.push(w);
  }
  const args = (cmd as unknown as { registeredArguments: { required: boolean; variadic: boolean }[] }).registeredArguments;
  const required = args.filter((a) => a.required).length;
  if (positionals.length < required) return `"${cmd.name()}" needs ${required} argument(s), got ${positionals.length}`;
  if (!args.some((a) => a.variadic) && positionals.length > args.length) return `"${cmd.name()}" takes at most ${args.length} argument(s), got ${positionals.length}`;
  return null;
}

/** Every problem of every runbook: missing sections, commands that do not parse, drills that do not exist. */
export function checkRunbooks(runbooks: readonly Runbook[], program: Command, drillNames: readonly string[]): string[] {
  const problems: string[] = [];
  for (const rb of runbooks) {
    const headings = new Set([...rb.text.matchAll(/^##\s+(.+?)\s*$/gm)].map((m) => m[1]!));
    for (const s of REQUIRED_SECTIONS) if (!headings.has(s)) problems.push(`${rb.name}: missing section "## ${s}"`);
    for (const c of citedCommands(rb.text)) {
      const problem = checkCommand(program, shellWords(c.command));
      if (problem !== null) problems.push(`${rb.name}:${c.line}: ${problem}: ${c.command}`);
    }
    const drillSection = rb.text.split(/^## Drill\s*$/m)[1]?.split(/^## /m)[0] ?? '';
    const drills = [...drillSection.matchAll(/sf-reconcile drill ([\w-]+)/g)].map((m) => m[1]!);
    if (drills.length === 0) problems.push(`${rb.name}: the Drill section names no "sf-reconcile drill <scenario>"`);
    for (const d of drills) if (!drillNames.includes(d)) problems.push(`${rb.name}: drill "${d}" does not exist (known: ${drillNames.join(', ')})`);
  }
  return problems;
}

/** Markdown made readable in a terminal: headings bold and underlined on a TTY, code indented. */
export function renderForTerminal(text: string, color: boolean): string {
  let inCode = false;
  return text
    .split('\n')
    .map((l) => {
      if (/^```/.test(l)) {
        inCode = !inCode;
        return '';
      }
      // Commands stand out by their indent (copied as is: no markup stripped inside a code block).
      if (inCode) return `    ${l}`;
      const h = /^(#{1,3})\s+(.*)$/.exec(l);
      if (h) return color ? `\x1b[1;4m${h[2]}\x1b[0m` : `${h[2]}\n${'-'.repeat(h[2]!.length)}`;
      return l.replace(/\*\*(.+?)\*\*/g, color ? '\x1b[1m$1\x1b[0m' : '$1').replace(/`([^`]+)`/g, '$1');
    })
    .join('\n')
    .replace(/\n{3,}/g, '\n\n'); // a fence next to a blank line would leave two
}

import type { Writable } from 'node:stream';

/** Where a command's results go: JSON for machines (`--json`), text for people. */
export interface Output {
  readonly json: boolean;
  /** Prints the result: `value` as JSON with --json, else the text `human()` returns. */
  result(value: unknown, human: () => string): void;
  /** A line for people only (never with --json). */
  info(line: string): void;
  /** A warning on stderr, in both modes. */
  warn(line: string): void;
}

export function createOutput(options: { json: boolean; stdout: Writable; stderr: Writable }): Output {
  const { json, stdout, stderr } = options;
  return {
    json,
    result(value, human) {
      if (json) stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      else {
        const text = human();
        if (text.length > 0) stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      }
    },
    info(line) {
      if (!json) stdout.write(`${line}\n`);
    },
    warn(line) {
      stderr.write(`warning: ${line}\n`);
    },
  };
}

/** Pads columns for a plain-text table. */
export function formatTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  '))
    .join('\n');
}

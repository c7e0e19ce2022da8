import { hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { parse as parseStream } from 'csv-parse';
import { csvCell } from '../domain/csv-safe.js';
import type { PlanItem } from '../domain/plan.js';
import { InputError } from '../errors.js';

export const PLAN_CSV_COLUMNS = [
  'plan_id', 'item_id', 'object', 'external_id', 'sf_id', 'action', 'field', 'current_value', 'proposed_value',
  'last_modified_by', 'last_modified_date', 'reason', 'decision', 'row_hash',
] as const;

/** The cells of a plan item's rows as written (neutralised), without decision and row hash. */
export function planRows(planId: number, item: PlanItem): string[][] {
  if (item.action === 'none') return [];
  const common = (field: string, current: unknown, target: unknown) =>
    [planId, item.itemId, item.object, item.externalId, item.sfId, item.action, field, current, target, item.lastModifiedById, item.lastModifiedDate, item.reason].map(csvCell);
  if (item.changes.length === 0) return [common('', null, null)];
  return item.changes.map((c) => common(c.field, c.current, c.target));
}

/** Binds a row's content: any edited cell other than `decision` changes it. */
export function rowHash(cells: readonly string[]): string {
  // The one-shot hash: a Hash object per row costs more than the digest itself.
  return hash('sha256', JSON.stringify(cells), 'hex').slice(0, 16);
}

export interface ReviewedRow {
  line: number;
  cells: string[];
  decision: string;
  rowHash: string;
}

const REVIEW_HINT = 'export the plan again with "sf-reconcile plan export", change only the decision column, save as CSV';

function checkHeader(path: string, header: string[] | undefined): void {
  if (header === undefined || header.join(',') !== PLAN_CSV_COLUMNS.join(',')) {
    throw new InputError(`${path} is not a plan review CSV: its header must be ${PLAN_CSV_COLUMNS.join(',')}`, { file: path, hint: 'use the file written by "sf-reconcile plan export"' });
  }
}

function toReviewedRow(path: string, cells: string[], line: number): ReviewedRow {
  if (cells.length !== PLAN_CSV_COLUMNS.length) {
    throw new InputError(`${path} line ${line}: ${cells.length} cells instead of ${PLAN_CSV_COLUMNS.length} (a truncated or damaged file)`, { file: path, line });
  }
  return { line, cells: cells.slice(0, 12), decision: cells[12]!.trim().toLowerCase(), rowHash: cells[13]! };
}

function unreadable(path: string, error: unknown): InputError {
  const e = error as NodeJS.ErrnoException;
  // A file-system error (ENOENT, EISDIR...) carries the failed call; the parser's errors do not.
  if (e.syscall !== undefined) return new InputError(`cannot read the reviewed CSV ${path}: ${e.code ?? e.message}`, { file: path });
  return new InputError(`${path} is not a readable CSV: ${(error as Error).message}`, { file: path, hint: REVIEW_HINT });
}

const CSV_OPTIONS = { bom: true, skip_empty_lines: true, relax_column_count: true } as const;

/**
 * Reads a reviewed CSV as a stream, in bounded memory whatever its size: any row order, CRLF or LF, with or
 * without a BOM; anything else is an InputError naming the file (and the line where there is one).
 */
export async function* streamReviewedCsv(path: string): AsyncGenerator<ReviewedRow> {
  const input = createReadStream(path);
  const parser = parseStream(CSV_OPTIONS);
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  let index = 0;
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;
  for (;;) {
    let next: IteratorResult<string[]>;
    try {
      next = await records.next();
    } catch (error) {
      throw unreadable(path, error);
    }
    if (next.done === true) break;
    index += 1;
    // Spreadsheets save rows of empty cells below the data: nothing was reviewed there.
    if (index > 1 && next.value.every((cell) => cell.trim() === '')) continue;
    if (index === 1) checkHeader(path, next.value);
    else yield toReviewedRow(path, next.value, index);
  }
  if (index === 0) checkHeader(path, undefined);
}

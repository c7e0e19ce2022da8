import { createWriteStream } from 'node:fs';
import { lstat, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { stringify } from 'csv-stringify/sync';
import { csvCell } from '../domain/csv-safe.js';
import { EXIT, InputError, ReconcileError } from '../errors.js';

/** A CSV file being written row by row. */
export interface CsvWriter {
  write(row: readonly unknown[]): Promise<void>;
  /**
   * Appends rows already formatted as CSV (by csv-stringify, cells neutralised) elsewhere, e.g. on a worker
   * thread: `text` holds `rows` complete rows.
   */
  writeFormatted(text: string, rows: number): Promise<void>;
  /** Finishes the file; returns how many rows (without the header) it holds. */
  close(): Promise<number>;
  /** Stops and removes the partial file. */
  discard(): Promise<void>;
}

/**
 * Runs the work that fills a CSV opened before it (so a bad --out path fails first); when the work fails,
 * the partial file is removed and the work's error goes on.
 */
export async function discardOnFailure<T>(csv: CsvWriter | null, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    await csv?.discard();
    throw error;
  }
}

/** Rows formatted per csv-stringify call: one call per row costs more in overhead than the formatting. */
const ROWS_PER_WRITE = 1000;

/**
 * Opens a CSV file every command writes through: a path that cannot be written is an InputError naming it
 * (exit 2); every cell is neutralised against spreadsheet formulas (csvCell); rows are formatted by
 * csv-stringify a thousand at a time and written with backpressure, so memory stays bounded.
 */
export async function openCsv(path: string, columns: readonly string[], options: { bom?: boolean } = {}): Promise<CsvWriter> {
  const out = createWriteStream(path);
  await new Promise<void>((resolve, reject) => {
    out.once('open', () => resolve());
    out.once('error', (e) => reject(new InputError(`cannot write ${path}: ${e.message}`, { file: path, hint: 'check the --out path and that its folder exists' })));
  });
  // A write that fails once the file is open (a full disk): the stream emits 'error' and never 'drain', so
  // waiting on drain alone would hang. The first error is kept and thrown by the next write or close.
  let failure: ReconcileError | null = null;
  const failed = (e: Error) => new ReconcileError('OUTPUT_WRITE_FAILED', EXIT.failure, `cannot write ${path}: ${e.message}`, { hint: 'free space on that disk or choose another --out, then run the command again', cause: e });
  out.on('error', (e) => (failure ??= failed(e)));
  const put = async (text: string) => {
    if (failure !== null) throw failure;
    if (!out.write(text)) {
      await new Promise<void>((resolve) => {
        const settle = () => {
          out.off('drain', settle);
          out.off('error', settle);
          resolve();
        };
        out.on('drain', settle);
        out.on('error', settle);
      });
    }
    if (failure !== null) throw failure;
  };
  await put(`${options.bom ? '\uFEFF' : ''}${stringify([[...columns]])}`);
  let rows = 0;
  let pending: string[][] = [];
  return {
    async write(row) {
      pending.push(row.map(csvCell));
      rows += 1;
      if (pending.length >= ROWS_PER_WRITE) {
        await put(stringify(pending));
        pending = [];
      }
    },
    async writeFormatted(text, count) {
      if (pending.length > 0) await put(stringify(pending));
      pending = [];
      await put(text);
      rows += count;
    },
    async close() {
      if (pending.length > 0) await put(stringify(pending));
      out.end();
      try {
        await finished(out);
      } catch (error) {
        throw failure ?? failed(error as Error);
      }
      if (failure !== null) throw failure;
      return rows;
    },
    async discard() {
      out.destroy();
      // Only a file this writer made: never a device or a link such as /dev/stdout.
      const stat = await lstat(path).catch(() => null);
      if (stat?.isFile() === true) await rm(path, { force: true });
    },
  };
}

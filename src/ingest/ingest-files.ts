import { isUtf8 } from 'node:buffer';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse as parseCsvSync } from 'csv-parse/sync';
import type { IntegrationEvent } from '../domain/event.js';
import { InputError, UsageError } from '../errors.js';
import type { Progress } from '../cli/progress.js';
import {
  appendChunk,
  createIngestBatch,
  finishIngestBatch,
  QUARANTINE_RAW_LIMIT,
  type ChunkCounts,
  type EventToStore,
  type QuarantineEntry,
} from '../store/event-store.js';
import type { Store } from '../store/open-store.js';
import {
  checkCsvHeader,
  detectFormat,
  parseCanonicalLine,
  parseCloudEventLine,
  parseCsvRecord,
  type InputFormat,
  type LineResult,
} from './parse-line.js';

/** Lines longer than this are quarantined without being buffered whole. */
export const MAX_LINE_BYTES = 1024 * 1024;
/** Lines per transaction: large enough to amortise commits, small enough to bound memory. */
export const CHUNK_LINES = 5000;

export interface IngestDeps {
  store: Store;
  now(): Date;
  progress(label: string, total?: number): Progress;
  stdin: NodeJS.ReadableStream;
}

export interface FileResult extends ChunkCounts {
  file: string;
  batchId: number;
  format: InputFormat;
  gzip: boolean;
}

export interface IngestOptions {
  format?: InputFormat;
  /** Default source for events without one (else the file's base name, or `stdin`). */
  source?: string;
}

/** One physical line's bytes (without the newline), or a marker that it was too long. */
interface RawLine {
  line: number;
  bytes: Buffer;
  tooLong: boolean;
}

/** Splits a byte stream into lines with bounded memory; a line over MAX_LINE_BYTES is cut and flagged. */
async function* readLines(stream: AsyncIterable<Buffer>): AsyncGenerator<RawLine> {
  let parts: Buffer[] = [];
  let partBytes = 0;
  let tooLong = false;
  let line = 0;
  const flush = (): RawLine => {
    line += 1;
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, partBytes);
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    const out = { line, bytes, tooLong };
    parts = [];
    partBytes = 0;
    tooLong = false;
    return out;
  };
  for await (const chunk of stream) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      if (end > start) {
        if (partBytes + (end - start) > MAX_LINE_BYTES) {
          // Keep only a prefix for the quarantine; drop the rest of this line as it streams by.
          if (!tooLong) {
            const room = Math.max(0, QUARANTINE_RAW_LIMIT - partBytes);
            parts.push(Buffer.from(chunk.subarray(start, start + room)));
            partBytes += room;
          }
          tooLong = true;
        } else if (!tooLong) {
          parts.push(chunk.subarray(start, end));
          partBytes += end - start;
        }
      }
      if (nl === -1) break;
      yield flush();
      start = nl + 1;
    }
    // Parts may point into `chunk`; copy them so the stream can reuse its buffer.
    if (parts.length > 0) {
      const joined = Buffer.concat(parts, partBytes);
      parts = [joined];
    }
  }
  if (partBytes > 0 || tooLong) yield flush();
}

/** Opens a file or stdin and transparently gunzips it when it starts with gzip's magic bytes. */
async function openInput(path: string, stdin: NodeJS.ReadableStream): Promise<{ stream: AsyncIterable<Buffer>; gzip: boolean }> {
  const raw: Readable = path === '-' ? (stdin as Readable) : createReadStream(path, { highWaterMark: 1 << 20 });
  const iterator = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const first = await iterator.next();
  const firstChunk = first.done === true ? Buffer.alloc(0) : Buffer.isBuffer(first.value) ? first.value : Buffer.from(first.value);
  const rest = new PassThrough({ highWaterMark: 1 << 20 });
  void (async () => {
    try {
      rest.write(firstChunk);
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) break;
        if (!rest.write(next.value)) await new Promise((r) => rest.once('drain', r));
      }
      rest.end();
    } catch (error) {
      rest.destroy(error as Error);
    }
  })();
  const gzip = firstChunk.length >= 2 && firstChunk[0] === 0x1f && firstChunk[1] === 0x8b;
  if (!gzip) return { stream: rest, gzip };
  const gunzip = createGunzip();
  rest.pipe(gunzip);
  rest.on('error', (e) => gunzip.destroy(e));
  return { stream: gunzip, gzip };
}

function rawText(bytes: Buffer): string {
  return bytes.subarray(0, QUARANTINE_RAW_LIMIT).toString('utf8');
}

/** Checks every input before anything is written, so a missing file records no batch at all. */
export function checkInputs(paths: readonly string[]): void {
  if (paths.length === 0) throw new UsageError('ingest needs at least one file, or - for standard input');
  if (paths.filter((p) => p === '-').length > 1) throw new UsageError('standard input (-) can be read only once');
  for (const path of paths) {
    if (path === '-') continue;
    let isFile = false;
    try {
      isFile = statSync(path).isFile();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new InputError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message}`, {
        code: 'INPUT_UNREADABLE',
        file: path,
        hint: 'check the path; nothing was ingested',
      });
    }
    if (!isFile) {
      throw new InputError(`cannot read ${path}: not a regular file`, { code: 'INPUT_UNREADABLE', file: path, hint: 'pass event log files, not folders' });
    }
  }
}

/** Ingests one file (or `-`): every line is stored, counted as a duplicate, or quarantined with a reason. */
export async function ingestFile(deps: IngestDeps, path: string, options: IngestOptions = {}): Promise<FileResult> {
  let input: Awaited<ReturnType<typeof openInput>>;
  try {
    input = await openInput(path, deps.stdin);
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${(error as Error).message}`, { code: 'INPUT_UNREADABLE', file: path });
  }
  const fileLabel = path === '-' ? 'stdin' : path;
  const defaultSource = options.source ?? (path === '-' ? 'stdin' : basename(path));
  const totalBytes = path === '-' || input.gzip ? undefined : statSync(path).size;
  const progress = deps.progress(`ingest ${basename(fileLabel)}`, totalBytes);

  let format: InputFormat | undefined = options.format;
  let batchId = 0;
  const counts: ChunkCounts = { read: 0, accepted: 0, duplicate: 0, rejected: 0 };
  let events: EventToStore[] = [];
  let rejected: QuarantineEntry[] = [];
  let csvHeader: string[] | null = null;
  let csvPending: { line: number; text: string } | null = null;

  const ensureBatch = async () => {
    if (batchId === 0) batchId = await createIngestBatch(deps.store.db, fileLabel, format ?? 'jsonl', deps.now());
  };
  const flush = async () => {
    await ensureBatch();
    if (events.length === 0 && rejected.length === 0) return;
    const added = await appendChunk(deps.store, batchId, events, rejected);
    counts.read += added.read;
    counts.accepted += added.accepted;
    counts.duplicate += added.duplicate;
    counts.rejected += added.rejected;
    events = [];
    rejected = [];
  };
  const take = (line: number, raw: string, result: LineResult) => {
    if (result.ok) {
      events.push({ event: result.event, fieldsJson: JSON.stringify(result.event.fields), file: fileLabel, line });
    }
    else rejected.push({ file: fileLabel, line, raw: raw.slice(0, QUARANTINE_RAW_LIMIT), reason: result.reason });
  };
  const handleCsvRecord = (line: number, text: string) => {
    let cells: string[];
    try {
      cells = (parseCsvSync(text, { relax_column_count: true, relax_quotes: false }) as string[][])[0] ?? [];
    } catch (error) {
      rejected.push({ file: fileLabel, line, raw: text.slice(0, QUARANTINE_RAW_LIMIT), reason: `invalid CSV: ${(error as Error).message}` });
      return;
    }
    if (csvHeader === null) {
      const problem = checkCsvHeader(cells);
      if (problem !== null) {
        throw new InputError(`${fileLabel} line ${line}: ${problem}`, { file: fileLabel, line, hint: 'fix the header row; nothing was ingested from this file' });
      }
      csvHeader = cells;
      return;
    }
    take(line, text, parseCsvRecord(csvHeader, cells, defaultSource));
  };

  let bytesSeen = 0;
  let lastTickAt = 0;
  for await (const raw of readLines(input.stream)) {
    bytesSeen += raw.bytes.length + 1;
    if (raw.bytes.length === 0 && !raw.tooLong) continue; // blank lines are not events
    if (raw.tooLong) {
      rejected.push({ file: fileLabel, line: raw.line, raw: rawText(raw.bytes), reason: `line is longer than ${MAX_LINE_BYTES} bytes (1 MiB)` });
    } else if (!isUtf8(raw.bytes)) {
      rejected.push({ file: fileLabel, line: raw.line, raw: raw.bytes.subarray(0, QUARANTINE_RAW_LIMIT).toString('latin1'), reason: 'line is not valid UTF-8' });
    } else {
      let text = raw.bytes.toString('utf8');
      if (raw.line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      format ??= detectFormat(text);
      if (format === 'jsonl') take(raw.line, text, parseCanonicalLine(text, defaultSource));
      else if (format === 'cloudevents') take(raw.line, text, parseCloudEventLine(text, defaultSource));
      else {
        // A quoted CSV cell may hold newlines: keep joining lines while a quote is open.
        const joined: { line: number; text: string } = csvPending === null ? { line: raw.line, text } : { line: csvPending.line, text: `${csvPending.text}\n${text}` };
        if ((joined.text.split('"').length - 1) % 2 === 1 && joined.text.length < MAX_LINE_BYTES) csvPending = joined;
        else {
          csvPending = null;
          handleCsvRecord(joined.line, joined.text);
        }
      }
    }
    if (events.length + rejected.length >= CHUNK_LINES) {
      await flush();
      if (bytesSeen - lastTickAt > 0) {
        progress.tick(totalBytes === undefined ? CHUNK_LINES : bytesSeen - lastTickAt);
        lastTickAt = bytesSeen;
      }
    }
  }
  if (csvPending !== null) {
    const pending = csvPending as { line: number; text: string };
    rejected.push({ file: fileLabel, line: pending.line, raw: pending.text.slice(0, QUARANTINE_RAW_LIMIT), reason: 'CSV record ends inside a quoted cell (unbalanced quote)' });
  }
  format ??= 'jsonl';
  await flush();
  await finishIngestBatch(deps.store.db, batchId, deps.now());
  progress.done();
  return { file: fileLabel, batchId, format, gzip: input.gzip, ...counts };
}

export interface IngestResult {
  files: FileResult[];
  total: ChunkCounts;
}

export async function ingestFiles(deps: IngestDeps, paths: readonly string[], options: IngestOptions = {}): Promise<IngestResult> {
  checkInputs(paths);
  const files: FileResult[] = [];
  for (const path of paths) files.push(await ingestFile(deps, path, options));
  const total = files.reduce<ChunkCounts>(
    (t, f) => ({ read: t.read + f.read, accepted: t.accepted + f.accepted, duplicate: t.duplicate + f.duplicate, rejected: t.rejected + f.rejected }),
    { read: 0, accepted: 0, duplicate: 0, rejected: 0 },
  );
  return { files, total };
}

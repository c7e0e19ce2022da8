import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError, PausedError, UsageError } from '../errors.js';
import type { Progress } from '../cli/progress.js';
import { appendPackedChunk, createIngestBatch, finishIngestBatch, type ChunkCounts } from '../store/event-store.js';
import type { Store } from '../store/open-store.js';
import { openInput } from './open-input.js';
import { CHUNK_LINES, InputParser, MAX_LINE_BYTES, type ParsedChunk } from './parse-input.js';
import type { InputFormat } from './parse-line.js';
import type { ParseWorkerData, ParseWorkerMessage, SerializedError } from './parse-worker.js';

export { CHUNK_LINES, MAX_LINE_BYTES };

/** Inputs at least this large are parsed on a worker thread; below it, starting the thread costs more than it saves. */
export const WORKER_MIN_BYTES = 1024 * 1024;
/** Chunks the parser thread may have ready before the writer stores them: the overlap, and the memory bound. */
const MAX_AHEAD = 2;
// The compiled worker; absent when running from TypeScript sources (vitest), where parsing stays in-process.
const WORKER_URL = new URL('./parse-worker.js', import.meta.url);

export interface IngestDeps {
  store: Store;
  now(): Date;
  progress(label: string, total?: number): Progress;
  stdin: NodeJS.ReadableStream;
  /** SIGINT/SIGTERM: stop after the chunk being stored (exit 75); a rerun completes the file. */
  signal?: AbortSignal;
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
  /** Parse on a worker thread: `auto` (default) for stdin and inputs of WORKER_MIN_BYTES or more. */
  thread?: 'auto' | 'worker' | 'main';
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

/** A parsed input: whether it was gzip, then its chunks in order. */
interface ParsedInput {
  gzip: boolean;
  chunks: AsyncGenerator<ParsedChunk>;
}

/** Parses on this thread: small inputs, and runs from TypeScript sources. */
async function parseHere(path: string, stdin: NodeJS.ReadableStream, data: ParseWorkerData): Promise<ParsedInput> {
  const input = await openInput(path, stdin);
  async function* chunks(): AsyncGenerator<ParsedChunk> {
    const ready: ParsedChunk[] = [];
    const parser = new InputParser(data.parser, (chunk) => ready.push(chunk));
    for await (const bytes of input.chunks) {
      parser.write(bytes);
      while (ready.length > 0) yield ready.shift()!;
    }
    parser.end();
    while (ready.length > 0) yield ready.shift()!;
  }
  return { gzip: input.gzip, chunks: chunks() };
}

function rebuildError(e: SerializedError): Error {
  if (e.reconcile !== undefined) {
    const r = e.reconcile;
    return new InputError(e.message, { code: r.code, ...(r.hint ? { hint: r.hint } : {}), ...(r.file ? { file: r.file } : {}), ...(r.line ? { line: r.line } : {}) });
  }
  const error = new Error(`ingest parser thread: ${e.message}`);
  if (e.stack !== undefined) error.stack = e.stack;
  return error;
}

/** Parses on a worker thread, which runs ahead of the writer by at most MAX_AHEAD chunks. */
async function parseOnWorker(path: string, stdin: NodeJS.ReadableStream, data: ParseWorkerData): Promise<ParsedInput> {
  // A small young generation: the thread's live data is a chunk or two, and every MB here is resident memory.
  const worker = new Worker(WORKER_URL, { workerData: data, stdin: path === '-', resourceLimits: { maxYoungGenerationSizeMb: 8 } });
  if (path === '-' && worker.stdin !== null) stdin.pipe(worker.stdin);
  const queue: ParseWorkerMessage[] = [];
  let wake: (() => void) | null = null;
  let exited = false;
  const push = (m: ParseWorkerMessage) => {
    queue.push(m);
    wake?.();
  };
  worker.on('message', push);
  worker.on('error', (error) => push({ kind: 'error', error: { message: error.message, ...(error.stack ? { stack: error.stack } : {}) } }));
  worker.on('exit', () => {
    exited = true;
    wake?.();
  });
  const next = async (): Promise<ParseWorkerMessage> => {
    while (queue.length === 0) {
      if (exited) return { kind: 'error', error: { message: 'stopped before the end of the input' } };
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
    return queue.shift()!;
  };
  const stop = () => {
    if (path === '-' && worker.stdin !== null) stdin.unpipe(worker.stdin);
    void worker.terminate();
  };
  const opened = await next();
  if (opened.kind !== 'opened') {
    stop();
    throw opened.kind === 'error' ? rebuildError(opened.error) : new Error(`ingest parser thread: unexpected ${opened.kind}`);
  }
  async function* chunks(): AsyncGenerator<ParsedChunk> {
    try {
      for (;;) {
        const m = await next();
        if (m.kind === 'end') return;
        if (m.kind === 'error') throw rebuildError(m.error);
        if (m.kind !== 'chunk') continue;
        yield m.chunk;
        worker.postMessage('ack'); // stored: the parser may run ahead again
      }
    } finally {
      stop();
    }
  }
  return { gzip: opened.gzip, chunks: chunks() };
}

/** Ingests one file (or `-`): every line is stored, counted as a duplicate, or quarantined with a reason. */
export async function ingestFile(deps: IngestDeps, path: string, options: IngestOptions = {}): Promise<FileResult> {
  const fileLabel = path === '-' ? 'stdin' : path;
  const size = path === '-' ? undefined : statSync(path).size;
  const data: ParseWorkerData = {
    path,
    parser: {
      file: fileLabel,
      defaultSource: options.source ?? (path === '-' ? 'stdin' : basename(path)),
      ...(options.format === undefined ? {} : { format: options.format }),
    },
    maxAhead: MAX_AHEAD,
  };
  const thread = options.thread ?? 'auto';
  const worker = thread === 'worker' || (thread === 'auto' && (size === undefined || size >= WORKER_MIN_BYTES) && existsSync(fileURLToPath(WORKER_URL)));
  const input = worker ? await parseOnWorker(path, deps.stdin, data) : await parseHere(path, deps.stdin, data);

  const totalBytes = input.gzip ? undefined : size;
  const progress = deps.progress(`ingest ${basename(fileLabel)}`, totalBytes);
  let format: InputFormat | undefined = options.format;
  let batchId = 0;
  const counts: ChunkCounts = { read: 0, accepted: 0, duplicate: 0, rejected: 0 };
  let shown = 0;
  try {
    for await (const chunk of input.chunks) {
      format ??= chunk.format;
      // The batch row is written with the first chunk: a file that cannot be read or parsed records none.
      if (batchId === 0) batchId = await createIngestBatch(deps.store.db, fileLabel, format ?? 'jsonl', deps.now());
      if (chunk.events.length > 0 || chunk.rejected.length > 0) {
        const added = await appendPackedChunk(deps.store, batchId, chunk.events, chunk.rejected);
        counts.read += added.read;
        counts.accepted += added.accepted;
        counts.duplicate += added.duplicate;
        counts.rejected += added.rejected;
      }
      const done = totalBytes === undefined ? chunk.lines : chunk.bytes;
      progress.tick(done - shown);
      shown = done;
      if (deps.signal?.aborted === true) {
        throw new PausedError(`ingest of ${fileLabel} stopped on request after ${counts.read} lines (${counts.accepted} stored)`, {
          code: 'INGEST_INTERRUPTED',
          hint: 'run the same ingest again: the stored lines count as duplicates and the rest is added',
        });
      }
    }
  } finally {
    progress.done();
  }
  await finishIngestBatch(deps.store.db, batchId, deps.now());
  return { file: fileLabel, batchId, format: format ?? 'jsonl', gzip: input.gzip, ...counts };
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

/**
 * The ingest's parser thread: reads one input (a file, or stdin piped in by the main thread), gunzips it,
 * splits, decodes and validates its lines, and posts chunks of packed events to the main thread, which
 * stores them. Parsing and SQLite's inserts then run on the machine's two cores at once.
 *
 * At most `maxAhead` chunks are posted and not yet stored: the reader waits for the main thread's acks, so
 * memory stays bounded whatever the input's size.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ReconcileError } from '../errors.js';
import { openInput } from './open-input.js';
import { InputParser, type InputParserOptions, type ParsedChunk } from './parse-input.js';

export interface ParseWorkerData {
  path: string;
  parser: InputParserOptions;
  maxAhead: number;
}

export type ParseWorkerMessage =
  | { kind: 'opened'; gzip: boolean }
  | { kind: 'chunk'; chunk: ParsedChunk }
  | { kind: 'end' }
  | { kind: 'error'; error: SerializedError };

export interface SerializedError {
  message: string;
  stack?: string;
  /** Set for our typed errors, so the main thread can rebuild them. */
  reconcile?: { name: string; code: string; hint?: string; file?: string; line?: number };
}

export function serializeError(error: unknown): SerializedError {
  const e = error instanceof Error ? error : new Error(String(error));
  if (!(e instanceof ReconcileError)) return { message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
  const located = e as ReconcileError & { file?: string; line?: number };
  return {
    message: e.message,
    reconcile: {
      name: e.name,
      code: e.code,
      ...(e.hint === undefined ? {} : { hint: e.hint }),
      ...(located.file === undefined ? {} : { file: located.file }),
      ...(located.line === undefined ? {} : { line: located.line }),
    },
  };
}

async function main(port: NonNullable<typeof parentPort>, data: ParseWorkerData): Promise<void> {
  let inFlight = 0;
  let wake: (() => void) | null = null;
  port.on('message', () => {
    inFlight -= 1;
    wake?.();
  });
  const post = (message: ParseWorkerMessage) => port.postMessage(message);
  try {
    const input = await openInput(data.path, process.stdin);
    post({ kind: 'opened', gzip: input.gzip });
    const parser = new InputParser(data.parser, (chunk) => {
      inFlight += 1;
      post({ kind: 'chunk', chunk });
    });
    for await (const bytes of input.chunks) {
      parser.write(bytes);
      while (inFlight >= data.maxAhead) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
    parser.end();
    post({ kind: 'end' });
  } catch (error) {
    post({ kind: 'error', error: serializeError(error) });
  }
  port.unref();
}

if (parentPort !== null) await main(parentPort, workerData as ParseWorkerData);

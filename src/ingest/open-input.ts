import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from '../errors.js';

export interface OpenedInput {
  /** The input's bytes, gunzipped when it is gzip. A read error surfaces as an InputError. */
  chunks: AsyncIterable<Buffer>;
  gzip: boolean;
}

function unreadable(label: string, error: unknown, gzip: boolean, started: boolean): InputError {
  const e = error as NodeJS.ErrnoException;
  const why =
    e.code === 'ENOENT' ? 'no such file'
    : e.code === 'EACCES' ? 'permission denied'
    : e.code === 'EISDIR' ? 'not a regular file'
    : gzip && (e.code?.startsWith('Z_') === true || /unexpected end of file|incorrect header|invalid/i.test(e.message)) ? `gzip data is corrupt or truncated (${e.message})`
    : e.message;
  return new InputError(`cannot read ${label}: ${why}`, {
    code: 'INPUT_UNREADABLE',
    file: label,
    hint: started
      ? 'the lines before the damage are stored; repair or fetch the file again and re-run the same ingest (what is stored is not added twice)'
      : 'check the path; nothing was ingested from it',
  });
}

/**
 * Opens a file (or `-`: the given stdin) and gunzips it when it starts with gzip's magic bytes (1f 8b),
 * whatever its name. Reads 1 MiB at a time; memory stays bounded by the stream's buffers.
 */
export async function openInput(path: string, stdin: NodeJS.ReadableStream): Promise<OpenedInput> {
  const label = path === '-' ? 'stdin' : path;
  const raw: AsyncIterable<Buffer | string> = path === '-' ? stdin : createReadStream(path, { highWaterMark: 1 << 20 });
  const iterator = raw[Symbol.asyncIterator]();
  let first: IteratorResult<Buffer | string>;
  try {
    first = await iterator.next();
  } catch (error) {
    throw unreadable(label, error, false, false);
  }
  const toBuffer = (v: Buffer | string) => (typeof v === 'string' ? Buffer.from(v) : v);
  const head = first.done === true ? Buffer.alloc(0) : toBuffer(first.value);
  async function* bytes(): AsyncGenerator<Buffer> {
    try {
      if (head.length > 0) yield head;
      if (first.done === true) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) return;
        yield toBuffer(next.value);
      }
    } finally {
      // Stopped early (an error, an interrupt): close the file.
      if (path !== '-') await iterator.return?.();
    }
  }
  const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  let source: AsyncIterable<Buffer> = bytes();
  if (gzip) {
    // pipeline, not pipe: a read error must reach the gunzip stream, so the reader below sees it.
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    pipeline(Readable.from(source), gunzip, () => undefined);
    source = gunzip;
  }
  async function* checked(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of source) yield chunk;
    } catch (error) {
      throw unreadable(label, error, gzip, true);
    }
  }
  return { chunks: checked(), gzip };
}

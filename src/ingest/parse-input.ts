import { isUtf8 } from 'node:buffer';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { InputError } from '../errors.js';
import { packEvent, QUARANTINE_RAW_LIMIT, type PackedEvents, type QuarantineEntry } from '../store/event-store.js';
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
/** Lines per chunk (one transaction each): large enough to amortise commits, small enough to bound memory. */
export const CHUNK_LINES = 5000;

/** What the parser hands to the writer: one transaction's worth of lines. */
export interface ParsedChunk {
  /** Events that passed validation (still to be checked against the store for duplicates). */
  events: PackedEvents;
  /** Lines rejected by the parser, with their reasons. */
  rejected: QuarantineEntry[];
  /** Input bytes (after gunzip) consumed so far. */
  bytes: number;
  /** Lines (or CSV records) consumed so far, blank lines excluded. */
  lines: number;
  /** The format given or detected; undefined while only blank lines were seen. */
  format: InputFormat | undefined;
}

export interface InputParserOptions {
  /** How the file is named in provenance and quarantine (`stdin` for -). */
  file: string;
  /** Source for events that carry none. */
  defaultSource: string;
  /** Forced format; detected from the first non-blank line otherwise. */
  format?: InputFormat;
  chunkLines?: number;
}

/**
 * Turns a byte stream (fed in pieces of any size) into chunks of parsed events and quarantined lines, with
 * bounded memory: a line over MAX_LINE_BYTES is cut to its first QUARANTINE_RAW_LIMIT bytes as it streams by.
 * No I/O: the ingest shell (or its worker thread) feeds bytes and stores the chunks.
 *
 * Lines are split on bytes, so invalid UTF-8 is caught per line. Fast path: a run of complete lines that is
 * valid UTF-8 as a whole is decoded once and split as text; only a run holding bad bytes is split line by line.
 */
export class InputParser {
  private readonly file: string;
  private readonly defaultSource: string;
  private readonly chunkLines: number;
  private readonly emit: (chunk: ParsedChunk) => void;
  private detected: InputFormat | undefined;

  private carry: Buffer[] = [];
  private carryBytes = 0;
  private tooLong = false;
  private lineNo = 0;
  private bytes = 0;
  private lines = 0;
  private events: PackedEvents = [];
  private rejected: QuarantineEntry[] = [];
  private pending = 0;
  private csvHeader: string[] | null = null;
  private csvPending: { line: number; text: string } | null = null;

  constructor(options: InputParserOptions, emit: (chunk: ParsedChunk) => void) {
    this.file = options.file;
    this.defaultSource = options.defaultSource;
    this.detected = options.format;
    this.chunkLines = options.chunkLines ?? CHUNK_LINES;
    this.emit = emit;
  }

  /** The format given or detected so far (undefined until the first non-blank line). */
  get format(): InputFormat | undefined {
    return this.detected;
  }

  write(chunk: Buffer): void {
    this.bytes += chunk.length;
    let start = 0;
    if (this.carryBytes > 0 || this.tooLong) {
      const nl = chunk.indexOf(0x0a);
      if (nl === -1) {
        this.keep(chunk, 0, chunk.length);
        return;
      }
      this.keep(chunk, 0, nl);
      const bytes = this.carry.length === 1 ? this.carry[0]! : Buffer.concat(this.carry, this.carryBytes);
      const tooLong = this.tooLong;
      this.carry = [];
      this.carryBytes = 0;
      this.tooLong = false;
      this.byteLine(bytes, tooLong);
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(0x0a);
    if (last >= start) {
      this.run(chunk.subarray(start, last));
      start = last + 1;
    }
    if (start < chunk.length) this.keep(chunk, start, chunk.length);
  }

  /** Finishes the input: the last line without a newline, an unclosed CSV quote, and the final chunk. */
  end(): void {
    if (this.carryBytes > 0 || this.tooLong) {
      const bytes = Buffer.concat(this.carry, this.carryBytes);
      this.byteLine(bytes, this.tooLong);
      this.carry = [];
      this.carryBytes = 0;
      this.tooLong = false;
    }
    if (this.csvPending !== null) {
      const p = this.csvPending;
      this.csvPending = null;
      this.reject(p.line, p.text, 'CSV record ends inside a quoted cell (unbalanced quote)');
    }
    this.flush();
  }

  /** Keeps the start of an unfinished line; past MAX_LINE_BYTES only a prefix for the quarantine. */
  private keep(chunk: Buffer, from: number, to: number): void {
    if (to <= from || this.tooLong) return;
    if (this.carryBytes + (to - from) > MAX_LINE_BYTES) {
      const room = Math.max(0, QUARANTINE_RAW_LIMIT - this.carryBytes);
      this.carry.push(Buffer.from(chunk.subarray(from, from + room)));
      this.carryBytes += room;
      this.tooLong = true;
      return;
    }
    // A copy: the stream may reuse the chunk's memory.
    this.carry.push(Buffer.from(chunk.subarray(from, to)));
    this.carryBytes += to - from;
  }

  /** Complete lines without their last newline. */
  private run(bytes: Buffer): void {
    if (isUtf8(bytes)) {
      for (const text of bytes.toString('utf8').split('\n')) this.textLine(text);
      return;
    }
    let start = 0;
    for (;;) {
      const nl = bytes.indexOf(0x0a, start);
      const end = nl === -1 ? bytes.length : nl;
      this.byteLine(bytes.subarray(start, end), false);
      if (nl === -1) break;
      start = nl + 1;
    }
  }

  /** One line's bytes (without the newline); `tooLong` when only its start was kept. */
  private byteLine(bytes: Buffer, tooLong: boolean): void {
    if (tooLong || !isUtf8(bytes)) {
      this.lineNo += 1;
      this.lines += 1;
      if (tooLong) this.reject(this.lineNo, bytes.toString('utf8'), `line is longer than ${MAX_LINE_BYTES} bytes (1 MiB)`);
      else this.reject(this.lineNo, bytes.subarray(0, QUARANTINE_RAW_LIMIT).toString('latin1'), 'line is not valid UTF-8');
      return;
    }
    this.textLine(bytes.toString('utf8'));
  }

  private textLine(raw: string): void {
    this.lineNo += 1;
    let text = raw.charCodeAt(raw.length - 1) === 0x0d ? raw.slice(0, -1) : raw;
    if (this.lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    // Blank (or whitespace-only) lines are not events.
    if (text.length === 0 || (text.charCodeAt(0) <= 0x20 && text.trim().length === 0)) return;
    // Only a line that may be over the limit pays for counting its bytes.
    if (text.length * 3 > MAX_LINE_BYTES && Buffer.byteLength(text) > MAX_LINE_BYTES) {
      this.lines += 1;
      this.reject(this.lineNo, text.slice(0, QUARANTINE_RAW_LIMIT), `line is longer than ${MAX_LINE_BYTES} bytes (1 MiB)`);
      return;
    }
    const format = (this.detected ??= detectFormat(text));
    if (format === 'jsonl') {
      this.lines += 1;
      this.take(this.lineNo, text, parseCanonicalLine(text, this.defaultSource));
    } else if (format === 'cloudevents') {
      this.lines += 1;
      this.take(this.lineNo, text, parseCloudEventLine(text, this.defaultSource));
    } else {
      // A quoted CSV cell may hold newlines: keep joining lines while a quote is open.
      const joined = this.csvPending === null ? { line: this.lineNo, text } : { line: this.csvPending.line, text: `${this.csvPending.text}\n${text}` };
      if ((joined.text.split('"').length - 1) % 2 === 1 && joined.text.length < MAX_LINE_BYTES) {
        this.csvPending = joined;
        return;
      }
      this.csvPending = null;
      this.csvRecord(joined.line, joined.text);
    }
  }

  private csvRecord(line: number, text: string): void {
    let cells: string[];
    try {
      cells = (parseCsvSync(text, { relax_column_count: true, relax_quotes: false }) as string[][])[0] ?? [];
    } catch (error) {
      if (this.csvHeader === null) this.badHeader(line, `the CSV header does not parse: ${(error as Error).message}`);
      this.lines += 1;
      this.reject(line, text, `invalid CSV: ${(error as Error).message}`);
      return;
    }
    if (this.csvHeader === null) {
      const problem = checkCsvHeader(cells);
      if (problem !== null) this.badHeader(line, problem);
      this.csvHeader = cells;
      return;
    }
    this.lines += 1;
    this.take(line, text, parseCsvRecord(this.csvHeader, cells, this.defaultSource));
  }

  private badHeader(line: number, problem: string): never {
    throw new InputError(`${this.file} line ${line}: ${problem}`, {
      code: 'INPUT_CSV_HEADER',
      file: this.file,
      line,
      hint: 'fix the header row; nothing was ingested from this file',
    });
  }

  private take(line: number, text: string, result: LineResult): void {
    if (result.ok) {
      packEvent(this.events, result.event, JSON.stringify(result.event.fields), this.file, line);
      this.pending += 1;
      if (this.pending >= this.chunkLines) this.flush();
    } else this.reject(line, text, result.reason);
  }

  private reject(line: number, raw: string, reason: string): void {
    this.rejected.push({ file: this.file, line, raw: raw.slice(0, QUARANTINE_RAW_LIMIT), reason });
    this.pending += 1;
    if (this.pending >= this.chunkLines) this.flush();
  }

  private flush(): void {
    const chunk: ParsedChunk = { events: this.events, rejected: this.rejected, bytes: this.bytes, lines: this.lines, format: this.detected };
    this.events = [];
    this.rejected = [];
    this.pending = 0;
    this.emit(chunk);
  }
}

import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { InputParser, MAX_LINE_BYTES, type ParsedChunk } from '../../src/ingest/parse-input.js';
import { PACKED_WIDTH, QUARANTINE_RAW_LIMIT } from '../../src/store/event-store.js';

const event = (i: number, name = `Acme ${i}`) =>
  JSON.stringify({
    id: `evt-${i}`, time: '2026-11-20T14:00:00.000Z', object: 'Account', externalId: `B-${i}`, op: 'upsert',
    fields: { Name: name }, status: 'delivered',
  });

/** Feeds `bytes` to a parser in pieces of `piece` bytes and returns what it stored: ids and rejections. */
function parse(bytes: Buffer, piece = bytes.length, chunkLines = 1000) {
  const chunks: ParsedChunk[] = [];
  const parser = new InputParser({ file: 'f.jsonl', defaultSource: 'f.jsonl', chunkLines }, (c) => chunks.push(c));
  for (let i = 0; i < bytes.length; i += piece) parser.write(bytes.subarray(i, i + piece));
  parser.end();
  const events: { id: string; line: number; fieldsJson: string }[] = [];
  for (const c of chunks) {
    for (let i = 0; i < c.events.length; i += PACKED_WIDTH) {
      events.push({ id: c.events[i + 1] as string, fieldsJson: c.events[i + 11] as string, line: c.events[i + 13] as number });
    }
  }
  return { chunks, events, rejected: chunks.flatMap((c) => c.rejected), format: parser.format };
}

describe('InputParser', () => {
  const mixed = Buffer.concat([
    Buffer.from('\uFEFF'), // a byte-order mark before the first line
    Buffer.from(`${event(1, 'Zoë Ångström 東京')}\r\n`),
    Buffer.from('\n   \n'), // blank lines are skipped but numbered
    Buffer.from('{"broken\n'),
    Buffer.concat([Buffer.from('{"id":"x","v":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]),
    Buffer.from(`${event(2)}\n`),
    Buffer.from(`${event(3)}`), // no final newline
  ]);

  it('gives the same result however the bytes are split (multi-byte characters cut in half included)', () => {
    const whole = parse(mixed);
    expect(whole.format).toBe('jsonl');
    expect(whole.events.map((e) => [e.id, e.line])).toEqual([['evt-1', 1], ['evt-2', 6], ['evt-3', 7]]);
    expect(JSON.parse(whole.events[0]!.fieldsJson)).toEqual({ Name: 'Zoë Ångström 東京' });
    expect(whole.rejected.map((r) => [r.line, r.reason.split(':')[0]])).toEqual([
      [4, 'invalid JSON'],
      [5, 'line is not valid UTF-8'],
    ]);
    for (const piece of [1, 2, 3, 7, 64]) {
      const split = parse(mixed, piece);
      expect(split.events, `pieces of ${piece}`).toEqual(whole.events);
      expect(split.rejected, `pieces of ${piece}`).toEqual(whole.rejected);
    }
  });

  it('cuts a line over 1 MiB to a bounded prefix as it streams, and goes on with the next line', () => {
    const long = `{"id":"huge","pad":"${'x'.repeat(MAX_LINE_BYTES + 100)}"}`;
    for (const piece of [1000, 65536, 1 << 20, 3 << 20]) {
      const r = parse(Buffer.from(`${event(1)}\n${long}\n${event(2)}\n`), piece);
      expect(r.events.map((e) => e.line)).toEqual([1, 3]);
      expect(r.rejected).toHaveLength(1);
      expect(r.rejected[0]).toMatchObject({ line: 2, reason: 'line is longer than 1048576 bytes (1 MiB)' });
      expect(r.rejected[0]!.raw.length).toBeLessThanOrEqual(QUARANTINE_RAW_LIMIT);
      expect(r.rejected[0]!.raw.startsWith('{"id":"huge"')).toBe(true);
    }
  });

  it('accepts a line of exactly 1 MiB', () => {
    const base = event(1);
    const padded = `${base.slice(0, -1)},"error":"${'e'.repeat(MAX_LINE_BYTES - base.length - 11)}"}`;
    expect(Buffer.byteLength(padded)).toBe(MAX_LINE_BYTES);
    expect(parse(Buffer.from(`${padded}\n`), 4096).events).toHaveLength(1);
  });

  it('emits a chunk every chunkLines lines, counting rejected lines, and reports bytes and lines consumed', () => {
    const lines = Array.from({ length: 25 }, (_, i) => (i % 5 === 4 ? 'nope' : event(i)));
    const text = `${lines.join('\n')}\n`;
    const r = parse(Buffer.from(text), 100, 10);
    expect(r.chunks.map((c) => c.events.length / PACKED_WIDTH + c.rejected.length)).toEqual([10, 10, 5]);
    expect(r.chunks.at(-1)).toMatchObject({ bytes: Buffer.byteLength(text), lines: 25, format: 'jsonl' });
    expect(r.rejected).toHaveLength(5);
  });

  it('an empty input yields one empty chunk and no format', () => {
    const r = parse(Buffer.alloc(0));
    expect(r.chunks).toEqual([{ events: [], rejected: [], bytes: 0, lines: 0, format: undefined }]);
  });

  it('joins a quoted CSV cell that spans lines, across pieces, and rejects a row with the wrong cell count', () => {
    const csv = Buffer.from(
      'id,time,object,externalId,op,status,fields.Description\n' +
        'c1,2026-11-20T14:00:00Z,Account,B-1,upsert,delivered,"first\nsecond ""quoted"""\n' +
        'c2,2026-11-20T14:00:00Z,Account,B-2,upsert,delivered\n' +
        'c3,2026-11-20T14:00:00Z,Account,B-3,update,failed,#N/A\n',
    );
    for (const piece of [5, csv.length]) {
      const r = parse(csv, piece);
      expect(r.format).toBe('csv');
      expect(r.events.map((e) => [e.id, e.line, JSON.parse(e.fieldsJson)])).toEqual([
        ['c1', 2, { Description: 'first\nsecond "quoted"' }],
        ['c3', 5, { Description: null }],
      ]);
      expect(r.rejected.map((q) => [q.line, q.reason])).toEqual([[4, 'CSV row has 6 cells, the header has 7']]);
    }
  });

  it('refuses a CSV header that cannot describe events, naming the file and line', () => {
    expect(() => parse(Buffer.from('a,b\n1,2\n'))).toThrow(InputError);
    expect(() => parse(Buffer.from('\nid,time,object\n'))).toThrow('f.jsonl line 2: CSV header lacks the column "externalId"');
  });
});

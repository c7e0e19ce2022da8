import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import type { PlanItem } from '../../src/domain/plan.js';
import { estimatePlan } from '../../src/plan/estimate.js';
import { hashPlan, type PlanHeader } from '../../src/plan/hash-plan.js';
import { writePlanCsv } from '../../src/plan/export-plan.js';
import { PLAN_CSV_COLUMNS, planRows, rowHash, streamReviewedCsv, type ReviewedRow } from '../../src/plan/plan-csv.js';

/** The reviewed rows as approve reads them: streamed. */
async function readReviewedCsv(path: string): Promise<ReviewedRow[]> {
  const rows: ReviewedRow[] = [];
  for await (const row of streamReviewedCsv(path)) rows.push(row);
  return rows;
}
import { checkReview } from '../../src/plan/review-rules.js';
import { aPlanItem } from '../support/builders.js';
import { tempDir } from '../support/cli.js';

const header: PlanHeader = { id: 7, incidentId: 3, snapshotId: 4, createdBy: 'carol', createdAt: '2026-11-20T16:00:00.000Z', configHash: 'abc' };

const items: PlanItem[] = [
  aPlanItem({ itemId: 1, changes: [{ field: 'Name', current: 'Acme Corp', target: '=HYPERLINK("http://x","y")' }, { field: 'Phone', current: '+1 555 0100', target: '-5' }] }),
  aPlanItem({ itemId: 2, action: 'none', reasonCode: 'IN_SYNC', changes: [] }),
  aPlanItem({ itemId: 3, externalId: 'B-1003', action: 'delete', reasonCode: 'ENDS_IN_DELETE', changes: [] }),
  aPlanItem({ itemId: 4, externalId: '@SUM(A1)', sfId: null, action: 'replay', reasonCode: 'LOST_EVENTS', changes: [{ field: 'Name', current: null, target: 'Ça va\tbien' }], replay: [{ eventId: 'e9', fields: { Name: 'Ça va\tbien' } }] }),
];

async function* each<T>(xs: readonly T[]): AsyncGenerator<T> {
  for (const x of xs) yield x;
}

/** Exports `items` as plan 7 and returns the file's text and the parsed rows (header first). */
async function exported(dir: string, excel = false): Promise<{ file: string; text: string; rows: string[][] }> {
  const file = join(dir, excel ? 'plan-excel.csv' : 'plan.csv');
  const written = await writePlanCsv(file, 7, each(items), { excel });
  const text = readFileSync(file, 'utf8');
  const rows = parse(text, { bom: true }) as string[][];
  expect(rows.length - 1).toBe(written);
  return { file, text, rows };
}

describe('plan hash', () => {
  it('is independent of key order and changes with any stored value or header field', () => {
    const h = hashPlan(header, items);
    const reordered = items.map((i) => Object.fromEntries(Object.entries(i).reverse()) as unknown as PlanItem);
    expect(hashPlan({ configHash: 'abc', createdAt: header.createdAt, createdBy: 'carol', snapshotId: 4, incidentId: 3, id: 7 }, reordered)).toBe(h);
    expect(hashPlan(header, [items[0]!, { ...items[1]!, reason: `${items[1]!.reason} ` }, items[2]!, items[3]!])).not.toBe(h);
    expect(hashPlan({ ...header, createdBy: 'dave' }, items)).not.toBe(h);
    expect(hashPlan(header, [items[1]!, items[0]!, items[2]!, items[3]!])).not.toBe(h);
    expect(hashPlan(header, items)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('plan CSV export', () => {
  it('writes one row per field change (none left out, a delete as one row), formulas neutralised, values intact in the plan', async () => {
    const { rows } = await exported(tempDir());
    expect(rows[0]).toEqual([...PLAN_CSV_COLUMNS]);
    expect(rows.slice(1).map((r) => [r[1], r[5], r[6], r[7], r[8]])).toEqual([
      ['1', 'patch', 'Name', 'Acme Corp', `'=HYPERLINK("http://x","y")`],
      ['1', 'patch', 'Phone', "'+1 555 0100", "'-5"],
      ['3', 'delete', '', '', ''],
      ['4', 'replay', 'Name', '', 'Ça va\tbien'],
    ]);
    expect(rows[4]![3]).toBe("'@SUM(A1)");
    for (const row of rows.slice(1)) {
      for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
      expect(row[12]).toBe('');
      expect(row[13]).toBe(rowHash(row.slice(0, 12)));
    }
    expect(items[0]!.changes[0]!.target).toBe('=HYPERLINK("http://x","y")');
  });

  it('--excel starts the file with a UTF-8 byte-order mark; without it there is none', async () => {
    const dir = tempDir();
    const plain = readFileSync((await exported(dir)).file);
    const excel = readFileSync((await exported(dir, true)).file);
    expect([...excel.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(plain[0]).toBe('p'.charCodeAt(0));
    expect(excel.subarray(3).equals(plain)).toBe(true);
  });

  it('an unwritable --out path is an input error naming the path', async () => {
    const out = join(tempDir(), 'no-such-folder', 'plan.csv');
    await expect(writePlanCsv(out, 7, each(items))).rejects.toMatchObject({ name: 'InputError', message: expect.stringContaining(out) as unknown as string });
  });
});

describe('reviewed CSV', () => {
  /** Re-saves the export as a spreadsheet would: all cells quoted, CRLF, a BOM, rows in another order. */
  function resave(dir: string, rows: string[][], edit: (body: string[][]) => void = () => {}): string {
    const body = rows.slice(1).map((r) => [...r]);
    edit(body);
    const file = join(dir, `reviewed-${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(file, `\uFEFF${stringify([rows[0]!, ...body.reverse()], { quoted: true, record_delimiter: '\r\n' })}`);
    return file;
  }

  it('accepts a spreadsheet re-save that changed only the decision column; reject leaves the whole item out', async () => {
    const dir = tempDir();
    const { rows } = await exported(dir);
    const file = resave(dir, rows, (body) => {
      body.find((r) => r[1] === '1' && r[6] === 'Phone')![12] = ' Reject ';
      body.find((r) => r[1] === '3')![12] = 'approve';
    });
    const review = checkReview(7, items, await readReviewedCsv(file));
    expect(review).toEqual({ excluded: [1], problems: [] });
  });

  it('accepts LF, CRLF, with and without BOM alike, and rows of empty cells a spreadsheet saved below the data', async () => {
    const dir = tempDir();
    const { text } = await exported(dir);
    const padded = `${text.replace(/\r?\n/g, '\r\n')},,,,,,,,,,,,,\r\n${',,'.repeat(7)}\r\n`;
    for (const variant of [text, text.replace(/\r?\n/g, '\r\n'), `\uFEFF${text}`, `\uFEFF${text.replace(/\r?\n/g, '\r\n')}`, padded]) {
      const file = join(dir, 'variant.csv');
      writeFileSync(file, variant);
      expect(checkReview(7, items, await readReviewedCsv(file))).toEqual({ excluded: [], problems: [] });
    }
  });

  it('names each edited, missing, added or duplicated row, and a decision it does not know', async () => {
    const dir = tempDir();
    const { rows } = await exported(dir);
    const file = resave(dir, rows, (body) => {
      body.find((r) => r[6] === 'Phone')![8] = "'-6"; // proposed value
      body.find((r) => r[1] === '3')![12] = 'maybe';
      const i = body.findIndex((r) => r[1] === '4');
      body.splice(i, 1); // missing
      body.push([...body[0]!.slice(0, 6), 'Website', ...body[0]!.slice(7)]); // added
      body.push([...body[0]!]); // duplicated
    });
    const { problems, excluded } = checkReview(7, items, await readReviewedCsv(file));
    expect(excluded).toEqual([]);
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/item 1 was edited \(proposed_value\); only the decision column may change/);
    expect(problems.join('\n')).toMatch(/decision must be empty \(approve\) or "reject" \(got "maybe"\)/);
    expect(problems.join('\n')).toMatch(/item 4 field "Name" is missing from the reviewed CSV/);
    expect(problems.join('\n')).toMatch(/a row the plan does not have \(item 1, field "Website"\)/);
    expect(problems.join('\n')).toMatch(/item 1 field "Name" appears twice/);
  });

  it('a changed row hash alone is refused; so is a CSV of another plan', async () => {
    const dir = tempDir();
    const { rows } = await exported(dir);
    const forged = resave(dir, rows, (body) => {
      body[0]![13] = '0000000000000000';
    });
    expect(checkReview(7, items, await readReviewedCsv(forged)).problems).toEqual([expect.stringMatching(/was edited \(row_hash\)/)]);
    const other = resave(dir, rows, (body) => {
      for (const r of body) r[0] = '8';
    });
    expect(checkReview(7, items, await readReviewedCsv(other)).problems).toEqual([expect.stringMatching(/belongs to plan 8, not plan 7/)]);
  });

  it('a truncated file, another header, or not CSV at all is an input error with the file and how to fix it', async () => {
    const dir = tempDir();
    const { text } = await exported(dir);
    const cases: [string, string, RegExp][] = [
      ['truncated.csv', text.slice(0, text.lastIndexOf(',') - 3), /line \d+: \d+ cells instead of 14 \(a truncated or damaged file\)/],
      ['header.csv', text.replace('proposed_value', 'new_value'), /is not a plan review CSV: its header must be/],
      ['binary.csv', '\x00\x01\x02 "unterminated', /is not a readable CSV|is not a plan review CSV/],
      ['empty.csv', '', /is not a plan review CSV/],
    ];
    for (const [name, content, message] of cases) {
      const file = join(dir, name);
      writeFileSync(file, content);
      let error: unknown;
      try {
        await readReviewedCsv(file);
      } catch (e) {
        error = e;
      }
      expect(error, name).toMatchObject({ name: 'InputError', message: expect.stringMatching(message) as unknown as string });
      expect((error as Error).message, name).toContain(file);
    }
    await expect(readReviewedCsv(join(dir, 'absent.csv'))).rejects.toThrow(/cannot read the reviewed CSV .*ENOENT/);
  });
});

describe('planRows', () => {
  it('binds every cell but the decision: the same item gives the same rows and hashes, any change another hash', () => {
    const [row] = planRows(7, items[0]!);
    expect(planRows(7, items[0]!)[0]).toEqual(row);
    expect(rowHash(row!)).toBe(rowHash([...row!]));
    expect(rowHash(planRows(7, { ...items[0]!, reason: 'other' })[0]!)).not.toBe(rowHash(row!));
    expect(rowHash(planRows(8, items[0]!)[0]!)).not.toBe(rowHash(row!));
  });
});

describe('estimatePlan', () => {
  it('counts sObject Collections calls of 200 with their freshness reads, and the time at the configured rate', () => {
    const e = estimatePlan({ upsert: 450, update: 200, delete: 0 }, { requestsPerSecond: 2 });
    // upserts: 3 batches, updates: 1 batch; one freshness read before each batch.
    expect(e).toMatchObject({ collectionsCalls: 4, freshnessReads: 4, bulkJobs: 0, apiCalls: 8, seconds: 4, method: { upsert: 'collections', update: 'collections' } });
  });

  it('switches a kind of write to Bulk API 2.0 jobs above the threshold, and honours a smaller batch size', () => {
    const e = estimatePlan({ upsert: 0, update: 50_000, delete: 10 }, { requestsPerSecond: 10, bulkIngestThreshold: 10_000, batchSize: 100 });
    expect(e.method).toEqual({ update: 'bulk', delete: 'collections' });
    expect(e.bulkJobs).toBe(5); // jobs of 10,000 records
    expect(e.collectionsCalls).toBe(1);
    expect(e.freshnessReads).toBe(5 + 1);
    expect(e.apiCalls).toBe(1 + 6 + 5 * 7);
    expect(e.apiCalls).toBeLessThan(estimatePlan({ upsert: 0, update: 50_000, delete: 10 }, { requestsPerSecond: 10, bulkIngestThreshold: 100_000 }).apiCalls);
  });

  it('an empty plan costs nothing', () => {
    expect(estimatePlan({ upsert: 0, update: 0, delete: 0 }, { requestsPerSecond: 10 })).toMatchObject({ apiCalls: 0, seconds: 0 });
  });
});

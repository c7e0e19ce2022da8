import { existsSync, readFileSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCsv } from '../../src/files/csv-writer.js';
import { tempDir } from '../support/cli.js';

describe('openCsv', () => {
  it('writes rows through csv-stringify with formulas neutralised, a header first', async () => {
    const file = join(tempDir('csv-'), 'out.csv');
    const csv = await openCsv(file, ['a', 'b']);
    await csv.write(['=1+1', 'x,y']);
    await csv.writeFormatted('p,q\n', 1);
    expect(await csv.close()).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe(`a,b\n'=1+1,"x,y"\np,q\n`);
  });

  it.runIf(existsSync('/dev/full'))('a write that fails once the file is open (a full disk) is one error with exit 1, not a hang', async () => {
    const csv = await openCsv('/dev/full', ['a', 'b']);
    const writing = (async () => {
      for (let i = 0; i < 100_000; i++) await csv.write([`row ${i}`, 'y'.repeat(40)]);
      return csv.close();
    })();
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('hung')), 10_000));
    await expect(Promise.race([writing, timeout])).rejects.toMatchObject({ code: 'OUTPUT_WRITE_FAILED', exitCode: 1, message: expect.stringMatching(/^cannot write \/dev\/full: ENOSPC/) as unknown as string });
  });

  it('discard removes the partial file it wrote, never what a link points through', async () => {
    const dir = tempDir('csv-');
    const partial = join(dir, 'partial.csv');
    const a = await openCsv(partial, ['a']);
    await a.write(['1']);
    await a.discard();
    expect(existsSync(partial)).toBe(false);
    const target = join(dir, 'target.csv');
    writeFileSync(target, '');
    const link = join(dir, 'link.csv');
    symlinkSync(target, link);
    const b = await openCsv(link, ['a']);
    await b.discard();
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });
});

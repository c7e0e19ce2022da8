import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlanItem } from '../../src/domain/plan.js';
import { approvePlan } from '../../src/plan/approve-plan.js';
import { hashPlan } from '../../src/plan/hash-plan.js';
import { writePlanCsv } from '../../src/plan/export-plan.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { insertPlanHeader, insertPlanItems, iteratePlanItems, latestApproval, sealPlan } from '../../src/store/plan-store.js';
import { aPlanItem } from '../support/builders.js';
import { tempDir } from '../support/cli.js';

let store: Store;
beforeEach(async () => {
  store = await openStore(':memory:');
});
afterEach(async () => {
  await store.close();
});

/** A sealed plan of n items over several of the approval's pages (2,000 items each); every 7th is `none`. */
async function bigPlan(n: number): Promise<number> {
  const header = { incidentId: 1, snapshotId: 1, createdBy: 'carol', createdAt: '2026-11-20T16:00:00.000Z', configHash: 'cfg' };
  const items: PlanItem[] = Array.from({ length: n }, (_, i) =>
    aPlanItem({ itemId: i + 1, externalId: `B-${i + 1}`, ...(i % 7 === 6 ? { action: 'none' as const, changes: [] } : { changes: [{ field: 'Name', current: `Old ${i}`, target: `New ${i}` }, { field: 'Phone', current: null, target: `${i}` }] }) }),
  );
  const id = await insertPlanHeader(store.db, header);
  await insertPlanItems(store.db, id, items);
  await sealPlan(store.db, id, hashPlan({ id, ...header }, items), { items: n, byAction: {}, byObject: {}, fieldChanges: 0, writes: { upsert: 0, update: n, delete: 0 } }, {}, 'carol', header.createdAt);
  return id;
}

const scratchRows = () => store.sqlite!.prepare('SELECT count(*) FROM review_rows').pluck().get();

describe.each([
  ['SQLite fast path', false],
  ['portable kysely path', true],
])('plan approve --reviewed on a plan of several pages (%s)', (_name, portable) => {
  const approver = () => (portable ? { db: store.db } : store);
  it('matches rows in any order across pages, leaves the rejected items out, and keeps no scratch rows', async () => {
    const planId = await bigPlan(4500);
    const dir = tempDir();
    const csv = join(dir, 'plan.csv');
    await writePlanCsv(csv, planId, iteratePlanItems(store.db, planId));
    const [header, ...rows] = readFileSync(csv, 'utf8').trim().split('\n');
    rows.reverse(); // a spreadsheet sorted the other way
    const reject = (item: number) => {
      const i = rows.findIndex((r) => r.startsWith(`${planId},${item},`));
      rows[i] = rows[i]!.replace(/,,([0-9a-f]{16})$/, ',reject,$1');
    };
    [1, 2001, 4500].forEach(reject);
    writeFileSync(join(dir, 'reviewed.csv'), [header, ...rows].join('\r\n'));
    const approved = await approvePlan(approver(), planId, { by: 'dave', reviewedCsv: join(dir, 'reviewed.csv'), allowSelfApproval: false, force: false }, new Date());
    expect(approved.excluded).toEqual([1, 2001, 4500]);
    expect((await latestApproval(store.db, planId))!.excludedItems).toEqual([1, 2001, 4500]);
    expect(scratchRows()).toBe(0);
  });

  it('names an edit on a later page, a row whose item is not a number, one beyond the plan, one for an item that writes nothing, and a missing row', async () => {
    const planId = await bigPlan(4500);
    const dir = tempDir();
    const csv = join(dir, 'plan.csv');
    await writePlanCsv(csv, planId, iteratePlanItems(store.db, planId));
    const [header, ...rows] = readFileSync(csv, 'utf8').trim().split('\n');
    const at = (item: number, field: string) => rows.findIndex((r) => r.startsWith(`${planId},${item},`) && r.split(',')[6] === field);
    rows[at(3001, 'Name')] = rows[at(3001, 'Name')]!.replace('New 3000', 'New 3000!');
    const template = rows[at(5, 'Name')]!;
    rows.push(template.replace(`${planId},5,`, `${planId},x5,`), template.replace(`${planId},5,`, `${planId},9999,`), template.replace(`${planId},5,`, `${planId},7,`));
    rows.splice(at(4499, 'Phone'), 1);
    writeFileSync(join(dir, 'reviewed.csv'), [header, ...rows].join('\n'));
    const error = await approvePlan(approver(), planId, { by: 'dave', reviewedCsv: join(dir, 'reviewed.csv'), allowSelfApproval: false, force: false }, new Date()).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'InputError', code: 'REVIEW_REFUSED' });
    const problems = (error as { details: { problems: string[] } }).details.problems;
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/item 3001 was edited \(proposed_value\)/);
    expect(problems.join('\n')).toMatch(/a row the plan does not have \(item 7, field "Name"\)/);
    expect(problems.join('\n')).toMatch(/a row the plan does not have \(item x5, field "Name"\)/);
    expect(problems.join('\n')).toMatch(/a row the plan does not have \(item 9999, field "Name"\)/);
    expect(problems.join('\n')).toMatch(/item 4499 field "Phone" is missing from the reviewed CSV/);
    expect(await latestApproval(store.db, planId)).toBeNull();
    expect(scratchRows()).toBe(0);
  });
});

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { runCli, tempDir } from '../support/cli.js';
import { event, storeEvents } from '../support/scenario.js';
import { startTestOrg, type TestOrg } from '../support/simulator.js';

const HOUR = 3600_000;
const t = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
let org: TestOrg;
let dir: string;
let env: Record<string, string>;
let incidentId: string;

async function cli(args: string[]) {
  return runCli(args, { cwd: dir, env });
}

beforeAll(async () => {
  org = await startTestOrg();
  dir = tempDir();
  const db = join(dir, 'state.db');
  env = { ...org.env, SF_RECONCILE_DB: db };
  const store = await openStore(db);
  await storeEvents(store, [
    event({ externalId: 'B-1001', time: t(1.5 * HOUR), fields: { Name: '=HYPERLINK("http://x","y")' } }),
    event({ externalId: 'B-1002', time: t(1.5 * HOUR), status: 'failed', fields: { Name: 'Northern Trail Cycling', Phone: '555-0199' } }),
    event({ externalId: 'B-1003', time: t(1.5 * HOUR), fields: { Name: 'Trailblazers' } }),
    event({ externalId: 'NEW-1', time: t(1.5 * HOUR), status: 'unknown', fields: { Name: 'Never arrived' } }),
  ]);
  await store.close();
  incidentId = (await cli(['incident', 'open', '--name', 'plan test', '--from', t(2 * HOUR), '--to', t(HOUR)])).stdout.trim();
  const scan = await cli(['scan', incidentId, '--no-sf-scan']);
  expect(scan.code, scan.stderr).toBe(0);
});
afterAll(async () => {
  await org.stop();
});

async function newPlan(by = 'carol') {
  const r = await cli(['plan', 'create', incidentId, '--by', by, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { planId: number; hash: string; totals: { byAction: Record<string, number> } };
}

async function exportPlan(planId: number, file: string, extra: string[] = []) {
  const r = await cli(['plan', 'export', String(planId), '--out', file, ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return readFileSync(join(dir, file), 'utf8');
}

/** Re-saves a CSV the way a spreadsheet does: every cell quoted, CRLF, a BOM, rows reordered. */
function spreadsheetSave(text: string, edit: (rows: string[][]) => void): string {
  const rows = parse(text, { bom: true }) as string[][];
  edit(rows);
  const [header, ...body] = rows;
  return `\uFEFF${stringify([header!, ...body.reverse()], { quoted: true, record_delimiter: '\r\n' })}`;
}

// Each CLI call is a fresh Node process (1.5 s of CPU to start, more on the shared 2-core machine): 8 to 12 calls a test.
describe('plan create, export and approve', { timeout: 180_000 }, () => {
  it('creates an immutable plan with decisions and an estimate, and shows it', async () => {
    const plan = await newPlan();
    // B-1002's only write failed and Salesforce holds its seeded values: a replay of that write.
    expect(plan.totals.byAction).toEqual({ patch: 1, replay: 2, none: 1 });
    const show = await cli(['plan', 'show', String(plan.planId), '--json']);
    const shown = JSON.parse(show.stdout) as { status: string; hash: string; items: { reasonCode: string }[] };
    expect(shown.status).toBe('created');
    expect(shown.hash).toBe(plan.hash);
    expect(shown.items.map((i) => i.reasonCode).sort()).toEqual(['LOST_EVENTS', 'LOST_EVENTS', 'OVERWRITTEN_WITHOUT_EVENT']);
  });

  it('round-trips a spreadsheet-edited CSV: only the decision column, re-quoted, CRLF, BOM; formulas inert in the CSV, intact in the plan', async () => {
    const plan = await newPlan();
    const csv = await exportPlan(plan.planId, 'review.csv', ['--excel']);
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv).toContain(`'=HYPERLINK(""http://x"",""y"")`);
    const rows = parse(csv, { bom: true }) as string[][];
    for (const row of rows.slice(1)) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    const rejectedItem = rows.find((r) => r[3] === 'NEW-1')![1]!;
    writeFileSync(join(dir, 'reviewed.csv'), spreadsheetSave(csv, (all) => {
      for (const r of all) if (r[1] === rejectedItem) r[12] = 'reject';
    }));
    const approve = await cli(['plan', 'approve', String(plan.planId), '--by', 'dave', '--reviewed', 'reviewed.csv', '--json']);
    expect(approve.code, approve.stderr).toBe(0);
    expect(JSON.parse(approve.stdout)).toMatchObject({ excluded: [Number(rejectedItem)], hash: plan.hash });
    const db = new BetterSqlite3(env.SF_RECONCILE_DB!, { readonly: true });
    const stored = db.prepare("SELECT item_json FROM plan_items WHERE plan_id = ? AND external_id = 'B-1001'").get(plan.planId) as { item_json: string };
    db.close();
    expect(JSON.parse(stored.item_json).changes[0].target).toBe('=HYPERLINK("http://x","y")');
    const twice = await cli(['plan', 'approve', String(plan.planId), '--by', 'erin']);
    expect([twice.code, twice.stderr.split('\n')[0]]).toEqual([2, `error: plan ${plan.planId} is already approved`]);
  });

  it('plan create --out writes the review CSV plan export writes, journals the export, and it approves', async () => {
    const created = await cli(['plan', 'create', incidentId, '--by', 'carol', '--out', 'one-pass.csv', '--excel', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const plan = JSON.parse(created.stdout) as { planId: number; csvRows: number; out: string };
    expect(plan.out).toBe('one-pass.csv');
    const onePass = readFileSync(join(dir, 'one-pass.csv'), 'utf8');
    expect(onePass.startsWith('\uFEFF')).toBe(true);
    expect(onePass).toBe(await exportPlan(plan.planId, 'exported.csv', ['--excel']));
    expect(plan.csvRows).toBe(onePass.trim().split('\n').length - 1);
    const shown = JSON.parse((await cli(['plan', 'show', String(plan.planId), '--json'])).stdout) as { status: string; journal: { status: string; details: { out?: string } }[] };
    expect(shown.status).toBe('created');
    expect(shown.journal.map((j) => j.status)).toEqual(['created', 'exported', 'exported']);
    expect(shown.journal[1]!.details.out).toBe('one-pass.csv');
    const approve = await cli(['plan', 'approve', String(plan.planId), '--by', 'dave', '--reviewed', 'one-pass.csv']);
    expect(approve.code, approve.stderr).toBe(0);
    // A CSV that cannot be written: nothing is created, no file is left behind.
    const before = await cli(['plan', 'show', String(plan.planId + 1)]);
    expect(before.code).toBe(2);
    const bad = await cli(['plan', 'create', incidentId, '--by', 'carol', '--out', 'no-such-dir/plan.csv']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toMatch(/^error: cannot write no-such-dir\/plan\.csv/);
    expect((await cli(['plan', 'show', String(plan.planId + 1)])).code).toBe(2);
    if (existsSync('/dev/full')) {
      // A disk that fills up while the CSV is written: exit 1, one message that says the plan exists and how
      // to get its CSV; the device is left alone (only a file the writer made is removed).
      const full = await cli(['plan', 'create', incidentId, '--by', 'carol', '--out', '/dev/full']);
      expect(full.code).toBe(1);
      expect(full.stderr.split('\n')[0]).toMatch(new RegExp(`^error: plan ${plan.planId + 1} was created, but cannot write /dev/full: ENOSPC`));
      expect(full.stderr).toContain(`plan export ${plan.planId + 1} --out`);
      expect(full.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect((await cli(['plan', 'show', String(plan.planId + 1)])).code).toBe(0);
      expect(existsSync('/dev/full')).toBe(true);
      const exportFull = await cli(['plan', 'export', String(plan.planId + 1), '--out', '/dev/full']);
      expect([exportFull.code, exportFull.stderr.split('\n')[0]]).toEqual([1, expect.stringMatching(/^error: cannot write \/dev\/full: ENOSPC/)]);
    }
  });

  it('refuses tampered reviews, each with exit 2 and one clear message, and approves nothing', async () => {
    const plan = await newPlan();
    const csv = await exportPlan(plan.planId, 'tamper.csv');
    const other = await newPlan();
    const otherCsv = await exportPlan(other.planId, 'other.csv');
    const cases: [string, string, RegExp][] = [
      ['other plan', otherCsv, new RegExp(`belongs to plan ${other.planId}, not plan ${plan.planId}`)],
      ['edited value', spreadsheetSave(csv, (r) => { r[1]![8] = 'Changed'; }), /was edited \(proposed_value\)/],
      ['missing row', spreadsheetSave(csv, (r) => { r.splice(1, 1); }), /is missing from the reviewed CSV/],
      ['added row', spreadsheetSave(csv, (r) => { r.push([...r[1]!.slice(0, 6), 'Extra__c', ...r[1]!.slice(7)]); }), /a row the plan does not have/],
      ['truncated', csv.slice(0, Math.floor(csv.length * 0.7)), /truncated or damaged|not a readable CSV|is missing from/],
      ['not CSV', '\x00\x01binary junk "unterminated', /not a plan review CSV|not a readable CSV/],
    ];
    for (const [name, content, message] of cases) {
      writeFileSync(join(dir, `${name}.csv`), content);
      const r = await cli(['plan', 'approve', String(plan.planId), '--by', 'dave', '--reviewed', `${name}.csv`]);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const status = JSON.parse((await cli(['plan', 'show', String(plan.planId), '--json'])).stdout) as { status: string };
    expect(status.status).toBe('created');
  });

  it('enforces four eyes, refuses a rejected plan, and a plan older than the latest scan unless --force', async () => {
    const plan = await newPlan('carol');
    const self = await cli(['plan', 'approve', String(plan.planId), '--by', 'carol']);
    expect([self.code, self.stderr]).toEqual([2, expect.stringContaining('carol created plan') as unknown as string]);
    const rejected = await newPlan();
    await cli(['plan', 'reject', String(rejected.planId), '--by', 'dave', '--reason', 'wrong window']);
    const approveRejected = await cli(['plan', 'approve', String(rejected.planId), '--by', 'dave']);
    expect([approveRejected.code, approveRejected.stderr.split('\n')[0]]).toEqual([2, `error: plan ${rejected.planId} was rejected; a rejected plan cannot be approved`]);

    const older = await newPlan();
    expect((await cli(['scan', incidentId, '--no-sf-scan'])).code).toBe(0);
    const stale = await cli(['plan', 'approve', String(older.planId), '--by', 'dave']);
    expect(stale.code).toBe(2);
    expect(stale.stderr).toMatch(/was scanned again/);
    const forced = await cli(['plan', 'approve', String(older.planId), '--by', 'dave', '--force', '--json']);
    expect(forced.code, forced.stderr).toBe(0);
    const journal = (JSON.parse((await cli(['plan', 'show', String(older.planId), '--json'])).stdout) as { journal: { status: string; details: Record<string, unknown> }[] }).journal;
    expect(journal.find((j) => j.status === 'approved')!.details.forced).toBe(true);
    const selfAllowed = await cli(['plan', 'approve', String(plan.planId), '--by', 'carol', '--allow-self-approval', '--force', '--json']);
    expect(selfAllowed.code, selfAllowed.stderr).toBe(0);
  });

  it('detects a plan changed in the database after creation (hash mismatch)', async () => {
    const plan = await newPlan();
    const db = new BetterSqlite3(env.SF_RECONCILE_DB!);
    db.prepare("UPDATE plan_items SET item_json = replace(item_json, 'Trailblazers', 'Hacked') WHERE plan_id = ?").run(plan.planId);
    db.prepare("UPDATE plan_items SET item_json = replace(item_json, 'Never arrived', 'Hacked') WHERE plan_id = ?").run(plan.planId);
    db.close();
    const r = await cli(['plan', 'approve', String(plan.planId), '--by', 'dave', '--force']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/changed after it was created: its hash no longer matches/);
  });
});

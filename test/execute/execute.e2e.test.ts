import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_PROGRESS } from '../../src/cli/progress.js';
import { parseConfig, loadConfig } from '../../src/config/config.js';
import { approvePlan } from '../../src/plan/approve-plan.js';
import { createPlan } from '../../src/plan/create-plan.js';
import { connectSalesforce, readCredentials } from '../../src/salesforce/index.js';
import { scanIncident } from '../../src/scan/scan-incident.js';
import { createIncident } from '../../src/store/incident-store.js';
import { openStore } from '../../src/store/open-store.js';
import { CLI, runCli, tempDir } from '../support/cli.js';
import { event, storeEvents } from '../support/scenario.js';
import { startTestOrg, type TestOrg } from '../support/simulator.js';

const HOUR = 3600_000;
const t = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
let org: TestOrg | undefined;
afterEach(async () => {
  await org?.stop();
  org = undefined;
});

/** n drifted Accounts (patch) and m missing ones (replay), scanned, planned by carol, approved by dave. */
async function approvedPlan(n: number, m = 0) {
  org = await startTestOrg();
  const dir = tempDir();
  const db = join(dir, 'state.db');
  const env = { ...org.env, SF_RECONCILE_DB: db };
  org.sim.insertMany('Account', Array.from({ length: n }, (_, i) => ({ Name: `Old ${i}`, Billing_Id__c: `X-${i}`, Phone: null })));
  const store = await openStore(db);
  await storeEvents(store, [
    ...Array.from({ length: n }, (_, i) => event({ externalId: `X-${i}`, time: t(1.5 * HOUR), fields: { Name: `New ${i}` } })),
    ...Array.from({ length: m }, (_, i) => event({ externalId: `M-${i}`, time: t(1.5 * HOUR), status: 'failed', fields: { Name: `Missing ${i}` } })),
  ]);
  const config = { ...loadConfig(undefined, dir), config: parseConfig({ integrationUserIds: [org.sim.integrationUser.id] }, 'test') };
  const salesforce = await connectSalesforce(readCredentials(org.env), { requestsPerSecond: 0, concurrency: 4, apiReserve: 0 });
  const incident = await createIncident(store.db, { name: 'exec', from: t(2 * HOUR), to: t(HOUR), objects: null }, new Date());
  await scanIncident({ db: store.db, salesforce, config: config.config, now: () => new Date(), progress: () => NO_PROGRESS }, incident.id, { sfScan: false });
  const plan = await createPlan({ db: store.db, config, now: () => new Date() }, incident.id, 'carol');
  await approvePlan(store, plan.planId, { by: 'dave', allowSelfApproval: false, force: false }, new Date());
  await store.close();
  const cli = (args: string[]) => runCli(args, { cwd: dir, env, timeoutMs: 120_000 });
  return { dir, db, env, planId: plan.planId, cli, sim: org.sim };
}

const names = (o: TestOrg['sim']) => new Map(o.records('Account').filter((r) => r.IsDeleted !== true).map((r) => [String(r.Billing_Id__c), String(r.Name)]));

describe('plan execute', () => {
  it('runs an approved plan with a canary, writes each item once in batches of 200, and verifies', async () => {
    const { planId, cli, sim } = await approvedPlan(450, 5);
    const before = sim.apiCallCount();
    const r = await cli(['plan', 'execute', String(planId), '--canary', '10', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { applied: number; failed: number; stale: number; canary: { held: boolean } };
    expect(summary).toMatchObject({ applied: 455, failed: 0, stale: 0, canary: { items: 10, held: true } });
    const n = names(sim);
    expect(n.get('X-0')).toBe('New 0');
    expect(n.get('X-449')).toBe('New 449');
    expect(n.get('M-4')).toBe('Missing 4');
    const writes = sim.requests().slice(before).filter((q) => q.path.includes('/composite/sobjects') && q.method === 'PATCH');
    expect(writes.length).toBeLessThanOrEqual(Math.ceil(10 / 200) + Math.ceil(440 / 200) + 1 + 1); // canary + patches + replays
    const verify = await cli(['plan', 'verify', String(planId), '--json']);
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ residualDrift: 0, checked: 455 });
    const again = await cli(['plan', 'execute', String(planId)]);
    expect(again.code).toBe(2); // completed: not runnable again
  });

  it('pauses after a canary that held, says so (exit 75, not an error), and resumes with the rest', async () => {
    const { planId, cli } = await approvedPlan(5);
    const canary = await cli(['plan', 'execute', String(planId), '--canary', '1', '--pause-after-canary']);
    expect(canary.code).toBe(75);
    expect(canary.stderr).toBe(`paused: plan ${planId}: the canary of 1 item held; waiting for a person's go-ahead\nhint: run "sf-reconcile plan execute ${planId}" again to resume where it stopped\n`);
    const rest = await cli(['plan', 'execute', String(planId), '--json']);
    expect(rest.code, rest.stderr).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({ applied: 4, failed: 0, stale: 0 });
  });

  it('never overwrites a record a person edited after the plan (stale), and verify exits 3 on residual drift', async () => {
    const { planId, cli, sim, dir } = await approvedPlan(5);
    const alice = await org!.connAs('alice@sim.example');
    const [rec] = (await alice.query<{ Id: string }>("SELECT Id FROM Account WHERE Billing_Id__c = 'X-2'")).records;
    await alice.sobject('Account').update({ Id: rec!.Id, Name: 'Alice fixed it' });
    const r = await cli(['plan', 'execute', String(planId), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ applied: 4, stale: 1 });
    expect(names(sim).get('X-2')).toBe('Alice fixed it');
    // Someone reverts an applied record: verify finds it.
    const [rec3] = (await alice.query<{ Id: string }>("SELECT Id FROM Account WHERE Billing_Id__c = 'X-3'")).records;
    await alice.sobject('Account').update({ Id: rec3!.Id, Name: 'Old 3' });
    const v = await cli(['plan', 'verify', String(planId), '--out', 'residual.csv']);
    expect(v.code).toBe(3);
    expect(readFileSync(join(dir, 'residual.csv'), 'utf8')).toMatch(/X-3,.*Name,New 3,Old 3,differs/);
    // The verification is in the plan's journal (who, when, what it found) and in the report.
    const shown = await cli(['plan', 'show', String(planId)]);
    expect(shown.stdout).toMatch(/journal: .*; \S+ verified \(1 residual drift in 4 applied items\) by \S+$/m);
    const report = await cli(['report', '1']);
    expect(report.stdout).toMatch(/stale 1\. Verified at \S+ by \S+: 1 residual drift\(s\) in 4 applied items\./);
    expect(report.stdout).toMatch(new RegExp(`- Plan ${planId} left 1 residual drift\\(s\\) at \\S+: sf-reconcile plan verify ${planId} --out residual.csv lists them`));
  });

  it('records validation-rule rejections per item, goes on, and exports them; pauses (75) on a 503 storm and resumes', async () => {
    const { planId, cli, sim, dir } = await approvedPlan(30);
    sim.setFaults({ validationRules: [{ object: 'Account', field: 'Name', pattern: '^New 1\\d$', message: 'Name is locked by a rule' }] });
    const first = await cli(['plan', 'execute', String(planId), '--batch-size', '10', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ applied: 20, failed: 10 });
    const exported = await cli(['plan', 'export', String(planId), '--failed', '--out', 'failed.csv']);
    expect(exported.code).toBe(0);
    const failed = readFileSync(join(dir, 'failed.csv'), 'utf8').trim().split('\n');
    expect(failed).toHaveLength(11);
    expect(failed[1]).toMatch(/FIELD_CUSTOM_VALIDATION_EXCEPTION,Name is locked by a rule/);

    const second = await approvedPlan(30);
    second.sim.setFaults({ unavailable: [{ from: 3, count: 50 }] });
    const paused = await second.cli(['plan', 'execute', String(second.planId), '--batch-size', '10']);
    expect(paused.code).toBe(75);
    expect(paused.stderr).toMatch(/^paused: /); // a pause, not an error
    expect(paused.stderr).toMatch(/paused|unavailable/i);
    expect(paused.stderr).toMatch(/run .*again|run the same command again/);
    second.sim.setFaults({});
    const resumed = await second.cli(['plan', 'execute', String(second.planId), '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(names(second.sim).get('X-29')).toBe('New 29');
    const verify = await second.cli(['plan', 'verify', String(second.planId)]);
    expect(verify.code).toBe(0);
  });

  it('sends a kind of write above execute.bulkIngestThreshold through Bulk API 2.0 jobs, reads each result back, and keeps the canary and small kinds on collections', async () => {
    const { planId, cli, sim, dir } = await approvedPlan(30, 3);
    writeFileSync(join(dir, 'sf-reconcile.config.json'), JSON.stringify({ integrationUserIds: [sim.integrationUser.id], execute: { bulkIngestThreshold: 10, bulkJobSize: 12 } }));
    sim.setFaults({ validationRules: [{ object: 'Account', field: 'Name', pattern: '^New 2\\d$', message: 'Name is locked by a rule' }] });
    const alice = await org!.connAs('alice@sim.example');
    const [rec] = (await alice.query<{ Id: string }>("SELECT Id FROM Account WHERE Billing_Id__c = 'X-7'")).records;
    await alice.sobject('Account').update({ Id: rec!.Id, Name: 'Alice fixed it' });

    const dry = await cli(['plan', 'execute', String(planId), '--dry-run', '--json']);
    expect(JSON.parse(dry.stdout).wouldSend).toEqual(expect.arrayContaining([{ kind: 'update', object: 'Account', via: 'bulk', records: 29 }]));
    // 30 updates in 3 jobs of at most 12 (a read and 7 calls each), 3 upserts in one collections call and its read.
    expect(JSON.parse(dry.stdout).wouldUse).toMatchObject({ bulkJobs: 3, collectionsCalls: 1, freshnessReads: 4, apiCalls: 3 * 8 + 2, method: { update: 'bulk', upsert: 'collections' } });
    const before = sim.requests().length;
    const r = await cli(['plan', 'execute', String(planId), '--canary', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    // 33 items: 2 canary updates, 28 bulk updates of which X-7 is stale and X-20..X-29 fail the rule, 3 replays.
    expect(JSON.parse(r.stdout)).toMatchObject({ applied: 2 + 17 + 3, failed: 10, stale: 1 });
    const log = sim.requests().slice(before);
    const jobs = log.filter((q) => q.method === 'POST' && q.path.endsWith('/jobs/ingest'));
    expect(jobs).toHaveLength(3); // 27 fresh updates in jobs of at most 12
    expect(log.filter((q) => q.method === 'GET' && /\/jobs\/ingest\/[^/]+\/(successfulResults|failedResults)$/.test(q.path))).toHaveLength(6);
    const collectionWrites = log.filter((q) => q.path.includes('/composite/sobjects') && q.method === 'PATCH');
    expect(collectionWrites).toHaveLength(2); // the canary's updates, and the 3 replays' upserts
    const n = names(sim);
    expect([n.get('X-0'), n.get('X-19'), n.get('X-20'), n.get('X-7'), n.get('M-2')]).toEqual(['New 0', 'New 19', 'Old 20', 'Alice fixed it', 'Missing 2']);
    const exported = await cli(['plan', 'export', String(planId), '--failed', '--out', 'failed.csv']);
    expect(exported.code).toBe(0);
    const failed = readFileSync(join(dir, 'failed.csv'), 'utf8').trim().split('\n');
    expect(failed).toHaveLength(11);
    expect(failed.slice(1).every((line) => /FIELD_CUSTOM_VALIDATION_EXCEPTION,Name is locked by a rule/.test(line))).toBe(true);
  });

  it('pauses (75) when the daily API allocation runs out mid-run and resumes; retries records a lock held back; rides out dropped connections and lost answers', async () => {
    // The daily allocation: with three calls left the executor stops before the reserve (0 here) is crossed.
    const limited = await approvedPlan(40);
    writeFileSync(join(limited.dir, 'sf-reconcile.config.json'), JSON.stringify({ integrationUserIds: [limited.sim.integrationUser.id], limits: { requestsPerSecond: 1000, concurrency: 4, apiReserve: 0 } }));
    limited.sim.setFaults({ dailyApiLimit: 1000, apiUsed: 997 });
    const reserve = await limited.cli(['plan', 'execute', String(limited.planId), '--batch-size', '10']);
    expect(reserve.code, reserve.stderr).toBe(75);
    expect(reserve.stderr).toMatch(/stopped before the daily API allocation falls under the reserve: \d+ of 1000 calls left/);
    expect(limited.sim.requests().some((q) => q.status === 403)).toBe(false);
    // Mid-run, another integration spends the rest of the allocation. Whichever the executor meets first, the
    // usage in a response's Sforce-Limit-Info or a call refused with REQUEST_LIMIT_EXCEEDED (the client test
    // covers that one alone), it pauses resumably.
    limited.sim.setFaults({ latencyMs: 40 });
    const running = limited.cli(['plan', 'execute', String(limited.planId), '--batch-size', '5']);
    while (![...names(limited.sim).values()].some((v) => v.startsWith('New '))) await new Promise((r) => setTimeout(r, 5));
    limited.sim.setFaults({ dailyApiLimit: 1000, apiUsed: 1000 });
    const exceeded = await running;
    expect(exceeded.code, exceeded.stderr).toBe(75);
    expect(exceeded.stderr).toMatch(/REQUEST_LIMIT_EXCEEDED|stopped before the daily API allocation falls under the reserve/);
    expect(exceeded.stderr).toMatch(/run .*again/);
    const halfway = [...names(limited.sim).values()].filter((v) => v.startsWith('New ')).length;
    expect(halfway).toBeGreaterThan(0);
    expect(halfway).toBeLessThan(40);
    limited.sim.setFaults({});
    const resumed = await limited.cli(['plan', 'execute', String(limited.planId), '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect([...names(limited.sim).values()].filter((v) => v.startsWith('New '))).toHaveLength(40);
    await org!.stop();

    // Locks: a record write fails with UNABLE_TO_LOCK_ROW a third of the time; the executor sends those again.
    const locked = await approvedPlan(40);
    locked.sim.setFaults({ seed: 3, lockRowProbability: 0.33 });
    const before = locked.sim.requests().length;
    const lockRun = await locked.cli(['plan', 'execute', String(locked.planId), '--batch-size', '10', '--json']);
    expect(lockRun.code, lockRun.stderr).toBe(0);
    const lockSummary = JSON.parse(lockRun.stdout) as { applied: number; failed: number };
    const patches = locked.sim.requests().slice(before).filter((q) => q.path.includes('/composite/sobjects') && q.method === 'PATCH');
    expect(patches.length).toBeGreaterThan(4); // 4 batches, and the locked records again
    expect(lockSummary.applied + lockSummary.failed).toBe(40);
    expect(lockSummary.applied).toBeGreaterThanOrEqual(36);
    const lockedNames = names(locked.sim);
    expect([...lockedNames.values()].filter((v) => v.startsWith('New '))).toHaveLength(lockSummary.applied);
    await org!.stop();

    // Connections: one dropped before the request is read, one after the write was made (the answer is lost).
    const dropped = await approvedPlan(40);
    dropped.sim.setFaults({ dropConnections: [{ from: 4, count: 1 }], dropResponses: [{ from: 7, count: 1 }] });
    const dropStart = dropped.sim.requests().length;
    const run = await dropped.cli(['plan', 'execute', String(dropped.planId), '--batch-size', '10', '--json']);
    expect(run.code, run.stderr).toBe(0);
    // Both faults hit a collections update (status 0: no answer); each was sent again and answered. Sending it
    // again is safe: an update by Id to the same values, and the record's SystemModstamp was checked before.
    const writes = dropped.sim.requests().slice(dropStart).filter((q) => q.method === 'PATCH').map((q) => q.status);
    expect(writes.slice(0, 4)).toEqual([0, 200, 0, 200]);
    expect(JSON.parse(run.stdout)).toMatchObject({ applied: 40, failed: 0, stale: 0 });
    expect([...names(dropped.sim).values()].filter((v) => v.startsWith('New '))).toHaveLength(40);
    const verify = await dropped.cli(['plan', 'verify', String(dropped.planId), '--json']);
    expect(verify.code, verify.stderr).toBe(0);
  });

  it('refuses plans that are not approved, were changed after approval, or are held by another executor', async () => {
    const { planId, cli, db } = await approvedPlan(3);
    const sqlite = new BetterSqlite3(db);
    sqlite.prepare('INSERT INTO plan_leases (plan_id, holder, expires_at) VALUES (?, ?, ?)').run(planId, 'other-host:1', new Date(Date.now() + 60_000).toISOString());
    const leased = await cli(['plan', 'execute', String(planId)]);
    expect([leased.code, leased.stderr.split('\n')[0]]).toEqual([2, expect.stringContaining('is being executed by other-host:1') as unknown as string]);
    sqlite.prepare('DELETE FROM plan_leases').run();
    sqlite.prepare("UPDATE plan_items SET item_json = replace(item_json, 'New 1', 'Evil') WHERE plan_id = ?").run(planId);
    sqlite.close();
    const tampered = await cli(['plan', 'execute', String(planId)]);
    expect(tampered.code).toBe(2);
    expect(tampered.stderr).toMatch(/stored hash no longer matches/);
    const draft = await cli(['plan', 'create', '1', '--by', 'carol', '--json']);
    const draftId = (JSON.parse(draft.stdout) as { planId: number }).planId;
    const notApproved = await cli(['plan', 'execute', String(draftId)]);
    expect([notApproved.code, notApproved.stderr.split('\n')[0]]).toEqual([2, `error: plan ${draftId} is created; only an approved plan can be executed`]);
  });

  it('--dry-run reads and batches without writing; --all-approved runs what is approved; rollback makes a draft that restores', async () => {
    const { planId, cli, sim } = await approvedPlan(12);
    const dry = await cli(['plan', 'execute', String(planId), '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ status: 'dry-run', wouldSend: [{ kind: 'update', object: 'Account', via: 'collections', records: 12 }], wouldUse: { apiCalls: 2, collectionsCalls: 1, freshnessReads: 1, bulkJobs: 0 } });
    const dryText = await cli(['plan', 'execute', String(planId), '--dry-run']);
    expect(dryText.stdout).toContain('would use about 2 API calls (1 collections writes, 0 Bulk API jobs, 1 freshness reads)');
    expect(names(sim).get('X-0')).toBe('Old 0');
    const all = await cli(['plan', 'execute', '--all-approved', '--json']);
    expect(all.code, all.stderr).toBe(0);
    expect(names(sim).get('X-0')).toBe('New 0');
    const rb = await cli(['plan', 'rollback', String(planId), '--by', 'carol', '--json']);
    expect(rb.code, rb.stderr).toBe(0);
    const rollback = JSON.parse(rb.stdout) as { planId: number; totals: { byAction: Record<string, number> } };
    expect(rollback.totals.byAction).toEqual({ patch: 12 });
    expect((await cli(['plan', 'approve', String(rollback.planId), '--by', 'dave'])).code).toBe(0);
    expect((await cli(['plan', 'execute', String(rollback.planId)])).code).toBe(0);
    expect(names(sim).get('X-0')).toBe('Old 0');
    for (const args of [['plan', 'verify', String(planId), '--out', 'no-such-dir/residual.csv'], ['plan', 'export', String(planId), '--failed', '--out', 'no-such-dir/failed.csv']]) {
      const unwritable = await cli(args);
      expect([unwritable.code, unwritable.stderr.split('\n')[0]], args.join(' ')).toEqual([2, expect.stringMatching(/^error: cannot write no-such-dir\/\w+\.csv: ENOENT/) as unknown as string]);
      expect(unwritable.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('rolls back a record the execution created by deleting it, and leaves one a person changed since to a person', async () => {
    const { planId, cli, sim } = await approvedPlan(3, 2);
    expect((await cli(['plan', 'execute', String(planId)])).code).toBe(0);
    expect([names(sim).get('X-0'), names(sim).get('M-0'), names(sim).get('M-1')]).toEqual(['New 0', 'Missing 0', 'Missing 1']);
    const alice = await org!.connAs('alice@sim.example');
    const [m1] = (await alice.query<{ Id: string }>("SELECT Id FROM Account WHERE Billing_Id__c = 'M-1'")).records;
    await alice.sobject('Account').update({ Id: m1!.Id, Name: 'Alice keeps this one' });
    const rb = await cli(['plan', 'rollback', String(planId), '--by', 'carol', '--json']);
    expect(rb.code, rb.stderr).toBe(0);
    const rollback = JSON.parse(rb.stdout) as { planId: number; totals: { byAction: Record<string, number> } };
    expect(rollback.totals.byAction).toEqual({ patch: 3, delete: 1, manual: 1 });
    const shown = JSON.parse((await cli(['plan', 'show', String(rollback.planId), '--json'])).stdout) as { items: { externalId: string; action: string; reasonCode: string; reason: string }[] };
    expect(shown.items.find((i) => i.externalId === 'M-0')).toMatchObject({ action: 'delete', reasonCode: 'ROLLBACK_CREATED', reason: expect.stringMatching(new RegExp(`^Plan ${planId} created this record \\(item \\d+\\): delete it\\.$`)) as unknown as string });
    expect(shown.items.find((i) => i.externalId === 'M-1')).toMatchObject({ action: 'manual', reasonCode: 'ROLLBACK_CHANGED_SINCE' });
    expect((await cli(['plan', 'approve', String(rollback.planId), '--by', 'dave'])).code).toBe(0);
    const undo = await cli(['plan', 'execute', String(rollback.planId), '--json']);
    expect(undo.code, undo.stderr).toBe(0);
    const after = names(sim);
    expect([after.get('X-0'), after.has('M-0'), after.get('M-1')]).toEqual(['Old 0', false, 'Alice keeps this one']);
  });

  it('survives SIGKILL at random moments: resumed each time, Salesforce ends at the targets, no write applied twice differently', async () => {
    const { planId, env, dir, sim } = await approvedPlan(600);
    sim.setFaults({ latencyMs: 15 });
    let kills = 0;
    for (let round = 0; round < 40 && kills < 20; round++) {
      const child = spawn(process.execPath, [CLI, 'plan', 'execute', String(planId), '--batch-size', '20'], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' });
      const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
      const delay = 250 + ((round * 7919) % 700);
      const code = await Promise.race([exited, new Promise<'kill'>((r) => setTimeout(() => r('kill'), delay))]);
      if (code === 'kill') {
        child.kill('SIGKILL');
        await exited;
        kills += 1;
        // The dead executor's lease must expire before the next run: make it expire now.
        const sqlite = new BetterSqlite3(join(dir, 'state.db'));
        sqlite.prepare('UPDATE plan_leases SET expires_at = ?').run(new Date(0).toISOString());
        sqlite.close();
        continue;
      }
      if (code === 0) break;
    }
    expect(kills).toBeGreaterThanOrEqual(20);
    sim.setFaults({});
    const final = await runCli(['plan', 'execute', String(planId), '--json'], { cwd: dir, env, timeoutMs: 120_000 });
    expect([0, 2]).toContain(final.code); // 2 when the last killed-or-not run had already completed it
    const n = names(sim);
    for (let i = 0; i < 600; i++) expect(n.get(`X-${i}`)).toBe(`New ${i}`);
    // Every write request's records: an item's record written again only with the same values (idempotent).
    const sqlite = new BetterSqlite3(join(dir, 'state.db'), { readonly: true });
    const applied = sqlite.prepare("SELECT item_id, count(DISTINCT sf_id) AS ids FROM execution_item_outcomes WHERE plan_id = ? AND state = 'applied' GROUP BY item_id").all(planId) as { ids: number }[];
    sqlite.close();
    expect(applied).toHaveLength(600);
    expect(applied.every((a) => a.ids === 1)).toBe(true);
  }, 240_000);
});

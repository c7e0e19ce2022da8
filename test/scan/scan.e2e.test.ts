import { join } from 'node:path';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_PROGRESS } from '../../src/cli/progress.js';
import { parseConfig } from '../../src/config/config.js';
import { connectSalesforce, readCredentials } from '../../src/salesforce/index.js';
import { scanIncident } from '../../src/scan/scan-incident.js';
import { defaultSeed } from '../../src/simulator/index.js';
import { createIncident } from '../../src/store/incident-store.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { iterateSnapshotRecords, loadSnapshot } from '../../src/store/snapshot-store.js';
import { runCli, tempDir } from '../support/cli.js';
import { event, storeEvents } from '../support/scenario.js';
import { startTestOrg, type TestOrg } from '../support/simulator.js';

let org: TestOrg | undefined;
let store: Store | undefined;
afterEach(async () => {
  await org?.stop();
  await store?.close();
  org = undefined;
  store = undefined;
});

const HOUR = 3600_000;
const t = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

/** Billing_Id__c not unique here, so duplicates can exist as they do in real orgs. */
function seedAllowingDuplicates() {
  const seed = defaultSeed();
  const account = seed.schema.objects.find((o) => o.name === 'Account')!;
  return { ...seed, records: {}, schema: { objects: [{ ...account, fields: account.fields.map((f) => (f.name === 'Billing_Id__c' ? { ...f, unique: false } : f)) }, ...seed.schema.objects.filter((o) => o.name !== 'Account')] } };
}

async function setup() {
  org = await startTestOrg({ seed: seedAllowingDuplicates() });
  store = await openStore(':memory:');
  const conn = org.conn;
  const acc = conn.sobject('Account');
  const inWindow = t(1.5 * HOUR);
  await storeEvents(store, [
    event({ externalId: 'SYNC', time: inWindow, fields: { Name: 'Sync Co', AnnualRevenue: '1200000', Last_Synced__c: '2026-11-20T14:00:00Z' } }),
    event({ externalId: "O'Brien\\x", time: inWindow, fields: { Name: 'Hostile Co' } }),
    event({ externalId: 'DRIFT', time: inWindow, fields: { Name: 'Drift Co', AnnualRevenue: 100 } }),
    event({ externalId: 'MISSING', time: inWindow, status: 'failed', error: 'REQUEST_LIMIT_EXCEEDED', fields: { Name: 'Missing Co' } }),
    event({ externalId: 'DELETED', time: inWindow, fields: { Name: 'Deleted Co' } }),
    event({ externalId: 'UNEXPECTED', time: t(1.6 * HOUR), fields: { Name: 'Gone Co' } }),
    event({ externalId: 'UNEXPECTED', time: inWindow, op: 'delete', fields: {} }),
    event({ externalId: 'DUP', time: inWindow, fields: { Name: 'Dup Co' } }),
    event({ externalId: 'PERSON', time: inWindow, fields: { Name: 'Person Co', Phone: '111' } }),
    event({ externalId: 'OUTSIDE', time: t(5 * HOUR), fields: { Name: 'Old Co' } }),
    event({ externalId: 'SFCHANGE', time: t(5 * HOUR), fields: { Name: 'Deploy Co', Rating: 'Hot' } }),
  ]);
  await acc.create([
    { Billing_Id__c: 'SYNC', Name: 'Sync Co', AnnualRevenue: 1200000, Last_Synced__c: '2026-11-20T14:00:00.000+0000' },
    { Billing_Id__c: "O'Brien\\x", Name: 'Hostile Co' },
    { Billing_Id__c: 'DRIFT', Name: 'Drift Co', AnnualRevenue: 999 },
    { Billing_Id__c: 'UNEXPECTED', Name: 'Gone Co' },
    { Billing_Id__c: 'DUP', Name: 'Dup Co' },
    { Billing_Id__c: 'DUP', Name: 'Dup Co' },
    { Billing_Id__c: 'PERSON', Name: 'Person Co', Phone: '111' },
    { Billing_Id__c: 'OUTSIDE', Name: 'Changed outside' },
    { Billing_Id__c: 'SFCHANGE', Name: 'Deploy Co', Rating: 'Cold' },
  ]);
  const [del] = (await acc.create([{ Billing_Id__c: 'DELETED', Name: 'Deleted Co' }])) as { id: string }[];
  await acc.destroy(del!.id);
  const alice = await org.connAs('alice@sim.example');
  const [person] = (await conn.query<{ Id: string }>("SELECT Id FROM Account WHERE Billing_Id__c = 'PERSON'")).records;
  await alice.sobject('Account').update({ Id: person!.Id, Phone: '222' });
  const config = parseConfig({ integrationUserIds: [org.sim.integrationUser.id] }, 'test');
  const salesforce = await connectSalesforce(readCredentials(org.env), { requestsPerSecond: 0, concurrency: 4, apiReserve: 0 });
  return { config, salesforce };
}

describe('scan', () => {
  it('classifies every record of the window and stores an append-only snapshot for the planner', async () => {
    const { config, salesforce } = await setup();
    const incident = await createIncident(store!.db, { name: 'billing 503s', from: t(2 * HOUR), to: t(1 * HOUR), objects: null }, new Date());
    const summary = await scanIncident({ db: store!.db, salesforce, config, now: () => new Date(), progress: () => NO_PROGRESS }, incident.id, { sfScan: false });
    expect(summary.byClass).toEqual({ in_sync: 2, drift: 2, missing: 1, deleted: 1, unexpected: 1, duplicate: 1 });
    const { snapshot } = await loadSnapshot(store!.db, incident.id);
    const records = iterateSnapshotRecords(store!.db, snapshot.id);
    expect(snapshot.id).toBe(summary.snapshotId);
    const byKey = new Map<string, { class: string; drifts: { field: string; conflict: boolean }[]; conflictCandidate: boolean; history: unknown }>();
    for await (const r of records) byKey.set(r.key.externalId, { class: r.diff.class, drifts: r.diff.drifts, conflictCandidate: r.diff.conflictCandidate, history: r.fieldHistory });
    expect(byKey.get('SYNC')!.class).toBe('in_sync'); // '1200000' vs 1200000, Z vs +0000
    expect(byKey.get("O'Brien\\x")!.class).toBe('in_sync');
    expect(byKey.get('DRIFT')!.drifts).toEqual([{ field: 'AnnualRevenue', expected: 100, actual: 999, conflict: false }]);
    expect(byKey.get('PERSON')).toMatchObject({ class: 'drift', conflictCandidate: true, drifts: [{ field: 'Phone', conflict: true }] });
    expect(byKey.has('OUTSIDE')).toBe(false);

    // A second scan adds a snapshot; the latest is the default.
    const again = await scanIncident({ db: store!.db, salesforce, config, now: () => new Date(), progress: () => NO_PROGRESS }, incident.id, { sfScan: false });
    expect(again.snapshotId).toBeGreaterThan(summary.snapshotId);
    expect((await loadSnapshot(store!.db, incident.id)).snapshot.id).toBe(again.snapshotId);
  });

  it('also catches records Salesforce changed in the window with no event (a deployment), when the log knows them', async () => {
    const { config, salesforce } = await setup();
    const incident = await createIncident(store!.db, { name: 'deploy', from: t(0.5 * HOUR), to: new Date(Date.now() + HOUR).toISOString(), objects: ['Account'] }, new Date());
    const summary = await scanIncident({ db: store!.db, salesforce, config, now: () => new Date(), progress: () => NO_PROGRESS }, incident.id, { sfScan: true });
    const records = iterateSnapshotRecords(store!.db, (await loadSnapshot(store!.db, incident.id)).snapshot.id);
    const found = new Map<string, string>();
    for await (const r of records) found.set(r.key.externalId, r.diff.class);
    expect(found.get('SFCHANGE')).toBe('drift'); // Rating Hot expected, Cold in Salesforce
    expect(found.get('OUTSIDE')).toBe('drift');
    expect(summary.fromSalesforceScan).toBeGreaterThanOrEqual(2);
  });
});

describe('sf-reconcile incident and scan commands', () => {
  it('opens an incident, scans it, writes the drift CSV with formulas neutralised, and prints JSON', async () => {
    org = await startTestOrg();
    const dir = tempDir();
    const db = join(dir, 'state.db');
    store = await openStore(db);
    await storeEvents(store, [
      event({ externalId: 'B-1001', time: t(1.5 * HOUR), fields: { Name: '=HYPERLINK("http://x","y")' } }),
      event({ externalId: 'B-1002', time: t(1.5 * HOUR), fields: { Name: 'Northern Trail Cycling' } }),
      event({ externalId: 'NEW-1', time: t(1.5 * HOUR), status: 'failed', fields: { Name: 'Never Arrived', Phone: '+1 555 0100' } }),
    ]);
    await store.close();
    store = undefined;
    const env = { ...org.env, SF_RECONCILE_DB: db };
    const opened = await runCli(['incident', 'open', '--name', 'test', '--from', t(2 * HOUR), '--to', t(HOUR)], { cwd: dir, env });
    expect(opened.code, opened.stderr).toBe(0);
    const id = opened.stdout.trim();
    const scan = await runCli(['scan', id, '--out', 'drift.csv', '--json', '--no-sf-scan'], { cwd: dir, env });
    expect(scan.code, scan.stderr).toBe(0);
    const summary = JSON.parse(scan.stdout) as { byClass: Record<string, number>; driftRows: number };
    expect(summary.byClass).toEqual({ drift: 1, in_sync: 1, missing: 1 });
    const csv = readFileSync(join(dir, 'drift.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe('incident,snapshot,object,external_id,sf_id,class,field,expected,actual,conflict,last_modified_by,last_modified_date');
    expect(csv).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    // A missing record: a row per field it should hold, so the CSV shows what is lost.
    expect(csv.split('\n').filter((l) => l.includes(',NEW-1,'))).toEqual([
      `${id},1,Account,NEW-1,,missing,Name,Never Arrived,,false,,`,
      `${id},1,Account,NEW-1,,missing,Phone,'+1 555 0100,,false,,`,
    ]);
    expect(summary.driftRows).toBe(3);
    const list = await runCli(['incident', 'list', '--json'], { cwd: dir, env });
    expect((JSON.parse(list.stdout) as { id: number }[]).map((i) => i.id)).toEqual([Number(id)]);
    // A window with no event (a typo in a date, say): nothing to plan, and how to check the window.
    const empty = (await runCli(['incident', 'open', '--name', 'typo', '--from', '2025-11-20T14:00:00Z', '--to', '2025-11-20T15:00:00Z'], { cwd: dir, env })).stdout.trim();
    const none = await runCli(['scan', empty, '--no-sf-scan'], { cwd: dir, env });
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toContain('next: no event of the integration falls in the window, so nothing to repair; check the window against the event log with "sf-reconcile events stats --from 2025-11-20T14:00:00.000Z --to 2025-11-20T15:00:00.000Z"');
    // No config: the scan says that every late edit will look like a person's, and names the session's user.
    expect(scan.stderr).toContain(`warning: the config lists no integrationUserIds`);
    expect(scan.stderr).toContain(`this session's user is ${org.sim.integrationUser.id}`);
    writeFileSync(join(dir, 'sf-reconcile.config.json'), JSON.stringify({ integrationUserIds: [org.sim.integrationUser.id] }));
    const configured = await runCli(['scan', id, '--json', '--no-sf-scan'], { cwd: dir, env });
    expect(configured.code, configured.stderr).toBe(0);
    expect(configured.stderr).not.toContain('warning');
  });

  it('exits 2 with one line for a bad window, an unknown incident, a config error or failed login; 75 when the API budget is spent', async () => {
    org = await startTestOrg();
    const dir = tempDir();
    const env = { ...org.env, SF_RECONCILE_DB: join(dir, 'state.db') };
    const bad = await runCli(['incident', 'open', '--name', 'x', '--from', '2026-11-20T15:00:00Z', '--to', '2026-11-20T14:00:00Z'], { cwd: dir, env });
    expect([bad.code, bad.stderr.split('\n')[0]]).toEqual([2, "error: the window's start (2026-11-20T15:00:00.000Z) must be before its end (2026-11-20T14:00:00.000Z)"]);
    const unknown = await runCli(['scan', '42'], { cwd: dir, env });
    expect([unknown.code, unknown.stderr.split('\n')[0]]).toEqual([2, 'error: there is no incident 42']);
    store = await openStore(join(dir, 'state.db'));
    await storeEvents(store, [event({ externalId: 'B-1001', time: t(1.5 * HOUR), fields: { Name: 'Wheelworks' } })]);
    await store.close();
    store = undefined;
    await runCli(['incident', 'open', '--name', 'x', '--from', t(2 * HOUR), '--to', t(HOUR)], { cwd: dir, env });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ objects: { Account: { externalIdField: 42 } } }));
    const config = await runCli(['scan', '1', '--config', 'bad.json'], { cwd: dir, env });
    expect(config.code).toBe(2);
    expect(config.stderr).toMatch(/config: objects.Account.externalIdField .* \(got 42\) in bad.json/);
    const unwritable = await runCli(['scan', '1', '--out', 'no-such-dir/drift.csv'], { cwd: dir, env });
    expect([unwritable.code, unwritable.stderr.split('\n')[0]]).toEqual([2, expect.stringMatching(/^error: cannot write no-such-dir\/drift\.csv: ENOENT/) as unknown as string]);
    expect(org.sim.requests().some((q) => q.path.includes('/query') || q.path.includes('/composite'))).toBe(false); // refused before the scan
    const failedLogin = await runCli(['scan', '1', '--out', 'drift.csv'], { cwd: dir, env: { ...env, SF_PASSWORD: 'nope' } });
    expect(failedLogin.code).toBe(2);
    expect(existsSync(join(dir, 'drift.csv'))).toBe(false); // no partial file left behind
    const login = await runCli(['scan', '1'], { cwd: dir, env: { ...env, SF_PASSWORD: 'nope-secret' } });
    expect(login.code).toBe(2);
    expect(login.stderr).toMatch(/Salesforce login failed .*invalid_grant: authentication failure/);
    expect(login.stderr).not.toContain('nope-secret');
    org.sim.setFaults({ dailyApiLimit: 1, apiUsed: 1 });
    const budget = await runCli(['scan', '1'], { cwd: dir, env });
    expect(budget.code).toBe(75);
    expect(budget.stderr).toMatch(/REQUEST_LIMIT_EXCEEDED/);
    expect(budget.stderr).not.toMatch(/\n\s+at /);
  });
});

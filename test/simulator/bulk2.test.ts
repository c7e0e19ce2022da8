/**
 * Bulk API 2.0 through jsforce's own conn.bulk2 flow (create, poll, results) — complements the
 * Sforce-Locator paging and upsert results in simulator.e2e.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrg, type TestOrg } from '../support/simulator.js';

let org: TestOrg;
beforeAll(async () => {
  org = await startTestOrg();
  org.conn.bulk2.pollInterval = 20;
});
afterAll(async () => {
  await org.stop();
});

describe('query jobs', () => {
  it('runs conn.bulk2.query to completion and returns every value as CSV text', async () => {
    const records = await (await org.conn.bulk2.query("SELECT Id, Name, AnnualRevenue, Active__c FROM Account WHERE Billing_Id__c LIKE 'B-%' ORDER BY Name")).toArray();
    expect(records.map((r) => [r.Name, r.AnnualRevenue, r.Active__c])).toEqual([
      ['Northern Trail Cycling', '4500000', 'false'],
      ['Trailblazers', '800000', 'false'],
      ['Wheelworks', '1200000', 'false'],
    ]);
  });

  it('includes deleted records with scanAll (operation queryAll)', async () => {
    const { id } = (await org.conn.sobject('Account').create({ Name: 'Bulk deleted', Billing_Id__c: 'BQ-DEL' })) as { id: string };
    await org.conn.sobject('Account').destroy(id);
    const live = await (await org.conn.bulk2.query("SELECT Id FROM Account WHERE Billing_Id__c = 'BQ-DEL'")).toArray();
    const all = await (await org.conn.bulk2.query("SELECT Id, IsDeleted FROM Account WHERE Billing_Id__c = 'BQ-DEL'", { scanAll: true })).toArray();
    expect(live).toEqual([]);
    expect(all).toEqual([{ Id: id, IsDeleted: 'true' }]);
  });

  it('keeps the latest 200 jobs: an older one is gone (404), as Salesforce deletes old jobs', async () => {
    const create = () => org.conn.request<{ id: string }>({ method: 'POST', url: '/jobs/query', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ operation: 'query', query: 'SELECT Id FROM Account LIMIT 1' }) });
    const first = await create();
    for (let i = 0; i < 200; i++) await create();
    await expect(org.conn.request(`/jobs/query/${first.id}`)).rejects.toMatchObject({ errorCode: 'NOT_FOUND' });
  });

  it('refuses an invalid query when the job is created', async () => {
    await expect(org.conn.bulk2.query('SELECT Nope__c FROM Account')).rejects.toThrow(/No such column 'Nope__c'/);
  });
});

describe('ingest jobs', () => {
  it('inserts, updates (#N/A sets null, an empty cell leaves the value) and deletes, with per-record results', async () => {
    const inserted = await org.conn.bulk2.loadAndWaitForResults({
      object: 'Account',
      operation: 'insert',
      input: [
        { Name: 'Bulk one', Billing_Id__c: 'BI-1', Phone: '555-0101', Rating: 'Warm' },
        { Name: 'Bulk two', Billing_Id__c: 'BI-2', Phone: '555-0102', Rating: 'Cold' },
      ],
    });
    expect(inserted.failedResults).toEqual([]);
    expect(inserted.unprocessedRecords).toEqual([]);
    const ids = Object.fromEntries(inserted.successfulResults.map((r) => [String((r as Record<string, unknown>).Billing_Id__c), String(r.sf__Id)]));
    expect(inserted.successfulResults.map((r) => r.sf__Created)).toEqual(['true', 'true']);

    const updated = await org.conn.bulk2.loadAndWaitForResults({
      object: 'Account',
      operation: 'update',
      input: [
        { Id: ids['BI-1'], Phone: null, Rating: '' },
        { Id: '001Sm000000zzzzAAA', Phone: '555-0199', Rating: 'Hot' },
      ],
    });
    expect(updated.successfulResults.map((r) => [r.sf__Id, r.sf__Created])).toEqual([[ids['BI-1'], 'false']]);
    expect(updated.failedResults).toHaveLength(1);
    expect(String(updated.failedResults[0]!.sf__Error)).toMatch(/^[A-Z_]+:/);
    const one = org.sim.records('Account').find((r) => r.Id === ids['BI-1'])!;
    expect([one.Phone, one.Rating]).toEqual([null, 'Warm']);

    const deleted = await org.conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'delete', input: [{ Id: ids['BI-2'] }] });
    expect(deleted.successfulResults.map((r) => r.sf__Id)).toEqual([ids['BI-2']]);
    expect(org.sim.records('Account').find((r) => r.Id === ids['BI-2'])!.IsDeleted).toBe(true);
  });

  it('records who ran the job as the writer (CreatedById, LastModifiedById)', async () => {
    const alice = await org.connAs('alice@sim.example');
    alice.bulk2.pollInterval = 20;
    const r = await alice.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'insert', input: [{ Name: 'By Alice in bulk', Billing_Id__c: 'BI-A' }] });
    const row = org.sim.records('Account').find((x) => x.Id === r.successfulResults[0]!.sf__Id)!;
    const aliceId = org.sim.users.find((u) => u.username === 'alice@sim.example')!.id;
    expect([row.CreatedById, row.LastModifiedById]).toEqual([aliceId, aliceId]);
  });
});

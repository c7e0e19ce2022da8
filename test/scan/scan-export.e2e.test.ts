import { afterEach, describe, expect, it } from 'vitest';
import { NO_PROGRESS } from '../../src/cli/progress.js';
import { parseConfig } from '../../src/config/config.js';
import type { ScannedRecord } from '../../src/domain/drift.js';
import { connectSalesforce, readCredentials } from '../../src/salesforce/index.js';
import { scanIncident, typedRow } from '../../src/scan/scan-incident.js';
import { createIncident } from '../../src/store/incident-store.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { iterateSnapshotRecords } from '../../src/store/snapshot-store.js';
import { event, storeEvents } from '../support/scenario.js';
import { startTestOrg, type TestOrg } from '../support/simulator.js';

let org: TestOrg | undefined;
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  await org?.stop();
  store = undefined;
  org = undefined;
});

const HOUR = 3600_000;
const t = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

describe('scan of many keys of one object', () => {
  it('exports the object through one Bulk API 2.0 query when that costs fewer calls, and finds exactly what IN-list queries find', async () => {
    org = await startTestOrg();
    store = await openStore(':memory:');
    const n = 20_000;
    // Every 10th Name drifted, every 7th AnnualRevenue, one record deleted, one key missing in Salesforce.
    org.sim.insertMany('Account', Array.from({ length: n }, (_, i) => ({ Billing_Id__c: `K-${i}`, Name: i % 10 === 0 ? `Drifted ${i}` : `Account ${i}`, AnnualRevenue: i % 7 === 0 ? i + 0.5 : i })));
    const acc = org.conn.sobject('Account');
    const [gone] = (await org.conn.query<{ Id: string }>("SELECT Id FROM Account WHERE Billing_Id__c = 'K-3'")).records;
    await acc.destroy(gone!.Id);
    await storeEvents(store, [
      ...Array.from({ length: n }, (_, i) => event({ externalId: `K-${i}`, time: t(1.5 * HOUR), fields: { Name: `Account ${i}`, AnnualRevenue: i } })),
      event({ externalId: 'NOT-IN-SF', time: t(1.5 * HOUR), fields: { Name: 'Missing', AnnualRevenue: 1 } }),
    ]);
    const salesforce = await connectSalesforce(readCredentials(org.env), { requestsPerSecond: 0, concurrency: 4, apiReserve: 0 });
    const incident = await createIncident(store.db, { name: 'many', from: t(2 * HOUR), to: t(HOUR), objects: null }, new Date());
    const scan = async (bulkQueryThreshold?: number) => {
      const config = parseConfig({ integrationUserIds: [org!.sim.integrationUser.id], ...(bulkQueryThreshold ? { scan: { bulkQueryThreshold } } : {}) }, 'test');
      const start = org!.sim.requests().length;
      const summary = await scanIncident({ db: store!.db, sqlite: store!.sqlite, salesforce, config, now: () => new Date(), progress: () => NO_PROGRESS }, incident.id, { sfScan: false });
      const records = new Map<string, ScannedRecord>();
      for await (const r of iterateSnapshotRecords(store!.db, summary.snapshotId)) records.set(r.key.externalId, r);
      return { summary, records, requests: org!.sim.requests().slice(start) };
    };

    const queried = await scan(); // 20,001 keys: under the default threshold of 50,000
    const exported = await scan(10_000);
    expect(queried.summary.exportedObjects).toEqual([]);
    expect(exported.summary.exportedObjects).toEqual(['Account']);
    expect(exported.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/jobs/query'))).toHaveLength(1);
    expect(exported.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/composite'))).toHaveLength(0);
    expect(queried.requests.filter((q) => q.path.includes('/jobs/query'))).toHaveLength(0);
    expect(exported.summary.apiCalls).toBeLessThan(queried.summary.apiCalls);

    expect(exported.summary.byClass).toEqual(queried.summary.byClass);
    expect(exported.summary.byClass).toMatchObject({ missing: 1, deleted: 1 });
    expect(exported.records.size).toBe(n + 1);
    // The same records, field for field: typed values, Ids, SystemModstamp in the REST form the executor compares.
    for (const [key, r] of queried.records) expect(exported.records.get(key), key).toEqual(r);
    expect(store.sqlite!.prepare('SELECT count(*) FROM scan_rows').pluck().get()).toBe(0);
  });
});

describe('typedRow', () => {
  it("gives a Bulk API CSV row the REST API's types and datetime form", () => {
    const rules = new Map([
      ['AnnualRevenue', { type: 'currency', scale: 2 }],
      ['NumberOfEmployees', { type: 'int', scale: 0 }],
      ['Active__c', { type: 'boolean', scale: 0 }],
      ['SystemModstamp', { type: 'datetime', scale: 0 }],
      ['LastModifiedDate', { type: 'datetime', scale: 0 }],
      ['Name', { type: 'string', scale: 0 }],
    ]);
    expect(
      typedRow(
        { Id: '001000000000001AAA', IsDeleted: 'false', AnnualRevenue: '12.5', NumberOfEmployees: '', Active__c: 'true', SystemModstamp: '2026-11-20T14:10:00.123Z', LastModifiedDate: '2026-11-20T14:10:00Z', Name: 'Acme' },
        rules,
      ),
    ).toEqual({ Id: '001000000000001AAA', IsDeleted: false, AnnualRevenue: 12.5, NumberOfEmployees: null, Active__c: true, SystemModstamp: '2026-11-20T14:10:00.123+0000', LastModifiedDate: '2026-11-20T14:10:00.000+0000', Name: 'Acme' });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { connectSalesforce, readCredentials, type ClientOptions } from '../../src/salesforce/index.js';
import { startTestOrg, type TestOrg } from '../support/simulator.js';

let org: TestOrg | undefined;
afterEach(async () => {
  await org?.stop();
  org = undefined;
});

const fast: ClientOptions = { requestsPerSecond: 0, concurrency: 4, apiReserve: 0, retryBaseMs: 5 };

async function client(o: TestOrg, options: Partial<ClientOptions> = {}) {
  return connectSalesforce(readCredentials(o.env), { ...fast, ...options });
}

describe('connectSalesforce', () => {
  it('logs in each documented way and knows its user', async () => {
    org = await startTestOrg();
    const integration = org.sim.integrationUser.id;
    expect((await client(org)).userId).toBe(integration);
    const cc = await connectSalesforce(readCredentials({ SF_LOGIN_URL: org.sim.loginUrl, SF_CLIENT_ID: org.sim.clientId, SF_CLIENT_SECRET: org.sim.clientSecret }), fast);
    expect(cc.userId).toBe(integration);
    const token = await connectSalesforce(readCredentials({ SF_INSTANCE_URL: org.sim.url, SF_ACCESS_TOKEN: org.conn.accessToken! }), fast);
    expect(token.userId).toBe(integration);
  });

  it('fails with one clear ConfigError, Salesforce\'s message included and no password in it', async () => {
    org = await startTestOrg();
    const err = await connectSalesforce(readCredentials({ ...org.env, SF_PASSWORD: 'hunter2-wrong' }), fast).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 2, code: 'AUTH_FAILED' });
    expect((err as Error).message).toMatch(/invalid_grant: authentication failure/);
    expect((err as Error).message).not.toContain('hunter2');
    expect(() => readCredentials({ SF_ACCESS_TOKEN: 'x' })).toThrow(/SF_INSTANCE_URL is not/);
    expect(() => readCredentials({})).toThrow(/no Salesforce credentials/);
  });
});

describe('SalesforceClient', () => {
  it('fetches hostile external IDs exactly, in the fewest calls', async () => {
    org = await startTestOrg();
    const hostile = ["O'Brien", 'back\\slash', 'new\nline', '100%', 'a_b', 'Zürich—東京', 'tab\there', '"quoted"'];
    org.sim.insertMany('Account', [...hostile.map((h, i) => ({ Name: `H${i}`, Billing_Id__c: h })), { Name: 'decoy', Billing_Id__c: 'aXb' }]);
    const c = await client(org);
    const rows = await c.fetchByKeys<{ Billing_Id__c: string }>('Account', 'Billing_Id__c', hostile, ['Id', 'Billing_Id__c']);
    expect(rows.map((r) => r.Billing_Id__c).sort()).toEqual([...hostile].sort());
  });

  it('reads 12,000 keys with Composite batches: about 1 call per 5 queries, none over the limits', async () => {
    org = await startTestOrg();
    const keys = Array.from({ length: 12_000 }, (_, i) => `K-${String(i).padStart(7, '0')}`);
    org.sim.insertMany('Account', keys.map((k) => ({ Name: k, Billing_Id__c: k })));
    const c = await client(org);
    const before = org.sim.apiCallCount();
    const rows = await c.fetchByKeys('Account', 'Billing_Id__c', keys, ['Id', 'Billing_Id__c']);
    expect(rows).toHaveLength(12_000);
    expect(org.sim.apiCallCount() - before).toBeLessThanOrEqual(3);
    expect(org.sim.requests().every((r) => r.status !== 414 && r.status !== 431 && r.status !== 400)).toBe(true);
  });

  it('holds the rate limit: no 1-second window above the configured rate', async () => {
    org = await startTestOrg();
    const c = await client(org, { requestsPerSecond: 5, concurrency: 4 });
    const start = org.sim.requests().length;
    const began = performance.now();
    await Promise.all(Array.from({ length: 12 }, () => c.query('SELECT Id FROM Account')));
    const times = org.sim.requests().slice(start).map((r) => Date.parse(r.time));
    expect(times).toHaveLength(12);
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(5);
    expect(performance.now() - began).toBeGreaterThanOrEqual(2000); // 12 calls at 5/s take over 2 s
  });

  it('retries 503s and dropped connections with backoff, then succeeds', async () => {
    org = await startTestOrg();
    const c = await client(org);
    org.sim.setFaults({ unavailable: [{ from: 1, count: 2 }], dropConnections: [{ from: 3, count: 1 }] });
    const rows = await c.query('SELECT Id FROM Account');
    expect(rows).toHaveLength(3);
    expect(c.retries).toBe(3);
  });

  it('pauses (exit 75) when 503s outlast the retries, on REQUEST_LIMIT_EXCEEDED, and before the API reserve', async () => {
    org = await startTestOrg();
    const c = await client(org, { maxRetries: 2 });
    org.sim.setFaults({ unavailable: [{ from: 1, count: 10 }] });
    await expect(c.query('SELECT Id FROM Account')).rejects.toMatchObject({ exitCode: 75, code: 'SALESFORCE_UNAVAILABLE' });

    org.sim.setFaults({ dailyApiLimit: 5, apiUsed: 5 });
    await expect(c.query('SELECT Id FROM Account')).rejects.toMatchObject({ exitCode: 75, code: 'API_LIMIT_EXCEEDED' });

    org.sim.setFaults({ dailyApiLimit: 100, apiUsed: 70 });
    const reserved = await client(org, { apiReserve: 0.2 });
    let calls = 0;
    const err = await (async () => {
      for (;;) {
        await reserved.query('SELECT Id FROM Account');
        calls += 1;
      }
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 75, code: 'API_RESERVE_REACHED' });
    expect(org.sim.requests().filter((r) => r.counted).length).toBeGreaterThan(0);
    const limits = reserved.apiUsage()!;
    expect(limits.limit - limits.used).toBeGreaterThanOrEqual(20); // stopped before falling under 20%
    expect(calls).toBeGreaterThan(0);
  });

  it('writes collections and Bulk 2.0 jobs with per-record results', async () => {
    org = await startTestOrg({ faults: { validationRules: [{ object: 'Account', field: 'Name', pattern: '^BAD' }] } });
    const c = await client(org);
    const up = await c.upsert('Account', 'Billing_Id__c', [{ Billing_Id__c: 'B-1001', Name: 'Renamed' }, { Billing_Id__c: 'N-1', Name: 'BAD name' }]);
    expect(up.map((r) => [r.success, r.errors[0]?.statusCode])).toEqual([[true, undefined], [false, 'FIELD_CUSTOM_VALIDATION_EXCEPTION']]);
    const [acc] = await c.fetchByKeys<{ Id: string }>('Account', 'Billing_Id__c', ['B-1002'], ['Id']);
    const upd = await c.update('Account', [{ Id: acc!.Id, Phone: '555' }]);
    expect(upd[0]!.success).toBe(true);
    const bulk = await c.bulkIngest('Account', 'upsert', [{ Billing_Id__c: 'B-1003', Name: 'Bulk' }, { Billing_Id__c: 'N-2', Name: 'BAD too' }], 'Billing_Id__c', 'Billing_Id__c');
    expect(bulk.map((r) => [r.success, r.errors[0]?.statusCode])).toEqual([[true, undefined], [false, 'FIELD_CUSTOM_VALIDATION_EXCEPTION']]);
    org.sim.insertMany('Account', Array.from({ length: 25 }, (_, i) => ({ Name: `Q${i}`, Billing_Id__c: `Q-${i}` })));
    const rows = await c.bulkQuery('SELECT Id, Billing_Id__c, Phone FROM Account', { maxRecords: 10 });
    expect(rows).toHaveLength(28); // 3 seeded + 25; the two rejected records were never created
    expect(rows.find((r) => r.Billing_Id__c === 'B-1002')!.Phone).toBe('555');
  });

  it('names an unknown object or field as a ConfigError (exit 2)', async () => {
    org = await startTestOrg();
    const c = await client(org);
    await expect(c.describe('Nope__c')).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('"Nope__c"') });
    await expect(c.query('SELECT Nope__c FROM Account')).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining("No such column 'Nope__c'") });
  });
});

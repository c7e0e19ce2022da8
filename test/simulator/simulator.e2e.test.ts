import jsforce from 'jsforce';
import { afterEach, describe, expect, it } from 'vitest';
import { idSuffix, to18 } from '../../src/simulator/index.js';
import { API_VERSION, loginAs, startTestOrg, type TestOrg } from '../support/simulator.js';

let org: TestOrg | undefined;
afterEach(async () => {
  await org?.stop();
  org = undefined;
});

const SF_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/;
const SF_ID18 = /^[a-zA-Z0-9]{18}$/;

function accounts(n: number, from = 0) {
  return Array.from({ length: n }, (_, i) => ({ Name: `Account ${from + i}`, Billing_Id__c: `X-${from + i}` }));
}

describe('authentication', () => {
  it('logs in with the OAuth password grant and records the user on every write', async () => {
    org = await startTestOrg();
    const alice = await org.connAs('alice@sim.example');
    const created = await org.conn.sobject('Account').create({ Name: 'Made by integration' });
    await alice.sobject('Account').update({ Id: (created as { id: string }).id, Name: 'Edited by Alice' });
    const row = org.sim.records('Account').find((r) => r.Id === (created as { id: string }).id)!;
    const aliceId = org.sim.users.find((u) => u.username === 'alice@sim.example')!.id;
    expect(row.CreatedById).toBe(org.sim.integrationUser.id);
    expect(row.LastModifiedById).toBe(aliceId);
  });

  it('supports client_credentials and refresh_token grants, and rejects bad credentials with jsforce\'s error', async () => {
    org = await startTestOrg();
    const { sim } = org;
    const cc = new jsforce.Connection({ loginUrl: sim.loginUrl, version: API_VERSION, oauth2: { clientId: sim.clientId, clientSecret: sim.clientSecret, loginUrl: sim.loginUrl } });
    await cc.authorize({ grant_type: 'client_credentials' });
    expect(cc.userInfo?.id).toBe(sim.integrationUser.id);

    const refreshToken = sim.issueRefreshToken('bob@sim.example');
    const oauth2 = new jsforce.OAuth2({ clientId: sim.clientId, clientSecret: sim.clientSecret, loginUrl: sim.loginUrl });
    const refreshed = await oauth2.refreshToken(refreshToken);
    expect(refreshed.access_token).toMatch(/^00D/);

    await expect(loginAs(sim, { ...sim.integrationUser, password: 'wrong' })).rejects.toMatchObject({ name: 'invalid_grant', message: 'authentication failure' });
  });

  it('answers an expired token with 401 INVALID_SESSION_ID, and jsforce refreshes by logging in again', async () => {
    org = await startTestOrg();
    const plain = new jsforce.Connection({ instanceUrl: org.sim.url, accessToken: org.conn.accessToken!, version: API_VERSION });
    org.sim.expireAccessTokens();
    await expect(plain.query('SELECT Id FROM Account')).rejects.toMatchObject({ errorCode: 'INVALID_SESSION_ID' });
    const result = await org.conn.query('SELECT Id FROM Account'); // conn was made with login(): jsforce re-logs in
    expect(result.totalSize).toBe(3);
  });
});

describe('query', () => {
  it('returns typed values: 18-character Ids, +0000 datetimes, booleans, numbers, nulls', async () => {
    org = await startTestOrg();
    const r = await org.conn.query<Record<string, unknown>>("SELECT Id, Name, AnnualRevenue, Active__c, Phone, SystemModstamp, CreatedDate FROM Account WHERE Billing_Id__c = 'B-1001'");
    expect(r).toMatchObject({ totalSize: 1, done: true });
    const rec = r.records[0]!;
    expect(rec.attributes).toEqual({ type: 'Account', url: `/services/data/v${API_VERSION}/sobjects/Account/${String(rec.Id)}` });
    expect(rec.Id).toMatch(SF_ID18);
    expect(rec.SystemModstamp).toMatch(SF_DATETIME);
    expect(rec).toMatchObject({ Name: 'Wheelworks', AnnualRevenue: 1200000, Active__c: false, Phone: null });
  });

  it('pages with nextRecordsUrl (2,000 by default, batchSize header) and autoFetch with maxFetch', async () => {
    org = await startTestOrg();
    org.sim.insertMany('Account', accounts(11_000));
    const first = await org.conn.query('SELECT Id FROM Account');
    expect(first.records).toHaveLength(2000);
    expect(first.done).toBe(false);
    expect(first.nextRecordsUrl).toMatch(/\/services\/data\/v60\.0\/query\/01g\w+-2000$/);
    const small = await org.conn.query('SELECT Id FROM Account', { headers: { 'Sforce-Query-Options': 'batchSize=500' } } as never);
    expect(small.records).toHaveLength(500);
    const all = await org.conn.query('SELECT Id FROM Account', { autoFetch: true, maxFetch: 100_000 });
    expect(all.records).toHaveLength(11_003);
    // jsforce's default maxFetch silently stops at 10,000 rows (docs section 11): why sf-reconcile pages itself.
    const truncated = await org.conn.query('SELECT Id FROM Account', { autoFetch: true });
    expect(truncated.records).toHaveLength(10_000);
  });

  it('evaluates WHERE with AND/OR/NOT, IN, NOT IN, LIKE, comparisons, null and parentheses', async () => {
    org = await startTestOrg();
    const names = async (where: string) =>
      (await org!.conn.query<{ Name: string }>(`SELECT Name FROM Account WHERE ${where} ORDER BY Name`)).records.map((r) => r.Name);
    expect(await names("Billing_Id__c IN ('B-1001', 'B-1003')")).toEqual(['Trailblazers', 'Wheelworks']);
    expect(await names("Billing_Id__c NOT IN ('B-1001')")).toEqual(['Northern Trail Cycling', 'Trailblazers']);
    expect(await names("Name LIKE 'Whe%'")).toEqual(['Wheelworks']);
    expect(await names('AnnualRevenue > 1000000 AND NOT (Industry = \'Retail\' AND AnnualRevenue < 2000000)')).toEqual(['Northern Trail Cycling']);
    expect(await names("(Industry = 'Transportation' OR AnnualRevenue >= 4500000) AND Phone = null")).toEqual(['Northern Trail Cycling', 'Trailblazers']);
    expect(await names('SystemModstamp > 2020-01-01T00:00:00Z AND Active__c = false')).toHaveLength(3);
  });

  it('matches string literals with SOQL escapes exactly (quote, backslash, newline, %, _, non-ASCII)', async () => {
    org = await startTestOrg();
    const hostile = ["O'Brien", 'back\\slash', 'new\nline', '100%', 'a_b', 'Zürich—東京'];
    await org.conn.sobject('Account').create(hostile.map((h, i) => ({ Name: `H${i}`, Billing_Id__c: h })), { allOrNone: true });
    await org.conn.sobject('Account').create({ Name: 'decoy', Billing_Id__c: 'aXb' });
    const escape = (s: string) => s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n');
    for (const h of hostile) {
      const r = await org.conn.query<{ Billing_Id__c: string }>(`SELECT Billing_Id__c FROM Account WHERE Billing_Id__c = '${escape(h)}'`);
      expect(r.records.map((x) => x.Billing_Id__c)).toEqual([h]);
    }
  });

  it('reports Salesforce\'s errors: malformed SOQL, unknown field or object, over 100,000 characters, URI over 16,384 bytes', async () => {
    org = await startTestOrg();
    await expect(org.conn.query('SELECT FROM')).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
    await expect(org.conn.query('SELECT Nope__c FROM Account')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD', message: expect.stringContaining("No such column 'Nope__c' on entity 'Account'") });
    await expect(org.conn.query('SELECT Id FROM Nope__c')).rejects.toMatchObject({ errorCode: 'INVALID_TYPE' });
    const keys = Array.from({ length: 900 }, (_, i) => `'KEY-${String(i).padStart(8, '0')}'`).join(',');
    await expect(org.conn.query(`SELECT Id FROM Account WHERE Billing_Id__c IN (${keys})`)).rejects.toMatchObject({ errorCode: 'ERROR_HTTP_414' });
    const long = `SELECT Id FROM Account WHERE Name = '${'x'.repeat(100_001)}'`;
    const viaComposite = await org.conn.request<{ compositeResponse: { httpStatusCode: number; body: { errorCode: string }[] }[] }>({
      method: 'POST', url: '/composite', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ compositeRequest: [{ method: 'GET', url: `/services/data/v60.0/query?q=${encodeURIComponent(long)}`, referenceId: 'q' }] }),
    });
    expect(viaComposite.compositeResponse[0]).toMatchObject({ httpStatusCode: 400, body: [{ errorCode: 'MALFORMED_QUERY' }] });
  });

  it('queryAll shows deleted records; getUpdated and getDeleted list a window\'s changes', async () => {
    org = await startTestOrg();
    const start = new Date(Date.now() - 60_000);
    const [acme] = (await org.conn.query<{ Id: string }>("SELECT Id FROM Account WHERE Billing_Id__c = 'B-1001'")).records;
    await org.conn.sobject('Account').destroy(acme!.Id);
    expect((await org.conn.query("SELECT Id FROM Account WHERE Billing_Id__c = 'B-1001'")).totalSize).toBe(0);
    const all = await org.conn.query<{ IsDeleted: boolean }>("SELECT Id, IsDeleted FROM Account WHERE Billing_Id__c = 'B-1001'", { scanAll: true });
    expect(all.records.map((r) => r.IsDeleted)).toEqual([true]);
    const end = new Date(Date.now() + 120_000);
    const updated = await org.conn.sobject('Account').updated(start.toISOString(), end.toISOString());
    expect(updated.ids).toHaveLength(2);
    const deleted = await org.conn.sobject('Account').deleted(start.toISOString(), end.toISOString());
    expect(deleted.deletedRecords.map((d) => d.id)).toEqual([acme!.Id]);
  });

  it('keeps field history for tracked fields, queryable like AccountHistory', async () => {
    org = await startTestOrg();
    const bob = await org.connAs('bob@sim.example');
    const [acc] = (await org.conn.query<{ Id: string }>("SELECT Id FROM Account WHERE Billing_Id__c = 'B-1002'")).records;
    await bob.sobject('Account').update({ Id: acc!.Id, Phone: '555-0100', Rating: 'Hot' });
    const history = await org.conn.query<Record<string, unknown>>(`SELECT AccountId, Field, OldValue, NewValue, CreatedById FROM AccountHistory WHERE AccountId = '${acc!.Id}' AND Field != 'created'`);
    const bobId = org.sim.users.find((u) => u.username === 'bob@sim.example')!.id;
    expect(history.records.map((h) => [h.Field, h.OldValue, h.NewValue, h.CreatedById])).toEqual([['Phone', null, '555-0100', bobId]]);
  });
});

describe('writes', () => {
  it('creates, updates, upserts by external ID and deletes single records with SaveResults', async () => {
    org = await startTestOrg();
    const a = org.conn.sobject('Account');
    const created = (await a.create({ Name: 'Solo', Billing_Id__c: 'S-1' })) as { id: string; success: boolean; errors: unknown[] };
    expect(created).toEqual({ id: expect.stringMatching(SF_ID18), success: true, errors: [] });
    const up1 = await a.upsert({ Billing_Id__c: 'S-1', Name: 'Solo 2' }, 'Billing_Id__c');
    expect(up1).toMatchObject({ id: created.id, success: true, created: false });
    const up2 = await a.upsert({ Billing_Id__c: 'S-2', Name: 'Second' }, 'Billing_Id__c');
    expect(up2).toMatchObject({ success: true, created: true });
    await a.destroy(created.id);
    expect(org.sim.records('Account').find((r) => r.Id === created.id)!.IsDeleted).toBe(true);
  });

  it('validates by type, length, required and unique with Salesforce\'s error codes', async () => {
    org = await startTestOrg();
    const results = (await org.conn.sobject('Account').create([
      { Name: 'x'.repeat(256) },
      { Billing_Id__c: 'nameless' },
      { Name: 'Dup', Billing_Id__c: 'B-1001' },
      { Name: 'Money', AnnualRevenue: 'lots' },
      { Name: 'Empty string', Phone: '' },
    ])) as { success: boolean; id?: string; errors: { statusCode: string; message: string; fields: string[] }[] }[];
    expect(results.map((r) => r.errors[0]?.statusCode ?? 'OK')).toEqual(['STRING_TOO_LONG', 'REQUIRED_FIELD_MISSING', 'DUPLICATE_VALUE', 'INVALID_TYPE_ON_FIELD_IN_RECORD', 'OK']);
    expect(results[0]!.errors[0]).toEqual({ statusCode: 'STRING_TOO_LONG', message: expect.stringContaining('(max length=255)'), fields: ['Name'] });
    const stored = org.sim.records('Account').find((r) => r.Id === results[4]!.id)!;
    expect(stored.Phone).toBeNull(); // empty strings are stored as null
    await expect(org.conn.sobject('Account').create({ Name: 'y'.repeat(300) })).rejects.toMatchObject({ errorCode: 'STRING_TOO_LONG' });
  });

  it('rejects collections over 200 records (EXCEEDED_ID_LIMIT) and chunks them with allowRecursive', async () => {
    org = await startTestOrg();
    await expect(org.conn.sobject('Account').create(accounts(201))).rejects.toMatchObject({ errorCode: 'EXCEEDED_ID_LIMIT' });
    const before = org.sim.apiCallCount();
    const results = (await org.conn.sobject('Account').create(accounts(450), { allowRecursive: true })) as { success: boolean }[];
    expect(results.filter((r) => r.success)).toHaveLength(450);
    expect(org.sim.apiCallCount() - before).toBe(3); // a collections call counts once, whatever its size
  });

  it('rolls back a whole collection under allOrNone', async () => {
    org = await startTestOrg();
    const results = (await org.conn.sobject('Account').create([{ Name: 'ok' }, { Billing_Id__c: 'no name' }], { allOrNone: true })) as { success: boolean; errors: { statusCode: string }[] }[];
    expect(results.map((r) => r.errors[0]?.statusCode)).toEqual(['ALL_OR_NONE_OPERATION_ROLLED_BACK', 'REQUIRED_FIELD_MISSING']);
    expect(org.sim.records('Account').filter((r) => r.Name === 'ok')).toHaveLength(0);
  });

  it('upserts collections by external ID, updates by Id and deletes by Ids', async () => {
    org = await startTestOrg();
    const a = org.conn.sobject('Account');
    const up = (await a.upsert([{ Billing_Id__c: 'B-1001', Name: 'W2' }, { Billing_Id__c: 'N-1', Name: 'New' }], 'Billing_Id__c')) as { id: string; created: boolean }[];
    expect(up.map((r) => r.created)).toEqual([false, true]);
    const upd = (await a.update([{ Id: up[1]!.id, Phone: '123' }])) as { success: boolean }[];
    expect(upd[0]!.success).toBe(true);
    const del = (await a.destroy([up[1]!.id, '001000000000000AAA'])) as { success: boolean; errors: { statusCode: string }[] }[];
    expect(del.map((r) => r.success)).toEqual([true, false]);
  });
});

describe('Bulk API 2.0', () => {
  it('runs query jobs with Sforce-Locator paging and ingest jobs with per-record results', async () => {
    org = await startTestOrg();
    org.sim.insertMany('Account', accounts(25));
    const job = await org.conn.request<{ id: string }>({ method: 'POST', url: '/jobs/query', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ operation: 'query', query: 'SELECT Id, Billing_Id__c FROM Account' }) });
    const pages: string[] = [];
    let locator: string | null = '';
    let guard = 0;
    while (locator !== 'null' && guard++ < 10) {
      const res = await fetch(`${org.sim.url}/services/data/v60.0/jobs/query/${job.id}/results?maxRecords=10${locator ? `&locator=${locator}` : ''}`, { headers: { Authorization: `Bearer ${org.conn.accessToken}` } });
      pages.push(await res.text());
      locator = res.headers.get('sforce-locator');
    }
    expect(pages).toHaveLength(3);
    expect(pages.map((p) => p.trim().split('\n').length - 1)).toEqual([10, 10, 8]);

    const result = await org.conn.bulk2.loadAndWaitForResults({
      object: 'Account', operation: 'upsert', externalIdFieldName: 'Billing_Id__c', pollInterval: 20,
      input: [{ Billing_Id__c: 'X-1', Name: 'Bulk renamed' }, { Billing_Id__c: 'BULK-NEW', Name: 'Bulk new' }, { Billing_Id__c: 'BULK-BAD', Name: null }],
    });
    expect(result.successfulResults.map((r) => [(r as Record<string, unknown>).Billing_Id__c, r.sf__Created])).toEqual([['X-1', 'false'], ['BULK-NEW', 'true']]);
    expect(result.failedResults.map((r) => String(r.sf__Error).split(':')[0])).toEqual(['REQUIRED_FIELD_MISSING']);
  });
});

describe('limits and faults', () => {
  it('sends Sforce-Limit-Info on every API response and serves /limits', async () => {
    org = await startTestOrg();
    await org.conn.query('SELECT Id FROM Account');
    expect(org.conn.limitInfo.apiUsage).toEqual({ used: 1, limit: 100000 });
    const limits = await org.conn.limits();
    expect(limits.DailyApiRequests).toEqual({ Max: 100000, Remaining: 100000 - 2 });
  });

  it('refuses with 403 REQUEST_LIMIT_EXCEEDED once the daily budget is spent', async () => {
    org = await startTestOrg({ faults: { dailyApiLimit: 3 } });
    await org.conn.query('SELECT Id FROM Account');
    await org.conn.query('SELECT Id FROM Account');
    await org.conn.query('SELECT Id FROM Account');
    await expect(org.conn.query('SELECT Id FROM Account')).rejects.toMatchObject({ errorCode: 'REQUEST_LIMIT_EXCEEDED' });
  });

  it('injects 503 bursts (jsforce retries GETs; POSTs surface SERVER_UNAVAILABLE) and dropped connections', async () => {
    org = await startTestOrg();
    org.sim.setFaults({ unavailable: [{ from: 1, count: 1 }] });
    expect((await org.conn.query('SELECT Id FROM Account')).totalSize).toBe(3); // retried after 0.5 s
    org.sim.setFaults({ unavailable: [{ from: 1, count: 1 }] });
    await expect(org.conn.sobject('Account').create([{ Name: 'x' }])).rejects.toMatchObject({ errorCode: 'SERVER_UNAVAILABLE' });
    org.sim.setFaults({ dropConnections: [{ from: 1, count: 1 }] });
    await expect(org.conn.sobject('Account').create([{ Name: 'y' }])).rejects.toThrow(/socket hang up|ECONNRESET|other side closed|fetch failed|terminated/i);
    expect(org.sim.requests().some((r) => r.status === 0)).toBe(true);
  });

  it('rejects records with UNABLE_TO_LOCK_ROW and validation rules, deterministically by seed', async () => {
    org = await startTestOrg();
    const run = async () => {
      org!.sim.setFaults({ seed: 42, lockRowProbability: 0.3, validationRules: [{ object: 'Account', field: 'Name', pattern: '^TEST' }] });
      const r = (await org!.conn.sobject('Account').create([...accounts(20, 1000), { Name: 'TEST bad' }].map((x, i) => ({ ...x, Billing_Id__c: `F-${Math.random()}-${i}` })))) as { errors: { statusCode: string }[] }[];
      return r.map((x) => x.errors[0]?.statusCode ?? 'OK');
    };
    const first = await run();
    expect(first).toContain('UNABLE_TO_LOCK_ROW');
    expect(first.at(-1)).toMatch(/FIELD_CUSTOM_VALIDATION_EXCEPTION|UNABLE_TO_LOCK_ROW/);
    expect(await run()).toEqual(first);
  });

  it('adds latency', async () => {
    org = await startTestOrg({ faults: { latencyMs: 150 } });
    const t = performance.now();
    await org.conn.query('SELECT Id FROM Account');
    expect(performance.now() - t).toBeGreaterThanOrEqual(140);
  });
});

describe('fidelity', () => {
  it('computes the case-safe Id suffix like Salesforce (vectors from the facts sheet)', () => {
    expect(idSuffix('70130000001tcyI')).toBe('AAQ');
    expect(idSuffix('a0BA0000000L2ZC')).toBe('MA0');
    expect(idSuffix('AAaAAbbBBBCcCCC')).toBe('123');
    expect(idSuffix('a0D30000001n7Pi')).toBe('EAI');
    expect(to18('a0D30000001n7Pi')).toBe('a0D30000001n7PiEAI');
  });

  it('shapes errors as arrays with errorCode, SaveResults with statusCode, and the request log counts API calls', async () => {
    org = await startTestOrg();
    const res = await fetch(`${org.sim.url}/services/data/v60.0/query?q=SELECT+Nope+FROM+Account`, { headers: { Authorization: `Bearer ${org.conn.accessToken}` } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(res.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/100000$/);
    const body = (await res.json()) as { errorCode: string; message: string }[];
    expect(Array.isArray(body) && body[0]!.errorCode).toBe('INVALID_FIELD');
    const log = org.sim.requests();
    expect(log.find((e) => e.path === '/services/oauth2/token')).toMatchObject({ counted: false, status: 200 });
    expect(log.at(-1)).toMatchObject({ method: 'GET', path: '/services/data/v60.0/query', status: 400, counted: true, userId: org.sim.integrationUser.id });
  });
});

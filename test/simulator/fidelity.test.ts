/**
 * Wire-level fidelity: the simulator's responses against the shapes Salesforce documents
 * (shared/docs/salesforce-api.md). Raw HTTP, so nothing jsforce normalises hides a difference.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idSuffix, to18 } from '../../src/simulator/index.js';
import { API_VERSION, startTestOrg, type TestOrg } from '../support/simulator.js';

const SF_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/;
const SF_DATE = /^\d{4}-\d{2}-\d{2}$/;
const JSON_TYPE = 'application/json;charset=UTF-8';

let org: TestOrg;
let base: string;
let token: string;

beforeAll(async () => {
  org = await startTestOrg();
  base = `${org.sim.url}/services/data/v${API_VERSION}`;
  token = org.conn.accessToken!;
});
afterAll(async () => {
  await org.stop();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(path.startsWith('http') ? path : `${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, headers: res.headers, text, json: type.startsWith('application/json') && text ? (JSON.parse(text) as unknown) : undefined };
}

/** An Id Salesforce would accept: 18 characters whose suffix matches the case of the first 15. */
function expectSalesforceId(id: unknown, keyPrefix: string): void {
  expect(typeof id).toBe('string');
  const s = id as string;
  expect(s).toMatch(/^[a-zA-Z0-9]{18}$/);
  expect(s.slice(0, 3)).toBe(keyPrefix);
  expect(idSuffix(s.slice(0, 15))).toBe(s.slice(15));
}

describe('Ids (§2)', () => {
  it('computes the suffix of the facts sheet vectors and accepts the 15-character form', () => {
    expect(['70130000001tcyI', 'a0BA0000000L2ZC', 'AAaAAbbBBBCcCCC', 'a0D30000001n7Pi'].map(idSuffix)).toEqual(['AAQ', 'MA0', '123', 'EAI']);
    expect(to18('70130000001tcyI')).toBe('70130000001tcyIAAQ');
  });

  it('mints 18-character Ids with real key prefixes: 001 Account, 003 Contact, 005 User, 017 history, 00D org, 750 job, 01g locator', async () => {
    const acc = await call('POST', '/sobjects/Account', { Name: 'Prefix check', Billing_Id__c: 'FID-1' });
    expectSalesforceId((acc.json as { id: string }).id, '001');
    const con = await call('POST', '/sobjects/Contact', { LastName: 'Prefix' });
    expectSalesforceId((con.json as { id: string }).id, '003');
    for (const u of org.sim.users) expectSalesforceId(u.id, '005');
    expectSalesforceId(org.sim.orgId, '00D');
    const history = await org.conn.query<{ Id: string }>('SELECT Id FROM AccountHistory LIMIT 1');
    expectSalesforceId(history.records[0]!.Id, '017');
    const job = await call('POST', '/jobs/query', { operation: 'query', query: 'SELECT Id FROM Account' });
    expectSalesforceId((job.json as { id: string }).id, '750');
    org.sim.insertMany('Contact', Array.from({ length: 2100 }, (_, i) => ({ LastName: `L${i}` })));
    const page = await call('GET', `/query?q=${encodeURIComponent('SELECT Id FROM Contact')}`);
    const locator = /\/query\/([^-/]+)-2000$/.exec((page.json as { nextRecordsUrl: string }).nextRecordsUrl)?.[1];
    expect(locator?.slice(0, 3)).toBe('01g');
  });

  it('finds a record by its 15-character Id and by its 18-character Id in another case', async () => {
    const { id } = (await call('POST', '/sobjects/Account', { Name: 'Case-safe', Billing_Id__c: 'FID-2' })).json as { id: string };
    expect((await call('GET', `/sobjects/Account/${id.slice(0, 15)}`)).json).toMatchObject({ Id: id });
    expect((await call('GET', `/sobjects/Account/${id.toLowerCase()}`)).json).toMatchObject({ Id: id });
  });
});

describe('query responses (§2)', () => {
  it('returns totalSize, done, nextRecordsUrl and records with attributes, every selected field present', async () => {
    const r = await call('GET', `/query?q=${encodeURIComponent("SELECT Id, Name, Phone, AnnualRevenue, Active__c, Renewal_Date__c, CreatedDate FROM Account WHERE Billing_Id__c = 'B-1001'")}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe(JSON_TYPE);
    const body = r.json as { totalSize: number; done: boolean; records: Record<string, unknown>[] };
    expect(Object.keys(body).sort()).toEqual(['done', 'records', 'totalSize']);
    const rec = body.records[0]!;
    expect(Object.keys(rec)).toEqual(['attributes', 'Id', 'Name', 'Phone', 'AnnualRevenue', 'Active__c', 'Renewal_Date__c', 'CreatedDate']);
    expect(rec.attributes).toEqual({ type: 'Account', url: `/services/data/v${API_VERSION}/sobjects/Account/${String(rec.Id)}` });
    expect(rec).toMatchObject({ Phone: null, AnnualRevenue: 1200000, Active__c: false, Renewal_Date__c: null });
    expect(rec.CreatedDate).toMatch(SF_DATETIME);
  });

  it('gives totalSize as the whole count, not the page size, and the locator as <cursor>-<offset>', async () => {
    const total = (await org.conn.query('SELECT COUNT() FROM Contact')).totalSize;
    const r = (await call('GET', `/query?q=${encodeURIComponent('SELECT Id FROM Contact')}`)).json as { totalSize: number; done: boolean; nextRecordsUrl: string; records: unknown[] };
    expect(r).toMatchObject({ totalSize: total, done: false });
    expect(r.records).toHaveLength(2000);
    expect(r.nextRecordsUrl).toMatch(new RegExp(`^/services/data/v${API_VERSION.replace('.', '\\.')}/query/01g[A-Za-z0-9]+-2000$`));
    const next = (await call('GET', `${org.sim.url}${r.nextRecordsUrl}`)).json as { totalSize: number; done: boolean; records: unknown[] };
    expect(next).toMatchObject({ totalSize: total, done: true });
    expect(next.records).toHaveLength(total - 2000);
    expect(next).not.toHaveProperty('nextRecordsUrl');
  });

  it('answers SELECT COUNT() with the count in totalSize and no records', async () => {
    const r = (await call('GET', `/query?q=${encodeURIComponent('SELECT COUNT() FROM Account')}`)).json;
    expect(r).toEqual({ totalSize: expect.any(Number), done: true, records: [] });
  });

  it('formats dates as YYYY-MM-DD and datetimes as UTC with milliseconds and +0000', async () => {
    await org.conn.sobject('Account').create({ Name: 'Dated', Billing_Id__c: 'FID-3', Renewal_Date__c: '2027-01-31', Last_Synced__c: '2026-11-20T15:03:22+01:00' });
    const r = await org.conn.query<Record<string, string>>("SELECT Renewal_Date__c, Last_Synced__c, SystemModstamp FROM Account WHERE Billing_Id__c = 'FID-3'");
    const rec = r.records[0]!;
    expect(rec.Renewal_Date__c).toMatch(SF_DATE);
    expect(rec.Last_Synced__c).toBe('2026-11-20T14:03:22.000+0000');
    expect(rec.SystemModstamp).toMatch(SF_DATETIME);
  });
});

describe('errors (§3)', () => {
  it('reports REST errors as a JSON array of {message, errorCode[, fields]}', async () => {
    const bad = await call('GET', `/query?q=${encodeURIComponent('SELECT Nope FROM Account')}`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe(JSON_TYPE);
    expect(bad.json).toEqual([{ message: expect.stringContaining("No such column 'Nope'"), errorCode: 'INVALID_FIELD' }]);
    const write = await call('POST', '/sobjects/Account', { Billing_Id__c: 'FID-no-name' });
    expect(write.status).toBe(400);
    expect(write.json).toEqual([{ message: 'Required fields are missing: [Name]', errorCode: 'REQUIRED_FIELD_MISSING', fields: ['Name'] }]);
  });

  it('answers an unknown resource with 404 NOT_FOUND and an unknown record the same way', async () => {
    expect((await call('GET', '/nope')).json).toEqual([{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
    const missing = await call('GET', '/sobjects/Account/001Sm000000zzzzAAA');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual([{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
  });

  it('answers URIs over 16,384 bytes with 414 and URI plus headers over it with 431', async () => {
    const longUri = await call('GET', `/query?q=${'x'.repeat(16_400)}`);
    expect(longUri.status).toBe(414);
    const bigHeaders = await call('GET', `/query?q=${'x'.repeat(10_000)}`, undefined, { 'X-Padding': 'y'.repeat(7_000) });
    expect(bigHeaders.status).toBe(431);
  });
});

describe('SaveResults (§4)', () => {
  it('answers a single create with 201 {id, success, errors}', async () => {
    const r = await call('POST', '/sobjects/Account', { Name: 'Single', Billing_Id__c: 'FID-4' });
    expect(r.status).toBe(201);
    expect(r.json).toEqual({ id: expect.any(String), success: true, errors: [] });
  });

  it('answers a single update and delete with 204 and no body', async () => {
    const { id } = (await call('POST', '/sobjects/Account', { Name: 'To change', Billing_Id__c: 'FID-5' })).json as { id: string };
    const upd = await call('PATCH', `/sobjects/Account/${id}`, { Phone: '555' });
    expect([upd.status, upd.text]).toEqual([204, '']);
    const del = await call('DELETE', `/sobjects/Account/${id}`);
    expect([del.status, del.text]).toEqual([204, '']);
  });

  it('answers an upsert with 201 created:true, then 200 created:false, and 300 when the external ID matches several records', async () => {
    const first = await call('PATCH', '/sobjects/Account/Billing_Id__c/FID-6', { Name: 'Upserted' });
    expect(first.status).toBe(201);
    expect(first.json).toEqual({ id: expect.any(String), success: true, errors: [], created: true });
    const second = await call('PATCH', '/sobjects/Account/Billing_Id__c/FID-6', { Name: 'Upserted again' });
    expect(second.status).toBe(200);
    expect(second.json).toEqual({ id: (first.json as { id: string }).id, success: true, errors: [], created: false });
  });

  it('returns collection results in request order, with statusCode in per-record errors and no id for a record that has none', async () => {
    const r = await call('POST', '/composite/sobjects', {
      allOrNone: false,
      records: [
        { attributes: { type: 'Account' }, Name: 'Coll ok', Billing_Id__c: 'FID-7' },
        { attributes: { type: 'Account' }, Billing_Id__c: 'FID-8' },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual([
      { id: expect.any(String), success: true, errors: [] },
      { success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] }] },
    ]);
  });

  it('marks every other record ALL_OR_NONE_OPERATION_ROLLED_BACK under allOrNone, keeping ids only where the caller gave them', async () => {
    const created = (await call('POST', '/sobjects/Account', { Name: 'Will survive', Billing_Id__c: 'FID-9' })).json as { id: string };
    const r = await call('DELETE', `/composite/sobjects?ids=${created.id},001Sm000000zzzzAAA&allOrNone=true`);
    expect(r.status).toBe(200);
    const [kept, failed] = r.json as Record<string, unknown>[];
    expect(kept).toEqual({
      id: created.id,
      success: false,
      errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] }],
    });
    expect(failed).toMatchObject({ success: false, errors: [{ statusCode: expect.any(String), message: expect.any(String), fields: [] }] });
    expect(failed).not.toHaveProperty('id', null);
    expect((await call('GET', `/sobjects/Account/${created.id}`)).status).toBe(200);
  });

  it('rejects more than 200 records in one collection call with EXCEEDED_ID_LIMIT', async () => {
    const records = Array.from({ length: 201 }, (_, i) => ({ attributes: { type: 'Account' }, Name: `Over ${i}` }));
    const r = await call('POST', '/composite/sobjects', { allOrNone: false, records });
    expect(r.status).toBe(400);
    expect(r.json).toEqual([{ message: 'record limit reached. cannot submit more than 200 records into this call', errorCode: 'EXCEEDED_ID_LIMIT' }]);
  });
});

describe('Composite (§4)', () => {
  it('answers with compositeResponse entries of body, httpHeaders, httpStatusCode and referenceId, counted as one API call', async () => {
    const before = org.sim.apiCallCount();
    const r = await call('POST', '/composite', {
      compositeRequest: [
        { method: 'GET', url: `/services/data/v${API_VERSION}/query?q=${encodeURIComponent("SELECT Name FROM Account WHERE Billing_Id__c = 'B-1001'")}`, referenceId: 'q1' },
        { method: 'GET', url: `/services/data/v${API_VERSION}/query?q=${encodeURIComponent("SELECT Name FROM Account WHERE Billing_Id__c = 'B-1002'")}`, referenceId: 'q2' },
        { method: 'POST', url: `/services/data/v${API_VERSION}/sobjects/Account`, referenceId: 'c1', body: { Name: 'From composite', Billing_Id__c: 'FID-10' } },
      ],
    });
    expect(org.sim.apiCallCount() - before).toBe(1);
    const { compositeResponse } = r.json as { compositeResponse: { body: unknown; httpHeaders: unknown; httpStatusCode: number; referenceId: string }[] };
    expect(compositeResponse.map((s) => Object.keys(s).sort())).toEqual(Array(3).fill(['body', 'httpHeaders', 'httpStatusCode', 'referenceId']));
    expect(compositeResponse.map((s) => [s.referenceId, s.httpStatusCode])).toEqual([['q1', 200], ['q2', 200], ['c1', 201]]);
    expect(compositeResponse[0]!.body).toMatchObject({ totalSize: 1, records: [{ Name: 'Wheelworks' }] });
  });

  it('refuses more than 25 subrequests, and more than 5 queries', async () => {
    const query = (i: number) => ({ method: 'GET', url: `/services/data/v${API_VERSION}/query?q=${encodeURIComponent('SELECT Id FROM Account LIMIT 1')}`, referenceId: `q${i}` });
    const get = (i: number) => ({ method: 'GET', url: `/services/data/v${API_VERSION}/limits`, referenceId: `l${i}` });
    const tooMany = await call('POST', '/composite', { compositeRequest: Array.from({ length: 26 }, (_, i) => get(i)) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json).toEqual([{ message: expect.stringContaining('25'), errorCode: 'LIMIT_EXCEEDED' }]);
    const sixQueries = await call('POST', '/composite', { compositeRequest: Array.from({ length: 6 }, (_, i) => query(i)) });
    expect(sixQueries.json).toEqual([{ message: expect.stringContaining('5'), errorCode: 'LIMIT_EXCEEDED' }]);
    const fiveQueries = await call('POST', '/composite', { compositeRequest: Array.from({ length: 5 }, (_, i) => query(i)) });
    expect(fiveQueries.status).toBe(200);
  });
});

describe('limits (§5)', () => {
  it('sends Sforce-Limit-Info: api-usage=used/allocation on every API response, errors included', async () => {
    const ok = await call('GET', '/limits');
    const err = await call('GET', '/sobjects/Nope__c/describe');
    const [, used1, max1] = /^api-usage=(\d+)\/(\d+)$/.exec(ok.headers.get('sforce-limit-info') ?? '') ?? [];
    const [, used2] = /^api-usage=(\d+)\/(\d+)$/.exec(err.headers.get('sforce-limit-info') ?? '') ?? [];
    expect(Number(max1)).toBe(100_000);
    expect(Number(used2)).toBe(Number(used1) + 1);
  });

  it('serves /limits keyed by limit name with {Max, Remaining} numbers', async () => {
    const limits = (await call('GET', '/limits')).json as Record<string, { Max: number; Remaining: number }>;
    for (const key of ['DailyApiRequests', 'DailyBulkApiBatches', 'DailyBulkV2QueryJobs', 'DailyBulkV2QueryFileStorageMB', 'DataStorageMB', 'FileStorageMB']) {
      expect(limits[key]).toEqual({ Max: expect.any(Number), Remaining: expect.any(Number) });
    }
    expect(limits.DailyApiRequests!.Max - limits.DailyApiRequests!.Remaining).toBe(org.sim.apiCallCount());
  });
});

describe('getUpdated / getDeleted (§6)', () => {
  it('answers {ids, latestDateCovered} and {deletedRecords, earliestDateAvailable, latestDateCovered}, seconds cut to the minute', async () => {
    const start = new Date(Date.now() - 3_600_000).toISOString();
    const end = new Date(Date.now() + 3_600_000).toISOString();
    const q = `?start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`;
    const updated = (await call('GET', `/sobjects/Account/updated/${q}`)).json as Record<string, unknown>;
    expect(Object.keys(updated).sort()).toEqual(['ids', 'latestDateCovered']);
    expect(updated.latestDateCovered).toMatch(/:00\.000\+0000$/);
    const deleted = (await call('GET', `/sobjects/Account/deleted${q}`)).json as Record<string, unknown>;
    expect(Object.keys(deleted).sort()).toEqual(['deletedRecords', 'earliestDateAvailable', 'latestDateCovered']);
    expect(deleted.deletedRecords).toContainEqual({ id: expect.any(String), deletedDate: expect.stringMatching(SF_DATETIME) });
  });

  it('refuses a window whose start is not before its end with INVALID_REPLICATION_DATE', async () => {
    const t = encodeURIComponent(new Date().toISOString());
    const r = await call('GET', `/sobjects/Account/updated?start=${t}&end=${t}`);
    expect(r.status).toBe(400);
    expect(r.json).toEqual([{ message: expect.any(String), errorCode: 'INVALID_REPLICATION_DATE' }]);
  });
});

describe('describe (§9) and system fields (§10)', () => {
  it('describes fields with the properties diffing needs, system fields read-only', async () => {
    const d = (await call('GET', '/sobjects/Account/describe')).json as { name: string; keyPrefix: string; fields: Record<string, unknown>[] };
    expect(d).toMatchObject({ name: 'Account', keyPrefix: '001' });
    const byName = new Map(d.fields.map((f) => [f.name, f]));
    for (const f of d.fields) {
      for (const key of ['name', 'type', 'soapType', 'externalId', 'unique', 'idLookup', 'createable', 'updateable', 'nillable', 'length', 'precision', 'scale', 'referenceTo', 'relationshipName', 'picklistValues', 'custom']) {
        expect(f).toHaveProperty(key);
      }
    }
    expect(byName.get('Billing_Id__c')).toMatchObject({ type: 'string', externalId: true, unique: true, idLookup: true, custom: true });
    expect(byName.get('Id')).toMatchObject({ type: 'id', soapType: 'tns:ID', createable: false, updateable: false });
    for (const name of ['CreatedDate', 'CreatedById', 'LastModifiedDate', 'LastModifiedById', 'SystemModstamp', 'IsDeleted']) {
      expect(byName.get(name)).toMatchObject({ createable: false, updateable: false });
    }
    expect(byName.get('LastModifiedById')).toMatchObject({ type: 'reference', referenceTo: ['User'], relationshipName: 'LastModifiedBy' });
  });

  it('refuses to write a system field with INVALID_FIELD_FOR_INSERT_UPDATE', async () => {
    const r = await call('POST', '/sobjects/Account', { Name: 'Backdated', SystemModstamp: '2020-01-01T00:00:00Z' });
    expect(r.json).toEqual([{ message: expect.stringContaining('Unable to create/update fields: SystemModstamp'), errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['SystemModstamp'] }]);
  });

  it('returns field history values as the tracked field\'s primitive (anyType)', async () => {
    const [acc] = (await org.conn.query<{ Id: string }>("SELECT Id FROM Account WHERE Billing_Id__c = 'B-1003'")).records;
    await org.conn.sobject('Account').update({ Id: acc!.Id, AnnualRevenue: 950000 });
    const h = await org.conn.query<{ OldValue: unknown; NewValue: unknown }>(`SELECT OldValue, NewValue FROM AccountHistory WHERE AccountId = '${acc!.Id}' AND Field = 'AnnualRevenue'`);
    expect(h.records.map((r) => [r.OldValue, r.NewValue])).toEqual([[800000, 950000]]);
  });
});

describe('OAuth token responses (§1)', () => {
  it('carries access_token, an origin-only instance_url, an identity URL ending orgId/userId, issued_at in ms and a valid signature', async () => {
    const res = await fetch(`${org.sim.loginUrl}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: org.sim.clientId, client_secret: org.sim.clientSecret, username: 'alice@sim.example', password: 'alice-pass' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, string>;
    const alice = org.sim.users.find((u) => u.username === 'alice@sim.example')!;
    expect(body).toMatchObject({ token_type: 'Bearer', instance_url: new URL(org.sim.url).origin });
    expect(body.id!.split('/').slice(-2)).toEqual([org.sim.orgId, alice.id]);
    expect(Math.abs(Number(body.issued_at) - Date.now())).toBeLessThan(60_000);
    expect(body.signature).toBe(createHmac('sha256', org.sim.clientSecret).update(body.id! + body.issued_at!).digest('base64'));
    expect(body).not.toHaveProperty('refresh_token'); // the password grant issues none
  });

  it('reports token errors as {error, error_description} with status 400', async () => {
    const res = await fetch(`${org.sim.loginUrl}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: org.sim.clientId, client_secret: org.sim.clientSecret, username: 'alice@sim.example', password: 'x' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_grant', error_description: 'authentication failure' });
  });
});

describe('Bulk API 2.0 (§7)', () => {
  it('creates query jobs with the documented job info, and pages CSV results with Sforce-Locator and Sforce-NumberOfRecords', async () => {
    const job = (await call('POST', '/jobs/query', { operation: 'query', query: 'SELECT Id, Name, Billing_Id__c FROM Account' })).json as Record<string, unknown>;
    expect(job).toMatchObject({ operation: 'query', object: 'Account', state: 'UploadComplete', concurrencyMode: 'Parallel', contentType: 'CSV', apiVersion: Number(API_VERSION), lineEnding: 'LF', columnDelimiter: 'COMMA' });
    expect(job.createdDate).toMatch(SF_DATETIME);
    const info = (await call('GET', `/jobs/query/${String(job.id)}`)).json as Record<string, unknown>;
    expect(info).toMatchObject({ id: job.id, jobType: 'V2Query' });
    expect((await call('GET', `/jobs/query/${String(job.id)}`)).headers.get('sforce-locator')).toBeNull();
    const page = await call('GET', `/jobs/query/${String(job.id)}/results?maxRecords=2`, undefined, { Accept: 'text/csv' });
    expect(page.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(page.headers.get('sforce-numberofrecords')).toBe('2');
    expect(page.headers.get('sforce-locator')).not.toBe('null');
    expect(page.text.split('\n')[0]).toMatch(/^"?Id"?,"?Name"?,"?Billing_Id__c"?$/);
  });

  it('opens ingest jobs with a contentUrl, takes CSV with 201, and returns sf__ columns in results', async () => {
    const job = (await call('POST', '/jobs/ingest', { object: 'Account', operation: 'insert' })).json as Record<string, unknown>;
    expect(job).toMatchObject({ state: 'Open', contentUrl: `services/data/v${API_VERSION}/jobs/ingest/${String(job.id)}/batches` });
    const upload = await fetch(`${base}/jobs/ingest/${String(job.id)}/batches`, { method: 'PUT', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv' }, body: 'Name,Billing_Id__c\nBulk A,FID-B1\n,FID-B2\n' });
    expect([upload.status, await upload.text()]).toEqual([201, '']);
    expect((await call('PATCH', `/jobs/ingest/${String(job.id)}`, { state: 'UploadComplete' })).json).toMatchObject({ state: 'UploadComplete' });
    const ok = await call('GET', `/jobs/ingest/${String(job.id)}/successfulResults`);
    expect(ok.text.split('\n')[0]).toMatch(/^"?sf__Id"?,"?sf__Created"?,"?Name"?,"?Billing_Id__c"?$/);
    const failed = await call('GET', `/jobs/ingest/${String(job.id)}/failedResults`);
    expect(failed.text.split('\n')[0]).toMatch(/^"?sf__Id"?,"?sf__Error"?,"?Name"?,"?Billing_Id__c"?$/);
    expect(failed.text).toContain('REQUIRED_FIELD_MISSING');
  });
});

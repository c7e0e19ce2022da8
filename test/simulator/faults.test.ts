/**
 * Faults as the real jsforce client meets them. Complements simulator.e2e.test.ts (bursts by request
 * number, probabilities, latency) with time spans, lost responses, single-record errors, bulk and budgets.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrg, type TestOrg } from '../support/simulator.js';

let org: TestOrg;
beforeAll(async () => {
  org = await startTestOrg();
});
afterEach(() => {
  org.sim.setFaults({});
});
afterAll(async () => {
  await org.stop();
});

async function accountId(billingId: string): Promise<string> {
  const r = await org.conn.query<{ Id: string }>(`SELECT Id FROM Account WHERE Billing_Id__c = '${billingId}'`);
  return r.records[0]!.Id;
}

describe('503 during a time span', () => {
  it('refuses every API request inside the span and none after it', async () => {
    org.sim.setFaults({ unavailableDuring: [{ afterMs: 0, forMs: 400 }] });
    // POST is never retried by jsforce, so the 503 surfaces.
    await expect(org.conn.sobject('Account').create([{ Name: 'In the outage' }])).rejects.toMatchObject({ errorCode: 'SERVER_UNAVAILABLE' });
    await new Promise((r) => setTimeout(r, 450));
    const [result] = (await org.conn.sobject('Account').create([{ Name: 'After the outage' }])) as { success: boolean }[];
    expect(result!.success).toBe(true);
    expect(org.sim.records('Account').filter((r) => r.Name === 'In the outage')).toHaveLength(0);
  });

  it('starts a span later: requests before it pass', async () => {
    org.sim.setFaults({ unavailableDuring: [{ afterMs: 60_000, forMs: 1_000 }] });
    expect((await org.conn.query('SELECT COUNT() FROM Account')).totalSize).toBeGreaterThan(0);
  });
});

describe('lost responses', () => {
  it('carries out the write, then closes the connection: the caller sees a network error although the record exists', async () => {
    org.sim.setFaults({ dropResponses: [{ from: 1, count: 1 }] });
    await expect(org.conn.sobject('Account').create([{ Name: 'Ghost write', Billing_Id__c: 'LOST-1' }])).rejects.toThrow(
      /socket hang up|ECONNRESET|other side closed|terminated/i,
    );
    expect(org.sim.records('Account').filter((r) => r.Billing_Id__c === 'LOST-1')).toHaveLength(1);
    expect(org.sim.requests().at(-1)).toMatchObject({ method: 'POST', path: '/services/data/v60.0/composite/sobjects', status: 0, counted: true });
    // An upsert by external ID is safe to retry: the second attempt finds the record instead of duplicating it.
    const [retry] = (await org.conn.sobject('Account').upsert([{ Billing_Id__c: 'LOST-1', Name: 'Ghost write' }], 'Billing_Id__c')) as { created: boolean }[];
    expect(retry!.created).toBe(false);
  });

  it('closes the connection before carrying out the request with dropConnections: nothing is written', async () => {
    org.sim.setFaults({ dropConnections: [{ from: 1, count: 1 }] });
    await expect(org.conn.sobject('Account').create([{ Name: 'Never written', Billing_Id__c: 'LOST-2' }])).rejects.toThrow();
    expect(org.sim.records('Account').filter((r) => r.Billing_Id__c === 'LOST-2')).toHaveLength(0);
  });
});

describe('record-level faults on single-record calls', () => {
  it('fails the whole request with UNABLE_TO_LOCK_ROW and leaves the record unchanged', async () => {
    const id = await accountId('B-1002');
    org.sim.setFaults({ lockRowProbability: 1 });
    await expect(org.conn.sobject('Account').update({ Id: id, Phone: '555-0199' })).rejects.toMatchObject({ errorCode: 'UNABLE_TO_LOCK_ROW' });
    expect(org.sim.records('Account').find((r) => r.Id === id)!.Phone).toBeNull();
  });

  it('rejects a value matching a validation rule with FIELD_CUSTOM_VALIDATION_EXCEPTION, the rule\'s message and field', async () => {
    const id = await accountId('B-1002');
    org.sim.setFaults({ validationRules: [{ object: 'Account', field: 'Phone', pattern: '^0', message: 'Phone must be in international format' }] });
    const error = await org.conn.sobject('Account').update({ Id: id, Phone: '0800 123' }).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Phone must be in international format', data: { fields: ['Phone'] } });
    await org.conn.sobject('Account').update({ Id: id, Phone: '+44 800 123' });
    expect(org.sim.records('Account').find((r) => r.Id === id)!.Phone).toBe('+44 800 123');
  });
});

describe('faults inside Bulk API 2.0 ingest jobs', () => {
  it('fails each record on its own and reports UNABLE_TO_LOCK_ROW in sf__Error', async () => {
    org.sim.setFaults({ lockRowProbability: 1 });
    const result = await org.conn.bulk2.loadAndWaitForResults({
      object: 'Account',
      operation: 'insert',
      pollInterval: 20,
      input: [{ Name: 'Bulk locked 1', Billing_Id__c: 'BL-1' }, { Name: 'Bulk locked 2', Billing_Id__c: 'BL-2' }],
    });
    expect(result.successfulResults).toHaveLength(0);
    expect(result.failedResults.map((r) => String(r.sf__Error).split(':')[0])).toEqual(['UNABLE_TO_LOCK_ROW', 'UNABLE_TO_LOCK_ROW']);
  });
});

describe('the daily API budget', () => {
  it('starts near the limit with apiUsed, shows it in limits and Sforce-Limit-Info, and stops counting once refused', async () => {
    org.sim.setFaults({ dailyApiLimit: 1_000, apiUsed: 997 });
    const limits = await org.conn.limits();
    expect(limits.DailyApiRequests).toEqual({ Max: 1_000, Remaining: 2 });
    await org.conn.query('SELECT COUNT() FROM Account');
    expect(org.conn.limitInfo.apiUsage).toEqual({ used: 999, limit: 1_000 });
    await org.conn.query('SELECT COUNT() FROM Account');
    const refused = await org.conn.query('SELECT COUNT() FROM Account').then(() => undefined, (e: unknown) => e);
    expect(refused).toMatchObject({ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' });
    expect(org.sim.requests().at(-1)).toMatchObject({ status: 403, counted: false });
  });
});

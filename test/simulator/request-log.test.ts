import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
import { startTestOrg, type TestOrg } from '../support/simulator.js';

let org: TestOrg | undefined;
afterEach(async () => {
  await org?.stop();
  org = undefined;
});

describe('the request log', () => {
  it('records each call with time, user, method, path, status, and whether it counted as Salesforce counts', async () => {
    org = await startTestOrg();
    const before = org.sim.apiCallCount();
    await org.conn.sobject('Account').create([{ Name: 'Logged 1' }, { Name: 'Logged 2' }]);
    await org.conn.request({ method: 'POST', url: '/composite', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ compositeRequest: [
      { method: 'GET', url: '/services/data/v60.0/limits', referenceId: 'a' },
      { method: 'GET', url: '/services/data/v60.0/limits', referenceId: 'b' },
    ] }) });
    expect(org.sim.apiCallCount() - before).toBe(2); // one collections call, one Composite call
    const [collections, composite] = org.sim.requests().slice(-2);
    expect(collections).toEqual({ time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/), userId: org.sim.integrationUser.id, method: 'POST', path: '/services/data/v60.0/composite/sobjects', status: 200, counted: true });
    expect(composite).toMatchObject({ method: 'POST', path: '/services/data/v60.0/composite', status: 200, counted: true });
    expect(org.sim.requests().filter((r) => r.path === '/services/oauth2/token').every((r) => !r.counted)).toBe(true);
  });

  it('keeps only the latest requestLogLimit calls, while apiCallCount counts them all', async () => {
    const sim = await startSimulator({ port: 0, requestLogLimit: 5 });
    try {
      const token = (await (await fetch(`${sim.url}/services/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'password', client_id: sim.clientId, client_secret: sim.clientSecret, username: sim.integrationUser.username, password: sim.integrationUser.password }) })).json()) as { access_token: string };
      for (let i = 0; i < 12; i++) await fetch(`${sim.url}/services/data/v60.0/sobjects/Account/describe?n=${i}`, { headers: { Authorization: `Bearer ${token.access_token}` } });
      expect(sim.requests()).toHaveLength(5);
      expect(sim.requests().every((r) => r.path === '/services/data/v60.0/sobjects/Account/describe')).toBe(true);
      expect(sim.apiCallCount()).toBe(12);
    } finally {
      await sim.stop();
    }
  });

  it('is cleared by reset(), which also restores the seed records and keeps sessions working', async () => {
    org = await startTestOrg();
    await org.conn.sobject('Account').create({ Name: 'Gone after reset' });
    const [seeded] = (await org.conn.query<{ Id: string }>("SELECT Id FROM Account WHERE Billing_Id__c = 'B-1001'")).records;
    await org.conn.sobject('Account').destroy(seeded!.Id);
    org.sim.reset();
    expect(org.sim.requests()).toEqual([]);
    expect(org.sim.apiCallCount()).toBe(0);
    const names = (await org.conn.query<{ Name: string }>('SELECT Name FROM Account ORDER BY Name')).records.map((r) => r.Name);
    expect(names).toEqual(['Northern Trail Cycling', 'Trailblazers', 'Wheelworks']);
    expect(org.sim.apiCallCount()).toBe(1);
  });
});

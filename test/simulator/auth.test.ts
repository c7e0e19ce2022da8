import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, startTestOrg, type TestOrg } from '../support/simulator.js';

let org: TestOrg;
beforeAll(async () => {
  org = await startTestOrg();
});
afterAll(async () => {
  await org.stop();
});

function newConnection(overrides: Partial<jsforce.ConnectionConfig> = {}): jsforce.Connection {
  return new jsforce.Connection({
    loginUrl: org.sim.loginUrl,
    version: API_VERSION,
    oauth2: { clientId: org.sim.clientId, clientSecret: org.sim.clientSecret, loginUrl: org.sim.loginUrl },
    ...overrides,
  });
}

async function whoAmI(conn: jsforce.Connection): Promise<string> {
  const identity = await conn.identity();
  return identity.username;
}

describe('OAuth 2.0 token endpoint', () => {
  it('logs in with the password grant and identifies the user through the identity URL it hands out', async () => {
    const conn = newConnection();
    const info = await conn.login('alice@sim.example', 'alice-pass');
    const alice = org.sim.users.find((u) => u.username === 'alice@sim.example')!;
    expect(info.id).toBe(alice.id);
    expect(info.organizationId).toBe(org.sim.orgId);
    expect(conn.instanceUrl).toBe(org.sim.url);
    expect(await whoAmI(conn)).toBe('alice@sim.example');
  });

  it('refuses a wrong password, an unknown client id and a wrong client secret with the OAuth error names', async () => {
    await expect(newConnection().login('alice@sim.example', 'wrong')).rejects.toMatchObject({
      name: 'invalid_grant',
      message: 'authentication failure',
    });
    const unknownClient = newConnection({ oauth2: { clientId: 'nope', clientSecret: org.sim.clientSecret, loginUrl: org.sim.loginUrl } });
    await expect(unknownClient.login('alice@sim.example', 'alice-pass')).rejects.toMatchObject({ name: 'invalid_client_id' });
    const wrongSecret = newConnection({ oauth2: { clientId: org.sim.clientId, clientSecret: 'nope', loginUrl: org.sim.loginUrl } });
    await expect(wrongSecret.login('alice@sim.example', 'alice-pass')).rejects.toMatchObject({ name: 'invalid_client' });
  });

  it('issues a client_credentials token that runs as the integration user', async () => {
    const conn = newConnection();
    await conn.authorize({ grant_type: 'client_credentials' });
    expect(await whoAmI(conn)).toBe(org.sim.integrationUser.username);
    const bad = newConnection({ oauth2: { clientId: org.sim.clientId, clientSecret: 'nope', loginUrl: org.sim.loginUrl } });
    await expect(bad.authorize({ grant_type: 'client_credentials' })).rejects.toMatchObject({ name: 'invalid_client' });
  });

  it('refreshes an expired session with the refresh_token grant and replays the call', async () => {
    const refreshToken = org.sim.issueRefreshToken('bob@sim.example');
    const first = newConnection();
    await first.login('bob@sim.example', 'bob-pass');
    const conn = newConnection({ instanceUrl: org.sim.url, accessToken: first.accessToken!, refreshToken });
    let refreshed = 0;
    conn.on('refresh', () => (refreshed += 1));
    org.sim.expireAccessTokens();
    const result = await conn.query<{ Name: string }>('SELECT Name FROM Account WHERE Billing_Id__c = \'B-1001\'');
    expect(result.records[0]?.Name).toBe('Wheelworks');
    expect(refreshed).toBe(1);
    expect(conn.accessToken).not.toBe(first.accessToken);
    expect(await whoAmI(conn)).toBe('bob@sim.example');
  });

  it('rejects an unknown refresh token with invalid_grant', async () => {
    const conn = newConnection();
    await expect(conn.oauth2.refreshToken('5Aep-not-issued')).rejects.toMatchObject({ name: 'invalid_grant' });
  });


  it('answers an API call without a bearer token with 401 INVALID_SESSION_ID', async () => {
    const res = await fetch(`${org.sim.url}/services/data/v${API_VERSION}/limits`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
  });

  it('serves /services/data/vNN.N for any API version jsforce is configured with', async () => {
    const login = newConnection({ version: '52.0' });
    await login.login('integration@sim.example', 'integration-pass');
    const r = await login.query<{ Name: string }>("SELECT Name FROM Account WHERE Billing_Id__c = 'B-1002'");
    expect(r.records[0]?.Name).toBe('Northern Trail Cycling');
  });
});

describe('SOAP login (what jsforce uses without a client id and secret)', () => {
  it('logs in, serves REST calls with the session, and re-logs in when the session expires', async () => {
    const conn = new jsforce.Connection({ loginUrl: org.sim.loginUrl, version: API_VERSION });
    const info = await conn.login('bob@sim.example', 'bob-pass');
    expect(info).toMatchObject({ id: org.sim.users.find((u) => u.username === 'bob@sim.example')!.id, organizationId: org.sim.orgId });
    expect(conn.instanceUrl).toBe(org.sim.url);
    expect((await conn.query('SELECT COUNT() FROM Account')).totalSize).toBe(3);
    org.sim.expireAccessTokens();
    expect((await conn.query('SELECT COUNT() FROM Account')).totalSize).toBe(3);
    await conn.logout();
    expect(org.sim.requests().filter((r) => r.path.startsWith('/services/Soap/')).every((r) => !r.counted)).toBe(true);
  });

  it('refuses a wrong password with INVALID_LOGIN', async () => {
    const conn = new jsforce.Connection({ loginUrl: org.sim.loginUrl, version: API_VERSION });
    await expect(conn.login('bob@sim.example', 'nope')).rejects.toThrow('INVALID_LOGIN: Invalid username, password, security token; or user locked out.');
  });
});

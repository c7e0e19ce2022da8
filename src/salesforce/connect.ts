import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import jsforce from 'jsforce';
import { ConfigError } from '../errors.js';
import { SalesforceClient, type ClientOptions } from './client.js';

export const DEFAULT_API_VERSION = '60.0';

/** How sf-reconcile logs in, read from the environment (or `--target-org`). Secrets never leave this module. */
export type Credentials =
  | { kind: 'access-token'; instanceUrl: string; accessToken: string }
  | { kind: 'password'; loginUrl: string; username: string; password: string; clientId?: string; clientSecret?: string }
  | { kind: 'client-credentials'; loginUrl: string; clientId: string; clientSecret: string }
  | { kind: 'target-org'; alias: string };

const HOW = 'set SF_INSTANCE_URL and SF_ACCESS_TOKEN; or SF_LOGIN_URL, SF_USERNAME and SF_PASSWORD (with SF_CLIENT_ID and SF_CLIENT_SECRET for OAuth); or SF_LOGIN_URL, SF_CLIENT_ID and SF_CLIENT_SECRET; or pass --target-org ALIAS';

/** Chooses the login method from the environment; a half-set environment is a ConfigError naming what is missing. */
export function readCredentials(env: NodeJS.ProcessEnv, targetOrg?: string): Credentials {
  if (targetOrg !== undefined) return { kind: 'target-org', alias: targetOrg };
  const v = (name: string) => (env[name] !== undefined && env[name] !== '' ? env[name] : undefined);
  if (v('SF_ACCESS_TOKEN') !== undefined) {
    const instanceUrl = v('SF_INSTANCE_URL');
    if (instanceUrl === undefined) throw new ConfigError('SF_ACCESS_TOKEN is set but SF_INSTANCE_URL is not', { code: 'CREDENTIALS_MISSING', hint: HOW });
    return { kind: 'access-token', instanceUrl, accessToken: v('SF_ACCESS_TOKEN')! };
  }
  const loginUrl = v('SF_LOGIN_URL') ?? 'https://login.salesforce.com';
  if (v('SF_USERNAME') !== undefined || v('SF_PASSWORD') !== undefined) {
    if (v('SF_USERNAME') === undefined || v('SF_PASSWORD') === undefined) {
      throw new ConfigError(`${v('SF_USERNAME') === undefined ? 'SF_USERNAME' : 'SF_PASSWORD'} is not set`, { code: 'CREDENTIALS_MISSING', hint: HOW });
    }
    return {
      kind: 'password', loginUrl, username: v('SF_USERNAME')!, password: v('SF_PASSWORD')!,
      ...(v('SF_CLIENT_ID') ? { clientId: v('SF_CLIENT_ID')! } : {}),
      ...(v('SF_CLIENT_SECRET') ? { clientSecret: v('SF_CLIENT_SECRET')! } : {}),
    };
  }
  if (v('SF_CLIENT_ID') !== undefined && v('SF_CLIENT_SECRET') !== undefined) {
    return { kind: 'client-credentials', loginUrl, clientId: v('SF_CLIENT_ID')!, clientSecret: v('SF_CLIENT_SECRET')! };
  }
  throw new ConfigError('no Salesforce credentials in the environment', { code: 'CREDENTIALS_MISSING', hint: HOW });
}

function authError(error: unknown, how: string): ConfigError {
  const e = error as { name?: string; errorCode?: string; message?: string; code?: string };
  const reason = e.code === 'ECONNREFUSED' || /fetch failed|ECONNREFUSED|ENOTFOUND/.test(e.message ?? '') ? `cannot reach Salesforce (${e.message ?? e.code})` : `${e.errorCode ?? e.name ?? 'error'}: ${e.message ?? String(error)}`;
  return new ConfigError(`Salesforce login failed (${how}): ${reason}`, {
    code: 'AUTH_FAILED',
    hint: 'check the SF_* variables (login URL, user, password, connected app id and secret) and that the integration user is active',
  });
}

async function fromTargetOrg(alias: string, version: string): Promise<jsforce.Connection> {
  let out: string;
  try {
    out = (await promisify(execFile)('sf', ['org', 'display', '--target-org', alias, '--json'], { timeout: 60_000 })).stdout;
  } catch (error) {
    const e = error as { code?: string; stdout?: string };
    if (e.code === 'ENOENT') {
      throw new ConfigError('--target-org needs the Salesforce CLI (sf), which is not installed', { code: 'SF_CLI_MISSING', hint: 'install @salesforce/cli, or use the SF_* environment variables instead' });
    }
    out = e.stdout ?? '';
  }
  let parsed: { status?: number; message?: string; result?: { accessToken?: string; instanceUrl?: string } };
  try {
    parsed = JSON.parse(out) as typeof parsed;
  } catch {
    throw new ConfigError(`sf org display --target-org ${alias} did not answer JSON`, { code: 'AUTH_FAILED' });
  }
  if (parsed.result?.accessToken === undefined || parsed.result.instanceUrl === undefined) {
    throw new ConfigError(`sf org display --target-org ${alias} failed: ${parsed.message ?? 'no access token'}`, { code: 'AUTH_FAILED', hint: `log in with "sf org login web --alias ${alias}"` });
  }
  return new jsforce.Connection({ instanceUrl: parsed.result.instanceUrl, accessToken: parsed.result.accessToken, version });
}

/** Logs in and returns the one client every command uses. */
export async function connectSalesforce(credentials: Credentials, options: ClientOptions & { version?: string }): Promise<SalesforceClient> {
  const version = options.version ?? DEFAULT_API_VERSION;
  let conn: jsforce.Connection;
  let userId: string | undefined;
  try {
    switch (credentials.kind) {
      case 'access-token':
        conn = new jsforce.Connection({ instanceUrl: credentials.instanceUrl, accessToken: credentials.accessToken, version });
        break;
      case 'password':
        conn = new jsforce.Connection({
          loginUrl: credentials.loginUrl,
          version,
          ...(credentials.clientId ? { oauth2: { clientId: credentials.clientId, clientSecret: credentials.clientSecret ?? '', loginUrl: credentials.loginUrl } } : {}),
        });
        userId = (await conn.login(credentials.username, credentials.password)).id;
        break;
      case 'client-credentials': {
        conn = new jsforce.Connection({ loginUrl: credentials.loginUrl, version, oauth2: { clientId: credentials.clientId, clientSecret: credentials.clientSecret, loginUrl: credentials.loginUrl } });
        const info = await conn.authorize({ grant_type: 'client_credentials' });
        userId = info.id;
        break;
      }
      case 'target-org':
        conn = await fromTargetOrg(credentials.alias, version);
        break;
    }
    if (userId === undefined) {
      // Access tokens carry no user: ask Salesforce who we are (OAuth userinfo).
      const info = await conn.request<{ user_id?: string }>({ method: 'GET', url: '/services/oauth2/userinfo' }, { retry: { maxRetries: 0 } } as never);
      userId = info.user_id;
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw authError(error, credentials.kind);
  }
  if (userId === undefined) throw new ConfigError('Salesforce did not say which user the session belongs to', { code: 'AUTH_FAILED' });
  return new SalesforceClient(conn, userId, options);
}

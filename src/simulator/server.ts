import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseCsv } from 'csv-parse/sync';
import { FaultEngine, type FaultSpec } from './faults.js';
import { describeField, formatDatetime, formatRecord, formatValue, recordUrl, toCsv } from './format.js';
import { isValidId, makeId, to18 } from './ids.js';
import { Org, WriteError, type ObjectSchema, type RecordError, type Row, type User, type Value } from './org.js';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, defaultSeed, type Seed } from './schema.js';
import { compileQuery, runQuery, SoqlError, type CompiledQuery } from './soql.js';

export interface SimulatorOptions {
  port?: number;
  host?: string;
  seed?: Seed;
  faults?: FaultSpec;
  /** The clock for system fields (default Date.now). */
  now?: () => number;
  /** Daily API allocation (default 100,000; a fault spec's dailyApiLimit overrides it). */
  dailyApiLimit?: number;
  /** How many of the latest calls requests() keeps (default 100,000): the log stays bounded in a long run. */
  requestLogLimit?: number;
}

export interface RequestLogEntry {
  time: string;
  /** The calling user's Id, or null before authentication. */
  userId: string | null;
  method: string;
  path: string;
  status: number;
  /** Counted against the daily API allocation, as Salesforce counts it (OAuth calls are not). */
  counted: boolean;
}

export interface SimulatorUser {
  id: string;
  username: string;
  password: string;
  name: string;
  isIntegration: boolean;
}

export interface Simulator {
  url: string;
  loginUrl: string;
  clientId: string;
  clientSecret: string;
  orgId: string;
  users: SimulatorUser[];
  integrationUser: SimulatorUser;
  stop(): Promise<void>;
  /** The latest calls (up to requestLogLimit), oldest first. */
  requests(): RequestLogEntry[];
  /** Calls counted against the daily API allocation since start or reset(), as Salesforce counts them. */
  apiCallCount(): number;
  /** Live and deleted rows of an object (datetimes as ISO `Z`), for assertions. */
  records(object: string): Row[];
  reset(): void;
  setFaults(faults: FaultSpec): void;
  insertMany(object: string, rows: Iterable<Record<string, Value>>, username?: string): number;
  issueRefreshToken(username: string): string;
  expireAccessTokens(): void;
}

interface ApiResult {
  status: number;
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

interface Cursor {
  rows: Row[];
  query: CompiledQuery;
  batchSize: number;
}

interface QueryJob {
  id: string;
  operation: string;
  object: string;
  query: CompiledQuery;
  rows: Row[];
  createdById: string;
  createdDate: string;
  state: string;
  version: string;
}

interface IngestJob {
  id: string;
  object: string;
  operation: string;
  externalIdFieldName: string | null;
  state: string;
  createdById: string;
  createdDate: string;
  data: string[];
  results: { success: string[][]; failed: string[][]; unprocessed: string[][]; header: string[] } | null;
  processed: number;
  failedCount: number;
  version: string;
}

const JSON_TYPE = 'application/json;charset=UTF-8';
const MAX_URI = 16_384;
const MAX_COLLECTION = 200;
const DEFAULT_BATCH = 2000;
const BULK_PAGE = 10_000;
const MAX_JOBS = 200;

function errorBody(errorCode: string, message: string, fields?: string[]): unknown[] {
  return [{ message, errorCode, ...(fields && fields.length > 0 ? { fields } : {}) }];
}

function fail(status: number, errorCode: string, message: string, fields?: string[]): ApiResult {
  return { status, body: errorBody(errorCode, message, fields) };
}

function writeErrorResult(error: WriteError): ApiResult {
  const first = error.errors[0]!;
  const status = first.statusCode === 'INVALID_TYPE' ? 404 : first.statusCode === 'ENTITY_IS_DELETED' || first.statusCode === 'INVALID_CROSS_REFERENCE_KEY' && first.fields.length === 0 ? 404 : 400;
  return { status, body: error.errors.map((e) => ({ message: e.message, errorCode: e.statusCode, fields: e.fields })) };
}

/**
 * The request body as text; '' at once for a request without one (most GETs), since iterating a request
 * asynchronously costs more than answering a small query.
 */
function readBody(req: IncomingMessage): Promise<string> {
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
    req.resume();
    return Promise.resolve('');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts an HTTP stand-in for the Salesforce endpoints jsforce calls, on 127.0.0.1. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const seed = options.seed ?? defaultSeed();
  const now = options.now ?? Date.now;
  const clientId = seed.clientId ?? DEFAULT_CLIENT_ID;
  const clientSecret = seed.clientSecret ?? DEFAULT_CLIENT_SECRET;
  const faults = new FaultEngine();
  let org!: Org;
  let log: RequestLogEntry[] = [];
  const logLimit = options.requestLogLimit ?? 100_000;
  /** Counted calls since start or reset(), whatever the log still holds. */
  let apiCalls = 0;
  const logEntry = (entry: RequestLogEntry) => {
    log.push(entry);
    if (log.length > 2 * logLimit) log = log.slice(-logLimit); // trimmed in batches: rare, and O(limit)
  };
  let apiUsed = 0;
  let counter = 0;
  const tokens = new Map<string, { userId: string; expired: boolean }>();
  const refreshTokens = new Map<string, string>();
  const cursors = new Map<string, Cursor>();
  const queryJobs = new Map<string, QueryJob>();
  const ingestJobs = new Map<string, IngestJob>();
  let baseUrl = '';

  const nextId = (prefix: string) => makeId(prefix, ++counter + 900_000_000);

  const loadSeed = () => {
    org = new Org(seed, now);
    const integration = org.users.find((u) => u.isIntegration) ?? org.users[0]!;
    for (const [object, rows] of Object.entries(seed.records ?? {})) {
      for (const row of rows) org.create(object, row, integration.id);
    }
  };
  loadSeed();
  faults.set(options.faults ?? {});
  const dailyLimit = () => faults.current.dailyApiLimit ?? options.dailyApiLimit ?? 100_000;

  const limitInfo = () => `api-usage=${apiUsed}/${dailyLimit()}`;

  const issueToken = (userId: string) => {
    const token = `${org.orgId.slice(0, 15)}!AQ${randomBytes(24).toString('base64url')}`;
    tokens.set(token, { userId, expired: false });
    return token;
  };

  const tokenResponse = (user: User, refresh?: string): Record<string, unknown> => {
    const issuedAt = String(now());
    const id = `${baseUrl}/id/${org.orgId}/${user.id}`;
    return {
      access_token: issueToken(user.id),
      instance_url: baseUrl,
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
      signature: createHmac('sha256', clientSecret).update(id + issuedAt).digest('base64'),
      scope: 'api refresh_token',
      ...(refresh ? { refresh_token: refresh } : {}),
    };
  };

  const oauth = (body: URLSearchParams, authHeader: string | undefined): ApiResult => {
    const grant = body.get('grant_type');
    let cid = body.get('client_id');
    let csecret = body.get('client_secret');
    if (authHeader?.startsWith('Basic ')) {
      const [a, b] = Buffer.from(authHeader.slice(6), 'base64').toString('utf8').split(':');
      cid ??= a ?? null;
      csecret ??= b ?? null;
    }
    const oauthError = (error: string, description: string, status = 400): ApiResult => ({ status, body: { error, error_description: description } });
    if (grant === 'password') {
      if (cid !== clientId) return oauthError('invalid_client_id', 'client identifier invalid');
      if (csecret !== clientSecret) return oauthError('invalid_client', 'invalid client credentials');
      const user = org.users.find((u) => u.username === body.get('username'));
      if (user === undefined || body.get('password') !== user.password) return oauthError('invalid_grant', 'authentication failure');
      return { status: 200, body: tokenResponse(user) };
    }
    if (grant === 'client_credentials') {
      if (cid !== clientId || csecret !== clientSecret) return oauthError('invalid_client', 'invalid client credentials');
      const user = org.users.find((u) => u.isIntegration) ?? org.users[0]!;
      return { status: 200, body: tokenResponse(user) };
    }
    if (grant === 'refresh_token') {
      if (cid !== clientId) return oauthError('invalid_client_id', 'client identifier invalid');
      const userId = refreshTokens.get(body.get('refresh_token') ?? '');
      const user = userId === undefined ? undefined : org.user(userId);
      if (user === undefined) return oauthError('invalid_grant', 'expired access/refresh token');
      return { status: 200, body: tokenResponse(user) };
    }
    return oauthError('unsupported_grant_type', 'grant type not supported');
  };

  /**
   * SOAP login and logout: what jsforce's `conn.login()` uses when no client id and secret are configured
   * (facts sheet section 11). Other SOAP calls are not simulated.
   */
  const soapCall = (version: string, xml: string): ApiResult => {
    const tag = (name: string) => {
      const m = new RegExp(`<(?:\\w+:)?${name}>([^<]*)</(?:\\w+:)?${name}>`).exec(xml);
      return m === null ? null : m[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
    };
    const envelope = (inner: string) =>
      `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${inner}</soapenv:Body></soapenv:Envelope>`;
    const fault = (code: string, message: string): ApiResult => ({
      status: 500,
      contentType: 'text/xml;charset=UTF-8',
      body: envelope(`<soapenv:Fault><faultcode>sf:${code}</faultcode><faultstring>${code}: ${message}</faultstring></soapenv:Fault>`),
    });
    if (/<(\w+:)?logout[\s>/]/.test(xml)) {
      tokens.delete(tag('sessionId') ?? '');
      return { status: 200, contentType: 'text/xml;charset=UTF-8', body: envelope('<logoutResponse/>') };
    }
    if (!/<(\w+:)?login[\s>]/.test(xml)) return fault('UNKNOWN_EXCEPTION', 'the simulator serves only the SOAP login and logout calls');
    const user = org.users.find((u) => u.username === tag('username'));
    if (user === undefined || tag('password') !== user.password) {
      return fault('INVALID_LOGIN', 'Invalid username, password, security token; or user locked out.');
    }
    const sessionId = issueToken(user.id);
    const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    return {
      status: 200,
      contentType: 'text/xml;charset=UTF-8',
      body: envelope(
        `<loginResponse><result><metadataServerUrl>${baseUrl}/services/Soap/m/${version}/${org.orgId}</metadataServerUrl>` +
          `<passwordExpired>false</passwordExpired><sandbox>false</sandbox><serverUrl>${baseUrl}/services/Soap/u/${version}/${org.orgId}</serverUrl>` +
          `<sessionId>${sessionId}</sessionId><userId>${user.id}</userId><userInfo><organizationId>${org.orgId}</organizationId>` +
          `<userFullName>${esc(user.name)}</userFullName><userId>${user.id}</userId><userName>${esc(user.username)}</userName></userInfo></result></loginResponse>`,
      ),
    };
  };

  // ---------------------------------------------------------------- query
  const queryPage = (version: string, cursorId: string, offset: number): ApiResult => {
    const cursor = cursors.get(cursorId);
    if (cursor === undefined) return fail(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    const page = cursor.rows.slice(offset, offset + cursor.batchSize);
    const end = offset + page.length;
    const done = end >= cursor.rows.length;
    if (done) cursors.delete(cursorId);
    return {
      status: 200,
      body: {
        totalSize: cursor.rows.length,
        done,
        ...(done ? {} : { nextRecordsUrl: `/services/data/v${version}/query/${cursorId}-${end}` }),
        records: page.map((r) => formatRecord(version, cursor.query.object, r, cursor.query.fields)),
      },
    };
  };

  const runSoql = (version: string, soql: string, all: boolean, batchSize: number): ApiResult => {
    let q: CompiledQuery;
    try {
      q = compileQuery(org, soql);
    } catch (error) {
      if (error instanceof SoqlError) return fail(400, error.errorCode, error.message);
      throw error;
    }
    const rows = runQuery(org, q, all);
    if (q.count) return { status: 200, body: { totalSize: rows.length, done: true, records: [] } };
    const cursorId = nextId('01g').slice(0, 15);
    cursors.set(cursorId, { rows, query: q, batchSize });
    if (cursors.size > 50) cursors.delete(cursors.keys().next().value!);
    return queryPage(version, cursorId, 0);
  };

  // ---------------------------------------------------------------- writes
  type Checked = { ok: true; apply: () => { id: string; created?: boolean } } | { ok: false; errors: RecordError[] };

  const faultCheck = (object: string, values: Record<string, unknown>): RecordError[] | null => {
    if (faults.lockRow()) return [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record or 1 records', fields: [] }];
    const broken = faults.brokenRule(object, values);
    if (broken !== null) return [{ statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: broken.message, fields: [broken.field] }];
    return null;
  };

  const guard = (fn: () => Checked): Checked => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof WriteError) return { ok: false, errors: error.errors };
      throw error;
    }
  };

  const checkCreate = (objectName: string, input: Record<string, unknown>, user: User): Checked =>
    guard(() => {
      const object = org.requireObject(objectName);
      org.prepare(object, input, true);
      const fault = faultCheck(object.name, input);
      if (fault) return { ok: false, errors: fault };
      return { ok: true, apply: () => ({ id: org.create(object.name, input, user.id).Id as string, created: true }) };
    });

  const checkUpdate = (objectName: string, id: string, input: Record<string, unknown>, user: User): Checked =>
    guard(() => {
      const object = org.requireObject(objectName);
      if (!isValidId(id)) return { ok: false, errors: [{ statusCode: 'MALFORMED_ID', message: `Record ID: id value of incorrect type: ${id}`, fields: ['Id'] }] };
      org.liveRow(object, id);
      org.prepare(object, input, false);
      const fault = faultCheck(object.name, input);
      if (fault) return { ok: false, errors: fault };
      return { ok: true, apply: () => ({ id: org.update(object.name, id, input, user.id).Id as string }) };
    });

  const checkDelete = (objectName: string | null, id: string, user: User): Checked =>
    guard(() => {
      if (!isValidId(id)) return { ok: false, errors: [{ statusCode: 'MALFORMED_ID', message: `bad id ${id}`, fields: [] }] };
      const object = objectName !== null ? org.requireObject(objectName) : [...org.objects.values()].find((o) => id.startsWith(o.keyPrefix) && o.historyOf === null);
      if (object === undefined) return { ok: false, errors: [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] }] };
      org.liveRow(object, id);
      if (faults.lockRow()) return { ok: false, errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record or 1 records', fields: [] }] };
      return { ok: true, apply: () => ({ id: org.delete(object.name, id, user.id).Id as string }) };
    });

  const checkUpsert = (objectName: string, extField: string, input: Record<string, unknown>, user: User): Checked | { multiple: string[] } => {
    const object = org.schema(objectName);
    if (object === undefined || object.historyOf !== null) return { ok: false, errors: [{ statusCode: 'INVALID_TYPE', message: `sObject type '${objectName}' is not supported.`, fields: [] }] };
    const field = object.fields.get(extField.toLowerCase());
    if (field === undefined || !field.idLookup) {
      return { ok: false, errors: [{ statusCode: 'INVALID_FIELD', message: `Field name provided, ${extField} is not an External ID or indexed field for ${object.name}`, fields: [] }] };
    }
    const value = Object.entries(input).find(([k]) => k.toLowerCase() === extField.toLowerCase())?.[1];
    if (value === undefined || value === null || value === '') {
      return { ok: false, errors: [{ statusCode: 'MISSING_ARGUMENT', message: `${field.name} not specified`, fields: [] }] };
    }
    const matches = field.name === 'Id' ? [to18(String(value))] : org.lookup(object.name, field.name, String(value)).filter((id) => org.rows(object.name).get(id)?.IsDeleted !== true);
    if (matches.length > 1) return { multiple: matches };
    if (matches.length === 1) {
      const rest = Object.fromEntries(Object.entries(input).filter(([k]) => k !== 'Id' && k !== 'id'));
      const checked = checkUpdate(object.name, matches[0]!, rest, user);
      return checked.ok ? { ok: true, apply: () => ({ ...checked.apply(), created: false }) } : checked;
    }
    return checkCreate(object.name, input, user);
  };

  /**
   * SaveResults in request order. A failed record carries `id` only when the caller named a well-formed
   * one (update, delete), never `id: null` (docs section 4, collections examples).
   */
  const saveResults = (checks: Checked[], allOrNone: boolean, upsert: boolean, inputIds: readonly unknown[] = []): unknown[] => {
    const idOf = (i: number) => {
      const given = inputIds[i];
      return typeof given === 'string' && isValidId(given) ? { id: to18(given) } : {};
    };
    const anyFailed = checks.some((c) => !c.ok);
    if (allOrNone && anyFailed) {
      return checks.map((c, i) => ({
        ...idOf(i),
        success: false,
        errors: c.ok
          ? [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] }]
          : c.errors,
      }));
    }
    return checks.map((c, i) => {
      if (!c.ok) return { ...idOf(i), success: false, errors: c.errors };
      try {
        const r = c.apply();
        return { id: r.id, success: true, errors: [], ...(upsert ? { created: r.created === true } : {}) };
      } catch (error) {
        if (error instanceof WriteError) return { ...idOf(i), success: false, errors: error.errors };
        throw error;
      }
    });
  };

  // ---------------------------------------------------------------- bulk 2.0
  /** Jobs hold their rows or CSV: the oldest go once 200 are kept (Salesforce deletes them after 7 days). */
  const keepJob = <J extends { id: string }>(jobs: Map<string, J>, job: J) => {
    jobs.set(job.id, job);
    if (jobs.size > MAX_JOBS) jobs.delete(jobs.keys().next().value!);
  };
  const jobInfo = (job: QueryJob | IngestJob): Record<string, unknown> => {
    const base = {
      id: job.id,
      operation: job.operation,
      object: job.object,
      createdById: job.createdById,
      createdDate: formatDatetime(job.createdDate),
      systemModstamp: formatDatetime(job.createdDate),
      state: job.state,
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: Number(job.version),
      lineEnding: 'LF',
      columnDelimiter: 'COMMA',
    };
    if ('rows' in job) return { ...base, jobType: 'V2Query', numberRecordsProcessed: job.state === 'JobComplete' ? job.rows.length : 0, retries: 0, totalProcessingTime: 0 };
    return {
      ...base,
      ...(job.externalIdFieldName ? { externalIdFieldName: job.externalIdFieldName } : {}),
      contentUrl: `services/data/v${job.version}/jobs/ingest/${job.id}/batches`,
      jobType: 'V2Ingest',
      numberRecordsProcessed: job.processed,
      numberRecordsFailed: job.failedCount,
      retries: 0,
      totalProcessingTime: 0,
      apiActiveProcessingTime: 0,
      apexProcessingTime: 0,
    };
  };

  const processIngest = (job: IngestJob, user: User) => {
    const rows: string[][] = [];
    let header: string[] = [];
    for (const chunk of job.data) {
      const parsed = parseCsv(chunk, { relax_column_count: true }) as string[][];
      if (parsed.length === 0) continue;
      header = parsed[0]!;
      rows.push(...parsed.slice(1));
    }
    const success: string[][] = [];
    const failed: string[][] = [];
    for (const cells of rows) {
      const input: Record<string, unknown> = {};
      header.forEach((h, i) => {
        const v = cells[i] ?? '';
        if (v !== '') input[h] = v === '#N/A' ? null : v;
      });
      let checked: Checked | { multiple: string[] };
      const id = String(input.Id ?? input.id ?? '');
      switch (job.operation) {
        case 'insert': checked = checkCreate(job.object, input, user); break;
        case 'update': checked = checkUpdate(job.object, id, Object.fromEntries(Object.entries(input).filter(([k]) => k.toLowerCase() !== 'id')), user); break;
        case 'upsert': checked = checkUpsert(job.object, job.externalIdFieldName ?? 'Id', input, user); break;
        case 'delete': case 'hardDelete': checked = checkDelete(job.object, id, user); break;
        default: checked = { ok: false, errors: [{ statusCode: 'INVALID_OPERATION', message: job.operation, fields: [] }] };
      }
      if ('multiple' in checked) {
        failed.push(['', `DUPLICATE_EXTERNAL_ID:more than one record found for external id field:--`, ...cells]);
        continue;
      }
      if (!checked.ok) {
        const e = checked.errors[0]!;
        failed.push([id, `${e.statusCode}:${e.message}:${e.fields.join(',')}--`, ...cells]);
        continue;
      }
      try {
        const r = checked.apply();
        success.push([r.id, String(r.created === true), ...cells]);
      } catch (error) {
        if (!(error instanceof WriteError)) throw error;
        const e = error.errors[0]!;
        failed.push([id, `${e.statusCode}:${e.message}:--`, ...cells]);
      }
    }
    job.results = { success, failed, unprocessed: [], header };
    job.processed = rows.length;
    job.failedCount = failed.length;
    job.state = 'JobComplete';
  };

  // ---------------------------------------------------------------- dispatch
  const api = (method: string, version: string, path: string, query: URLSearchParams, body: unknown, rawBody: string, user: User, headers: IncomingMessage['headers']): ApiResult => {
    const parts = path.split('/').filter((p) => p.length > 0).map(decodeURIComponent);
    const [head, a, b, c, d] = parts;
    const batchSize = (() => {
      const m = /batchSize=(\d+)/i.exec(String(headers['sforce-query-options'] ?? ''));
      return m ? Math.min(2000, Math.max(200, Number(m[1]))) : DEFAULT_BATCH;
    })();
    const json = (body ?? {}) as Record<string, unknown>;

    if (head === undefined) return { status: 200, body: { limits: `/services/data/v${version}/limits`, sobjects: `/services/data/v${version}/sobjects`, query: `/services/data/v${version}/query`, composite: `/services/data/v${version}/composite` } };

    if (head === 'limits' && method === 'GET') {
      return {
        status: 200,
        body: {
          DailyApiRequests: { Max: dailyLimit(), Remaining: Math.max(0, dailyLimit() - apiUsed) },
          DailyBulkApiBatches: { Max: 15000, Remaining: 15000 },
          DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 - queryJobs.size },
          DailyBulkV2QueryFileStorageMB: { Max: 976562, Remaining: 976562 },
          DailyAsyncApexExecutions: { Max: 250000, Remaining: 250000 },
          DataStorageMB: { Max: 5, Remaining: 5 },
          FileStorageMB: { Max: 20, Remaining: 20 },
        },
      };
    }

    if ((head === 'query' || head === 'queryAll') && method === 'GET') {
      if (a !== undefined) {
        const m = /^(.+)-(\d+)$/.exec(a);
        if (m === null) return fail(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
        return queryPage(version, m[1]!, Number(m[2]));
      }
      const q = query.get('q');
      if (q === null) return fail(400, 'MALFORMED_QUERY', 'no query string');
      return runSoql(version, q, head === 'queryAll', batchSize);
    }

    if (head === 'sobjects') {
      if (a === undefined && method === 'GET') {
        return {
          status: 200,
          body: {
            encoding: 'UTF-8',
            maxBatchSize: 200,
            sobjects: [...org.objects.values()].map((o) => ({
              name: o.name, label: o.label, keyPrefix: o.keyPrefix, custom: o.custom, queryable: true,
              createable: o.historyOf === null, updateable: o.historyOf === null, deletable: o.historyOf === null,
              urls: { sobject: `/services/data/v${version}/sobjects/${o.name}`, describe: `/services/data/v${version}/sobjects/${o.name}/describe` },
            })),
          },
        };
      }
      const object = org.schema(a ?? '');
      if (object === undefined) return fail(404, 'NOT_FOUND', 'The requested resource does not exist');
      if (b === 'describe' && method === 'GET') {
        return {
          status: 200,
          body: {
            name: object.name, label: object.label, keyPrefix: object.keyPrefix, custom: object.custom, queryable: true,
            createable: object.historyOf === null, updateable: object.historyOf === null, deletable: object.historyOf === null,
            fields: [...object.fields.values()].map(describeField),
            childRelationships: [], recordTypeInfos: [],
            urls: { sobject: `/services/data/v${version}/sobjects/${object.name}` },
          },
        };
      }
      if ((b === 'updated' || b === 'deleted') && method === 'GET') {
        const start = Date.parse(query.get('start') ?? '');
        const end = Date.parse(query.get('end') ?? '');
        if (Number.isNaN(start) || Number.isNaN(end)) return fail(400, 'INVALID_REPLICATION_DATE', 'start and end dates are required');
        if (start >= end) return fail(400, 'INVALID_REPLICATION_DATE', 'start date must be before end date');
        const s = Math.floor(start / 60_000) * 60_000;
        const e = Math.floor(end / 60_000) * 60_000;
        const latest = formatDatetime(new Date(e).toISOString());
        if (b === 'updated') {
          const ids = [...org.rows(object.name).values()]
            .filter((r) => r.IsDeleted !== true && Date.parse(String(r.SystemModstamp)) >= s && Date.parse(String(r.SystemModstamp)) < e)
            .map((r) => r.Id);
          if (ids.length > 600_000) return fail(400, 'EXCEEDED_ID_LIMIT', 'too many ids; narrow the window');
          return { status: 200, body: { ids, latestDateCovered: latest } };
        }
        return {
          status: 200,
          body: {
            deletedRecords: org.deletedBetween(object.name, s, e).map((x) => ({ id: x.id, deletedDate: formatDatetime(x.deletedDate) })),
            earliestDateAvailable: formatDatetime(new Date(0).toISOString()),
            latestDateCovered: latest,
          },
        };
      }
      if (b === undefined && method === 'POST') {
        const checked = checkCreate(object.name, json, user);
        if (!checked.ok) return writeErrorResult(new WriteError(checked.errors));
        return { status: 201, body: { id: checked.apply().id, success: true, errors: [] } };
      }
      if (b !== undefined && c !== undefined && c !== 'describe' && method === 'PATCH') {
        // Upsert by external ID: /sobjects/{T}/{field}/{value}
        const checked = checkUpsert(object.name, b, { ...json, [b]: c }, user);
        if ('multiple' in checked) return { status: 300, body: checked.multiple.map((id) => recordUrl(version, object.name, id)) };
        if (!checked.ok) {
          const first = checked.errors[0]!;
          if (first.statusCode === 'INVALID_FIELD') return fail(404, 'NOT_FOUND', 'The requested resource does not exist');
          return writeErrorResult(new WriteError(checked.errors));
        }
        const r = checked.apply();
        return { status: r.created ? 201 : 200, body: { id: r.id, success: true, errors: [], created: r.created === true } };
      }
      if (b !== undefined && c === undefined) {
        if (!isValidId(b)) return fail(404, 'NOT_FOUND', 'The requested resource does not exist');
        const id = to18(b);
        const row = org.rows(object.name).get(id);
        if (method === 'GET') {
          if (row === undefined || row.IsDeleted === true) return fail(404, 'NOT_FOUND', 'The requested resource does not exist');
          const wanted = query.get('fields');
          const fields = wanted ? wanted.split(',').map((f) => object.fields.get(f.trim().toLowerCase())).filter((f) => f !== undefined) : [...object.fields.values()];
          return { status: 200, body: formatRecord(version, object, row, fields) };
        }
        if (method === 'PATCH') {
          const checked = checkUpdate(object.name, id, json, user);
          if (!checked.ok) return writeErrorResult(new WriteError(checked.errors));
          checked.apply();
          return { status: 204 };
        }
        if (method === 'DELETE') {
          const checked = checkDelete(object.name, id, user);
          if (!checked.ok) return writeErrorResult(new WriteError(checked.errors));
          checked.apply();
          return { status: 204 };
        }
      }
      return fail(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed.`);
    }

    if (head === 'composite' && a === undefined && method === 'POST') {
      const requests = (json.compositeRequest ?? []) as { method: string; url: string; referenceId: string; body?: unknown }[];
      if (!Array.isArray(requests) || requests.length === 0) return fail(400, 'JSON_PARSER_ERROR', 'compositeRequest is required');
      if (requests.length > 25) return fail(400, 'LIMIT_EXCEEDED', 'Composite requests cannot have more than 25 subrequests');
      const queries = requests.filter((r) => /\/query(All)?[/?]/.test(r.url)).length;
      if (queries > 5) return fail(400, 'LIMIT_EXCEEDED', 'Composite requests cannot have more than 5 query operations');
      const compositeResponse = requests.map((r) => {
        const u = new URL(r.url, 'http://sim');
        const m = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(u.pathname);
        if (m === null) return { body: errorBody('NOT_FOUND', 'The requested resource does not exist'), httpHeaders: {}, httpStatusCode: 404, referenceId: r.referenceId };
        const res = api(r.method.toUpperCase(), m[1]!, m[2] ?? '', u.searchParams, r.body ?? {}, JSON.stringify(r.body ?? {}), user, headers);
        return { body: res.body ?? null, httpHeaders: {}, httpStatusCode: res.status, referenceId: r.referenceId };
      });
      return { status: 200, body: { compositeResponse } };
    }

    if (head === 'composite' && a === 'sobjects') {
      if (method === 'DELETE' && b === undefined) {
        const ids = (query.get('ids') ?? '').split(',').filter((x) => x.length > 0);
        if (ids.length > MAX_COLLECTION) return fail(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 200 records into this call');
        const checks = ids.map((id) => checkDelete(null, id, user));
        return { status: 200, body: saveResults(checks, query.get('allOrNone') === 'true', false, ids) };
      }
      if ((method === 'POST' || method === 'GET') && b !== undefined && c === undefined) {
        const object = org.schema(b);
        if (object === undefined) return fail(404, 'NOT_FOUND', 'The requested resource does not exist');
        const ids = method === 'GET' ? (query.get('ids') ?? '').split(',') : ((json.ids ?? []) as string[]);
        const names = method === 'GET' ? (query.get('fields') ?? '').split(',') : ((json.fields ?? []) as string[]);
        const fields = names.map((n) => object.fields.get(n.trim().toLowerCase()));
        const bad = names.find((_, i) => fields[i] === undefined);
        if (bad !== undefined) return fail(400, 'INVALID_FIELD', `No such column '${bad}' on entity '${object.name}'`);
        if (ids.length > 2000) return fail(400, 'EXCEEDED_ID_LIMIT', 'cannot retrieve more than 2000 records');
        return {
          status: 200,
          body: ids.map((id) => {
            const row = isValidId(id) ? org.rows(object.name).get(to18(id)) : undefined;
            return row === undefined || row.IsDeleted === true ? null : formatRecord(version, object, row, fields as NonNullable<(typeof fields)[number]>[]);
          }),
        };
      }
      const records = (json.records ?? []) as Record<string, unknown>[];
      if (!Array.isArray(records)) return fail(400, 'JSON_PARSER_ERROR', 'records must be an array');
      if (records.length > MAX_COLLECTION) return fail(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 200 records into this call');
      const allOrNone = json.allOrNone === true;
      const strip = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'attributes' && k !== 'id' && k !== 'Id'));
      if (method === 'POST' && b === undefined) {
        const checks = records.map((r) => {
          if (r.id !== undefined || r.Id !== undefined) return { ok: false as const, errors: [{ statusCode: 'INVALID_FIELD', message: 'cannot specify Id in an insert call', fields: ['Id'] }] };
          return checkCreate(String((r.attributes as { type?: string } | undefined)?.type ?? ''), strip(r), user);
        });
        return { status: 200, body: saveResults(checks, allOrNone, false) };
      }
      if (method === 'PATCH' && b === undefined) {
        const checks = records.map((r) => checkUpdate(String((r.attributes as { type?: string } | undefined)?.type ?? ''), String(r.id ?? r.Id ?? ''), strip(r), user));
        return { status: 200, body: saveResults(checks, allOrNone, false, records.map((r) => r.id ?? r.Id)) };
      }
      if (method === 'PATCH' && b !== undefined && c !== undefined) {
        const checks = records.map((r): Checked => {
          const type = (r.attributes as { type?: string } | undefined)?.type;
          if (type !== undefined && type.toLowerCase() !== b.toLowerCase()) return { ok: false, errors: [{ statusCode: 'INVALID_TYPE', message: `only ${b} records are allowed in this call`, fields: [] }] };
          const checked = checkUpsert(b, c, Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'attributes')), user);
          if ('multiple' in checked) return { ok: false, errors: [{ statusCode: 'DUPLICATE_EXTERNAL_ID', message: `Upsert failed. More than one record found with ${c}: ${String(r[c])}`, fields: [c] }] };
          return checked;
        });
        return { status: 200, body: saveResults(checks, allOrNone, true) };
      }
      return fail(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed.`);
    }

    if (head === 'jobs' && a === 'query') {
      if (b === undefined && method === 'POST') {
        const soql = String(json.query ?? '');
        let q: CompiledQuery;
        try {
          q = compileQuery(org, soql);
        } catch (error) {
          if (error instanceof SoqlError) return fail(400, 'INVALIDJOB', error.message);
          throw error;
        }
        const job: QueryJob = {
          id: nextId('750'), operation: String(json.operation ?? 'query'), object: q.object.name, query: q,
          rows: runQuery(org, q, json.operation === 'queryAll'), createdById: user.id, createdDate: new Date(now()).toISOString(),
          state: 'UploadComplete', version,
        };
        keepJob(queryJobs, job);
        return { status: 200, body: jobInfo(job) };
      }
      const job = queryJobs.get(b ?? '');
      if (job === undefined) return fail(404, 'NOT_FOUND', 'The requested resource does not exist');
      if (c === undefined && method === 'GET') {
        if (job.state === 'UploadComplete') job.state = 'InProgress';
        else if (job.state === 'InProgress') job.state = 'JobComplete';
        return { status: 200, body: jobInfo(job) };
      }
      if (c === undefined && method === 'DELETE') {
        queryJobs.delete(job.id);
        return { status: 204 };
      }
      if (c === undefined && method === 'PATCH') {
        job.state = String(json.state ?? job.state);
        return { status: 200, body: jobInfo(job) };
      }
      if (c === 'results' && method === 'GET') {
        if (job.state !== 'JobComplete') {
          job.state = 'JobComplete'; // processing is instant here; a poll is not required to see results
        }
        const offset = Number(query.get('locator') ?? '0') || 0;
        const max = Math.max(1, Number(query.get('maxRecords') ?? BULK_PAGE) || BULK_PAGE);
        const page = job.rows.slice(offset, offset + max);
        const next = offset + page.length < job.rows.length ? String(offset + page.length) : 'null';
        const header = job.query.fields.map((f) => f.name);
        const csv = toCsv(header, page.map((r) => job.query.fields.map((f) => {
          const v = formatValue(f, r[f.name]);
          return v;
        })));
        return { status: 200, body: csv, contentType: 'text/csv', headers: { 'Sforce-Locator': next, 'Sforce-NumberOfRecords': String(page.length) } };
      }
      return fail(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed.`);
    }

    if (head === 'jobs' && a === 'ingest') {
      if (b === undefined && method === 'POST') {
        const object = org.schema(String(json.object ?? ''));
        if (object === undefined) return fail(400, 'INVALIDJOB', `InvalidJob : Invalid object: ${String(json.object)}`);
        const operation = String(json.operation ?? '');
        if (!['insert', 'update', 'upsert', 'delete', 'hardDelete'].includes(operation)) return fail(400, 'INVALIDJOB', `InvalidJob : Invalid operation: ${operation}`);
        const job: IngestJob = {
          id: nextId('750'), object: object.name, operation, externalIdFieldName: typeof json.externalIdFieldName === 'string' ? json.externalIdFieldName : null,
          state: 'Open', createdById: user.id, createdDate: new Date(now()).toISOString(), data: [], results: null, processed: 0, failedCount: 0, version,
        };
        keepJob(ingestJobs, job);
        return { status: 200, body: jobInfo(job) };
      }
      const job = ingestJobs.get(b ?? '');
      if (job === undefined) return fail(404, 'NOT_FOUND', 'The requested resource does not exist');
      if (c === 'batches' && method === 'PUT') {
        if (job.state !== 'Open') return fail(400, 'INVALIDJOBSTATE', 'Job is not open for uploads');
        job.data.push(rawBody);
        return { status: 201 };
      }
      if (c === undefined && method === 'PATCH') {
        const state = String(json.state ?? '');
        if (state === 'UploadComplete') {
          job.state = 'UploadComplete';
          processIngest(job, user);
          // Salesforce answers the close with the state it asked for; processing shows on the next poll.
          return { status: 200, body: { ...jobInfo(job), state: 'UploadComplete', numberRecordsProcessed: 0, numberRecordsFailed: 0 } };
        }
        if (state === 'Aborted') job.state = 'Aborted';
        return { status: 200, body: jobInfo(job) };
      }
      if (c === undefined && method === 'GET') return { status: 200, body: jobInfo(job) };
      if (c === undefined && method === 'DELETE') {
        ingestJobs.delete(job.id);
        return { status: 204 };
      }
      if (method === 'GET' && (c === 'successfulResults' || c === 'failedResults' || c === 'unprocessedrecords')) {
        if (job.results === null) return fail(412, 'JOB_NOT_COMPLETE', 'job is not complete');
        const r = job.results;
        if (c === 'successfulResults') return { status: 200, body: toCsv(['sf__Id', 'sf__Created', ...r.header], r.success), contentType: 'text/csv' };
        if (c === 'failedResults') return { status: 200, body: toCsv(['sf__Id', 'sf__Error', ...r.header], r.failed), contentType: 'text/csv' };
        return { status: 200, body: r.unprocessed.length === 0 ? '' : toCsv(r.header, r.unprocessed), contentType: 'text/csv' };
      }
      void d;
      return fail(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed.`);
    }

    return fail(404, 'NOT_FOUND', 'The requested resource does not exist');
  };

  // ---------------------------------------------------------------- HTTP
  const send = (res: ServerResponse, result: ApiResult, extraHeaders: Record<string, string>) => {
    const headers: Record<string, string> = { ...extraHeaders, ...(result.headers ?? {}) };
    if (result.status === 204 || result.body === undefined) {
      res.writeHead(result.status, headers);
      res.end();
      return;
    }
    const isText = typeof result.body === 'string';
    const payload = isText ? (result.body as string) : JSON.stringify(result.body);
    headers['Content-Type'] = result.contentType ?? (isText ? 'text/plain;charset=UTF-8' : JSON_TYPE);
    headers['Content-Length'] = String(Buffer.byteLength(payload));
    res.writeHead(result.status, headers);
    res.end(payload);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl, 'http://127.0.0.1');
    const path = url.pathname;
    const entry: RequestLogEntry = { time: new Date(now()).toISOString(), userId: null, method, path, status: 0, counted: false };
    const finish = (result: ApiResult, headers: Record<string, string> = {}) => {
      entry.status = result.status;
      logEntry(entry);
      send(res, result, headers);
    };

    if (path === '/services/oauth2/token' && method === 'POST') {
      const params = new URLSearchParams(raw);
      return finish(oauth(params, req.headers.authorization));
    }
    if (path === '/services/oauth2/revoke' && method === 'POST') {
      tokens.delete(new URLSearchParams(raw).get('token') ?? '');
      return finish({ status: 200 });
    }
    const soap = /^\/services\/Soap\/u\/(\d+\.\d)(\/.*)?$/.exec(path);
    if (soap && method === 'POST') return finish(soapCall(soap[1]!, raw));
    if (path === '/services/oauth2/userinfo' && method === 'GET') {
      // OpenID Connect userinfo: how a client holding only an access token learns whose session it is.
      const session = tokens.get(req.headers.authorization?.replace(/^Bearer\s+/i, '') ?? '');
      const user = session && !session.expired ? org.user(session.userId) : undefined;
      if (user === undefined) return finish({ status: 403, body: 'Bad_OAuth_Token', contentType: 'text/plain' });
      return finish({ status: 200, body: { sub: `${baseUrl}/id/${org.orgId}/${user.id}`, user_id: user.id, organization_id: org.orgId, preferred_username: user.username, name: user.name } });
    }
    const identity = /^\/id\/([^/]+)\/([^/]+)$/.exec(path);
    if (identity && method === 'GET') {
      const token = url.searchParams.get('oauth_token') ?? req.headers.authorization?.replace(/^Bearer /, '') ?? '';
      const session = tokens.get(token);
      const user = org.user(identity[2]!);
      if (session === undefined || session.expired || user === undefined) return finish({ status: 403, body: 'Bad_OAuth_Token', contentType: 'text/plain' });
      return finish({ status: 200, body: { id: `${baseUrl}${path}`, user_id: user.id, organization_id: org.orgId, username: user.username, display_name: user.name, active: true } });
    }
    if (path === '/services/data' || path === '/services/data/') {
      return finish({ status: 200, body: ['58.0', '59.0', '60.0', '61.0', '62.0'].map((v) => ({ label: 'Winter', url: `/services/data/v${v}`, version: v })) });
    }
    const m = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(path);
    if (m === null) return finish(fail(404, 'NOT_FOUND', 'The requested resource does not exist'));

    // Salesforce's web tier rejects over-long requests before anything else (docs section 2).
    let headerBytes = 0;
    for (let i = 0; i < req.rawHeaders.length; i += 2) headerBytes += req.rawHeaders[i]!.length + req.rawHeaders[i + 1]!.length + 4;
    if (rawUrl.length > MAX_URI) return finish({ status: 414, body: '<html><body>414 Request-URI Too Long</body></html>', contentType: 'text/html;charset=UTF-8' });
    if (rawUrl.length + headerBytes > MAX_URI) return finish({ status: 431, body: '<html><body>431 Request Header Fields Too Large</body></html>', contentType: 'text/html;charset=UTF-8' });

    const token = req.headers.authorization?.replace(/^Bearer\s+/i, '') ?? '';
    const session = tokens.get(token);
    const user = session && !session.expired ? org.user(session.userId) : undefined;
    if (user === undefined) return finish({ status: 401, body: errorBody('INVALID_SESSION_ID', 'Session expired or invalid') });
    entry.userId = user.id;

    if (apiUsed >= dailyLimit()) {
      return finish(fail(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'), { 'Sforce-Limit-Info': limitInfo() });
    }
    apiUsed += 1;
    apiCalls += 1;
    entry.counted = true;
    const fault = faults.nextRequest();
    const delay = faults.delayMs();
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (fault.kind === 'drop') {
      entry.status = 0;
      logEntry(entry);
      req.socket.destroy();
      return;
    }
    if (fault.kind === 'unavailable') return finish(fail(503, 'SERVER_UNAVAILABLE', 'Server unavailable: too busy, try again later'), { 'Sforce-Limit-Info': limitInfo() });

    let body: unknown = {};
    const contentType = String(req.headers['content-type'] ?? '');
    if (raw.length > 0 && contentType.includes('json')) {
      try {
        body = JSON.parse(raw);
      } catch {
        return finish(fail(400, 'JSON_PARSER_ERROR', 'The request body is not valid JSON'), { 'Sforce-Limit-Info': limitInfo() });
      }
    }
    let result: ApiResult;
    try {
      result = api(method, m[1]!, m[2] ?? '', url.searchParams, body, raw, user, req.headers);
    } catch (error) {
      result = fail(500, 'UNKNOWN_EXCEPTION', `simulator error: ${(error as Error).message}`);
    }
    if (fault.kind === 'dropResponse') {
      // Done, but the answer is lost: status 0 in the log, as for any request that got no response.
      entry.status = 0;
      logEntry(entry);
      req.socket.destroy();
      return;
    }
    finish(result, { 'Sforce-Limit-Info': limitInfo() });
  };

  const server: Server = createServer({ maxHeaderSize: 256 * 1024, keepAliveTimeout: 5_000 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, fail(500, 'UNKNOWN_EXCEPTION', String(error)), {});
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  baseUrl = `http://${options.host ?? '127.0.0.1'}:${address.port}`;

  const publicUsers = (): SimulatorUser[] => org.users.map((u) => ({ ...u }));
  const sim: Simulator = {
    url: baseUrl,
    loginUrl: baseUrl,
    clientId,
    clientSecret,
    orgId: org.orgId,
    get users() {
      return publicUsers();
    },
    get integrationUser() {
      return publicUsers().find((u) => u.isIntegration) ?? publicUsers()[0]!;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    requests: () => log.slice(-logLimit),
    apiCallCount: () => apiCalls,
    records: (object) => [...org.rows(object).values()].map((r) => ({ ...r })),
    reset: () => {
      loadSeed();
      log = [];
      apiCalls = 0;
      apiUsed = 0;
      cursors.clear();
      queryJobs.clear();
      ingestJobs.clear();
    },
    setFaults: (spec) => {
      faults.set(spec);
      if (spec.apiUsed !== undefined) apiUsed = spec.apiUsed;
    },
    insertMany: (object, rows, username) => {
      const user = username === undefined ? org.users.find((u) => u.isIntegration) ?? org.users[0]! : org.users.find((u) => u.username === username);
      if (user === undefined) throw new Error(`no simulator user ${username}`);
      return org.insertMany(object, rows, user.id);
    },
    issueRefreshToken: (username) => {
      const user = org.users.find((u) => u.username === username);
      if (user === undefined) throw new Error(`no simulator user ${username}`);
      const token = `5Aep${randomBytes(24).toString('base64url')}`;
      refreshTokens.set(token, user.id);
      return token;
    },
    expireAccessTokens: () => {
      for (const session of tokens.values()) session.expired = true;
    },
  };
  if (options.faults?.apiUsed !== undefined) apiUsed = options.faults.apiUsed;
  return sim;
}

import type { Connection } from 'jsforce';
import pLimit from 'p-limit';
import { ConfigError, PausedError, SalesforceError } from '../errors.js';
import { RateLimiter } from './rate-limiter.js';
import { chunkInQueries, soqlName, type ChunkLimits } from './soql.js';

export interface ClientOptions {
  requestsPerSecond: number;
  concurrency: number;
  /** Stop before the remaining daily API allocation falls under this share of the maximum. */
  apiReserve: number;
  maxRetries?: number;
  retryBaseMs?: number;
  signal?: AbortSignal;
  /** For tests: the clock and the sleep used by backoff. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface SaveResult {
  id: string | null;
  success: boolean;
  created?: boolean;
  errors: { statusCode: string; message: string; fields: string[] }[];
}

export interface FieldInfo {
  name: string;
  type: string;
  scale: number;
  length: number;
  externalId: boolean;
  idLookup: boolean;
  updateable: boolean;
}

export interface ObjectInfo {
  name: string;
  fields: Map<string, FieldInfo>; // by lower-cased name
}

type Json = Record<string, unknown>;
interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  body?: string;
  headers?: Record<string, string>;
}

const NETWORK = /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|UND_ERR_SOCKET|socket hang up|other side closed|fetch failed|terminated/i;

/** Why a failed call may be retried, or null. */
export function retryReason(error: unknown): string | null {
  const e = error as { errorCode?: string; name?: string; code?: string; message?: string };
  const code = e.errorCode ?? e.name ?? '';
  if (code === 'ERROR_HTTP_503' || code === 'SERVER_UNAVAILABLE') return 'Salesforce answered 503 (unavailable)';
  if (code === 'UNABLE_TO_LOCK_ROW') return 'UNABLE_TO_LOCK_ROW';
  if (NETWORK.test(`${e.code ?? ''} ${e.message ?? ''}`)) return 'the connection dropped';
  return null;
}

/**
 * Every Salesforce call of sf-reconcile goes through this class: one rate limit, bounded concurrency, bounded
 * retries with exponential backoff and jitter (jsforce's own retries are off so the policy is ours), API
 * usage read from Sforce-Limit-Info after each call, and typed errors. The only module that talks to jsforce.
 */
export class SalesforceClient {
  /** HTTP requests sent (each counts against the daily API allocation, retries included). */
  apiCalls = 0;
  retries = 0;
  private readonly limiter: RateLimiter;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly describes = new Map<string, Promise<ObjectInfo>>();
  private globalNames: Promise<Set<string>> | undefined;
  readonly version: string;

  constructor(
    readonly conn: Connection,
    readonly userId: string,
    private readonly options: ClientOptions,
  ) {
    this.limiter = new RateLimiter(options.requestsPerSecond);
    this.limit = pLimit(Math.max(1, options.concurrency));
    this.version = conn.version;
  }

  /** Remaining daily API calls as Salesforce last reported them, or null before the first call. */
  apiUsage(): { used: number; limit: number } | null {
    return this.conn.limitInfo?.apiUsage ?? null;
  }

  private checkReserve(): void {
    const usage = this.apiUsage();
    if (usage === null || usage.limit <= 0) return;
    const remaining = usage.limit - usage.used;
    if (remaining - 1 < usage.limit * this.options.apiReserve) {
      throw new PausedError(
        `stopped before the daily API allocation falls under the reserve: ${remaining} of ${usage.limit} calls left, reserve ${Math.round(this.options.apiReserve * 100)}%`,
        { code: 'API_RESERVE_REACHED', hint: 'run the same command again once the rolling 24-hour usage has dropped, or lower limits.apiReserve in the config' },
      );
    }
  }

  /** Runs one HTTP call under the shared limits; retries what is safe to retry. */
  private async withLimits<T>(call: () => Promise<T>, retryable: boolean): Promise<T> {
    return this.limit(async () => {
      const maxRetries = retryable ? this.options.maxRetries ?? 4 : 0;
      const base = this.options.retryBaseMs ?? 250;
      const sleep = this.options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
      const random = this.options.random ?? Math.random;
      for (let attempt = 0; ; attempt++) {
        if (this.options.signal?.aborted && attempt > 0) throw new PausedError('stopped by a signal', { code: 'INTERRUPTED' });
        this.checkReserve();
        await this.limiter.acquire();
        this.apiCalls += 1;
        try {
          return await call();
        } catch (error) {
          const reason = retryReason(error);
          if (reason !== null && attempt < maxRetries) {
            this.retries += 1;
            // Full jitter: spread retries so several executors do not hammer Salesforce in step.
            await sleep(Math.min(10_000, base * 2 ** attempt) * (0.5 + random() / 2));
            continue;
          }
          throw translateError(error, reason !== null ? attempt + 1 : 0);
        }
      }
    });
  }

  /** Sends one REST request (JSON) through jsforce with its own retries off: the policy is ours. */
  async send<T>(request: HttpRequest, retryable = true): Promise<T> {
    return this.withLimits(async () => (await this.conn.request<T>(request, { retry: { maxRetries: 0 } } as never)) as T, retryable);
  }

  /** Runs a query and reads every page (jsforce's autoFetch stops silently at 10,000 rows: docs section 11). */
  async query<T extends Json = Json>(soql: string, options: { all?: boolean } = {}): Promise<T[]> {
    const records: T[] = [];
    let page = await this.send<{ records: T[]; done: boolean; nextRecordsUrl?: string }>({
      method: 'GET',
      url: `/${options.all ? 'queryAll' : 'query'}?q=${encodeURIComponent(soql)}`,
    });
    records.push(...page.records);
    while (!page.done && page.nextRecordsUrl) {
      page = await this.send({ method: 'GET', url: page.nextRecordsUrl });
      records.push(...page.records);
    }
    return records;
  }

  /**
   * Runs several queries in as few API calls as possible: one Composite request carries up to 5 queries or
   * next pages (SOQL in the body, so only the 100,000-character limit applies) and counts as one call.
   */
  async queryBatch<T extends Json = Json>(soqls: readonly string[], options: { all?: boolean } = {}): Promise<T[]> {
    const out: T[] = [];
    const resource = options.all ? 'queryAll' : 'query';
    // Work items: first pages (SOQL) and next pages (nextRecordsUrl), five to a Composite call.
    const pending: string[] = soqls.map((soql) => `/services/data/v${this.version}/${resource}?q=${encodeURIComponent(soql)}`);
    while (pending.length > 0) {
      const group = pending.splice(0, 5);
      const response = await this.send<{ compositeResponse: { body: unknown; httpStatusCode: number }[] }>({
        method: 'POST',
        url: '/composite',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ allOrNone: false, compositeRequest: group.map((url, j) => ({ method: 'GET', url, referenceId: `q${j}` })) }),
      });
      for (const sub of response.compositeResponse) {
        if (sub.httpStatusCode >= 400) {
          const err = (Array.isArray(sub.body) ? sub.body[0] : sub.body) as { errorCode?: string; message?: string } | undefined;
          throw translateError(Object.assign(new Error(err?.message ?? `HTTP ${sub.httpStatusCode}`), { errorCode: err?.errorCode ?? `ERROR_HTTP_${sub.httpStatusCode}` }), 0);
        }
        const page = sub.body as { records: T[]; done: boolean; nextRecordsUrl?: string };
        out.push(...page.records);
        if (!page.done && page.nextRecordsUrl) pending.push(page.nextRecordsUrl);
      }
    }
    return out;
  }

  /**
   * Records whose `keyField` is one of `keys`: IN-list queries sized by the SOQL limit, sent five to a
   * Composite call. `extraWhere` is ANDed (already-built SOQL).
   */
  async fetchByKeys<T extends Json = Json>(
    object: string,
    keyField: string,
    keys: readonly string[],
    fields: readonly string[],
    options: { all?: boolean; limits?: Partial<ChunkLimits>; andWhere?: string } = {},
  ): Promise<T[]> {
    if (keys.length === 0) return [];
    const select = `SELECT ${[...new Set(fields)].map(soqlName).join(', ')} FROM ${soqlName(object)}`;
    const queries = chunkInQueries(select, keyField, keys, {
      forGet: false,
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.andWhere ? { suffix: ` AND ${options.andWhere}` } : {}),
    });
    return this.queryBatch<T>(queries, options);
  }

  /** Object names Salesforce knows (describe global, once). */
  async objectNames(): Promise<Set<string>> {
    this.globalNames ??= this.send<{ sobjects: { name: string }[] }>({ method: 'GET', url: '/sobjects' }).then(
      (g) => new Set(g.sobjects.map((s) => s.name.toLowerCase())),
    );
    return this.globalNames;
  }

  /** An object's fields, described once per run. Unknown objects are a ConfigError naming them. */
  async describe(object: string): Promise<ObjectInfo> {
    let cached = this.describes.get(object.toLowerCase());
    if (cached === undefined) {
      cached = (async () => {
        if (!(await this.objectNames()).has(object.toLowerCase())) {
          throw new ConfigError(`Salesforce does not know the object "${object}"`, {
            code: 'UNKNOWN_OBJECT',
            hint: 'check the object\'s API name in the events and in sf-reconcile.config.json (custom objects end in __c)',
          });
        }
        const d = await this.send<{ name: string; fields: Record<string, unknown>[] }>({ method: 'GET', url: `/sobjects/${encodeURIComponent(object)}/describe` });
        const fields = new Map<string, FieldInfo>();
        for (const f of d.fields) {
          fields.set(String(f.name).toLowerCase(), {
            name: String(f.name),
            type: String(f.type),
            scale: Number(f.scale ?? 0),
            length: Number(f.length ?? 0),
            externalId: f.externalId === true,
            idLookup: f.idLookup === true,
            updateable: f.updateable === true,
          });
        }
        return { name: d.name, fields };
      })();
      this.describes.set(object.toLowerCase(), cached);
      cached.catch(() => this.describes.delete(object.toLowerCase()));
    }
    return cached;
  }

  /** Upserts up to 200 records by external ID (sObject Collections, allOrNone=false). */
  async upsert(object: string, externalIdField: string, records: readonly Json[]): Promise<SaveResult[]> {
    return this.send<SaveResult[]>({
      method: 'PATCH',
      url: `/composite/sobjects/${encodeURIComponent(object)}/${encodeURIComponent(externalIdField)}`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ allOrNone: false, records: records.map((r) => ({ attributes: { type: object }, ...r })) }),
    });
  }

  /** Updates up to 200 records by Id, sending only the given fields. */
  async update(object: string, records: readonly (Json & { Id: string })[]): Promise<SaveResult[]> {
    return this.send<SaveResult[]>({
      method: 'PATCH',
      url: '/composite/sobjects',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ allOrNone: false, records: records.map(({ Id, ...rest }) => ({ attributes: { type: object }, id: Id, ...rest })) }),
    });
  }

  /** Deletes up to 200 records by Id. */
  async destroy(ids: readonly string[]): Promise<SaveResult[]> {
    return this.send<SaveResult[]>({ method: 'DELETE', url: `/composite/sobjects?ids=${ids.map(encodeURIComponent).join(',')}&allOrNone=false` });
  }

  async limits(): Promise<Record<string, { Max: number; Remaining: number }>> {
    return this.send({ method: 'GET', url: '/limits' });
  }

  private async pollJob(kind: 'query' | 'ingest', id: string, timeoutMs = 120_000): Promise<Json> {
    const sleep = this.options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    const started = Date.now();
    for (let delay = 50; ; delay = Math.min(delay * 2, 2000)) {
      const info = await this.send<Json>({ method: 'GET', url: `/jobs/${kind}/${id}` });
      const state = String(info.state);
      if (state === 'JobComplete') return info;
      if (state === 'Failed' || state === 'Aborted') {
        throw new SalesforceError(`Bulk API 2.0 ${kind} job ${id} ${state.toLowerCase()}: ${String(info.errorMessage ?? '')}`, { code: 'BULK_JOB_FAILED' });
      }
      if (Date.now() - started > timeoutMs) {
        throw new PausedError(`Bulk API 2.0 ${kind} job ${id} did not finish within ${timeoutMs / 1000} s`, { code: 'BULK_JOB_TIMEOUT' });
      }
      await sleep(delay);
    }
  }

  /**
   * A Bulk API 2.0 query: one job, results paged with Sforce-Locator by this client (jsforce's bulk2.query
   * breaks on multi-page results, docs section 12). Values come back as strings; empty cells as null.
   */
  async bulkQuery(soql: string, options: { all?: boolean; maxRecords?: number } = {}): Promise<Record<string, string | null>[]> {
    const rows: Record<string, string | null>[] = [];
    await this.bulkQueryPages(soql, options, async (page) => {
      rows.push(...page);
    });
    return rows;
  }

  /** bulkQuery a page of results at a time, for exports too large to hold: `onPage` runs before the next page is read. */
  async bulkQueryPages(soql: string, options: { all?: boolean; maxRecords?: number }, onPage: (rows: Record<string, string | null>[]) => Promise<void>): Promise<void> {
    const job = await this.send<Json>({
      method: 'POST',
      url: '/jobs/query',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operation: options.all ? 'queryAll' : 'query', query: soql }),
    });
    const id = String(job.id);
    await this.pollJob('query', id);
    let locator = '';
    for (;;) {
      const params = new URLSearchParams();
      if (locator) params.set('locator', locator);
      if (options.maxRecords) params.set('maxRecords', String(options.maxRecords));
      const qs = params.toString();
      const response = await this.sendRaw(`/jobs/query/${id}/results${qs ? `?${qs}` : ''}`);
      await onPage(parseCsvRows(response.body));
      locator = response.headers['sforce-locator'] ?? 'null';
      if (locator === 'null' || locator === '') break;
    }
  }

  /** `SELECT COUNT() FROM ...`: the number of records, in one call. */
  async count(soql: string, options: { all?: boolean } = {}): Promise<number> {
    const r = await this.send<{ totalSize: number }>({ method: 'GET', url: `/${options.all ? 'queryAll' : 'query'}?q=${encodeURIComponent(soql)}` });
    return r.totalSize;
  }

  /** A GET whose body is kept as text, with its headers (Bulk 2.0 CSV and its locator; jsforce would parse it). */
  private async sendRaw(url: string): Promise<{ body: string; headers: Record<string, string> }> {
    return this.withLimits(async () => {
      const res = await fetch(`${this.conn.instanceUrl}/services/data/v${this.version}${url}`, {
        headers: { Authorization: `Bearer ${this.conn.accessToken ?? ''}`, Accept: 'text/csv' },
      });
      const headers = Object.fromEntries([...res.headers.entries()].map(([k, v]) => [k.toLowerCase(), v]));
      const limitInfo = /api-usage=(\d+)\/(\d+)/.exec(headers['sforce-limit-info'] ?? '');
      if (limitInfo) this.conn.limitInfo = { apiUsage: { used: Number(limitInfo[1]), limit: Number(limitInfo[2]) } };
      const body = await res.text();
      if (res.status >= 400) {
        let err: { errorCode?: string; message?: string } = {};
        try {
          err = (JSON.parse(body) as { errorCode?: string; message?: string }[])[0] ?? {};
        } catch {
          /* not JSON */
        }
        throw Object.assign(new Error(err.message ?? body), { errorCode: err.errorCode ?? `ERROR_HTTP_${res.status}` });
      }
      return { body, headers };
    }, true);
  }

  /**
   * A Bulk API 2.0 ingest job for large writes; returns one result per input record, in input order,
   * matched back from the successful and failed results by `matchField` (Id or the external ID).
   */
  async bulkIngest(
    object: string,
    operation: 'update' | 'upsert' | 'delete',
    records: readonly Json[],
    matchField: string,
    externalIdFieldName?: string,
  ): Promise<SaveResult[]> {
    const columns = [...new Set(records.flatMap((r) => Object.keys(r)))];
    const csv = toCsv(columns, records);
    const job = await this.send<Json>({
      method: 'POST',
      url: '/jobs/ingest',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ object, operation, contentType: 'CSV', lineEnding: 'LF', ...(externalIdFieldName ? { externalIdFieldName } : {}) }),
    });
    const id = String(job.id);
    await this.send({ method: 'PUT', url: `/jobs/ingest/${id}/batches`, headers: { 'content-type': 'text/csv' }, body: csv }, false);
    await this.send({ method: 'PATCH', url: `/jobs/ingest/${id}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ state: 'UploadComplete' }) }, false);
    await this.pollJob('ingest', id);
    const success = parseCsvRows((await this.sendRaw(`/jobs/ingest/${id}/successfulResults`)).body);
    const failed = parseCsvRows((await this.sendRaw(`/jobs/ingest/${id}/failedResults`)).body);
    const byKey = new Map<string, SaveResult>();
    const keyOf = (row: Record<string, string | null>) => String(row[matchField] ?? row.sf__Id ?? '').toLowerCase();
    for (const row of success) byKey.set(keyOf(row), { id: row.sf__Id ?? null, success: true, created: row.sf__Created === 'true', errors: [] });
    for (const row of failed) {
      const [statusCode = 'UNKNOWN', ...rest] = String(row.sf__Error ?? '').split(':');
      byKey.set(keyOf(row), { id: row.sf__Id || null, success: false, errors: [{ statusCode, message: rest.join(':').replace(/:?-*$/, ''), fields: [] }] });
    }
    return records.map((r) => byKey.get(String(r[matchField] ?? '').toLowerCase()) ?? { id: null, success: false, errors: [{ statusCode: 'NO_RESULT', message: 'Bulk API returned no result for this record', fields: [] }] });
  }
}

function toCsv(columns: readonly string[], records: readonly Json[]): string {
  const cell = (v: unknown): string => {
    if (v === null) return '#N/A'; // Bulk API's "set to null"
    if (v === undefined) return '';
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${columns.join(',')}\n${records.map((r) => columns.map((c) => cell(r[c])).join(',')).join('\n')}\n`;
}

/** Minimal RFC 4180 reader for Bulk API results (quoted cells, doubled quotes, newlines in cells). */
export function parseCsvRows(text: string): Record<string, string | null>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell.length > 0 || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  const [header, ...data] = rows;
  if (header === undefined) return [];
  return data.filter((r) => r.length > 1 || r[0] !== '').map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] === undefined || r[i] === '' ? null : r[i]!])));
}

/** Maps a jsforce error to sf-reconcile's typed errors. `attempts` > 0 when retries ran out. */
export function translateError(error: unknown, attempts: number): Error {
  const e = error as { errorCode?: string; name?: string; message?: string };
  const code = e.errorCode ?? e.name ?? 'ERROR';
  const message = e.message ?? String(error);
  if (code === 'REQUEST_LIMIT_EXCEEDED') {
    return new PausedError(`Salesforce refused the call: the API limit is exceeded (REQUEST_LIMIT_EXCEEDED: ${message})`, {
      code: 'API_LIMIT_EXCEEDED',
      hint: 'wait until the rolling 24-hour API usage drops, then run the same command again',
    });
  }
  if (code === 'INVALID_SESSION_ID') {
    return new ConfigError(`Salesforce rejected the session (INVALID_SESSION_ID: ${message})`, {
      code: 'AUTH_FAILED',
      hint: 'the access token expired or was revoked: set a fresh SF_ACCESS_TOKEN, or log in with SF_USERNAME/SF_PASSWORD or client credentials',
    });
  }
  if (attempts > 0) {
    return new PausedError(`Salesforce is unavailable: ${retryReason(error) ?? message} after ${attempts} attempts`, {
      code: 'SALESFORCE_UNAVAILABLE',
      hint: 'Salesforce looks degraded: check status.salesforce.com, then run the same command again',
    });
  }
  if (code === 'INVALID_FIELD' || code === 'INVALID_TYPE') {
    return new ConfigError(`Salesforce does not know a field or object: ${message.split('\n').filter((l) => l.trim().length > 0).at(-1) ?? message}`, {
      code: 'UNKNOWN_FIELD',
      hint: 'check the API names in the events and in sf-reconcile.config.json',
    });
  }
  if (error instanceof PausedError || error instanceof ConfigError || error instanceof SalesforceError) return error;
  return new SalesforceError(`Salesforce error ${code}: ${message}`, { sfErrorCode: code });
}

import { canonicalJson, sha256 } from '../domain/canonical-json.js';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { isApiName } from '../domain/values.js';
import { ConfigError } from '../errors.js';

export const DEFAULT_CONFIG_FILE = 'sf-reconcile.config.json';

const apiName = z.string().refine(isApiName, { message: 'must be a Salesforce API name such as "Billing_Id__c"' });
const salesforceUserId = z
  .string()
  .regex(/^005[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/, { message: 'must be a 15- or 18-character User Id starting with 005' });

const compareRule = z
  .object({
    trim: z.boolean().optional(),
    caseInsensitive: z.boolean().optional(),
  })
  .strict();

const objectConfig = z
  .object({
    externalIdField: apiName,
    /** Integration-owned fields compared and repaired; default: every field the events carry. */
    fields: z.array(apiName).optional(),
    compare: z.record(apiName, compareRule).optional(),
    conflict: z.enum(['manual', 'integration-wins', 'salesforce-wins']).default('manual'),
    replay: z.object({ coalesce: z.boolean().default(false) }).strict().optional(),
  })
  .strict();

const limits = z
  .object({
    requestsPerSecond: z.number().positive().default(10),
    concurrency: z.number().int().positive().default(4),
    /** Stop before the remaining daily API allocation falls under this share of the maximum. */
    apiReserve: z.number().min(0).max(1).default(0.2),
  })
  .strict();

const scan = z
  .object({
    /**
     * Above this number of affected keys of one object (default 50,000) the scan counts the object's records
     * and exports it whole through one Bulk API 2.0 query when that costs fewer API calls than IN-list queries.
     */
    bulkQueryThreshold: z.number().int().positive().optional(),
  })
  .strict();

const execute = z
  .object({
    /** Above this number of writes of one kind, a Bulk API 2.0 ingest job is used instead of collections. */
    bulkIngestThreshold: z.number().int().positive().optional(),
    /** Records per Bulk API 2.0 ingest job (each job is preceded by one freshness read of its records). */
    bulkJobSize: z.number().int().min(1).max(150_000).optional(),
    batchSize: z.number().int().min(1).max(200).optional(),
    maxErrorRate: z.number().min(0).max(1).optional(),
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    integrationUserIds: z.array(salesforceUserId).default([]),
    objects: z.record(apiName, objectConfig).default({}),
    limits: limits.default({ requestsPerSecond: 10, concurrency: 4, apiReserve: 0.2 }),
    scan: scan.default({}),
    execute: execute.default({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ObjectConfig = z.infer<typeof objectConfig>;
export type ConflictPolicy = ObjectConfig['conflict'];

export interface LoadedConfig {
  config: Readonly<Config>;
  /** sha256 of the file's canonical JSON, or of `{}` when no file exists. Plans record it. */
  hash: string;
  /** The file it came from, or null for the built-in defaults. */
  file: string | null;
}

/** Renders a zod issue path the way a person writes it: `objects.Account.externalIdField`, `integrationUserIds[0]`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

function describeValue(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return 'nothing';
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node;
}

/** Validates parsed JSON; every error names the JSON path, what was expected, and what was found. */
export function parseConfig(raw: unknown, file: string): Config {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = formatPath(issue.path);
  const got = describeValue(valueAt(raw, issue.path));
  throw new ConfigError(`config: ${path} ${issue.message} (got ${got}) in ${file}`, {
    path,
    hint: 'fix that value; the README\'s "Configuration" section lists every key',
    details: { issues: result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) },
  });
}

/** A validated config as commands use it: frozen, with the hash plans record (sha256 of its canonical JSON). */
export function loadedConfig(config: Config, file: string | null = null): LoadedConfig {
  return { config: Object.freeze(config), hash: sha256(canonicalJson(config)), file };
}

/**
 * Loads the config file. An explicit path must exist; the default path may be absent (built-in defaults).
 */
export function loadConfig(explicitPath: string | undefined, cwd: string = process.cwd()): LoadedConfig {
  const file = explicitPath ?? `${cwd}/${DEFAULT_CONFIG_FILE}`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (explicitPath === undefined && code === 'ENOENT') {
      const config = parseConfig({}, '(defaults)');
      return loadedConfig(config);
    }
    throw new ConfigError(`config: cannot read ${file} (${code ?? 'error'})`, {
      code: 'CONFIG_UNREADABLE',
      hint: 'check the path given to --config',
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config: ${file} is not valid JSON (${(error as Error).message})`, {
      hint: 'fix the JSON syntax, e.g. with a JSON linter',
    });
  }
  const config = parseConfig(raw, file);
  return loadedConfig(config, file);
}

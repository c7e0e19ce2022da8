import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import { InputError, UsageError } from '../errors.js';
import type { FaultSpec, Seed } from '../simulator/index.js';
import type { CliContext } from './context.js';

const fieldSchema = z.object({
  name: z.string().min(1),
  type: z.enum(['id', 'string', 'textarea', 'email', 'phone', 'url', 'picklist', 'multipicklist', 'boolean', 'int', 'double', 'currency', 'percent', 'date', 'datetime', 'reference']),
  length: z.number().int().positive().optional(),
  precision: z.number().int().positive().optional(),
  scale: z.number().int().min(0).optional(),
  required: z.boolean().optional(),
  externalId: z.boolean().optional(),
  unique: z.boolean().optional(),
  tracked: z.boolean().optional(),
  picklistValues: z.array(z.string()).optional(),
  referenceTo: z.array(z.string()).optional(),
  label: z.string().optional(),
});
const seedSchema = z.object({
  schema: z.object({ objects: z.array(z.object({ name: z.string().min(1), keyPrefix: z.string().length(3), label: z.string().optional(), fields: z.array(fieldSchema) })) }),
  users: z.array(z.object({ id: z.string().optional(), username: z.string(), password: z.string(), name: z.string(), isIntegration: z.boolean().optional() })).optional(),
  records: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))).optional(),
  clientId: z.string().optional(),
  clientSecret: z.string().optional(),
});
const range = z.array(z.object({ from: z.number().int().positive(), count: z.number().int().positive() }));
const faultSchema = z
  .object({
    seed: z.number().int().optional(),
    latencyMs: z.number().min(0).optional(),
    jitterMs: z.number().min(0).optional(),
    unavailable: range.optional(),
    unavailableProbability: z.number().min(0).max(1).optional(),
    dailyApiLimit: z.number().int().positive().optional(),
    apiUsed: z.number().int().min(0).optional(),
    lockRowProbability: z.number().min(0).max(1).optional(),
    validationRules: z.array(z.object({ object: z.string(), field: z.string(), pattern: z.string(), message: z.string().optional() })).optional(),
    dropConnections: range.optional(),
    dropProbability: z.number().min(0).max(1).optional(),
    unavailableDuring: z.array(z.object({ afterMs: z.number().min(0), forMs: z.number().positive() })).optional(),
    dropResponses: range.optional(),
  })
  .strict();

function readJson<T>(file: string, schema: z.ZodType<T>, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InputError(`cannot read the ${what} file ${file}: ${(error as Error).message}`, { file, hint: `pass a JSON ${what} file (see the README's simulator section)` });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(`${what} file ${file}: ${issue.path.join('.') || '(top level)'} ${issue.message}`, { file, hint: `fix the ${what} file (see the README's simulator section)` });
  }
  return parsed.data;
}

/** Registers `simulator start`. */
export function register(program: Command, ctx: CliContext): void {
  const simulator = program.command('simulator').description('a local Salesforce org for drills and tests (never a real org)');
  simulator
    .command('start')
    .description('start the simulator on 127.0.0.1 and run until stopped (Ctrl-C)')
    .option('--port <port>', 'port to listen on (default: a free one)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be a port number (got "${v}")`);
      return n;
    })
    .option('--seed <file>', 'seed JSON: schema, users, records (default: Account and Contact with sample records)')
    .option('--faults <file>', 'faults JSON: latency, 503 bursts, API budget, lock rows, validation rules, dropped connections')
    .action(async (opts: { port?: number; seed?: string; faults?: string }) => {
      // Loaded on use: the simulator's SOQL parser takes most of a second to build.
      const { defaultSeed, startSimulator } = await import('../simulator/index.js');
      const seed: Seed = opts.seed ? (readJson(opts.seed, seedSchema, 'seed') as Seed) : defaultSeed();
      const faults: FaultSpec = opts.faults ? readJson(opts.faults, faultSchema, 'faults') : {};
      const sim = await startSimulator({ port: opts.port ?? 0, seed, faults }).catch((error: unknown) => {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EACCES') {
          throw new UsageError(`port ${opts.port} on 127.0.0.1 is ${code === 'EADDRINUSE' ? 'already in use' : 'not allowed'}`, {
            hint: 'choose another with --port, or leave --port out to take a free one',
          });
        }
        throw error;
      });
      const integration = sim.integrationUser;
      const info = {
        url: sim.url,
        loginUrl: sim.loginUrl,
        clientId: sim.clientId,
        clientSecret: sim.clientSecret,
        users: sim.users.map((u) => ({ id: u.id, username: u.username, password: u.password, name: u.name, integration: u.isIntegration })),
        env: { SF_LOGIN_URL: sim.loginUrl, SF_USERNAME: integration.username, SF_PASSWORD: integration.password, SF_CLIENT_ID: sim.clientId, SF_CLIENT_SECRET: sim.clientSecret },
      };
      ctx.output().result(info, () =>
        [
          `Salesforce simulator listening on ${sim.url} (simulated org: these are not real credentials)`,
          '',
          'users:',
          ...info.users.map((u) => `  ${u.username.padEnd(26)} password ${u.password.padEnd(18)} ${u.id}${u.integration ? '  (integration user)' : ''}`),
          '',
          'connect sf-reconcile as the integration user:',
          ...Object.entries(info.env).map(([k, v]) => `  export ${k}=${v}`),
          '',
          'press Ctrl-C to stop',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        if (ctx.abort.signal.aborted) resolve();
        ctx.abort.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await sim.stop();
    });
}

import type { Connection } from 'jsforce';
import type { Simulator } from '../simulator/index.js';
import type { SimulatedIntegration } from './world.js';

/** What a scenario can touch while it plays the incident. */
export interface PlayContext {
  sim: Simulator;
  integration: SimulatedIntegration;
  /** A person (Salesforce admin) editing records in the org. */
  person: Connection;
  /** Another user, e.g. the one a deployment or a data load runs as. */
  deployer: Connection;
  random: () => number;
  /** External IDs of the world's accounts. */
  accounts: string[];
  /** Picks `n` distinct accounts, deterministically. */
  pick(n: number): string[];
}

export interface DrillScenario {
  name: string;
  title: string;
  /** The runbook this drill rehearses (runbooks/<name>.md). */
  runbook: string;
  /** Plays the incident inside the window. */
  play(ctx: PlayContext): Promise<void>;
  /** What happens after the window closes and before the repair (a person's edit, the fault going away). */
  after?(ctx: PlayContext): Promise<void>;
}

const INDUSTRIES = ['Banking', 'Energy', 'Retail', 'Technology'];

async function personEdits(ctx: PlayContext, externalId: string, fields: Record<string, unknown>): Promise<void> {
  const [rec] = (await ctx.person.query<{ Id: string }>(`SELECT Id FROM Account WHERE Billing_Id__c = '${externalId}'`)).records;
  if (rec) await ctx.person.sobject('Account').update({ Id: rec.Id, ...fields });
}

export const SCENARIOS: Record<string, DrillScenario> = {
  'salesforce-outage': {
    name: 'salesforce-outage',
    title: 'Salesforce degraded: 503 bursts and dropped connections while the integration writes',
    runbook: 'salesforce-outage',
    async play(ctx) {
      ctx.sim.setFaults({ seed: 7, unavailable: [{ from: 6, count: 14 }], dropConnections: [{ from: 24, count: 3 }] });
      for (const id of ctx.pick(40)) await ctx.integration.upsert(id, { AnnualRevenue: Math.round(ctx.random() * 9_000_000) + 1000, Industry: INDUSTRIES[Math.floor(ctx.random() * 4)]! });
      ctx.sim.setFaults({});
    },
    async after(ctx) {
      // An admin "fixes" one failed record by hand after the incident: the repair must not overwrite it.
      const failed = ctx.integration.log.find((e) => e.status !== 'delivered');
      if (failed) await personEdits(ctx, failed.externalId, { AnnualRevenue: 4242 });
    },
  },
  'api-limit-exhaustion': {
    name: 'api-limit-exhaustion',
    title: 'The daily API allocation runs out mid-sync: REQUEST_LIMIT_EXCEEDED',
    runbook: 'api-limit-exhaustion',
    async play(ctx) {
      const used = ctx.sim.apiCallCount();
      ctx.sim.setFaults({ dailyApiLimit: used + 20, apiUsed: used });
      for (const id of ctx.pick(45)) await ctx.integration.upsert(id, { AnnualRevenue: Math.round(ctx.random() * 9_000_000) + 1000 });
    },
    async after(ctx) {
      ctx.sim.setFaults({}); // the rolling 24 hours moved on: calls are allowed again
    },
  },
  'bad-deployment': {
    name: 'bad-deployment',
    title: 'A deployment (a data fix, a new trigger) overwrote integration-owned fields with no event',
    runbook: 'bad-deployment',
    async play(ctx) {
      for (const id of ctx.pick(10)) await ctx.integration.upsert(id, { AnnualRevenue: Math.round(ctx.random() * 9_000_000) + 1000 });
      const victims = ctx.pick(30);
      const rows = (await ctx.deployer.query<{ Id: string }>(`SELECT Id FROM Account WHERE Billing_Id__c IN (${victims.map((v) => `'${v}'`).join(',')})`)).records;
      await ctx.deployer.sobject('Account').update(rows.map((r) => ({ Id: r.Id, Industry: 'Agriculture' })), { allOrNone: false });
    },
  },
  'out-of-order-delivery': {
    name: 'out-of-order-delivery',
    title: 'Retries delivered older writes after newer ones, and some twice',
    runbook: 'out-of-order-delivery',
    async play(ctx) {
      for (const id of ctx.pick(25)) {
        const older = { AnnualRevenue: Math.round(ctx.random() * 1_000_000) + 1000 };
        const newer = { AnnualRevenue: older.AnnualRevenue + 5000 };
        // The log has both in order (seq); the older one was retried and landed last.
        const first = ctx.integration.record(id, older, 'unknown');
        await ctx.integration.upsert(id, newer);
        await ctx.integration.sendLate(id, older);
        first.status = 'delivered';
      }
      // Duplicated delivery: the same event logged twice (same id) is harmless.
      const dup = ctx.integration.log[0];
      if (dup) ctx.integration.log.push({ ...dup });
    },
  },
  'partial-failures': {
    name: 'partial-failures',
    title: 'Validation-rule rejections and record locks fail part of a sync',
    runbook: 'partial-failures',
    async play(ctx) {
      ctx.sim.setFaults({ seed: 11, lockRowProbability: 0.25, validationRules: [{ object: 'Account', field: 'Industry', pattern: '^Energy$', message: 'Energy accounts need a compliance review (validation rule)' }] });
      for (const id of ctx.pick(40)) await ctx.integration.upsert(id, { Industry: INDUSTRIES[Math.floor(ctx.random() * 4)]!, AnnualRevenue: Math.round(ctx.random() * 9_000_000) + 1000 });
    },
    async after(ctx) {
      ctx.sim.setFaults({}); // decision point: the admin deactivated the rule for the repair; the locks were transient
    },
  },
  'expired-credentials': {
    name: 'expired-credentials',
    title: "The integration user's session expired mid-sync (INVALID_SESSION_ID)",
    runbook: 'expired-credentials',
    async play(ctx) {
      const ids = ctx.pick(30);
      for (const [i, id] of ids.entries()) {
        if (i === 12) ctx.sim.expireAccessTokens();
        await ctx.integration.upsert(id, { AnnualRevenue: Math.round(ctx.random() * 9_000_000) + 1000 });
      }
    },
  },
};

export const DEFAULT_SCENARIO = 'salesforce-outage';

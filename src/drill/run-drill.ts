import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsforce from 'jsforce';
import { NO_PROGRESS, type Progress } from '../cli/progress.js';
import { loadedConfig, parseConfig } from '../config/config.js';
import { UsageError } from '../errors.js';
import { executorBreaker, executorPlans, executorSalesforce } from '../execute/adapters.js';
import { executePlan } from '../execute/execute-plan.js';
import { bulkOptions } from '../plan/estimate.js';
import { verifyPlan } from '../execute/verify-plan.js';
import { ingestFiles } from '../ingest/ingest-files.js';
import { approvePlan } from '../plan/approve-plan.js';
import { createPlan } from '../plan/create-plan.js';
import { exportPlanCsv } from '../plan/export-plan.js';
import { connectSalesforce, readCredentials } from '../salesforce/index.js';
import { scanIncident } from '../scan/scan-incident.js';
import { startSimulator } from '../simulator/index.js';
import { createIncident } from '../store/incident-store.js';
import { openStore } from '../store/open-store.js';
import { iteratePlanItems } from '../store/plan-store.js';
import { iterateSnapshotRecords } from '../store/snapshot-store.js';
import { DEFAULT_SCENARIO, SCENARIOS } from './scenarios.js';
import { seededRandom, SimulatedIntegration } from './world.js';

export interface Scorecard {
  scenario: string;
  seed: number;
  affected: number;
  repaired: number;
  manual: number;
  wronglyChanged: number;
  residualDrift: number;
  apiCalls: number;
  apiFloor: number;
  repairSeconds: number;
  passed: boolean;
  steps: string[];
}

const WORLD_SIZE = 80;

/**
 * Rehearses one incident end to end: a simulator org and an integration that writes through jsforce,
 * the scenario's incident, then the runbook's data repair with the real pipeline (ingest, incident, scan,
 * plan, CSV review, approval by a second person, execute with a canary, verify), and a scorecard.
 */
export async function runDrill(name: string | undefined, options: { seed: number; dbPath?: string; progress?: (label: string, total?: number) => Progress; log?: (line: string) => void }): Promise<Scorecard> {
  const scenario = SCENARIOS[name ?? DEFAULT_SCENARIO];
  if (scenario === undefined) {
    throw new UsageError(`there is no drill "${name ?? ''}"`, { code: 'UNKNOWN_DRILL', hint: `list them with "sf-reconcile drill --list" (${Object.keys(SCENARIOS).join(', ')})` });
  }
  const log = options.log ?? (() => {});
  const steps: string[] = [];
  const step = (line: string) => {
    steps.push(line);
    log(line);
  };
  const random = seededRandom(options.seed);
  const workDir = mkdtempSync(join(tmpdir(), 'sf-reconcile-drill-'));
  const sim = await startSimulator({ port: 0 });
  const store = await openStore(options.dbPath ?? join(workDir, 'state.db'));
  try {
    const login = async (username: string) => {
      const user = sim.users.find((u) => u.username === username)!;
      const conn = new jsforce.Connection({ loginUrl: sim.loginUrl, version: '60.0', oauth2: { clientId: sim.clientId, clientSecret: sim.clientSecret, loginUrl: sim.loginUrl } });
      await conn.login(user.username, user.password);
      return conn;
    };
    const integrationUser = sim.integrationUser;
    const conn = await login(integrationUser.username);
    // The integration holds a bare access token, as most do: an expired session is not silently renewed.
    const integrationConn = new jsforce.Connection({ instanceUrl: conn.instanceUrl, accessToken: conn.accessToken!, version: '60.0' });
    const integration = new SimulatedIntegration(integrationConn);

    // 1. The world before the incident: accounts the integration created and logged.
    const accounts = Array.from({ length: WORLD_SIZE }, (_, i) => `D-${String(i + 1).padStart(4, '0')}`);
    for (const id of accounts) {
      await integration.upsert(id, { Name: `Drill Account ${id}`, AnnualRevenue: 100_000 + Math.round(random() * 900_000), Industry: 'Retail' });
    }
    const pool = [...accounts];
    const ctx = {
      sim, integration, random, accounts,
      person: await login('alice@sim.example'),
      deployer: await login('bob@sim.example'),
      pick(n: number) {
        const out: string[] = [];
        for (let i = 0; i < n && pool.length > 0; i++) out.push(pool.splice(Math.floor(random() * pool.length), 1)[0]!);
        return out;
      },
    };

    // 2. The incident, inside its window.
    // The simulator keeps every write's SystemModstamp distinct, so a burst of writes can run a few ms ahead
    // of the clock: leave a margin on both sides of the window.
    await new Promise((r) => setTimeout(r, 100));
    const windowFrom = new Date().toISOString();
    step(`incident: ${scenario.title}`);
    await scenario.play(ctx);
    await new Promise((r) => setTimeout(r, 100));
    const windowTo = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 10));
    if (scenario.after) await scenario.after(ctx);
    const failed = integration.log.filter((e) => e.status !== 'delivered').length;
    step(`the integration logged ${integration.log.length} writes, ${failed} failed or unanswered`);

    // 3. The runbook's data repair, with the real pipeline.
    const repairStarted = performance.now();
    const logFile = join(workDir, 'billing-sync.jsonl');
    writeFileSync(logFile, integration.jsonl());
    const ingested = await ingestFiles({ store, now: () => new Date(), progress: () => NO_PROGRESS, stdin: process.stdin }, [logFile]);
    step(`sf-reconcile ingest billing-sync.jsonl: ${ingested.total.accepted} accepted, ${ingested.total.duplicate} duplicate, ${ingested.total.rejected} rejected`);
    const raw = { integrationUserIds: [integrationUser.id], objects: { Account: { externalIdField: 'Billing_Id__c', conflict: 'manual' } }, limits: { requestsPerSecond: 0.0001, concurrency: 4, apiReserve: 0.05 } };
    const parsed = parseConfig({ ...raw, limits: { ...raw.limits, requestsPerSecond: 1000 } }, 'drill');
    const config = loadedConfig(parsed);
    const env = { SF_LOGIN_URL: sim.loginUrl, SF_USERNAME: integrationUser.username, SF_PASSWORD: integrationUser.password, SF_CLIENT_ID: sim.clientId, SF_CLIENT_SECRET: sim.clientSecret };
    const salesforce = await connectSalesforce(readCredentials(env), { requestsPerSecond: 1000, concurrency: 4, apiReserve: 0.05 });
    const incident = await createIncident(store.db, { name: `drill ${scenario.name}`, from: windowFrom, to: windowTo, objects: ['Account'] }, new Date());
    step(`sf-reconcile incident open --name "drill ${scenario.name}" --from ${windowFrom} --to ${windowTo}: incident ${incident.id}`);
    const progress = options.progress ?? (() => NO_PROGRESS);
    const scan = await scanIncident({ db: store.db, sqlite: store.sqlite, salesforce, config: parsed, now: () => new Date(), progress }, incident.id, { sfScan: true });
    const affected = scan.records - (scan.byClass.in_sync ?? 0);
    step(`sf-reconcile scan ${incident.id}: ${scan.records} records, ${JSON.stringify(scan.byClass)}`);
    const plan = await createPlan({ db: store.db, sqlite: store.sqlite, config, now: () => new Date() }, incident.id, 'drill-engineer');
    step(`sf-reconcile plan create ${incident.id} --by drill-engineer: plan ${plan.planId} ${JSON.stringify(plan.totals.byAction)}`);
    const csvPath = join(workDir, `plan-${plan.planId}.csv`);
    await exportPlanCsv(store, { id: plan.planId, totals: plan.totals }, csvPath);
    step(`sf-reconcile plan export ${plan.planId} --out plan-${plan.planId}.csv`);
    await approvePlan(store, plan.planId, { by: 'drill-admin', reviewedCsv: csvPath, allowSelfApproval: false, force: false }, new Date());
    step(`sf-reconcile plan approve ${plan.planId} --by drill-admin --reviewed plan-${plan.planId}.csv`);
    const signal = new AbortController().signal;
    const summary = await executePlan(
      {
        db: store.db, plans: executorPlans(store.db, () => new Date()), salesforce: executorSalesforce(salesforce),
        breaker: executorBreaker({ maxErrorRate: 0.5, window: 200, minSamples: 20 }), now: () => new Date(), progress, signal, log,
      },
      plan.planId,
      { holder: `drill:${process.pid}`, by: 'drill-scheduler', batchSize: 200, canary: 5, pauseAfterCanary: false, dryRun: false, bulk: bulkOptions(parsed) },
    );
    step(`sf-reconcile plan execute ${plan.planId} --canary 5: applied ${summary.applied}, failed ${summary.failed}, stale ${summary.stale}`);
    const verified = await verifyPlan(store.db, executorSalesforce(salesforce), plan.planId, { by: 'drill-engineer', now: new Date() });
    step(`sf-reconcile plan verify ${plan.planId}: ${verified.residual.length} residual drift in ${verified.checked} applied items`);
    const repairSeconds = (performance.now() - repairStarted) / 1000;

    // 4. The scorecard: a fresh scan must find nothing left but the records sent to people.
    const manualKeys = new Set<string>();
    let manual = 0;
    const planned = new Set<string>();
    for await (const item of iteratePlanItems(store.db, plan.planId)) {
      if (item.action === 'manual') {
        manual += 1;
        manualKeys.add(item.externalId);
      }
      if (item.action !== 'none') planned.add(item.externalId);
    }
    const firstScan = new Map<string, string | null>();
    for await (const r of iterateSnapshotRecords(store.db, scan.snapshotId)) firstScan.set(r.key.externalId, r.diff.systemModstamp);
    const rescan = await scanIncident({ db: store.db, sqlite: store.sqlite, salesforce, config: parsed, now: () => new Date(), progress: () => NO_PROGRESS }, incident.id, { sfScan: false });
    let residualDrift = 0;
    let wronglyChanged = 0;
    for await (const r of iterateSnapshotRecords(store.db, rescan.snapshotId)) {
      if (r.diff.class !== 'in_sync' && !manualKeys.has(r.key.externalId)) residualDrift += 1;
      // A record the plan did not touch must not have changed during the repair.
      if (!planned.has(r.key.externalId) && firstScan.has(r.key.externalId) && firstScan.get(r.key.externalId) !== r.diff.systemModstamp) wronglyChanged += 1;
    }
    // Records sent to people keep the values they had when scanned.
    const apiCalls = scan.apiCalls + summary.apiCalls;
    const writes = plan.totals.writes;
    const apiFloor = Math.ceil(scan.records / 5000) + Math.ceil(writes.upsert / 200) + Math.ceil(writes.update / 200) + Math.ceil(writes.delete / 200);
    const card: Scorecard = {
      scenario: scenario.name, seed: options.seed, affected, repaired: summary.applied, manual, wronglyChanged, residualDrift,
      apiCalls, apiFloor, repairSeconds: Math.round(repairSeconds * 10) / 10,
      passed: affected > 0 && wronglyChanged === 0 && residualDrift === 0 && summary.failed === 0,
      steps,
    };
    return card;
  } finally {
    await store.close();
    await sim.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

export function scorecardLine(c: Scorecard): string {
  return `${c.passed ? 'PASS' : 'FAIL'} ${c.scenario} (seed ${c.seed}): affected ${c.affected}, repaired ${c.repaired}, manual ${c.manual}, wrongly changed ${c.wronglyChanged}, residual drift ${c.residualDrift}, API calls ${c.apiCalls} (floor ${c.apiFloor}), repair ${c.repairSeconds} s`;
}

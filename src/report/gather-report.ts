import type { Kysely } from 'kysely';
import { latestOutcomes, listRuns } from '../store/execution-store.js';
import { getIncident } from '../store/incident-store.js';
import { iteratePlanItems, listPlans } from '../store/plan-store.js';
import type { Database } from '../store/schema/index.js';
import { getSnapshot, latestSnapshotId } from '../store/snapshot-store.js';
import type { ReportData } from './report-data.js';

/** Reads what the report shows from the store. */
export async function gatherReport(db: Kysely<Database>, incidentId: number, now: Date): Promise<ReportData> {
  const incident = await getIncident(db, incidentId);
  const snapId = await latestSnapshotId(db, incidentId);
  const snapshot = snapId === null ? null : await getSnapshot(db, snapId);
  const summary = (snapshot?.summary ?? {}) as { records?: number; byClass?: Record<string, number>; byObject?: Record<string, Record<string, number>>; apiCalls?: number };
  const plans: ReportData['plans'] = [];
  const manual: ReportData['manual'] = [];
  let apiCallsUsed = summary.apiCalls ?? 0;
  for (const p of (await listPlans(db)).filter((x) => x.incidentId === incidentId)) {
    const outcomes = [...(await latestOutcomes(db, p.id)).values()];
    const count = (s: string) => outcomes.filter((o) => o.state === s).length;
    const runs = await listRuns(db, p.id);
    const apiCalls = runs.reduce((n, r) => n + r.apiCalls, 0);
    apiCallsUsed += apiCalls;
    plans.push({ id: p.id, status: p.status, createdBy: p.createdBy, byAction: p.totals.byAction, execution: { applied: count('applied'), failed: count('failed'), stale: count('stale'), attempting: count('attempting'), apiCalls } });
    for await (const item of iteratePlanItems(db, p.id)) {
      if (item.action === 'manual') manual.push({ planId: p.id, itemId: item.itemId, object: item.object, externalId: item.externalId, reason: item.reason });
    }
  }
  const from = new Date(Date.parse(incident.from) - 30 * 60_000).toISOString();
  const to = new Date(Date.parse(incident.to) + 30 * 60_000).toISOString();
  const rows = await db
    .selectFrom('events')
    .select((eb) => [eb.fn<string>('substr', ['time', eb.lit(1), eb.lit(16)]).as('minute'), 'status', eb.fn.countAll<number>().as('n')])
    .where('time', '>=', from)
    .where('time', '<', to)
    .groupBy(['minute', 'status'])
    .orderBy('minute')
    .execute();
  const minutes = new Map<string, { minute: string; delivered: number; failed: number; unknown: number }>();
  // Every minute of the range, so the timeline's x axis is time, not just the minutes with events.
  for (let t = Date.parse(from.slice(0, 16) + ':00Z'); t < Date.parse(to); t += 60_000) {
    const minute = new Date(t).toISOString().slice(0, 16);
    minutes.set(minute, { minute, delivered: 0, failed: 0, unknown: 0 });
  }
  for (const r of rows) {
    const m = minutes.get(r.minute);
    if (m && (r.status === 'delivered' || r.status === 'failed' || r.status === 'unknown')) m[r.status] += Number(r.n);
  }
  const latestPlan = plans.at(-1);
  const nextSteps: string[] =
    snapshot === null ? [`Scan the window: sf-reconcile scan ${incidentId}`]
    : latestPlan === undefined ? [`Create the repair plan: sf-reconcile plan create ${incidentId}`]
    : latestPlan.status === 'created' ? [`Admins review and approve plan ${latestPlan.id} (sf-reconcile plan export ${latestPlan.id} --out plan.csv)`]
    : latestPlan.status === 'approved' || latestPlan.status === 'paused' || latestPlan.status === 'executing' ? [`Execute plan ${latestPlan.id} with a canary: sf-reconcile plan execute ${latestPlan.id} --canary 20`]
    : [`Verify: sf-reconcile plan verify ${latestPlan.id}`];
  if (manual.length > 0) nextSteps.push(`Salesforce admins resolve ${manual.length} record(s) left for manual review, then scan again`);
  return {
    generatedAt: now.toISOString(),
    nextUpdateAt: new Date(now.getTime() + 60 * 60_000).toISOString(),
    incident: { id: incident.id, name: incident.name, from: incident.from, to: incident.to, objects: incident.objects },
    scan: snapshot === null ? null : { snapshotId: snapshot.id, takenAt: snapshot.takenAt, records: summary.records ?? 0, byClass: summary.byClass ?? {}, byObject: summary.byObject ?? {}, apiCalls: summary.apiCalls ?? 0 },
    plans,
    manual,
    timeline: [...minutes.values()],
    apiCallsUsed,
    nextSteps,
  };
}

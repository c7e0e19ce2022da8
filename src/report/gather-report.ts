import type { Kysely } from 'kysely';
import { latestOutcomes, listRuns } from '../store/execution-store.js';
import { getIncident } from '../store/incident-store.js';
import { iteratePlanItems, latestVerification, listPlans } from '../store/plan-store.js';
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
    plans.push({ id: p.id, status: p.status, createdBy: p.createdBy, byAction: p.totals.byAction, execution: { applied: count('applied'), failed: count('failed'), stale: count('stale'), attempting: count('attempting'), apiCalls }, verification: await latestVerification(db, p.id) });
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
  const nextSteps = nextStepsFor(incidentId, snapshot !== null, plans.at(-1));
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

/** What to do next, from where the incident's latest plan stands. */
export function nextStepsFor(incidentId: number, scanned: boolean, plan: ReportData['plans'][number] | undefined): string[] {
  if (!scanned) return [`Scan the window: sf-reconcile scan ${incidentId}`];
  if (plan === undefined) return [`Create the repair plan: sf-reconcile plan create ${incidentId}`];
  const id = plan.id;
  switch (plan.status) {
    case 'created':
      return [`Admins review and approve plan ${id} (sf-reconcile plan export ${id} --out plan.csv)`];
    case 'approved':
    case 'paused':
    case 'executing':
      return [`Execute plan ${id} with a canary: sf-reconcile plan execute ${id} --canary 20`];
    case 'rejected':
      return [`Plan ${id} was rejected: scan again (sf-reconcile scan ${incidentId}) and create a new plan`];
  }
  const v = plan.verification;
  const leftOver = [
    ...(plan.execution.failed > 0 ? [`${plan.execution.failed} item(s) of plan ${id} failed: sf-reconcile plan export ${id} --failed --out failed.csv lists them with Salesforce's errors`] : []),
    ...(plan.execution.stale > 0 ? [`${plan.execution.stale} item(s) of plan ${id} changed in Salesforce after the plan and were left alone: scan again (sf-reconcile scan ${incidentId}) to plan them afresh`] : []),
  ];
  if (v === null) return [`Verify: sf-reconcile plan verify ${id}`, ...leftOver];
  if (v.residualDrift > 0) {
    return [`Plan ${id} left ${v.residualDrift} residual drift(s) at ${v.at}: sf-reconcile plan verify ${id} --out residual.csv lists them; scan again (sf-reconcile scan ${incidentId}) and plan the rest`, ...leftOver];
  }
  // Closing is the next step only when nothing of the plan is left over.
  if (leftOver.length > 0) return [`Plan ${id} verified at ${v.at}: all ${v.checked} applied items hold`, ...leftOver];
  return [`Plan ${id} verified at ${v.at}: all ${v.checked} applied items hold. Scan again to confirm nothing else drifted (sf-reconcile scan ${incidentId}), then close the incident`];
}

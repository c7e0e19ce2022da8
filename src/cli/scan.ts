import type { Command } from 'commander';
import { discardOnFailure, openCsv, type CsvWriter } from '../files/csv-writer.js';
import { scanIncident, type ScanSummary } from '../scan/scan-incident.js';
import { iterateSnapshotRecords } from '../store/snapshot-store.js';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema/index.js';
import { salesforceFor } from './connect.js';
import type { CliContext } from './context.js';
import { parseId } from './incident.js';
import { formatTable } from './output.js';

export const DRIFT_CSV_COLUMNS = ['incident', 'snapshot', 'object', 'external_id', 'sf_id', 'class', 'field', 'expected', 'actual', 'conflict', 'last_modified_by', 'last_modified_date'];

/**
 * Streams a snapshot's drift as CSV: a row per drifted field; for a record missing or deleted in Salesforce, a
 * row per field it should hold (what a person would have to re-enter); a row per unexpected or duplicate record.
 */
async function writeDriftRows(db: Kysely<Database>, incidentId: number, snapshotId: number, csv: CsvWriter): Promise<number> {
  for await (const r of iterateSnapshotRecords(db, snapshotId)) {
    const d = r.diff;
    const base = [incidentId, snapshotId, r.key.object, r.key.externalId, d.sfId ?? d.sfIds.join(';'), d.class];
    const tail = [d.lastModifiedById, d.lastModifiedDate];
    const expected = d.class === 'missing' || d.class === 'deleted' ? Object.entries(r.expected.fields) : [];
    if (d.class === 'drift') {
      for (const f of d.drifts) await csv.write([...base, f.field, f.expected, f.actual, f.conflict, ...tail]);
    } else if (expected.length > 0) {
      for (const [field, value] of expected) await csv.write([...base, field, value, null, d.conflictCandidate, ...tail]);
    } else if (d.class !== 'in_sync') {
      await csv.write([...base, '', '', '', d.conflictCandidate, ...tail]);
    }
  }
  return csv.close();
}

/** What to do after the scan: nothing to plan when no record is affected or every one is in sync. */
function nextStep(s: ScanSummary, window: { from: string; to: string }): string {
  if (s.records === 0) {
    return `next: no event of the integration falls in the window, so nothing to repair; check the window against the event log with "sf-reconcile events stats --from ${window.from} --to ${window.to}"`;
  }
  if ((s.byClass.in_sync ?? 0) === s.records) return `next: nothing to repair, Salesforce holds what the events say for all ${s.records} records`;
  return `next: sf-reconcile plan create ${s.incidentId}`;
}

function renderSummary(s: ScanSummary, window: { from: string; to: string }): string {
  const classes = ['in_sync', 'drift', 'missing', 'deleted', 'unexpected', 'duplicate'];
  const rows = Object.entries(s.byObject).map(([object, c]) => [object, ...classes.map((k) => c[k] ?? 0)]);
  return [
    `scan of incident ${s.incidentId}: snapshot ${s.snapshotId}, ${s.records} affected records (${s.fromSalesforceScan} found by Salesforce's change scan)`,
    '',
    formatTable(['object', ...classes], rows),
    '',
    `conflict candidates (a person edited after the window): ${s.conflictCandidates}`,
    `API calls: ${s.apiCalls}${s.exportedObjects.length > 0 ? ` (${s.exportedObjects.join(', ')} exported whole by a Bulk API 2.0 query: fewer calls than IN-list queries)` : ''}; duration ${(s.durationMs / 1000).toFixed(1)} s (fold ${s.timings.foldMs} ms, fetch ${s.timings.fetchMs} ms, diff ${s.timings.diffMs} ms)`,
    nextStep(s, window),
  ].join('\n');
}

/** Registers `scan INCIDENT`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('scan')
    .description('find the affected records of an incident, fetch them from Salesforce and diff field by field')
    .argument('<incident>', 'incident id')
    .option('--out <file>', 'write the drift as CSV (one row per drifted field or per missing/unexpected record)')
    .option('--no-sf-scan', 'do not ask Salesforce which records changed in the window')
    .option('--target-org <alias>', 'use an org the Salesforce CLI (sf) is logged in to')
    .action(async (id: string, opts: { out?: string; sfScan: boolean; targetOrg?: string }) => {
      const incidentId = parseId('incident', id);
      const store = await ctx.store();
      const config = ctx.config();
      const { getIncident } = await import('../store/incident-store.js');
      const incident = await getIncident(store.db, incidentId); // unknown incident: exit 2 before logging in
      // Opened first: a path that cannot be written fails before the scan, not after it.
      const csv = opts.out === undefined ? null : await openCsv(opts.out, DRIFT_CSV_COLUMNS);
      const { summary, driftRows } = await discardOnFailure(csv, async () => {
        const salesforce = await salesforceFor(ctx, config, opts.targetOrg ? { targetOrg: opts.targetOrg } : {});
        if (config.config.integrationUserIds.length === 0) {
          // Without them every late edit, the integration's own included, looks like a person's: all manual.
          ctx.output().warn(
            `the config lists no integrationUserIds, so every record changed after the window counts as a person's edit (a conflict candidate); ` +
              `add the integration's Salesforce user Id to ${config.file ?? 'sf-reconcile.config.json'} (this session's user is ${salesforce.userId})`,
          );
        }
        const scanned = await scanIncident(
          { db: store.db, sqlite: store.sqlite, salesforce, config: config.config, now: () => new Date(), progress: ctx.progress() },
          incidentId,
          { sfScan: opts.sfScan },
        );
        return { summary: scanned, driftRows: csv === null ? null : await writeDriftRows(store.db, incidentId, scanned.snapshotId, csv) };
      });
      ctx.output().result({ ...summary, ...(opts.out ? { out: opts.out, driftRows } : {}) }, () => renderSummary(summary, incident) + (opts.out ? `\ndrift written to ${opts.out} (${driftRows} rows)` : ''));
    });
}

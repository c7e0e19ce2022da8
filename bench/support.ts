/** Shared helpers of the bench scripts: flags and a synthetic scan written straight into the store. */
import type { ActualRecord, ScannedRecord } from '../src/domain/drift.js';
import type { Store } from '../src/store/open-store.js';
import { createIncident } from '../src/store/incident-store.js';
import { appendSnapshotRecords, completeSnapshot, createSnapshot } from '../src/store/snapshot-store.js';

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

export function rssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * A completed scan of `n` drifted Accounts (Name differs), as the scan would store it; `actual(i)` gives the
 * Salesforce record of key i (Id and SystemModstamp must match the org when the plan is executed).
 */
export async function writeSyntheticScan(store: Store, n: number, actual: (i: number) => ActualRecord, integrationUserId: string): Promise<number> {
  const incident = await createIncident(store.db, { name: 'bench', from: '2026-11-20T14:00:00.000Z', to: '2026-11-20T15:00:00.000Z', objects: ['Account'] }, new Date());
  const snapshotId = await createSnapshot(store.db, incident.id, new Date());
  let batch: ScannedRecord[] = [];
  for (let i = 0; i < n; i++) {
    const a = actual(i);
    const key = { object: 'Account', externalId: `K-${i}` };
    const event = { source: 'bench', id: `e-${i}`, time: '2026-11-20T14:30:00.000Z', op: 'upsert' as const, fields: { Name: `New ${i}` }, status: 'delivered' as const, seq: 1, file: 'bench.jsonl', line: i + 1 };
    batch.push({
      key,
      externalIdField: 'Billing_Id__c',
      events: [event],
      expected: { key, externalIdField: 'Billing_Id__c', exists: true, fields: { Name: `New ${i}` }, eventIds: [event.id] },
      actual: [a],
      diff: {
        key, class: 'drift', sfId: a.id, sfIds: [a.id], drifts: [{ field: 'Name', expected: `New ${i}`, actual: a.fields.Name ?? null, conflict: false }],
        lastModifiedById: integrationUserId, lastModifiedDate: a.lastModifiedDate, systemModstamp: a.systemModstamp, conflictCandidate: false,
      },
      fieldHistory: null,
    });
    if (batch.length === 5000) {
      await appendSnapshotRecords(store.db, snapshotId, i + 1 - batch.length, batch);
      batch = [];
    }
  }
  await appendSnapshotRecords(store.db, snapshotId, n - batch.length, batch);
  await completeSnapshot(store.db, snapshotId, { records: n, byClass: { drift: n }, fieldRules: { Account: { Name: { type: 'string', scale: 0 } } } }, new Date());
  return incident.id;
}

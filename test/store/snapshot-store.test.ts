import { describe, expect, it } from 'vitest';
import type { IntegrationEvent } from '../../src/domain/event.js';
import type { ScannedRecord } from '../../src/domain/drift.js';
import { appendChunk, createIngestBatch } from '../../src/store/event-store.js';
import { createIncident } from '../../src/store/incident-store.js';
import { openStore } from '../../src/store/open-store.js';
import { addSnapshotKeys, appendSnapshotRecords, collectWindowKeys, createSnapshot, iterateSnapshotRecords, snapshotKeysPage } from '../../src/store/snapshot-store.js';

const event = (i: number, object: string, externalId: string, time: string): IntegrationEvent => ({
  source: 's', id: `e${i}`, time, object, externalIdField: 'Ext__c', externalId, op: 'upsert', fields: { Name: `n${i}` },
  status: 'delivered', seq: null, error: null, sfId: null,
});

describe.each([
  ['SQLite fast path', false],
  ['portable kysely path', true],
])('snapshot store (%s)', (_name, portable) => {
  it("lists the window's keys once, pages them in key order by seek, and adds keys found another way only once", async () => {
    const opened = await openStore(':memory:');
    const store = portable ? { ...opened, sqlite: null } : opened;
    const batch = await createIngestBatch(store.db, 'f.jsonl', 'jsonl', new Date());
    const ids = ["O'Brien", 'a\\b', 'z', 'Ä-1', 'a', 'A', '100%_x'];
    const events = [
      ...ids.flatMap((id, i) => [event(i * 2, 'Account', id, '2026-11-20T14:10:00.000Z'), event(i * 2 + 1, 'Account', id, '2026-11-20T14:20:00.000Z')]),
      event(100, 'Account', 'before', '2026-11-20T13:59:59.999Z'),
      event(101, 'Account', 'at-end', '2026-11-20T15:00:00.000Z'),
      event(102, 'Contact', 'c-1', '2026-11-20T14:30:00.000Z'),
    ];
    await appendChunk(store, batch, events.map((e, i) => ({ event: e, fieldsJson: JSON.stringify(e.fields), file: 'f.jsonl', line: i + 1 })), []);
    const incident = await createIncident(store.db, { name: 'i', from: '2026-11-20T14:00:00.000Z', to: '2026-11-20T15:00:00.000Z', objects: null }, new Date());
    const snapshot = await createSnapshot(store.db, incident.id, new Date());
    expect(await collectWindowKeys(store.db, snapshot, { from: incident.from, to: incident.to, objects: ['Account'] })).toBe(ids.length);

    const paged: string[] = [];
    let after;
    for (;;) {
      const page = await snapshotKeysPage(store.db, snapshot, after, 3);
      if (page.length === 0) break;
      expect(page.length).toBeLessThanOrEqual(3);
      paged.push(...page.map((k) => k.externalId));
      after = page[page.length - 1];
    }
    expect(paged).toEqual([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));

    expect(await addSnapshotKeys(store.db, snapshot, 'Account', ['z', 'before', 'before', 'new'])).toEqual(['before', 'new']);
    expect(await addSnapshotKeys(store.db, snapshot, 'Account', ['before', 'new'])).toEqual([]);
    expect(await addSnapshotKeys(store.db, snapshot, 'Contact', ['z'])).toEqual(['z']);
    // Another snapshot of the same incident starts from nothing.
    const second = await createSnapshot(store.db, incident.id, new Date());
    expect(await snapshotKeysPage(store.db, second, undefined, 10)).toEqual([]);
    await opened.close();
  });

  it('stores scanned records numbered in order and reads them back as written', async () => {
    const opened = await openStore(':memory:');
    const store = portable ? { ...opened, sqlite: null } : opened;
    const incident = await createIncident(store.db, { name: 'i', from: '2026-11-20T14:00:00.000Z', to: '2026-11-20T15:00:00.000Z', objects: null }, new Date());
    const snapshot = await createSnapshot(store.db, incident.id, new Date());
    const record = (i: number): ScannedRecord => ({
      key: { object: 'Account', externalId: `K-${i}` }, externalIdField: 'Ext__c', events: [],
      expected: { key: { object: 'Account', externalId: `K-${i}` }, externalIdField: 'Ext__c', exists: true, fields: { Name: `=HYPERLINK("x","${i}")` }, eventIds: [] },
      actual: [],
      diff: { key: { object: 'Account', externalId: `K-${i}` }, sfIds: [], drifts: [], sfId: null, lastModifiedById: null, lastModifiedDate: null, systemModstamp: null, class: 'missing', conflictCandidate: false },
      fieldHistory: null,
    });
    const records = Array.from({ length: 450 }, (_, i) => record(i));
    await appendSnapshotRecords(store.db, snapshot, 0, records.slice(0, 250), store.sqlite);
    await appendSnapshotRecords(store.db, snapshot, 250, records.slice(250), store.sqlite);
    const read: ScannedRecord[] = [];
    for await (const r of iterateSnapshotRecords(store.db, snapshot, 100)) read.push(r);
    expect(read).toEqual(records);
    await opened.close();
  });
});

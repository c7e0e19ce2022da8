import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IntegrationEvent } from '../../src/domain/event.js';
import {
  appendChunk,
  createIngestBatch,
  getIngestBatch,
  listQuarantine,
  loadEventsForKeys,
} from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';

const e = (id: string, externalId: string, time: string, fields: Record<string, string> = { Name: id }): IntegrationEvent => ({
  source: 's', id, time, object: 'Account', externalIdField: 'Billing_Id__c', externalId, op: 'upsert', fields,
  status: 'delivered', seq: null, error: null, sfId: null,
});
const toStore = (event: IntegrationEvent, line: number) => ({ event, fieldsJson: JSON.stringify(event.fields), file: 'f.jsonl', line });

describe.each([
  ['SQLite fast path', false],
  ['portable kysely path', true],
])('event store (%s)', (_name, portable) => {
  it('appends, dedupes by (source, id), quarantines conflicts, and counts in one transaction', async () => {
    const opened = await openStore(':memory:');
    const store = portable ? { ...opened, sqlite: null } : opened;
    const batch = await createIngestBatch(store.db, 'f.jsonl', 'jsonl', new Date());
    const a = e('1', 'B-1', '2026-11-20T14:00:00.000Z');
    const first = await appendChunk(store, batch, [toStore(a, 1), toStore(e('2', 'B-2', '2026-11-20T15:00:00.000Z'), 2)], [
      { file: 'f.jsonl', line: 3, raw: 'x', reason: 'invalid JSON' },
    ]);
    expect(first).toEqual({ read: 3, accepted: 2, duplicate: 0, rejected: 1 });
    // Same content with fields in another order: a duplicate. Other content: a conflict.
    const reordered = { ...a, fields: { ...a.fields } };
    const second = await appendChunk(store, batch, [toStore(reordered, 4), toStore({ ...a, fields: { Name: 'other' } }, 5)], []);
    expect(second).toEqual({ read: 2, accepted: 0, duplicate: 1, rejected: 1 });
    expect((await getIngestBatch(store.db, batch))!.counts).toEqual({ read: 5, accepted: 2, duplicate: 1, rejected: 2 });
    expect((await listQuarantine(store.db)).map((q) => q.reason)).toEqual([
      'invalid JSON',
      'conflicting duplicate: an event with source "s" and id "1" is already stored with different content (kept the stored one)',
    ]);

    const events = await loadEventsForKeys(store.db, [{ object: 'Account', externalId: 'B-1' }], store.sqlite);
    expect(events.get('Account\u0000B-1')!.map((x) => [x.id, x.fields.Name, x.line])).toEqual([['1', '1', 1]]);
    await opened.close();
  });

  it('loads every event of 1,200 keys (three statements, the last one short) with all their columns', async () => {
    const opened = await openStore(':memory:');
    const store = portable ? { ...opened, sqlite: null } : opened;
    const batch = await createIngestBatch(store.db, 'f.jsonl', 'jsonl', new Date());
    const rows = Array.from({ length: 3600 }, (_, i) =>
      toStore({ ...e(`e${i}`, `K'${i % 1200}`, `2026-11-20T14:${String(59 - (i % 60)).padStart(2, '0')}:00.000Z`, { Name: `n${i}` }), seq: i, error: i % 7 === 0 ? 'boom' : null }, i + 1),
    );
    await appendChunk(store, batch, rows, []);
    const keys = Array.from({ length: 1200 }, (_, i) => ({ object: 'Account', externalId: `K'${i}` }));
    const loaded = await loadEventsForKeys(store.db, [...keys, { object: 'Contact', externalId: "K'1" }], store.sqlite);
    expect(loaded.size).toBe(1200);
    const k7 = loaded.get("Account\u0000K'7")!;
    expect(k7.map((x) => x.id).sort()).toEqual(['e1207', 'e2407', 'e7']);
    expect(k7.find((x) => x.id === 'e7')).toEqual({
      ...rows[7]!.event, batchId: batch, file: 'f.jsonl', line: 8,
    });
    await opened.close();
  });

  it('stores a rejected line once per file, line and content, and counts it in every run', async () => {
    const opened = await openStore(':memory:');
    const store = portable ? { ...opened, sqlite: null } : opened;
    const bad = { file: 'f.jsonl', line: 2, raw: '{oops', reason: 'invalid JSON' };
    const first = await createIngestBatch(store.db, 'f.jsonl', 'jsonl', new Date());
    // Two lines with the same id in one chunk: the second conflicts with the first.
    const a = e('1', 'B-1', '2026-11-20T14:00:00.000Z');
    expect(await appendChunk(store, first, [toStore(a, 1), toStore({ ...a, op: 'update' }, 3)], [bad])).toEqual({ read: 3, accepted: 1, duplicate: 0, rejected: 2 });
    const second = await createIngestBatch(store.db, 'f.jsonl', 'jsonl', new Date());
    const rerun = await appendChunk(store, second, [toStore(a, 1), toStore({ ...a, op: 'update' }, 3)], [bad, { ...bad, line: 4 }, { ...bad, raw: '{other' }]);
    expect(rerun).toEqual({ read: 5, accepted: 0, duplicate: 1, rejected: 4 });
    expect((await listQuarantine(store.db)).map((q) => [q.batchId, q.line, q.raw.slice(0, 6)])).toEqual([
      [first, 2, '{oops'],
      [first, 3, '{"sour'],
      [second, 4, '{oops'],
      [second, 2, '{other'],
    ]);
    expect((await getIngestBatch(store.db, second))!.counts).toEqual(rerun);
    await opened.close();
  });
});

describe('the events table is append-only', () => {
  it('no source file updates or deletes events', () => {
    const root = resolve(import.meta.dirname, '../..');
    const files = ['src/store/event-store.ts', ...readdirSync(resolve(root, 'src/ingest')).map((f) => `src/ingest/${f}`)];
    expect(files).toContain('src/ingest/parse-worker.ts');
    for (const file of files) {
      const text = readFileSync(resolve(root, file), 'utf8');
      expect(text).not.toMatch(/updateTable\('events'\)|deleteFrom\('events'\)|UPDATE events|DELETE FROM events/i);
    }
  });
});

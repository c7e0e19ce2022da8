import type { IntegrationEvent } from '../../src/domain/event.js';
import { appendChunk, createIngestBatch } from '../../src/store/event-store.js';
import type { Store } from '../../src/store/open-store.js';

let n = 0;

/** An event in canonical form for the event store; override what the scenario is about. */
export function event(overrides: Partial<IntegrationEvent> & { externalId: string }): IntegrationEvent {
  n += 1;
  return {
    source: 'billing-sync',
    id: `e-${n}`,
    time: new Date().toISOString(),
    object: 'Account',
    externalIdField: 'Billing_Id__c',
    op: 'upsert',
    fields: {},
    status: 'delivered',
    seq: n,
    error: null,
    sfId: null,
    ...overrides,
  };
}

/** Stores events as an ingest would (one batch). */
export async function storeEvents(store: Store, events: readonly IntegrationEvent[]): Promise<void> {
  const batch = await createIngestBatch(store.db, 'scenario.jsonl', 'jsonl', new Date());
  await appendChunk(store, batch, events.map((e, i) => ({ event: e, fieldsJson: JSON.stringify(e.fields), file: 'scenario.jsonl', line: i + 1 })), []);
}

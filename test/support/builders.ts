import type { StoredEvent } from '../../src/domain/event.js';

let counter = 0;

/** A stored event with sensible defaults; override what the test is about. */
export function anEvent(overrides: Partial<StoredEvent> = {}): StoredEvent {
  counter += 1;
  return {
    source: 'billing-sync',
    id: `evt-${counter}`,
    time: '2026-11-20T14:00:00.000Z',
    object: 'Account',
    externalIdField: 'Billing_Id__c',
    externalId: 'B-1001',
    op: 'upsert',
    fields: { Name: 'Acme' },
    status: 'delivered',
    seq: null,
    error: null,
    sfId: null,
    batchId: 1,
    file: 'events.jsonl',
    line: counter,
    ...overrides,
  };
}

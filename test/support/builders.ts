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

import type { PlanItem } from '../../src/domain/plan.js';

/** A plan item with sensible defaults (a patch of one field); override what the test is about. */
export function aPlanItem(overrides: Partial<PlanItem> = {}): PlanItem {
  return {
    itemId: 1,
    object: 'Account',
    externalIdField: 'Billing_Id__c',
    externalId: 'B-1001',
    sfId: '001000000000001AAA',
    action: 'patch',
    reasonCode: 'HALF_APPLIED',
    reason: 'Name differs from the events and no prefix of them matches.',
    changes: [{ field: 'Name', current: 'Acme Corp', target: 'Acme' }],
    replay: [],
    systemModstamp: '2026-11-20T14:10:00.000+0000',
    lastModifiedById: '005000000000001AAA',
    lastModifiedDate: '2026-11-20T14:10:00.000+0000',
    ...overrides,
  };
}

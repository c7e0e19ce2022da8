/**
 * Every decision path of the planner, on data the real scan fetched from the simulator through jsforce:
 * the org is written the way each incident leaves it (as the integration user, as a person, on a clock the
 * test controls so "in the window" and "after the window" are real LastModifiedDates and field history).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_PROGRESS } from '../../src/cli/progress.js';
import { loadedConfig, parseConfig, type ConflictPolicy, type LoadedConfig } from '../../src/config/config.js';
import type { IntegrationEvent } from '../../src/domain/event.js';
import type { PlanItem } from '../../src/domain/plan.js';
import { createPlan } from '../../src/plan/create-plan.js';
import { connectSalesforce, readCredentials } from '../../src/salesforce/index.js';
import { scanIncident } from '../../src/scan/scan-incident.js';
import { defaultSeed } from '../../src/simulator/index.js';
import { createIncident } from '../../src/store/incident-store.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { getPlan, iteratePlanItems, verifyPlanHash } from '../../src/store/plan-store.js';
import { event, storeEvents } from '../support/scenario.js';
import { startTestOrg, type TestOrg } from '../support/simulator.js';

const WINDOW = { from: '2026-11-20T14:00:00.000Z', to: '2026-11-20T15:00:00.000Z' };
const at = (hhmm: string) => `2026-11-20T${hhmm}:00.000Z`;

/** The simulator's clock: every write is stamped with it (LastModifiedDate, SystemModstamp, field history). */
let clock = Date.parse(at('13:00'));
const setClock = (hhmm: string) => {
  clock = Date.parse(at(hhmm));
};

/**
 * Account keeps field history (Name, Phone, ... are tracked); Contact keeps none here, so a person's edit on a
 * Contact cannot be narrowed to fields. Billing_Id__c is not unique, so duplicates can exist as in real orgs.
 */
function seed() {
  const s = defaultSeed();
  const objects = s.schema.objects.map((o) =>
    o.name === 'Account'
      ? { ...o, fields: o.fields.map((f) => (f.name === 'Billing_Id__c' ? { ...f, unique: false } : f)) }
      : { ...o, fields: o.fields.map(({ tracked: _tracked, ...f }) => f) },
  );
  return { ...s, records: {}, schema: { objects } };
}

let org: TestOrg;
let store: Store;
let incidentId: number;
const ev = (externalId: string, hhmm: string, fields: IntegrationEvent['fields'], o: Partial<IntegrationEvent> = {}) =>
  event({ externalId, time: at(hhmm), fields, ...o });
const contact = { object: 'Contact', externalIdField: 'External_Id__c' };

beforeAll(async () => {
  org = await startTestOrg({ seed: seed(), now: () => clock });
  store = await openStore(':memory:');
  await storeEvents(store, [
    ev('SYNC', '14:05', { Name: 'Sync Co' }),
    // Lost events: the first landed, the next two failed or never got an answer.
    ev('LOST', '14:05', { Name: 'Lost Co', Phone: '555-0101' }),
    ev('LOST', '14:10', { Phone: '555-0102' }, { status: 'failed', error: 'REQUEST_LIMIT_EXCEEDED' }),
    ev('LOST', '14:15', { Name: 'Lost Co Renamed' }, { status: 'unknown' }),
    // Missing: the create itself was lost.
    ev('MISSING', '14:05', { Name: 'Missing Co', Phone: '555-0103' }, { status: 'failed', error: 'SERVER_UNAVAILABLE' }),
    // Out of order: both delivered, the older one arrived last and overwrote the newer.
    ev('OOO', '14:05', { Name: 'Old Name' }),
    ev('OOO', '14:06', { Name: 'New Name' }),
    // Half-applied: the second write landed for Name but not for Phone.
    ev('HALF', '14:05', { Name: 'Half A', Phone: '555-0111' }),
    ev('HALF', '14:10', { Name: 'Half B', Phone: '555-0112' }),
    // A deployment in the window overwrote Rating with no event.
    ev('DEPLOY', '14:05', { Name: 'Deploy Co', Rating: 'Hot' }),
    // Ends in a delete that never reached Salesforce.
    ev('GONE', '14:05', { Name: 'Gone Co' }),
    ev('GONE', '14:10', {}, { op: 'delete', status: 'failed' }),
    // Two Salesforce records carry the same external ID.
    ev('DUP', '14:05', { Name: 'Dup Co' }),
    // Deleted in Salesforce (Recycle Bin) while the events say it exists.
    ev('BINNED', '14:05', { Name: 'Binned Co' }),
    // A person edited Phone after the window (field history says so); Name's last event was lost.
    ev('PERSON', '14:05', { Name: 'Person Co', Phone: '555-0121' }),
    ev('PERSON', '14:10', { Name: 'Person Co Renamed' }, { status: 'failed' }),
    // A person edited the only drifted field after the window.
    ev('SOLO', '14:05', { Name: 'Solo Co', Phone: '555-0131' }),
    ev('SOLO', '14:10', { Phone: '555-0132' }, { status: 'failed' }),
    // A person edited a record whose events end in a lost delete.
    ev('KEPT', '14:05', { Name: 'Kept Co' }),
    ev('KEPT', '14:10', {}, { op: 'delete', status: 'unknown' }),
    // A person edited a Contact, an object without field history.
    ev('C-1', '14:05', { LastName: 'Nohist', Email: 'nohist@example.com' }, contact),
    ev('C-1', '14:10', { LastName: 'Nohist-Smith' }, { ...contact, status: 'failed' }),
  ]);

  const acc = org.conn.sobject('Account');
  const upsert = (externalId: string, fields: Record<string, unknown>) => acc.upsert({ Billing_Id__c: externalId, ...fields }, 'Billing_Id__c');
  const idOf = async (externalId: string) => (await org.conn.query<{ Id: string }>(`SELECT Id FROM Account WHERE Billing_Id__c = '${externalId}'`)).records[0]!.Id;

  // In the window, as the integration user: what actually landed.
  setClock('14:05');
  await upsert('SYNC', { Name: 'Sync Co' });
  await upsert('LOST', { Name: 'Lost Co', Phone: '555-0101' });
  await upsert('OOO', { Name: 'New Name' });
  await upsert('HALF', { Name: 'Half A', Phone: '555-0111' });
  await upsert('DEPLOY', { Name: 'Deploy Co', Rating: 'Hot' });
  await upsert('GONE', { Name: 'Gone Co' });
  await acc.create([{ Billing_Id__c: 'DUP', Name: 'Dup Co' }, { Billing_Id__c: 'DUP', Name: 'Dup Co' }]);
  await upsert('BINNED', { Name: 'Binned Co' });
  await upsert('PERSON', { Name: 'Person Co', Phone: '555-0121' });
  await upsert('SOLO', { Name: 'Solo Co', Phone: '555-0131' });
  await upsert('KEPT', { Name: 'Kept Co' });
  await org.conn.sobject('Contact').upsert({ External_Id__c: 'C-1', LastName: 'Nohist', Email: 'nohist@example.com' }, 'External_Id__c');
  setClock('14:10');
  await acc.update({ Id: await idOf('HALF'), Name: 'Half B' });
  setClock('14:12');
  await upsert('OOO', { Name: 'Old Name' }); // the older event, delivered late

  // In the window, as a person: a deployment and a deletion.
  const alice = await org.connAs('alice@sim.example');
  setClock('14:30');
  await alice.sobject('Account').update({ Id: await idOf('DEPLOY'), Rating: 'Cold' });
  await alice.sobject('Account').destroy(await idOf('BINNED'));

  // After the window, as a person.
  setClock('15:30');
  await alice.sobject('Account').update({ Id: await idOf('PERSON'), Phone: '555-0999' });
  await alice.sobject('Account').update({ Id: await idOf('SOLO'), Phone: '555-0888' });
  await alice.sobject('Account').update({ Id: await idOf('KEPT'), Description: 'Keep this one' });
  const [c1] = (await alice.query<{ Id: string }>("SELECT Id FROM Contact WHERE External_Id__c = 'C-1'")).records;
  await alice.sobject('Contact').update({ Id: c1!.Id, Email: 'changed-by-alice@example.com' });

  setClock('15:45');
  const incident = await createIncident(store.db, { name: 'billing 503s', ...WINDOW, objects: null }, new Date(clock));
  incidentId = incident.id;
  const salesforce = await connectSalesforce(readCredentials(org.env), { requestsPerSecond: 0, concurrency: 4, apiReserve: 0 });
  const summary = await scanIncident(
    { db: store.db, salesforce, config: config('manual').config, now: () => new Date(clock), progress: () => NO_PROGRESS },
    incidentId,
    { sfScan: false },
  );
  expect(summary.byClass).toEqual({ in_sync: 1, drift: 7, missing: 1, unexpected: 2, duplicate: 1, deleted: 1 });
}, 60_000);

afterAll(async () => {
  await org?.stop();
  await store?.close();
});

function config(conflict: ConflictPolicy, coalesce = false): LoadedConfig {
  const c = parseConfig(
    {
      integrationUserIds: [org.sim.integrationUser.id],
      objects: {
        Account: { externalIdField: 'Billing_Id__c', conflict, replay: { coalesce } },
        Contact: { externalIdField: 'External_Id__c', conflict },
      },
    },
    'test',
  );
  return loadedConfig(c);
}

/** A plan built from the scan; its items by external ID (a record may have a manual item and a patch item). */
async function plan(conflict: ConflictPolicy, coalesce = false): Promise<{ planId: number; items: Map<string, PlanItem[]> }> {
  const created = await createPlan({ db: store.db, config: config(conflict, coalesce), now: () => new Date(clock) }, incidentId, 'carol');
  const items = new Map<string, PlanItem[]>();
  for await (const item of iteratePlanItems(store.db, created.planId)) items.set(item.externalId, [...(items.get(item.externalId) ?? []), item]);
  return { planId: created.planId, items };
}

/** action, reason code and the fields each item changes: what an admin reads in the CSV. */
const summary = (items: PlanItem[] | undefined) => (items ?? []).map((i) => [i.action, i.reasonCode, i.changes.map((c) => c.field)]);

describe('decisions on data scanned from the simulator', () => {
  it('replays lost events in order, by external ID, after the prefix Salesforce holds', async () => {
    const { items } = await plan('manual');
    const [lost] = items.get('LOST')!;
    expect(lost).toMatchObject({ action: 'replay', reasonCode: 'LOST_EVENTS', externalIdField: 'Billing_Id__c' });
    expect(lost!.sfId).toMatch(/^001/);
    expect(lost!.replay.map((s) => s.fields)).toEqual([{ Phone: '555-0102' }, { Name: 'Lost Co Renamed' }]);
    expect(lost!.changes).toEqual([
      { field: 'Name', current: 'Lost Co', target: 'Lost Co Renamed' },
      { field: 'Phone', current: '555-0101', target: '555-0102' },
    ]);
    expect(lost!.reason).toMatch(/the 2 later events failed or never got an answer: re-send them in order/);
    expect(lost!.systemModstamp).toMatch(/^2026-11-20T14:05/);

    const [missing] = items.get('MISSING')!;
    expect(missing).toMatchObject({ action: 'replay', reasonCode: 'LOST_EVENTS', sfId: null, replay: [{ fields: { Name: 'Missing Co', Phone: '555-0103' } }] });
    expect(missing!.reason).toMatch(/does not exist in Salesforce/);
  });

  it('replays after out-of-order delivery: the newer event is re-sent', async () => {
    const { items } = await plan('manual');
    expect(items.get('OOO')!.map((i) => [i.action, i.reasonCode, i.replay.map((s) => s.fields)])).toEqual([['replay', 'OUT_OF_ORDER', [{ Name: 'New Name' }]]]);
    expect(items.get('OOO')![0]!.reason).toMatch(/overtaken by an older event delivered late/);
  });

  it('coalesces a replay into one upsert of the final state when the object says so', async () => {
    const { items } = await plan('manual', true);
    expect(items.get('LOST')![0]!.replay.map((s) => s.fields)).toEqual([{ Name: 'Lost Co Renamed', Phone: '555-0102' }]);
  });

  it('patches a half-applied write and a field overwritten with no event, by Id, only the drifted fields', async () => {
    const { items } = await plan('manual');
    expect(summary(items.get('HALF'))).toEqual([['patch', 'HALF_APPLIED', ['Phone']]]);
    expect(items.get('HALF')![0]!.changes).toEqual([{ field: 'Phone', current: '555-0111', target: '555-0112' }]);
    expect(summary(items.get('DEPLOY'))).toEqual([['patch', 'OVERWRITTEN_WITHOUT_EVENT', ['Rating']]]);
    expect(items.get('DEPLOY')![0]).toMatchObject({ changes: [{ field: 'Rating', current: 'Cold', target: 'Hot' }], lastModifiedById: expect.stringMatching(/^005/) as unknown as string });
    expect(items.get('DEPLOY')![0]!.sfId).toMatch(/^001/);
  });

  it('deletes a record whose events end in a delete; leaves in-sync records alone', async () => {
    const { items } = await plan('manual');
    expect(summary(items.get('GONE'))).toEqual([['delete', 'ENDS_IN_DELETE', []]]);
    expect(items.get('GONE')![0]!.sfId).toMatch(/^001/);
    expect(summary(items.get('SYNC'))).toEqual([['none', 'IN_SYNC', []]]);
  });

  it('sends duplicates and records in the Recycle Bin to manual review', async () => {
    const { items } = await plan('manual');
    expect(summary(items.get('DUP'))).toEqual([['manual', 'DUPLICATE_EXTERNAL_ID', []]]);
    expect(items.get('DUP')![0]!.reason).toMatch(/^2 Salesforce records share Account Billing_Id__c="DUP"/);
    expect(summary(items.get('BINNED'))).toEqual([['manual', 'DELETED_IN_SALESFORCE', []]]);
  });

  it("a person's edit after the window: with field history only the person's fields go to manual, the rest is patched", async () => {
    const { items } = await plan('manual');
    expect(summary(items.get('PERSON'))).toEqual([
      ['manual', 'PERSON_CHANGED_FIELDS', ['Phone']],
      ['patch', 'PATCH_BESIDE_CONFLICT', ['Name']],
    ]);
    expect(items.get('PERSON')![0]!.changes).toEqual([{ field: 'Phone', current: '555-0999', target: '555-0121' }]);
    expect(items.get('PERSON')![0]!.lastModifiedById).toBe(org.sim.users.find((u) => u.username === 'alice@sim.example')!.id);
    expect(summary(items.get('SOLO'))).toEqual([['manual', 'PERSON_CHANGED_FIELDS', ['Phone']]]);
    expect(summary(items.get('KEPT'))).toEqual([['manual', 'PERSON_EDITED_AFTER_WINDOW', []]]);
  });

  it("a person's edit after the window on an object without field history: every drifted field goes to manual", async () => {
    const { items } = await plan('manual');
    const [c] = items.get('C-1')!;
    expect(c).toMatchObject({ object: 'Contact', action: 'manual', reasonCode: 'PERSON_EDITED_AFTER_WINDOW' });
    expect(c!.changes.map((x) => x.field).sort()).toEqual(['Email', 'LastName']);
    expect(c!.reason).toMatch(/no field history/);
  });

  it('conflict policy integration-wins: the events win, conflicting fields are patched and the lost delete runs', async () => {
    const { items } = await plan('integration-wins');
    expect(summary(items.get('PERSON'))).toEqual([['patch', 'PATCH_BESIDE_CONFLICT', ['Name', 'Phone']]]);
    expect(summary(items.get('SOLO'))).toEqual([['patch', 'PATCH_BESIDE_CONFLICT', ['Phone']]]);
    expect(items.get('SOLO')![0]!.changes).toEqual([{ field: 'Phone', current: '555-0888', target: '555-0132' }]);
    expect(summary(items.get('KEPT'))).toEqual([['delete', 'ENDS_IN_DELETE', []]]);
    expect(items.get('C-1')!.map((i) => [i.action, i.changes.map((c) => c.field).sort()])).toEqual([['patch', ['Email', 'LastName']]]);
    expect(items.get('BINNED')!.map((i) => [i.action, i.reasonCode, i.sfId])).toEqual([['replay', 'DELETED_IN_SALESFORCE', null]]);
  });

  it("conflict policy salesforce-wins: the person's fields stay, the others are still patched", async () => {
    const { items } = await plan('salesforce-wins');
    expect(summary(items.get('PERSON'))).toEqual([['patch', 'PATCH_BESIDE_CONFLICT', ['Name']]]);
    expect(summary(items.get('SOLO'))).toEqual([['none', 'SALESFORCE_WINS', []]]);
    expect(summary(items.get('KEPT'))).toEqual([['none', 'SALESFORCE_WINS', []]]);
    expect(summary(items.get('C-1'))).toEqual([['none', 'SALESFORCE_WINS', []]]);
  });

  it('every item has a reason code and one plain sentence; the stored plan verifies against its hash', async () => {
    const { planId, items } = await plan('manual');
    const all = [...items.values()].flat();
    expect(all.length).toBeGreaterThanOrEqual(14);
    for (const item of all) {
      expect(item.reasonCode).toMatch(/^[A-Z_]+$/);
      expect(item.reason).toMatch(/^[^\n]+\.$/);
    }
    const stored = await getPlan(store.db, planId);
    expect(stored.totals.items).toBe(all.length);
    expect(stored.totals.byAction).toEqual({ none: 1, replay: 3, patch: 3, delete: 1, manual: 6 });
    expect(await verifyPlanHash(store.db, stored)).toBe(true);
  });
});

/**
 * A custom seed: the README's example (test/fixtures/simulator-seed.json), so the documented format is
 * the tested one.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Seed } from '../../src/simulator/index.js';
import { startTestOrg, type TestOrg } from '../support/simulator.js';

const seed = JSON.parse(readFileSync(new URL('../fixtures/simulator-seed.json', import.meta.url), 'utf8')) as Seed;

let org: TestOrg;
beforeAll(async () => {
  org = await startTestOrg({ seed });
});
afterAll(async () => {
  await org.stop();
});

const userId = (username: string) => org.sim.users.find((u) => u.username === username)!.id;

describe('a custom seed', () => {
  it('replaces the users and the connected app: the integration user logs in with the seed\'s client', async () => {
    expect(org.sim.users.map((u) => [u.username, u.isIntegration])).toEqual([['etl@acme.example', true], ['carol@acme.example', false]]);
    expect([org.sim.clientId, org.sim.clientSecret]).toEqual(['my-app', 'my-secret']);
    expect((await org.conn.identity()).username).toBe('etl@acme.example');
  });

  it('replaces the objects: the custom object has its key prefix and fields, the defaults are gone', async () => {
    const d = await org.conn.sobject('Invoice__c').describe();
    expect(d).toMatchObject({ name: 'Invoice__c', keyPrefix: 'a01', custom: true });
    expect(d.fields.find((f) => f.name === 'Number__c')).toMatchObject({ externalId: true, unique: true, nillable: false, length: 20 });
    await expect(org.conn.query('SELECT Id FROM Account')).rejects.toMatchObject({ errorCode: 'INVALID_TYPE' });
  });

  it('writes the seed records as the integration user, through the same validation', async () => {
    const r = await org.conn.query<{ Id: string; Amount__c: number; Status__c: string; CreatedById: string }>("SELECT Id, Amount__c, Status__c, CreatedById FROM Invoice__c WHERE Number__c = 'INV-1'");
    expect(r.records).toEqual([expect.objectContaining({ Amount__c: 120.5, Status__c: 'Open', CreatedById: userId('etl@acme.example') })]);
    expect(r.records[0]!.Id.slice(0, 3)).toBe('a01');
  });

  it('keeps history of tracked fields in Foo__History with ParentId', async () => {
    const carol = await org.connAs('carol@acme.example');
    const [inv] = (await org.conn.query<{ Id: string }>("SELECT Id FROM Invoice__c WHERE Number__c = 'INV-1'")).records;
    await carol.sobject('Invoice__c').update({ Id: inv!.Id, Status__c: 'Paid', Amount__c: 99.99 });
    const h = await org.conn.query<{ Field: string; OldValue: unknown; NewValue: unknown; CreatedById: string }>(
      `SELECT Field, OldValue, NewValue, CreatedById FROM Invoice__History WHERE ParentId = '${inv!.Id}' AND Field != 'created' ORDER BY Field`,
    );
    expect(h.records.map((x) => [x.Field, x.OldValue, x.NewValue, x.CreatedById])).toEqual([
      ['Amount__c', 120.5, 99.99, userId('carol@acme.example')],
      ['Status__c', 'Open', 'Paid', userId('carol@acme.example')],
    ]);
  });

  it('checks references against the target object and required fields on create', async () => {
    const invoices = org.conn.sobject('Invoice__c');
    const results = (await invoices.create([
      { Number__c: 'INV-2', Approver__c: userId('carol@acme.example') },
      { Number__c: 'INV-3', Approver__c: '005Sm000000zzzzAAA' },
      { Amount__c: 10 },
    ])) as { success: boolean; errors: { statusCode: string }[] }[];
    expect(results.map((x) => x.errors[0]?.statusCode ?? 'OK')).toEqual(['OK', 'INVALID_CROSS_REFERENCE_KEY', 'REQUIRED_FIELD_MISSING']);
  });
});

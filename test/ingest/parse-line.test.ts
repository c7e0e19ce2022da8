import { describe, expect, it } from 'vitest';
import {
  checkCsvHeader,
  detectFormat,
  normaliseTime,
  parseCanonicalLine,
  parseCloudEventLine,
  parseCsvRecord,
} from '../../src/ingest/parse-line.js';

const good = {
  id: 'evt-1',
  time: '2026-11-20T14:03:22.120Z',
  source: 'billing-sync',
  object: 'Account',
  externalIdField: 'Billing_Id__c',
  externalId: 'B-1001',
  op: 'upsert',
  fields: { Name: 'Acme', AnnualRevenue: 1200000 },
  status: 'failed',
  error: 'REQUEST_LIMIT_EXCEEDED',
  seq: 17,
};
const line = (overrides: Record<string, unknown> = {}) => JSON.stringify({ ...good, ...overrides });
const reasonOf = (text: string) => {
  const r = parseCanonicalLine(text, 'file.jsonl');
  return r.ok ? 'accepted' : r.reason;
};

describe('parseCanonicalLine', () => {
  it('accepts the canonical example and normalises nothing it need not', () => {
    const r = parseCanonicalLine(line(), 'file.jsonl');
    expect(r).toEqual({ ok: true, event: { ...good, sfId: null } });
  });

  it('defaults the source to the file name and normalises offsets to UTC', () => {
    const r = parseCanonicalLine(line({ source: undefined, time: '2026-11-20T15:03:22+01:00' }), 'billing.jsonl');
    expect(r.ok && r.event.source).toBe('billing.jsonl');
    expect(r.ok && r.event.time).toBe('2026-11-20T14:03:22.000Z');
  });

  it.each([
    ['{"id": ', /^invalid JSON/],
    ['[1,2]', /must be a JSON object/],
    [line({ id: undefined }), /missing required key "id"/],
    [line({ time: undefined }), /missing required key "time"/],
    [line({ object: undefined }), /missing required key "object"/],
    [line({ externalId: undefined }), /missing required key "externalId"/],
    [line({ op: undefined }), /missing required key "op"/],
    [line({ status: undefined }), /missing required key "status"/],
    [line({ op: 'merge' }), /"op" must be one of upsert, create, update, delete \(got "merge"\)/],
    [line({ status: 'ok' }), /"status" must be one of delivered, failed, unknown \(got "ok"\)/],
    [line({ time: '2026-11-20T14:03:22' }), /"time" must be ISO-8601 with a zone/],
    [line({ time: 'yesterday' }), /"time" must be ISO-8601 with a zone/],
    [line({ time: '2026-02-30T10:00:00.000Z' }), /"time" must be ISO-8601/],
    [line({ object: 'Bad Object' }), /"object" must be an sObject API name/],
    [line({ object: 'Trailing_' }), /"object" must be an sObject API name/],
    [line({ fields: { 'Bad-Name': 1 } }), /field name "Bad-Name" in "fields" is not a valid API name/],
    [line({ fields: [1, 2] }), /"fields" must be an object/],
    [line({ fields: 'Name=Acme' }), /"fields" must be an object/],
    [line({ fields: { Name: { nested: true } } }), /"fields.Name" must be a string, number, boolean or null/],
    [line({ fields: undefined }), /missing required key "fields" \(required unless op is delete\)/],
    [line({ seq: 1.5 }), /"seq" must be an integer/],
    [line({ sfId: '001' }), /"sfId" must be a 15- or 18-character Salesforce Id/],
  ])('rejects %s with a reason naming the problem', (text, reason) => {
    expect(reasonOf(text)).toMatch(reason);
  });

  it('accepts a delete without fields', () => {
    const r = parseCanonicalLine(line({ op: 'delete', fields: undefined }), 'f');
    expect(r.ok && r.event.fields).toEqual({});
  });
});

describe('parseCloudEventLine', () => {
  const ce = {
    specversion: '1.0',
    id: 'ce-1',
    source: 'urn:billing',
    type: 'com.example.salesforce.write',
    time: '2026-11-20T14:03:22.120Z',
    data: { object: 'Contact', externalIdField: 'External_Id__c', externalId: 'C-9', op: 'update', fields: { Email: 'a@example.com' }, status: 'unknown', seq: 3 },
  };

  it('maps the envelope and data onto an event', () => {
    const r = parseCloudEventLine(JSON.stringify(ce), 'f');
    expect(r.ok && r.event).toMatchObject({ id: 'ce-1', source: 'urn:billing', object: 'Contact', op: 'update', status: 'unknown', seq: 3 });
  });

  it('names the data. path in its reasons', () => {
    const r = parseCloudEventLine(JSON.stringify({ ...ce, data: { ...ce.data, op: 'merge' } }), 'f');
    expect(!r.ok && r.reason).toMatch(/"data.op" must be one of/);
    const r2 = parseCloudEventLine(JSON.stringify({ ...ce, specversion: '0.3' }), 'f');
    expect(!r2.ok && r2.reason).toMatch(/"specversion" must be "1.0"/);
  });
});

describe('CSV records', () => {
  const header = ['id', 'time', 'source', 'object', 'externalIdField', 'externalId', 'op', 'status', 'seq', 'error', 'fields.Name', 'fields.Phone'];

  it('reads fields.<Name> columns: empty means not sent, #N/A means null', () => {
    const r = parseCsvRecord(header, ['e1', '2026-11-20T14:00:00Z', 's', 'Account', 'Billing_Id__c', 'B-1', 'upsert', 'delivered', '4', '', 'Acme', '#N/A'], 'f');
    expect(r.ok && r.event).toMatchObject({ fields: { Name: 'Acme', Phone: null }, seq: 4, error: null });
    const r2 = parseCsvRecord(header, ['e1', '2026-11-20T14:00:00Z', 's', 'Account', 'Billing_Id__c', 'B-1', 'upsert', 'delivered', '', '', '', 'x'], 'f');
    expect(r2.ok && r2.event.fields).toEqual({ Phone: 'x' });
  });

  it('rejects a row with the wrong number of cells', () => {
    const r = parseCsvRecord(header, ['e1', 'x'], 'f');
    expect(!r.ok && r.reason).toBe('CSV row has 2 cells, the header has 12');
  });

  it('checks the header', () => {
    expect(checkCsvHeader(header)).toBeNull();
    expect(checkCsvHeader(['id', 'time'])).toMatch(/lacks the column "object"/);
    expect(checkCsvHeader([...header, 'Name'])).toMatch(/unknown column "Name"/);
  });
});

describe('format detection and times', () => {
  it('tells JSON Lines, CloudEvents and CSV apart by content', () => {
    expect(detectFormat(line())).toBe('jsonl');
    expect(detectFormat('{"specversion":"1.0","id":"x"}')).toBe('cloudevents');
    expect(detectFormat('id,time,source')).toBe('csv');
  });

  it('normalises times to UTC milliseconds', () => {
    expect(normaliseTime('2026-11-20T14:03:22.123456Z')).toBe('2026-11-20T14:03:22.123Z');
    expect(normaliseTime('2026-11-20T14:03Z')).toBe('2026-11-20T14:03:00.000Z');
    expect(normaliseTime('2026-11-20T23:30:00-0130')).toBe('2026-11-21T01:00:00.000Z');
    expect(normaliseTime('2026-11-20 14:03:22Z')).toBeNull();
    expect(normaliseTime('2026-11-31T10:00:00.000Z')).toBeNull();
  });
});

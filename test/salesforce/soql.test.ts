import { describe, expect, it } from 'vitest';
import { chunkInQueries, encodedLength, soqlString, takeSlot } from '../../src/salesforce/index.js';

describe('soqlString', () => {
  it.each([
    ["O'Brien", "'O\\'Brien'"],
    ['back\\slash', "'back\\\\slash'"],
    ['a\\\'b', "'a\\\\\\'b'"],
    ['new\nline\r\ttab', "'new\\nline\\r\\ttab'"],
    ['say "hi"', "'say \\\"hi\\\"'"],
    ['100%_x', "'100%_x'"],
    ['Zürich', "'Zürich'"],
  ])('escapes %j', (value, expected) => {
    expect(soqlString(value)).toBe(expected);
  });
});

describe('chunkInQueries', () => {
  const keys = Array.from({ length: 10_000 }, (_, i) => `B-${String(i).padStart(6, '0')}`);

  it('keeps every GET query under the URI limit and every query under 100,000 characters', () => {
    const gets = chunkInQueries('SELECT Id FROM Account', 'Billing_Id__c', keys, { forGet: true });
    for (const q of gets) expect(encodedLength(q)).toBeLessThanOrEqual(16_000);
    const bodies = chunkInQueries('SELECT Id FROM Account', 'Billing_Id__c', keys, { forGet: false, limits: { maxKeysPerQuery: 100_000 } });
    for (const q of bodies) expect(q.length).toBeLessThanOrEqual(100_000);
    expect(bodies.length).toBeLessThan(gets.length);
    // Every key exactly once, in order.
    const seen = bodies.flatMap((q) => [...q.matchAll(/'([^']+)'/g)].map((m) => m[1]));
    expect(seen).toEqual(keys);
  });

  it('fills queries to the limit: the fewest queries for the keys', () => {
    const bodies = chunkInQueries('SELECT Id FROM Account', 'Billing_Id__c', keys, { forGet: false, limits: { maxKeysPerQuery: 100_000 } });
    const perQuery = 100_000 / "'B-000000',".length;
    expect(bodies.length).toBe(Math.ceil(keys.length / Math.floor(perQuery - 5)));
  });

  it('puts a key too long to share a query in a query of its own', () => {
    const long = 'x'.repeat(3_000);
    const q = chunkInQueries('SELECT Id FROM Account', 'Name', ['a', long, 'b'], { forGet: true, limits: { maxUriBytes: 2_000 } });
    expect(q).toHaveLength(3);
  });
});

describe('takeSlot', () => {
  it('spaces requests so no 1-second window holds more than the rate', () => {
    let state: { nextAt: number; recent: number[] } = { nextAt: 0, recent: [] };
    const sent: number[] = [];
    let now = 0;
    for (let i = 0; i < 200; i++) {
      now += (i * 7919) % 13; // bursty arrivals
      const r = takeSlot(state, now, 1000 / 20, 20);
      state = r.state;
      sent.push(now + r.waitMs);
    }
    for (let i = 0; i < sent.length; i++) {
      const inWindow = sent.filter((t) => t >= sent[i]! && t < sent[i]! + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(20);
    }
  });
});

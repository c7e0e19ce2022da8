/**
 * The SOQL subset where Salesforce's rules are easy to get subtly wrong: IN semantics, AND/OR mixing,
 * escapes. Complements the WHERE cases in simulator.e2e.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrg, type TestOrg } from '../support/simulator.js';

let org: TestOrg;
beforeAll(async () => {
  org = await startTestOrg();
  await org.conn.sobject('Account').create(
    [
      { Name: 'Café Zürich', Billing_Id__c: 'S-UNI' },
      { Name: 'Line\nbreak', Billing_Id__c: 'S-NL' },
    ],
    { allOrNone: true },
  );
});
afterAll(async () => {
  await org.stop();
});

async function billingIds(where: string): Promise<string[]> {
  const r = await org.conn.query<{ Billing_Id__c: string }>(`SELECT Billing_Id__c FROM Account WHERE ${where} ORDER BY Billing_Id__c`);
  return r.records.map((x) => x.Billing_Id__c);
}

describe('IN and NOT IN', () => {
  it('compare text case-insensitively, as = does', async () => {
    expect(await billingIds("Billing_Id__c IN ('b-1001', 'B-1003', 'nope')")).toEqual(['B-1001', 'B-1003']);
  });

  it('compare numbers by value', async () => {
    expect(await billingIds('AnnualRevenue IN (800000, 1200000.0)')).toEqual(['B-1001', 'B-1003']);
  });

  it('accept 15- and 18-character Ids alike', async () => {
    const ids = (await org.conn.query<{ Id: string }>("SELECT Id FROM Account WHERE Billing_Id__c IN ('B-1001', 'B-1002')")).records.map((r) => r.Id);
    expect(await billingIds(`Id IN ('${ids[0]!.slice(0, 15)}', '${ids[1]!}')`)).toEqual(['B-1001', 'B-1002']);
  });

  it('keep records whose field is null under NOT IN, and find them with IN (null)', async () => {
    const notIn = await billingIds("Industry NOT IN ('Retail')");
    expect(notIn).toEqual(expect.arrayContaining(['B-1003', 'S-UNI', 'S-NL']));
    expect(notIn).not.toContain('B-1001');
    expect(await billingIds("Industry IN (null, 'Transportation') AND Billing_Id__c LIKE 'S-%'")).toEqual(['S-NL', 'S-UNI']);
  });
});

describe('AND, OR and parentheses', () => {
  it('refuses AND and OR mixed without parentheses with MALFORMED_QUERY, as Salesforce does', async () => {
    await expect(billingIds("Industry = 'Retail' OR Industry = 'Energy' AND AnnualRevenue > 0")).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
    await expect(billingIds("Industry = 'Retail' AND AnnualRevenue > 0 OR Industry = 'Energy'")).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
    await expect(billingIds("(Industry = 'Retail' OR Industry = 'Energy' AND AnnualRevenue > 0)")).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
  });

  it('accepts chains of one operator, and mixes inside parentheses', async () => {
    expect(await billingIds("Industry = 'Retail' AND AnnualRevenue > 0 AND Name != null")).toEqual(['B-1001', 'B-1002']);
    expect(await billingIds("Billing_Id__c = 'B-1001' OR Billing_Id__c = 'B-1002' OR Billing_Id__c = 'B-1003'")).toEqual(['B-1001', 'B-1002', 'B-1003']);
    expect(await billingIds("(Industry = 'Retail' AND AnnualRevenue > 2000000) OR Industry = 'Transportation'")).toEqual(['B-1002', 'B-1003']);
  });
});

describe('string literal escapes', () => {
  it('reads \\uXXXX and the upper-case escapes', async () => {
    expect(await billingIds("Name = 'Caf\\u00e9 Z\\u00fcrich'")).toEqual(['S-UNI']);
    expect(await billingIds("Name = 'Line\\Nbreak'")).toEqual(['S-NL']);
  });

  it('refuses an unknown escape or a short \\u with MALFORMED_QUERY', async () => {
    await expect(billingIds("Name = 'a\\qb'")).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
    await expect(billingIds("Name = 'a\\u12'")).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
  });
});

describe('queries of one shape (the parse is shared)', () => {
  it('answers each with its own literals, escaped or not', async () => {
    const shape = (key: string) => billingIds(`Billing_Id__c = '${key}' AND Name != 'it\\'s'`);
    expect(await shape('B-1001')).toEqual(['B-1001']);
    expect(await shape('B-1002')).toEqual(['B-1002']);
    expect(await shape("nobody\\'s")).toEqual([]);
  });

  it('reports a malformed query with the caller\'s own text, not the shared shape', async () => {
    const error = await billingIds("Name = 'Wheelworks' AND").then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ errorCode: 'MALFORMED_QUERY' });
    expect(String((error as Error).message)).not.toContain('~sim~');
  });
});


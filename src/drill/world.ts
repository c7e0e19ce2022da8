import type { Connection } from 'jsforce';

/** The drill's randomness comes from the simulator's seeded PRNG, so a drill replays exactly for a seed. */
export { createRandom as seededRandom } from '../simulator/faults.js';

/** One write the simulated integration makes, as its log records it. */
export interface LoggedEvent {
  id: string;
  time: string;
  source: string;
  object: string;
  externalIdField: string;
  externalId: string;
  op: 'upsert' | 'delete';
  fields: Record<string, string | number | boolean | null>;
  status: 'delivered' | 'failed' | 'unknown';
  error?: string;
  seq: number;
}

/**
 * The integration under rehearsal: it writes to the simulator through the real jsforce client, one upsert
 * by external ID at a time, and logs each write with the outcome it saw (delivered, failed with the error,
 * or unknown when the connection dropped), as a real integration would.
 */
export class SimulatedIntegration {
  readonly log: LoggedEvent[] = [];
  private seq = new Map<string, number>();
  private n = 0;

  constructor(private readonly conn: Connection, private readonly source = 'billing-sync') {}

  private nextSeq(key: string): number {
    const s = (this.seq.get(key) ?? 0) + 1;
    this.seq.set(key, s);
    return s;
  }

  /** Logs an event as written, without sending it (used to model deliveries that arrive late or never). */
  record(externalId: string, fields: LoggedEvent['fields'], status: LoggedEvent['status'], extra: Partial<LoggedEvent> = {}): LoggedEvent {
    this.n += 1;
    const e: LoggedEvent = {
      id: `${this.source}-${this.n}`, time: new Date().toISOString(), source: this.source, object: 'Account', externalIdField: 'Billing_Id__c',
      externalId, op: 'upsert', fields, status, seq: this.nextSeq(externalId), ...extra,
    };
    this.log.push(e);
    return e;
  }

  /** Sends one upsert and logs it with the outcome the integration saw. */
  async upsert(externalId: string, fields: LoggedEvent['fields']): Promise<LoggedEvent> {
    const event = this.record(externalId, fields, 'unknown');
    try {
      const result = (await this.conn.request({
        method: 'PATCH',
        url: `/composite/sobjects/Account/Billing_Id__c`,
        body: JSON.stringify({ allOrNone: false, records: [{ attributes: { type: 'Account' }, Billing_Id__c: externalId, ...fields }] }),
        headers: { 'content-type': 'application/json' },
      }, { retry: { maxRetries: 0 } } as never)) as { success: boolean; errors: { statusCode: string }[] }[];
      const r = result[0];
      if (r?.success) event.status = 'delivered';
      else {
        event.status = 'failed';
        event.error = r?.errors[0]?.statusCode ?? 'UNKNOWN';
      }
    } catch (error) {
      const e = error as { errorCode?: string; message?: string };
      const code = e.errorCode ?? '';
      if (/ECONNRESET|socket hang up|fetch failed|terminated|other side closed/i.test(`${code} ${e.message ?? ''}`)) event.status = 'unknown';
      else {
        event.status = 'failed';
        event.error = code || 'ERROR';
      }
    }
    return event;
  }

  /** Sends an upsert without logging it: a retry of an already-logged event arriving late. */
  async sendLate(externalId: string, fields: LoggedEvent['fields']): Promise<void> {
    await this.conn.request({
      method: 'PATCH',
      url: `/composite/sobjects/Account/Billing_Id__c`,
      body: JSON.stringify({ allOrNone: false, records: [{ attributes: { type: 'Account' }, Billing_Id__c: externalId, ...fields }] }),
      headers: { 'content-type': 'application/json' },
    }, { retry: { maxRetries: 0 } } as never);
  }

  jsonl(): string {
    return this.log.map((e) => JSON.stringify(e)).join('\n') + '\n';
  }
}

import { createHash, type Hash } from 'node:crypto';
import { canonicalJson } from '../domain/canonical-json.js';
import type { PlanItem } from '../domain/plan.js';

/** The parts of a plan's header its hash covers. */
export interface PlanHeader {
  id: number;
  incidentId: number;
  snapshotId: number;
  createdBy: string;
  createdAt: string;
  configHash: string;
}

/**
 * A plan item's canonical form: canonicalJson's output (keys sorted, at every level), written out for the
 * item's known shape because the planner serialises every item of a plan. The stored item_json is this text,
 * so the hash is computed once over what is stored and a plan verifies without re-serialising its items.
 */
export function planItemJson(item: PlanItem): string {
  const [head, tail] = planItemJsonParts(item);
  return `${head}${item.itemId}${tail}`;
}

/**
 * An item's canonical JSON around its id, `${head}${itemId}${tail}`: items are decided on several threads
 * and numbered afterwards, in order, by the thread that stores them.
 */
export function planItemJsonParts(item: Omit<PlanItem, 'itemId'>): [head: string, tail: string] {
  const j = JSON.stringify;
  let changes = '';
  for (const c of item.changes) changes += `${changes === '' ? '' : ','}{"current":${j(c.current)},"field":${j(c.field)},"target":${j(c.target)}}`;
  let replay = '';
  for (const r of item.replay) replay += `${replay === '' ? '' : ','}{"eventId":${j(r.eventId)},"fields":${canonicalJson(r.fields)}}`;
  return [
    `{"action":${j(item.action)},"changes":[${changes}],"externalId":${j(item.externalId)},"externalIdField":${j(item.externalIdField)},"itemId":`,
    `,"lastModifiedById":${j(item.lastModifiedById)},"lastModifiedDate":${j(item.lastModifiedDate)},` +
      `"object":${j(item.object)},"reason":${j(item.reason)},"reasonCode":${j(item.reasonCode)},"replay":[${replay}],` +
      `"sfId":${j(item.sfId)},"systemModstamp":${j(item.systemModstamp)}}`,
  ];
}

/**
 * sha256 over a canonical form (sorted keys) of the header and each item in item order, fed item by item so
 * hashing a large plan needs no memory. Any change to a stored item or the header changes the hash.
 */
export class PlanHasher {
  private readonly hash: Hash = createHash('sha256');
  constructor(header: PlanHeader) {
    this.hash.update(`${canonicalJson(header)}\n`);
  }
  /** Adds an item; returns its canonical JSON (what the store keeps). */
  add(item: PlanItem): string {
    const json = planItemJson(item);
    this.hash.update(`${json}\n`);
    return json;
  }
  /** Adds a page of items already in canonical form: the same digest as adding them one by one. */
  addJsonPage(json: readonly string[]): void {
    if (json.length > 0) this.hash.update(`${json.join('\n')}\n`);
  }
  digest(): string {
    return this.hash.digest('hex');
  }
}

export function hashPlan(header: PlanHeader, items: Iterable<PlanItem>): string {
  const h = new PlanHasher(header);
  for (const item of items) h.add(item);
  return h.digest();
}

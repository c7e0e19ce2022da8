import { createHash, type Hash } from 'node:crypto';
import { canonicalJson } from '../config/config.js';
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
 * sha256 over a canonical form (sorted keys) of the header and each item in item order, fed item by item so
 * hashing a large plan needs no memory. Any change to a stored item or the header changes the hash.
 */
export class PlanHasher {
  private readonly hash: Hash = createHash('sha256');
  constructor(header: PlanHeader) {
    this.hash.update(`${canonicalJson(header)}\n`);
  }
  add(item: PlanItem): void {
    this.hash.update(`${canonicalJson(item)}\n`);
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

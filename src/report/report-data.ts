/** Everything the stakeholder update shows, gathered from the store (pure rendering takes it from here). */
export interface ReportData {
  generatedAt: string;
  nextUpdateAt: string;
  incident: { id: number; name: string; from: string; to: string; objects: string[] | null };
  scan: { snapshotId: number; takenAt: string; records: number; byClass: Record<string, number>; byObject: Record<string, Record<string, number>>; apiCalls: number } | null;
  plans: {
    id: number;
    status: string;
    createdBy: string;
    byAction: Record<string, number>;
    execution: { applied: number; failed: number; stale: number; attempting: number; apiCalls: number };
    /** The latest `plan verify`: when, by whom, and what it found; null when nobody verified the plan. */
    verification: { at: string; by: string; checked: number; residualDrift: number } | null;
  }[];
  manual: { planId: number; itemId: number; object: string; externalId: string; reason: string }[];
  /** Events per minute from 30 minutes before the window to 30 minutes after. */
  timeline: { minute: string; delivered: number; failed: number; unknown: number }[];
  apiCallsUsed: number;
  nextSteps: string[];
}

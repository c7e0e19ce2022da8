import type { Migration } from 'kysely';
import * as m0001 from './0001_events.js';
import * as m0002 from './0002_incidents.js';
import * as m0003 from './0003_plans.js';
import * as m0004 from './0004_executions.js';
import * as m0005 from './0005_snapshot_keys.js';
import * as m0006 from './0006_review_rows.js';
import * as m0007 from './0007_one_approval.js';
import * as m0008 from './0008_scan_rows.js';

/**
 * Every migration, by name. Listed statically (not read from the folder at run time) so the same set runs
 * from TypeScript under vitest and from the compiled CLI. Forward-only in production; `down` exists for tests.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_events': m0001,
  '0002_incidents': m0002,
  '0003_plans': m0003,
  '0004_executions': m0004,
  '0005_snapshot_keys': m0005,
  '0006_review_rows': m0006,
  '0007_one_approval': m0007,
  '0008_scan_rows': m0008,
};

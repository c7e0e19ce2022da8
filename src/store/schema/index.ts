import type { EventsTables } from './events.js';
import type { ExecutionsTables } from './executions.js';
import type { IncidentsTables } from './incidents.js';
import type { PlansTables } from './plans.js';

/** The whole database as kysely sees it: one interface per aggregate, each owned by its stage. */
export interface Database extends EventsTables, IncidentsTables, PlansTables, ExecutionsTables {}

import type { Kysely } from 'kysely';
import type { Incident } from '../domain/drift.js';
import { UsageError } from '../errors.js';
import type { IncidentRow } from './schema/incidents.js';
import type { Database } from './schema/index.js';

function toIncident(r: Omit<IncidentRow, 'id'> & { id: number }): Incident {
  return { id: r.id, name: r.name, from: r.from_time, to: r.to_time, objects: r.objects_json === null ? null : (JSON.parse(r.objects_json) as string[]), createdAt: r.created_at };
}

export async function createIncident(db: Kysely<Database>, input: { name: string; from: string; to: string; objects: string[] | null }, now: Date): Promise<Incident> {
  const row = await db
    .insertInto('incidents')
    .values({ name: input.name, from_time: input.from, to_time: input.to, objects_json: input.objects === null ? null : JSON.stringify(input.objects), created_at: now.toISOString() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, ...input, createdAt: now.toISOString() };
}

/** The incident, or a UsageError (exit 2) that says how to find the right id. */
export async function getIncident(db: Kysely<Database>, id: number): Promise<Incident> {
  const row = Number.isSafeInteger(id) ? await db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (row === undefined) {
    throw new UsageError(`there is no incident ${String(id)}`, { code: 'INCIDENT_NOT_FOUND', hint: 'list incidents with "sf-reconcile incident list"' });
  }
  return toIncident(row);
}

export async function listIncidents(db: Kysely<Database>): Promise<Incident[]> {
  const rows = await db.selectFrom('incidents').selectAll().orderBy('id').execute();
  return rows.map(toIncident);
}

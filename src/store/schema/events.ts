import type { Generated } from 'kysely';

// Row types of the event store. Row types stay inside store/: repositories return domain objects.

export interface EventRow {
  source: string;
  event_id: string;
  time: string;
  object: string;
  external_id_field: string | null;
  external_id: string;
  op: string;
  status: string;
  seq: number | null;
  error: string | null;
  sf_id: string | null;
  fields_json: string;
  batch_id: number;
  file: string;
  line: number;
}

export interface IngestBatchRow {
  id: Generated<number>;
  file: string;
  format: string;
  started_at: string;
  finished_at: string | null;
  read_count: Generated<number>;
  accepted_count: Generated<number>;
  duplicate_count: Generated<number>;
  rejected_count: Generated<number>;
}

export interface QuarantineRow {
  id: Generated<number>;
  batch_id: number;
  file: string;
  line: number;
  raw: string;
  reason: string;
  at: Generated<string>;
}

export interface EventsTables {
  events: EventRow;
  ingest_batches: IngestBatchRow;
  quarantine: QuarantineRow;
}

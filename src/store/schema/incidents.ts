import type { Generated } from 'kysely';

// Row types of incidents and scans. Row types stay inside store/: repositories return domain objects.

export interface IncidentRow {
  id: Generated<number>;
  name: string;
  from_time: string;
  to_time: string;
  objects_json: string | null;
  created_at: string;
}

export interface SnapshotRow {
  id: Generated<number>;
  incident_id: number;
  taken_at: string;
  completed_at: string | null;
  summary_json: string | null;
}

export interface SnapshotRecordRow {
  snapshot_id: number;
  ordinal: number;
  object: string;
  external_id: string;
  class: string;
  sf_id: string | null;
  /** The ScannedRecord as JSON. */
  record_json: string;
}

/** A record key a scan covers (listed when the scan starts). */
export interface SnapshotKeyRow {
  snapshot_id: number;
  object: string;
  external_id: string;
}

/** A row a scan exported through a Bulk API 2.0 query (scratch, deleted when the scan completes). */
export interface ScanRowRow {
  snapshot_id: number;
  object: string;
  /** The external ID in lower case. */
  key: string;
  row_json: string;
}

export interface IncidentsTables {
  incidents: IncidentRow;
  snapshots: SnapshotRow;
  snapshot_records: SnapshotRecordRow;
  snapshot_keys: SnapshotKeyRow;
  scan_rows: ScanRowRow;
}

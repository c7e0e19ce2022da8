/** A record as the integration knows it: its object and its external ID value. */
export interface RecordKey {
  object: string;
  externalId: string;
}

/** A string form of a record key, usable as a Map key. The NUL separator cannot occur in an API name. */
export function recordKeyId(key: RecordKey): string {
  return `${key.object}\u0000${key.externalId}`;
}

export function parseRecordKeyId(id: string): RecordKey {
  const at = id.indexOf('\u0000');
  return { object: id.slice(0, at), externalId: id.slice(at + 1) };
}

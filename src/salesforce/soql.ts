/**
 * SOQL text building: literal escaping and IN-list chunking. Pure.
 */

/**
 * A SOQL string literal, quoted. Backslash first, then quote, double quote and the control characters
 * SOQL names (docs/salesforce-api.md section 12: jsforce's own `find()` misses backslashes, which can make a
 * query match a different record). `%` and `_` are only special inside LIKE, which sf-reconcile never builds.
 */
export function soqlString(value: string): string {
  let out = "'";
  for (const ch of value) {
    switch (ch) {
      case '\\': out += '\\\\'; break;
      case "'": out += "\\'"; break;
      case '"': out += '\\"'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\t': out += '\\t'; break;
      case '\b': out += '\\b'; break;
      case '\f': out += '\\f'; break;
      default: out += ch;
    }
  }
  return `${out}'`;
}

/** A field or object name, checked so it cannot smuggle SOQL (names come from config and describe). */
export function soqlName(name: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)?$/.test(name)) throw new Error(`not a SOQL name: ${JSON.stringify(name)}`);
  return name;
}

export interface ChunkLimits {
  /** Salesforce rejects SOQL over 100,000 characters. */
  maxSoqlChars: number;
  /** URI limit of a GET query (16,384 bytes including the path); keep a margin for the path and version. */
  maxUriBytes: number;
  /** Keep IN lists readable and the per-query work bounded. */
  maxKeysPerQuery: number;
}

export const DEFAULT_CHUNK_LIMITS: ChunkLimits = { maxSoqlChars: 100_000, maxUriBytes: 16_000, maxKeysPerQuery: 2_000 };

/** The bytes a SOQL text takes in a `?q=` query string, as jsforce encodes it (encodeURIComponent). */
export function encodedLength(soql: string): number {
  return encodeURIComponent(soql).length;
}

/**
 * Splits `values` into IN-list queries `SELECT fields FROM object WHERE key IN (...) [AND extra]`, each within
 * the limits: the SOQL length always, and the URI length when `forGet` (a query sent in a URL; Composite and
 * Bulk 2.0 carry the SOQL in a body, so only the SOQL limit applies).
 */
export function chunkInQueries(
  select: string,
  keyField: string,
  values: readonly string[],
  options: { forGet: boolean; limits?: Partial<ChunkLimits>; suffix?: string },
): string[] {
  const limits = { ...DEFAULT_CHUNK_LIMITS, ...options.limits };
  const prefix = `${select} WHERE ${soqlName(keyField)} IN (`;
  const suffix = `)${options.suffix ?? ''}`;
  const queries: string[] = [];
  let literals: string[] = [];
  let chars = prefix.length + suffix.length;
  let bytes = encodedLength(prefix) + encodedLength(suffix);
  const flush = () => {
    if (literals.length > 0) queries.push(prefix + literals.join(',') + suffix);
    literals = [];
    chars = prefix.length + suffix.length;
    bytes = encodedLength(prefix) + encodedLength(suffix);
  };
  for (const value of values) {
    const literal = soqlString(value);
    const addChars = literal.length + (literals.length > 0 ? 1 : 0);
    const addBytes = encodedLength(literal) + (literals.length > 0 ? 3 : 0); // ',' encodes as %2C
    const tooLong = chars + addChars > limits.maxSoqlChars || (options.forGet && bytes + addBytes > limits.maxUriBytes);
    if (literals.length > 0 && (tooLong || literals.length >= limits.maxKeysPerQuery)) flush();
    literals.push(literal);
    chars += literal.length + (literals.length > 1 ? 1 : 0);
    bytes += encodedLength(literal) + (literals.length > 1 ? 3 : 0);
  }
  flush();
  return queries;
}

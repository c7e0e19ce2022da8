/**
 * Salesforce record Ids: 15 case-sensitive characters plus a 3-character case-safe suffix
 * (shared/docs/salesforce-api.md §2, "IDs").
 */

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_CHARS = /^[A-Za-z0-9]+$/;

/** Key prefixes of the objects the simulator knows by default; custom objects get `a00`, `a01`, ... */
export const KEY_PREFIXES: Readonly<Record<string, string>> = {
  Account: '001',
  Contact: '003',
  Opportunity: '006',
  Lead: '00Q',
  Case: '500',
  Task: '00T',
  Event: '00U',
  User: '005',
  Organization: '00D',
  Campaign: '701',
  Contract: '800',
  Order: '801',
  Product2: '01t',
  Asset: '02i',
};
export const HISTORY_KEY_PREFIX = '017';
export const BULK_JOB_KEY_PREFIX = '750';
export const QUERY_LOCATOR_KEY_PREFIX = '01g';

/** The 3-character suffix for a 15-character Id: one bit per upper-case letter, five characters a chunk. */
export function idSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET[bits];
  }
  return suffix;
}

/** An 18-character Id for the n-th record of a key prefix (deterministic: the same n gives the same Id). */
export function makeId(keyPrefix: string, n: number): string {
  let digits = '';
  let rest = n;
  for (let i = 0; i < 9; i++) {
    digits = BASE62[rest % 62] + digits;
    rest = Math.floor(rest / 62);
  }
  // Characters 4-5 name the pod and 6 is reserved; 'Sm' marks ids minted by the simulator.
  const id15 = `${keyPrefix}Sm0${digits}`;
  return id15 + idSuffix(id15);
}

/**
 * The canonical 18-character form of an Id given as 15 or 18 characters, or undefined if it is not one.
 * An 18-character Id is case-safe: its suffix says which letters are upper case, so `001smabc...` given in
 * the wrong case still names the same record, as Salesforce accepts.
 */
export function normalizeId(value: string): string | undefined {
  if (!ID_CHARS.test(value)) return undefined;
  if (value.length === 15) return value + idSuffix(value);
  if (value.length !== 18) return undefined;
  // Fast path, and the common case: the Id as Salesforce returned it, its case matching its suffix.
  if (idSuffix(value) === value.slice(15)) return value;
  const suffix = value.slice(15).toUpperCase();
  let id15 = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    const bits = SUFFIX_ALPHABET.indexOf(suffix[chunk] ?? '');
    if (bits < 0) return undefined;
    for (let i = 0; i < 5; i++) {
      const c = value[chunk * 5 + i] ?? '';
      id15 += bits & (1 << i) ? c.toUpperCase() : c.toLowerCase();
    }
  }
  // A digit position flagged upper case (or the reverse) cannot come from a real Id.
  return idSuffix(id15) === suffix ? id15 + suffix : undefined;
}

/** True when `value` is a well-formed 15- or 18-character Id. */
export function isValidId(value: string): boolean {
  return normalizeId(value) !== undefined;
}

/** The 18-character form of a 15- or 18-character Id; the input unchanged when it is not a well-formed Id. */
export function to18(value: string): string {
  return normalizeId(value) ?? value;
}

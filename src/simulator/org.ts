import { isValidId, makeId, to18 } from './ids.js';
import type { FieldType, Seed, SeedField, SeedObject, SeedUser } from './schema.js';
import { DEFAULT_USERS } from './schema.js';

/** A stored value: strings, numbers, booleans; datetimes as ISO UTC with `Z`; null when unset. */
export type Value = string | number | boolean | null;
export type Row = Record<string, Value>;

export interface FieldDescribe extends SeedField {
  createable: boolean;
  updateable: boolean;
  nillable: boolean;
  calculated: boolean;
  custom: boolean;
  idLookup: boolean;
}

export interface ObjectSchema {
  name: string;
  keyPrefix: string;
  label: string;
  custom: boolean;
  fields: Map<string, FieldDescribe>; // by lower-cased name
  /** The history object's name when some field is tracked (AccountHistory, Foo__History). */
  historyObject: string | null;
  /** For history objects: the tracked object. */
  historyOf: string | null;
}

export interface User {
  id: string;
  username: string;
  password: string;
  name: string;
  isIntegration: boolean;
}

/** A per-record error as Salesforce reports it inside SaveResults (statusCode) and REST errors (errorCode). */
export interface RecordError {
  statusCode: string;
  message: string;
  fields: string[];
}

export class WriteError extends Error {
  constructor(readonly errors: RecordError[]) {
    super(errors[0]?.message ?? 'write failed');
  }
}

const SYSTEM_FIELDS: SeedField[] = [
  { name: 'Id', type: 'id' },
  { name: 'IsDeleted', type: 'boolean' },
  { name: 'CreatedDate', type: 'datetime' },
  { name: 'CreatedById', type: 'reference', referenceTo: ['User'] },
  { name: 'LastModifiedDate', type: 'datetime' },
  { name: 'LastModifiedById', type: 'reference', referenceTo: ['User'] },
  { name: 'SystemModstamp', type: 'datetime' },
];
const SYSTEM_NAMES = new Set(SYSTEM_FIELDS.map((f) => f.name.toLowerCase()));

function describeField(f: SeedField, system: boolean): FieldDescribe {
  return {
    ...f,
    createable: !system,
    updateable: !system && !f.unique ? true : !system,
    nillable: !system && f.required !== true && f.type !== 'boolean',
    calculated: false,
    custom: f.name.endsWith('__c'),
    idLookup: f.type === 'id' || f.externalId === true,
  };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** An in-memory org: schema, users, records with indexes, the Recycle Bin, field history. */
export class Org {
  readonly objects = new Map<string, ObjectSchema>(); // lower-cased name
  readonly users: User[] = [];
  readonly orgId = to18('00D5g00000SIMUL');
  private readonly records = new Map<string, Map<string, Row>>(); // object -> id -> row
  /**
   * object -> field API name -> lower-cased value -> id, or ids when several records share the value
   * (external ID and unique fields). A bare string for the common single match keeps a million keys small.
   */
  private readonly indexes = new Map<string, Map<string, Map<string, string | string[]>>>();
  private readonly deletedLog = new Map<string, { id: string; deletedDate: string }[]>();
  private counter = 0;
  private lastStamp = 0;
  /** Per object, a row with every field unset, made by Object.fromEntries so copies of it stay fast objects. */
  private readonly blanks = new Map<string, Row>();

  constructor(seed: Seed, private readonly now: () => number) {
    for (const u of seed.users ?? DEFAULT_USERS) this.addUser(u);
    this.addObject({ name: 'User', keyPrefix: '005', fields: [{ name: 'Username', type: 'string' }, { name: 'Name', type: 'string' }] }, false);
    for (const o of seed.schema.objects) this.addObject(o, true);
    for (const u of this.users) {
      this.rows('User').set(u.id, { Id: u.id, Username: u.username, Name: u.name, IsDeleted: false });
    }
  }

  private addUser(u: SeedUser): void {
    const id = u.id !== undefined ? to18(u.id) : makeId('005', this.users.length + 1);
    this.users.push({ id, username: u.username, password: u.password, name: u.name, isIntegration: u.isIntegration === true });
  }

  private addObject(o: SeedObject, withHistory: boolean): void {
    const fields = new Map<string, FieldDescribe>();
    for (const f of SYSTEM_FIELDS) fields.set(f.name.toLowerCase(), describeField(f, true));
    for (const f of o.fields) fields.set(f.name.toLowerCase(), describeField(f, false));
    const tracked = o.fields.some((f) => f.tracked === true);
    const historyObject = withHistory && tracked ? (o.name.endsWith('__c') ? `${o.name.slice(0, -3)}__History` : `${o.name}History`) : null;
    this.objects.set(o.name.toLowerCase(), {
      name: o.name,
      keyPrefix: o.keyPrefix,
      label: o.label ?? o.name,
      custom: o.name.endsWith('__c'),
      fields,
      historyObject,
      historyOf: null,
    });
    this.records.set(o.name, new Map());
    this.indexes.set(o.name, new Map(o.fields.filter((f) => f.externalId || f.unique).map((f) => [f.name, new Map()])));
    if (historyObject !== null) {
      const parentField = o.name.endsWith('__c') ? 'ParentId' : `${o.name}Id`;
      this.addObject(
        {
          name: historyObject,
          keyPrefix: '017',
          fields: [
            { name: parentField, type: 'reference', referenceTo: [o.name] },
            { name: 'Field', type: 'string' },
            { name: 'DataType', type: 'string' },
            { name: 'OldValue', type: 'string' },
            { name: 'NewValue', type: 'string' },
          ],
        },
        false,
      );
      this.objects.get(historyObject.toLowerCase())!.historyOf = o.name;
      // History is read by parent (WHERE AccountId IN (...)): index it as Salesforce does.
      this.indexes.get(historyObject)!.set(parentField, new Map());
    }
  }

  schema(object: string): ObjectSchema | undefined {
    return this.objects.get(object.toLowerCase());
  }

  /** All rows of an object (live and deleted). */
  rows(object: string): Map<string, Row> {
    const name = this.schema(object)?.name ?? object;
    let rows = this.records.get(name);
    if (rows === undefined) {
      rows = new Map();
      this.records.set(name, rows);
    }
    return rows;
  }

  user(id: string): User | undefined {
    return this.users.find((u) => u.id === id);
  }

  /** Strictly increasing write times, so every write has its own SystemModstamp. */
  stamp(): string {
    const t = Math.max(this.now(), this.lastStamp + 1);
    this.lastStamp = t;
    return new Date(t).toISOString();
  }

  newId(object: ObjectSchema): string {
    this.counter += 1;
    return makeId(object.keyPrefix, this.counter);
  }

  /** Ids whose indexed field equals `value` (case-insensitive), live or deleted. */
  lookup(object: string, field: string, value: string): string[] {
    const byField = this.indexes.get(this.schema(object)?.name ?? object);
    const name = this.schema(object)?.fields.get(field.toLowerCase())?.name ?? field;
    const hit = byField?.get(name)?.get(value.toLowerCase());
    return hit === undefined ? [] : typeof hit === 'string' ? [hit] : hit;
  }

  isIndexed(object: string, field: string): boolean {
    const name = this.schema(object)?.fields.get(field.toLowerCase())?.name ?? field;
    return this.indexes.get(this.schema(object)?.name ?? object)?.has(name) === true;
  }

  /** Adds or removes a row's entries; `only` limits the work to fields that changed. */
  private index(object: string, row: Row, add: boolean, only?: ReadonlySet<string>): void {
    const byField = this.indexes.get(object);
    if (byField === undefined) return;
    const id = row.Id as string;
    for (const [field, map] of byField) {
      if (only !== undefined && !only.has(field)) continue;
      const value = row[field];
      if (value === null || value === undefined) continue;
      const key = String(value).toLowerCase();
      const hit = map.get(key);
      if (add) {
        if (hit === undefined) map.set(key, id);
        else if (typeof hit === 'string') {
          if (hit !== id) map.set(key, [hit, id]);
        } else if (!hit.includes(id)) hit.push(id);
      } else if (hit !== undefined) {
        const rest = (typeof hit === 'string' ? [hit] : hit).filter((x) => x !== id);
        if (rest.length === 0) map.delete(key);
        else map.set(key, rest.length === 1 ? rest[0]! : rest);
      }
    }
  }

  /** Converts and validates one field's incoming value by its type; throws WriteError with Salesforce's codes. */
  coerce(object: ObjectSchema, field: FieldDescribe, value: unknown): Value {
    const label = field.label ?? field.name;
    const bad = (statusCode: string, message: string): never => {
      throw new WriteError([{ statusCode, message, fields: [field.name] }]);
    };
    if (value === null || value === undefined || value === '') {
      if (field.type === 'boolean') return false;
      return null;
    }
    const type: FieldType = field.type;
    switch (type) {
      case 'string':
      case 'textarea':
      case 'email':
      case 'phone':
      case 'url':
      case 'picklist':
      case 'multipicklist': {
        if (typeof value === 'object') return bad('INVALID_TYPE_ON_FIELD_IN_RECORD', `${label}: value not of required type: ${JSON.stringify(value)}`);
        const text = String(value);
        const max = field.length ?? 255;
        if (text.length > max) return bad('STRING_TOO_LONG', `${label}: data value too large: ${text.slice(0, 40)} (max length=${max})`);
        if (type === 'email' && !EMAIL.test(text)) return bad('INVALID_EMAIL_ADDRESS', `${label}: invalid email address: ${text}`);
        return text;
      }
      case 'boolean':
        if (typeof value === 'boolean') return value;
        if (value === 'true' || value === 'false') return value === 'true';
        return bad('INVALID_TYPE_ON_FIELD_IN_RECORD', `${label}: value not of required type: ${String(value)}`);
      case 'int':
      case 'double':
      case 'currency':
      case 'percent': {
        const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
        if (!Number.isFinite(n)) return bad('INVALID_TYPE_ON_FIELD_IN_RECORD', `${label}: value not of required type: ${String(value)}`);
        const scale = type === 'int' ? 0 : field.scale ?? 2;
        const rounded = Math.round(n * 10 ** scale) / 10 ** scale;
        const precision = field.precision ?? 18;
        if (Math.abs(rounded) >= 10 ** (precision - scale)) return bad('NUMBER_OUTSIDE_VALID_RANGE', `${label}: value outside of valid range on numeric field: ${n}`);
        return rounded;
      }
      case 'date': {
        const text = String(value);
        const day = text.slice(0, 10);
        if (!DATE.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) return bad('INVALID_TYPE_ON_FIELD_IN_RECORD', `${label}: value not of required type: ${text}`);
        return day;
      }
      case 'datetime': {
        const ms = Date.parse(String(value).replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
        if (Number.isNaN(ms)) return bad('INVALID_TYPE_ON_FIELD_IN_RECORD', `${label}: value not of required type: ${String(value)}`);
        return new Date(ms).toISOString();
      }
      case 'reference':
      case 'id': {
        const text = String(value);
        if (!isValidId(text)) return bad('MALFORMED_ID', `${label}: id value of incorrect type: ${text}`);
        const id = to18(text);
        const target = field.referenceTo?.[0];
        if (target !== undefined && this.schema(target) !== undefined) {
          const row = this.rows(target).get(id);
          if (row === undefined || row.IsDeleted === true) {
            return bad('INVALID_CROSS_REFERENCE_KEY', `${label}: invalid cross reference id`);
          }
        }
        return id;
      }
    }
  }

  /** Validates the incoming field map against the schema and returns coerced values. */
  prepare(object: ObjectSchema, input: Record<string, unknown>, forCreate: boolean): Row {
    const out: Row = {};
    const errors: RecordError[] = [];
    for (const [name, value] of Object.entries(input)) {
      if (name === 'attributes') continue;
      const field = object.fields.get(name.toLowerCase());
      if (field === undefined) {
        errors.push({ statusCode: 'INVALID_FIELD', message: `No such column '${name}' on sobject of type ${object.name}`, fields: [name] });
        continue;
      }
      if (field.name === 'Id') continue;
      if (SYSTEM_NAMES.has(name.toLowerCase())) {
        errors.push({ statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', message: `Unable to create/update fields: ${field.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, fields: [field.name] });
        continue;
      }
      try {
        out[field.name] = this.coerce(object, field, value);
      } catch (error) {
        if (error instanceof WriteError) errors.push(...error.errors);
        else throw error;
      }
    }
    if (forCreate) {
      const errored = new Set(errors.flatMap((e) => e.fields));
      const missing = [...object.fields.values()].filter((f) => f.required === true && !errored.has(f.name) && (out[f.name] === undefined || out[f.name] === null)).map((f) => f.name);
      if (missing.length > 0) errors.push({ statusCode: 'REQUIRED_FIELD_MISSING', message: `Required fields are missing: [${missing.join(', ')}]`, fields: missing });
    } else {
      const cleared = [...object.fields.values()].filter((f) => f.required === true && out[f.name] === null).map((f) => f.name);
      if (cleared.length > 0) errors.push({ statusCode: 'REQUIRED_FIELD_MISSING', message: `Required fields are missing: [${cleared.join(', ')}]`, fields: cleared });
    }
    if (errors.length > 0) throw new WriteError(errors);
    return out;
  }

  private checkUnique(object: ObjectSchema, values: Row, selfId: string | null): void {
    for (const field of object.fields.values()) {
      if (field.unique !== true) continue;
      const value = values[field.name];
      if (value === null || value === undefined) continue;
      const other = this.lookup(object.name, field.name, String(value)).find((id) => id !== selfId && this.rows(object.name).get(id)?.IsDeleted !== true);
      if (other !== undefined) {
        throw new WriteError([{ statusCode: 'DUPLICATE_VALUE', message: `duplicate value found: ${field.name} duplicates value on record with id: ${other}`, fields: [field.name] }]);
      }
    }
  }

  create(objectName: string, input: Record<string, unknown>, userId: string): Row {
    const object = this.requireObject(objectName);
    const values = this.prepare(object, input, true);
    this.checkUnique(object, values, null);
    const at = this.stamp();
    const id = this.newId(object);
    const row = this.blank(object);
    Object.assign(row, values, { Id: id, IsDeleted: false, CreatedDate: at, CreatedById: userId, LastModifiedDate: at, LastModifiedById: userId, SystemModstamp: at });
    this.rows(object.name).set(id, row);
    this.index(object.name, row, true);
    if (object.historyObject !== null) this.writeHistory(object, id, 'created', null, null, userId, at);
    return row;
  }

  update(objectName: string, id: string, input: Record<string, unknown>, userId: string): Row {
    const object = this.requireObject(objectName);
    const row = this.liveRow(object, id);
    const values = this.prepare(object, input, false);
    // Only the values being written can clash: the others were unique already.
    this.checkUnique(object, values, row.Id as string);
    const at = this.stamp();
    const changed = new Set(Object.keys(values).filter((name) => row[name] !== values[name]));
    this.index(object.name, row, false, changed);
    for (const [name, value] of Object.entries(values)) {
      const before = row[name] ?? null;
      if (before !== value && object.fields.get(name.toLowerCase())?.tracked === true && object.historyObject !== null) {
        this.writeHistory(object, row.Id as string, name, before, value, userId, at);
      }
      row[name] = value;
    }
    row.LastModifiedDate = at;
    row.LastModifiedById = userId;
    row.SystemModstamp = at;
    this.index(object.name, row, true, changed);
    return row;
  }

  delete(objectName: string, id: string, userId: string): Row {
    const object = this.requireObject(objectName);
    const row = this.liveRow(object, id);
    const at = this.stamp();
    row.IsDeleted = true;
    row.LastModifiedDate = at;
    row.LastModifiedById = userId;
    row.SystemModstamp = at;
    const log = this.deletedLog.get(object.name) ?? [];
    log.push({ id: row.Id as string, deletedDate: at });
    this.deletedLog.set(object.name, log);
    return row;
  }

  deletedBetween(object: string, start: number, end: number): { id: string; deletedDate: string }[] {
    return (this.deletedLog.get(this.schema(object)?.name ?? object) ?? []).filter((d) => {
      const t = Date.parse(d.deletedDate);
      return t >= start && t < end;
    });
  }

  requireObject(name: string): ObjectSchema {
    const object = this.schema(name);
    if (object === undefined || object.historyOf !== null || object.name === 'User') {
      throw new WriteError([{ statusCode: 'INVALID_TYPE', message: `sObject type '${name}' is not supported.`, fields: [] }]);
    }
    return object;
  }

  liveRow(object: ObjectSchema, id: string): Row {
    const key = isValidId(id) ? to18(id) : id;
    const row = this.rows(object.name).get(key);
    if (row === undefined) throw new WriteError([{ statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] }]);
    if (row.IsDeleted === true) throw new WriteError([{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }]);
    return row;
  }

  private writeHistory(object: ObjectSchema, parentId: string, field: string, oldValue: Value, newValue: Value, userId: string, at: string): void {
    const history = this.schema(object.historyObject!)!;
    const parentField = object.custom ? 'ParentId' : `${object.name}Id`;
    this.counter += 1;
    const id = makeId('017', this.counter);
    const type = object.fields.get(field.toLowerCase())?.type ?? 'string';
    // OldValue/NewValue are anyType: the tracked field's own primitive, text cut at 255 (facts sections 9, 10).
    const asHistory = (v: Value): Value =>
      typeof v !== 'string' ? v : type === 'datetime' ? `${v.slice(0, 23)}+0000` : v.length > 255 ? v.slice(0, 255) : v;
    const row = Object.assign(this.blank(history), {
      Id: id, IsDeleted: false, [parentField]: parentId, Field: field, DataType: type,
      OldValue: asHistory(oldValue), NewValue: asHistory(newValue),
      CreatedById: userId, CreatedDate: at, LastModifiedById: userId, LastModifiedDate: at, SystemModstamp: at,
    });
    this.rows(history.name).set(id, row);
    this.index(history.name, row, true);
  }

  /**
   * A new row with every field unset (booleans false). Copying one fast template keeps rows fast objects:
   * adding two dozen fields one by one by name made V8 turn each row into a dictionary (1.7 KB, not 0.3 KB).
   */
  private blank(object: ObjectSchema): Row {
    let template = this.blanks.get(object.name);
    if (template === undefined) {
      template = Object.fromEntries([...object.fields.values()].map((f) => [f.name, f.type === 'boolean' ? false : null]));
      this.blanks.set(object.name, template);
    }
    return { ...template };
  }

  /** Loads rows without HTTP, validation or history (benchmarks: a million records in seconds). */
  insertMany(objectName: string, inputs: Iterable<Record<string, Value>>, userId: string): number {
    const object = this.requireObject(objectName);
    const rows = this.rows(object.name);
    let n = 0;
    const at = this.stamp();
    for (const input of inputs) {
      const id = this.newId(object);
      // Built system fields first, then assigned: a spread of the input first made V8 give every row a
      // dictionary (656 bytes and 16 µs a row, against 296 bytes and 2 µs). The org still owns the system fields.
      const row: Row = Object.assign({ Id: id, IsDeleted: false, CreatedDate: at, CreatedById: userId, LastModifiedDate: at, LastModifiedById: userId, SystemModstamp: at }, input);
      row.Id = id;
      row.IsDeleted = false;
      row.CreatedDate = row.LastModifiedDate = row.SystemModstamp = at;
      row.CreatedById = row.LastModifiedById = userId;
      rows.set(id, row);
      this.index(object.name, row, true);
      n += 1;
    }
    return n;
  }
}

import type { FieldDescribe, ObjectSchema, Row, Value } from './org.js';

/** Salesforce's datetime format in JSON: UTC, milliseconds, `+0000` (docs/salesforce-api.md section 2). */
export function formatDatetime(iso: string): string {
  return `${iso.slice(0, 23)}+0000`;
}

export function formatValue(field: FieldDescribe, value: Value | undefined): Value {
  if (value === undefined || value === null) return field.type === 'boolean' ? false : null;
  if (field.type === 'datetime' && typeof value === 'string') return formatDatetime(value);
  return value;
}

export function recordUrl(version: string, object: string, id: string): string {
  return `/services/data/v${version}/sobjects/${object}/${id}`;
}

/** A record as the REST API returns it: `attributes` first, then the selected fields in order. */
export function formatRecord(version: string, object: ObjectSchema, row: Row, fields: readonly FieldDescribe[]): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: { type: object.name, url: recordUrl(version, object.name, String(row.Id)) } };
  for (const f of fields) out[f.name] = formatValue(f, row[f.name]);
  return out;
}

const SOAP_TYPES: Record<string, string> = {
  id: 'tns:ID', reference: 'tns:ID', boolean: 'xsd:boolean', int: 'xsd:int', double: 'xsd:double', currency: 'xsd:double',
  percent: 'xsd:double', date: 'xsd:date', datetime: 'xsd:dateTime',
};

export function describeField(f: FieldDescribe): Record<string, unknown> {
  const text = ['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'multipicklist'].includes(f.type);
  return {
    name: f.name,
    label: f.label ?? f.name.replace(/__c$/, '').replace(/_/g, ' '),
    type: f.type,
    soapType: SOAP_TYPES[f.type] ?? 'xsd:string',
    length: text ? f.length ?? 255 : f.type === 'id' || f.type === 'reference' ? 18 : 0,
    byteLength: text ? (f.length ?? 255) * 3 : 18,
    precision: ['double', 'currency', 'percent'].includes(f.type) ? f.precision ?? 18 : 0,
    scale: ['double', 'currency', 'percent'].includes(f.type) ? f.scale ?? 2 : 0,
    digits: f.type === 'int' ? f.precision ?? 9 : 0,
    externalId: f.externalId === true,
    unique: f.unique === true,
    idLookup: f.idLookup,
    createable: f.createable,
    updateable: f.updateable,
    nillable: f.nillable,
    defaultedOnCreate: f.type === 'boolean' || f.name === 'Id' || ['CreatedDate', 'CreatedById', 'LastModifiedDate', 'LastModifiedById', 'SystemModstamp', 'IsDeleted'].includes(f.name),
    calculated: false,
    autoNumber: false,
    custom: f.custom,
    htmlFormatted: false,
    encrypted: false,
    restrictedPicklist: false,
    picklistValues: (f.picklistValues ?? []).map((v, i) => ({ value: v, label: v, active: true, defaultValue: i === -1, validFor: null })),
    referenceTo: f.referenceTo ?? [],
    relationshipName: f.type === 'reference' && f.name.endsWith('Id') ? f.name.slice(0, -2) : null,
  };
}

/** CSV for Bulk API 2.0 results: header row, values as text, null as an empty cell. */
export function toCsv(header: readonly string[], rows: readonly (readonly (Value | undefined)[])[]): string {
  const cell = (v: Value | undefined): string => {
    if (v === null || v === undefined) return '';
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  let out = `${header.map((h) => cell(h)).join(',')}\n`;
  for (const r of rows) out += `${r.map(cell).join(',')}\n`;
  return out;
}

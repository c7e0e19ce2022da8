/**
 * The simulator's seed format: the org's schema (objects and typed fields), its users and its records.
 * JSON-serialisable, so `sf-reconcile simulator start --seed FILE` reads the same shape.
 */

export const FIELD_TYPES = [
  'id', 'string', 'textarea', 'email', 'phone', 'url', 'picklist', 'multipicklist', 'boolean', 'int', 'double',
  'currency', 'percent', 'date', 'datetime', 'reference',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface SeedField {
  name: string;
  type: FieldType;
  /** Maximum length of text types (default 255). */
  length?: number;
  precision?: number;
  scale?: number;
  required?: boolean;
  /** An external ID field: indexed, usable for upserts (case-insensitive match). */
  externalId?: boolean;
  unique?: boolean;
  /** Field history tracking: each change writes a row into the object's History object. */
  tracked?: boolean;
  picklistValues?: string[];
  referenceTo?: string[];
  label?: string;
}

export interface SeedObject {
  name: string;
  keyPrefix: string;
  label?: string;
  fields: SeedField[];
}

export interface SeedUser {
  id?: string;
  username: string;
  password: string;
  name: string;
  isIntegration?: boolean;
}

export interface Seed {
  schema: { objects: SeedObject[] };
  users?: SeedUser[];
  /** Object name -> records (field values; `Id` optional). Written as the first integration user. */
  records?: Record<string, Record<string, unknown>[]>;
  /** Connected app credentials for the OAuth flows. */
  clientId?: string;
  clientSecret?: string;
}

export const DEFAULT_CLIENT_ID = 'sf-reconcile-simulator';
export const DEFAULT_CLIENT_SECRET = 'simulator-secret';

export const DEFAULT_USERS: SeedUser[] = [
  { username: 'integration@sim.example', password: 'integration-pass', name: 'Integration User', isIntegration: true },
  { username: 'alice@sim.example', password: 'alice-pass', name: 'Alice Admin' },
  { username: 'bob@sim.example', password: 'bob-pass', name: 'Bob Sales' },
];

/** Account and Contact with the fields an integration typically owns, from Salesforce's sample apps. */
export const DEFAULT_SCHEMA: SeedObject[] = [
  {
    name: 'Account',
    keyPrefix: '001',
    fields: [
      { name: 'Name', type: 'string', length: 255, required: true, tracked: true },
      { name: 'Billing_Id__c', type: 'string', length: 40, externalId: true, unique: true, label: 'Billing Id' },
      { name: 'AnnualRevenue', type: 'currency', precision: 18, scale: 0, tracked: true },
      { name: 'Industry', type: 'picklist', picklistValues: ['Agriculture', 'Banking', 'Energy', 'Retail', 'Technology', 'Transportation'], tracked: true },
      { name: 'Phone', type: 'phone', length: 40, tracked: true },
      { name: 'Rating', type: 'picklist', picklistValues: ['Hot', 'Warm', 'Cold'] },
      { name: 'NumberOfEmployees', type: 'int', precision: 8, scale: 0 },
      { name: 'Description', type: 'textarea', length: 32000 },
      { name: 'BillingStreet', type: 'textarea', length: 255 },
      { name: 'BillingCity', type: 'string', length: 40 },
      { name: 'BillingState', type: 'string', length: 80 },
      { name: 'BillingPostalCode', type: 'string', length: 20 },
      { name: 'BillingCountry', type: 'string', length: 80 },
      { name: 'Website', type: 'url', length: 255 },
      { name: 'Active__c', type: 'boolean' },
      { name: 'Renewal_Date__c', type: 'date' },
      { name: 'Last_Synced__c', type: 'datetime' },
    ],
  },
  {
    name: 'Contact',
    keyPrefix: '003',
    fields: [
      { name: 'External_Id__c', type: 'string', length: 40, externalId: true, unique: true, label: 'External Id' },
      { name: 'FirstName', type: 'string', length: 40 },
      { name: 'LastName', type: 'string', length: 80, required: true, tracked: true },
      { name: 'Email', type: 'email', length: 80, tracked: true },
      { name: 'MobilePhone', type: 'phone', length: 40 },
      { name: 'MailingCity', type: 'string', length: 40 },
      { name: 'MailingState', type: 'string', length: 80 },
      { name: 'MailingCountry', type: 'string', length: 80 },
      { name: 'LeadSource', type: 'picklist', picklistValues: ['Web', 'Partnerships', 'Online Travel Agent', 'Phone Inquiry'] },
      { name: 'Birthdate', type: 'date' },
      { name: 'AccountId', type: 'reference', referenceTo: ['Account'] },
    ],
  },
];

/** A few records derived from shared/sample-data (ebikes-lwc Accounts, coral-cloud Contacts). */
export const DEFAULT_RECORDS: Record<string, Record<string, unknown>[]> = {
  Account: [
    { Name: 'Wheelworks', Billing_Id__c: 'B-1001', BillingStreet: '480 Trapelo Road', BillingCity: 'Belmont', BillingState: 'Massachusetts', BillingPostalCode: '02478', BillingCountry: 'United States', Industry: 'Retail', AnnualRevenue: 1200000 },
    { Name: 'Northern Trail Cycling', Billing_Id__c: 'B-1002', BillingStreet: '415 Mission St', BillingCity: 'San Francisco', BillingState: 'California', BillingPostalCode: '94105', BillingCountry: 'United States', Industry: 'Retail', AnnualRevenue: 4500000 },
    { Name: 'Trailblazers', Billing_Id__c: 'B-1003', BillingStreet: '1095 Avenue of the Americas', BillingCity: 'New York', BillingState: 'New York', BillingPostalCode: '10036', BillingCountry: 'United States', Industry: 'Transportation', AnnualRevenue: 800000 },
  ],
  Contact: [
    { LastName: 'Dowsing', FirstName: 'Frayda', MailingCity: 'Honolulu', MailingState: 'Hawaii', MailingCountry: 'United States', MobilePhone: '707-490-8673', Email: 'fraydadowsing@example.com', LeadSource: 'Online Travel Agent', Birthdate: '1994-11-19', External_Id__c: '10008756' },
    { LastName: 'Heinsius', FirstName: 'Nedi', MailingCity: 'Peoria', MailingState: 'Arizona', MailingCountry: 'United States', MobilePhone: '196-794-6794', Email: 'nediheinsius@example.com', LeadSource: 'Partnerships', External_Id__c: '10008757' },
  ],
};

export function defaultSeed(): Seed {
  return { schema: { objects: DEFAULT_SCHEMA }, users: DEFAULT_USERS, records: DEFAULT_RECORDS };
}

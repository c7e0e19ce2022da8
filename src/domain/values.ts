/** A field value as the integration sends it and as Salesforce returns it in JSON. */
export type FieldValue = string | number | boolean | null;

/** Field API name -> value. */
export type FieldValues = Record<string, FieldValue>;

/**
 * Salesforce API names start with a letter, use letters, digits and single underscores, and join
 * namespace and suffix parts with a double underscore (`Billing_Id__c`, `ns__Obj__c`); never a trailing `_`.
 */
const API_NAME = /^[A-Za-z][A-Za-z0-9]*(?:_{1,2}[A-Za-z0-9]+)*$/;

/** True when `name` is a syntactically valid sObject or field API name. */
export function isApiName(name: string): boolean {
  return name.length <= 80 && API_NAME.test(name);
}

/**
 * Spreadsheet formula neutralisation (OWASP "CSV injection"): a cell that begins with = + - @, a tab or a
 * carriage return gets a leading apostrophe, so Excel, LibreOffice and Sheets show it as text and never run
 * it. Applied to every CSV cell sf-reconcile writes; stored data keeps the true values.
 */
const DANGEROUS = /^[=+\-@\t\r]/;

export function neutraliseCell(value: string): string {
  return DANGEROUS.test(value) ? `'${value}` : value;
}

/** A value as a CSV cell: null as empty, objects as JSON, then neutralised. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return neutraliseCell(text);
}

/** A row of a seek-paged read: its key (the order) and its JSON text. */
export type KeyedJson = [key: number, json: string];

/**
 * Pages of JSON texts read by seek: `read(after)` returns up to `pageSize` rows with a key above `after`, in
 * key order. Each page costs the same however far in, and memory holds one page.
 */
export async function* seekPages(read: (after: number) => Promise<KeyedJson[]> | KeyedJson[], after: number, pageSize: number): AsyncGenerator<string[]> {
  for (;;) {
    const rows = await read(after);
    if (rows.length > 0) yield rows.map((r) => r[1]);
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]![0];
  }
}

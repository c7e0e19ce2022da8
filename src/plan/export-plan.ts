import type { Kysely } from 'kysely';
import { discardOnFailure, openCsv, type CsvWriter } from '../files/csv-writer.js';
import type { Store } from '../store/open-store.js';
import { planItemJsonPages } from '../store/plan-store.js';
import type { Database } from '../store/schema/index.js';
import { PLAN_CSV_COLUMNS } from './plan-csv.js';
import type { PlanItem } from '../domain/plan.js';
import { formatPlanItems, type FormattedRows } from './plan-stages.js';
import { InOrder, openPlanStages, type ThreadChoice } from './plan-threads.js';

/** Pages formatted ahead of the writer: two threads busy, memory bounded. */
const PAGES_AHEAD = 4;

export interface ExportOptions {
  excel?: boolean;
  threads?: ThreadChoice;
}

/** Opens the admins' review CSV (header written); `excel` adds a UTF-8 byte-order mark. */
export function openPlanCsvFile(path: string, options: ExportOptions = {}): Promise<CsvWriter> {
  return openCsv(path, PLAN_CSV_COLUMNS, { bom: options.excel === true });
}

/**
 * `plan export`: the stored items as the admins' review CSV, read a page at a time. A large plan is
 * formatted on two worker threads taking pages in turn, written in item order by this thread.
 * Returns how many rows the file holds.
 */
export async function exportPlanCsv(store: { db: Kysely<Database>; sqlite?: Store['sqlite'] }, plan: { id: number; totals: { items: number } }, path: string, options: ExportOptions = {}): Promise<number> {
  const csv = await openPlanCsvFile(path, options);
  return writePlanItemsCsv(store, plan, csv, options);
}

/** Writes plan items (from memory, a page at a time) as a review CSV on this thread; returns the row count. */
export async function writePlanCsv(path: string, planId: number, items: AsyncIterable<PlanItem>, options: ExportOptions = {}): Promise<number> {
  const csv = await openPlanCsvFile(path, options);
  return discardOnFailure(csv, async () => {
    let page: PlanItem[] = [];
    const flush = async () => {
      const formatted = formatPlanItems(planId, page);
      await csv.writeFormatted(formatted.text, formatted.rows);
      page = [];
    };
    for await (const item of items) {
      page.push(item);
      if (page.length >= 2000) await flush();
    }
    await flush();
    return csv.close();
  });
}

/** Writes the plan's rows into an open review CSV and closes it; on failure the partial file is removed. */
export async function writePlanItemsCsv(store: { db: Kysely<Database>; sqlite?: Store['sqlite'] }, plan: { id: number; totals: { items: number } }, csv: CsvWriter, options: ExportOptions = {}): Promise<number> {
  const stages = openPlanStages({ planId: plan.id, policies: {}, rules: {} }, 'format', plan.totals.items, options.threads === undefined ? {} : { threads: options.threads });
  try {
    return await discardOnFailure(csv, async () => {
      const queue = new InOrder<FormattedRows>();
      const writeNext = async () => {
        const page = await queue.next();
        await csv.writeFormatted(page.text, page.rows);
      };
      for await (const items of planItemJsonPages(store.db, plan.id, store.sqlite ?? null)) {
        queue.push(stages.formatItems(items));
        if (queue.length > PAGES_AHEAD) await writeNext();
      }
      while (queue.length > 0) await writeNext();
      return csv.close();
    });
  } finally {
    await stages.close();
  }
}

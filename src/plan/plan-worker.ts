/**
 * A planner thread: decides pages of scan records or formats pages of items, answering the main thread's
 * requests in the order they came (plan-threads.ts). Deciding and formatting then run on the machine's
 * cores while the main thread reads and stores.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { decidePage, formatStoredItems, type DecideContext, type DecidedPage, type FormattedRows } from './plan-stages.js';

export type PlanWorkerRequest =
  | { kind: 'decide'; records: string[] }
  | { kind: 'format-items'; items: string[] };

export type PlanWorkerReply = { kind: 'decided'; page: DecidedPage } | { kind: 'formatted'; csv: FormattedRows } | { kind: 'error'; message: string; stack?: string };

export interface PlanWorkerData {
  context: DecideContext;
}

function serve(port: NonNullable<typeof parentPort>, data: PlanWorkerData): void {
  port.on('message', (request: PlanWorkerRequest) => {
    let reply: PlanWorkerReply;
    try {
      if (request.kind === 'decide') reply = { kind: 'decided', page: decidePage(data.context, request.records) };
      else reply = { kind: 'formatted', csv: formatStoredItems(data.context.planId, request.items) };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      reply = { kind: 'error', message: e.message, ...(e.stack === undefined ? {} : { stack: e.stack }) };
    }
    port.postMessage(reply);
  });
}

if (parentPort !== null) serve(parentPort, workerData as PlanWorkerData);

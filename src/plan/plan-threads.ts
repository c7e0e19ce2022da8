import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { decidePage, formatStoredItems, type DecideContext, type DecidedPage, type FormattedRows } from './plan-stages.js';
import type { PlanWorkerData, PlanWorkerReply, PlanWorkerRequest } from './plan-worker.js';

/**
 * The planner's stages (plan-stages.ts) behind one interface: on the calling thread, or on worker threads
 * while the calling thread does the database work. Answers come in the order asked, whichever way they run.
 */
export interface PlanStages {
  decide(records: string[]): Promise<DecidedPage>;
  formatItems(items: string[]): Promise<FormattedRows>;
  close(): Promise<void>;
}

/**
 * Below these sizes a command runs faster on its main thread: a new thread takes about 85 ms to start and
 * runs its first pages as cold code (2 to 3 times slower until V8 has optimised it), which costs more than
 * the second core saves. Measured crossovers on 2 cores: deciding about 20,000 records (0.63 to 0.72 s
 * either way); formatting about 50,000 items (two threads 0.97 s, the main thread 0.96 s; at 20,000 items
 * the main thread takes 0.34 to 0.39 s where threads take 0.56 to 0.68 s).
 */
export const THREAD_MIN = { decide: 20_000, format: 50_000 } as const;

/** What a command's stages will do: decide records (`plan create`) or format items (`plan export`). */
export type StageWork = keyof typeof THREAD_MIN;

// The compiled worker; absent when running from TypeScript sources (vitest), where the stages stay in-process.
const WORKER_URL = new URL('./plan-worker.js', import.meta.url);

export function workerAvailable(): boolean {
  return existsSync(fileURLToPath(WORKER_URL));
}

/**
 * `auto`: worker threads from THREAD_MIN on, when the compiled worker exists; `worker` and `main` force
 * the choice (SF_RECONCILE_THREADS, bench:plan --threads).
 */
export const THREAD_CHOICES = ['auto', 'worker', 'main'] as const;
export type ThreadChoice = (typeof THREAD_CHOICES)[number];

/** Whether `size` records or items of `work` go to worker threads. */
export function useWorkerThreads(work: StageWork, size: number, choice: ThreadChoice, workerExists: boolean): boolean {
  return choice === 'worker' || (choice === 'auto' && size >= THREAD_MIN[work] && workerExists);
}

/**
 * Threads taking pages in turn. Creating a plan keeps one deciding thread busy throughout; a second one,
 * or the main thread deciding pages itself, measured slower. An export's main thread only reads, so two
 * threads format.
 */
const DECIDE_THREADS = 1;
const FORMAT_THREADS = 2;

/** The stages for `size` records to decide or items to format. */
export function openPlanStages(context: DecideContext, work: StageWork, size: number, options: { threads?: ThreadChoice } = {}): PlanStages {
  return useWorkerThreads(work, size, options.threads ?? 'auto', workerAvailable()) ? threadedStages(context) : inlineStages(context);
}

export function inlineStages(context: DecideContext): PlanStages {
  return {
    decide: async (records) => decidePage(context, records),
    formatItems: async (items) => formatStoredItems(context.planId, items),
    close: async () => {},
  };
}

/** One worker thread answering requests in order: each request's promise settles with its answer. */
class PlanWorker {
  private readonly worker: Worker;
  private readonly waiting: { resolve(reply: PlanWorkerReply): void; reject(error: Error): void }[] = [];
  private failure: Error | null = null;

  constructor(data: PlanWorkerData) {
    // A larger young generation: deciding allocates many short-lived objects, and scavenges dominated.
    this.worker = new Worker(WORKER_URL, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 64 } });
    this.worker.on('message', (reply: PlanWorkerReply) => this.waiting.shift()?.resolve(reply));
    this.worker.on('error', (error) => this.fail(new Error(`plan worker thread: ${error.message}`)));
    this.worker.on('exit', (code) => this.fail(new Error(`plan worker thread exited (code ${code})`)));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
  }

  async ask(request: PlanWorkerRequest): Promise<PlanWorkerReply> {
    if (this.failure !== null) throw this.failure;
    const reply = await new Promise<PlanWorkerReply>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(request);
    });
    if (reply.kind === 'error') {
      const error = new Error(`plan worker thread: ${reply.message}`);
      if (reply.stack !== undefined) error.stack = reply.stack;
      throw error;
    }
    return reply;
  }

  async close(): Promise<void> {
    this.failure ??= new Error('plan worker thread closed');
    await this.worker.terminate();
  }
}

function threadedStages(context: DecideContext): PlanStages {
  // Started on first use: creating a plan needs no formatter, an export no decider.
  const deciders: PlanWorker[] = [];
  const formatters: PlanWorker[] = [];
  let decideTurn = 0;
  let formatTurn = 0;
  const next = (pool: PlanWorker[], size: number, turn: number) => (pool[turn % size] ??= new PlanWorker({ context }));
  return {
    async decide(records) {
      const reply = await next(deciders, DECIDE_THREADS, decideTurn++).ask({ kind: 'decide', records });
      if (reply.kind !== 'decided') throw new Error(`plan worker thread: unexpected answer ${reply.kind}`);
      return reply.page;
    },
    formatItems: async (items) => formatted(await next(formatters, FORMAT_THREADS, formatTurn++).ask({ kind: 'format-items', items })),
    async close() {
      await Promise.all([...deciders, ...formatters].map((w) => w.close()));
    },
  };
}

function formatted(reply: PlanWorkerReply): FormattedRows {
  if (reply.kind !== 'formatted') throw new Error(`plan worker thread: unexpected answer ${reply.kind}`);
  return reply.csv;
}

/**
 * A queue of answers awaited in the order asked. A failed answer waits for its turn (a rejection is not
 * left unhandled meanwhile) and then throws.
 */
export class InOrder<T> {
  private readonly queue: Promise<T>[] = [];
  push(answer: Promise<T>): void {
    answer.catch(() => undefined);
    this.queue.push(answer);
  }
  get length(): number {
    return this.queue.length;
  }
  async next(): Promise<T> {
    return this.queue.shift()!;
  }
}

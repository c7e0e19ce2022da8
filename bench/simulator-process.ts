/** Starts the simulator in a child process (bench/simulator-child.ts) and talks to it over IPC. */
import { fork } from 'node:child_process';
import type { SimulatorUser } from '../src/simulator/index.js';
import type { ChildRequest, SeedKind } from './simulator-child.js';

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;

export interface SimulatorProcess {
  url: string;
  loginUrl: string;
  clientId: string;
  clientSecret: string;
  integrationUser: SimulatorUser;
  seed(kind: SeedKind, count: number): Promise<number>;
  /** The given fields of every record of the object, as rows of values. */
  records(object: string, fields: string[]): Promise<unknown[][]>;
  /** The request log from entry `from` on. */
  requests(from?: number): Promise<{ time: string; counted: boolean; method: string; path: string }[]>;
  apiCallCount(): Promise<number>;
  stop(): Promise<void>;
}

export async function startSimulatorProcess(): Promise<SimulatorProcess> {
  const child = fork(new URL('./simulator-child.js', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, (result: unknown) => void>();
  let nextId = 1;
  const ready = await new Promise<Omit<SimulatorProcess, 'seed' | 'records' | 'requests' | 'apiCallCount' | 'stop'>>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the simulator process exited (${code})`)));
    child.on('message', (m: { ready?: Parameters<typeof resolve>[0]; id?: number; result?: unknown }) => {
      if (m.ready !== undefined) resolve(m.ready);
      else if (m.id !== undefined) {
        pending.get(m.id)?.(m.result);
        pending.delete(m.id);
      }
    });
  });
  child.removeAllListeners('exit');
  const call = <T>(request: Distribute<ChildRequest>): Promise<T> =>
    new Promise<T>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve as (r: unknown) => void);
      child.send({ ...request, id });
    });
  return {
    ...ready,
    seed: (kind, count) => call({ op: 'seed', kind, count }),
    records: (object, fields) => call({ op: 'records', object, fields }),
    requests: (from = 0) => call({ op: 'requests', from }),
    apiCallCount: () => call({ op: 'apiCallCount' }),
    stop: () => call({ op: 'stop' }),
  };
}

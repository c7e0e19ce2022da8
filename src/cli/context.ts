import type { Writable } from 'node:stream';
import { loadConfig, type LoadedConfig } from '../config/config.js';
import { openStore, resolveDbPath, type Store } from '../store/open-store.js';
import { createOutput, type Output } from './output.js';
import { createProgressFactory, type ProgressFactory } from './progress.js';

/** Options every command accepts (declared on the program, usable before or after the command name). */
export interface GlobalOptions {
  db?: string;
  config?: string;
  json?: boolean;
  debug?: boolean;
}

/**
 * What a command needs from the outside world. Built once in main.ts; tests can build their own.
 * The store and config are opened lazily, so `--help` and the simulator need neither.
 */
export interface CliContext {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdin: NodeJS.ReadableStream;
  /** Resolved once the command's options are parsed. */
  globals(): GlobalOptions;
  output(): Output;
  progress(): ProgressFactory;
  store(): Promise<Store>;
  config(): LoadedConfig;
  /** Secrets to redact from anything printed (tokens, passwords read from the environment). */
  readonly secrets: string[];
  /** Called by main.ts on exit: closes what was opened. */
  dispose(): Promise<void>;
  /** Set by commands that want to exit with a non-zero code without an error (e.g. 3: drift remains). */
  exitCode: number;
  /** SIGINT/SIGTERM request: long-running commands finish the batch in flight, then stop. */
  readonly abort: AbortController;
}

export function createCliContext(io: {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  getGlobals: () => GlobalOptions;
}): CliContext {
  let store: Promise<Store> | undefined;
  let config: LoadedConfig | undefined;
  let output: Output | undefined;
  const secrets = ['SF_ACCESS_TOKEN', 'SF_PASSWORD', 'SF_CLIENT_SECRET', 'SF_REFRESH_TOKEN']
    .map((name) => io.env[name])
    .filter((v): v is string => typeof v === 'string' && v.length > 0);
  const ctx: CliContext = {
    env: io.env,
    cwd: io.cwd,
    stdout: io.stdout,
    stderr: io.stderr,
    stdin: io.stdin,
    secrets,
    exitCode: 0,
    abort: new AbortController(),
    globals: io.getGlobals,
    output() {
      output ??= createOutput({ json: io.getGlobals().json === true, stdout: io.stdout, stderr: io.stderr });
      return output;
    },
    progress() {
      const enabled = io.stderr.isTTY === true && io.getGlobals().json !== true && io.env.CI !== 'true';
      return createProgressFactory({ enabled, stream: io.stderr });
    },
    store() {
      store ??= openStore(resolveDbPath(io.getGlobals().db, io.env, io.cwd));
      return store;
    },
    config() {
      config ??= loadConfig(io.getGlobals().config, io.cwd);
      return config;
    },
    async dispose() {
      if (store !== undefined) {
        const opened = await store.catch(() => undefined);
        await opened?.close();
      }
    },
  };
  return ctx;
}

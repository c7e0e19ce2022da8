import { spawn } from 'node:child_process';
import jsforce from 'jsforce';
import { startSimulator, type FaultSpec, type Seed, type Simulator, type SimulatorUser } from '../../src/simulator/index.js';
import { CLI } from './cli.js';

export const API_VERSION = '60.0';

export interface TestOrg {
  sim: Simulator;
  /** The real jsforce client, logged in as the integration user through the OAuth password grant. */
  conn: jsforce.Connection;
  /** A connection as another simulator user (a person editing records). */
  connAs(username: string): Promise<jsforce.Connection>;
  /** The SF_* variables a CLI subprocess needs to reach the simulator as the integration user. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function loginAs(sim: Simulator, user: SimulatorUser): Promise<jsforce.Connection> {
  const conn = new jsforce.Connection({
    loginUrl: sim.loginUrl,
    version: API_VERSION,
    oauth2: { clientId: sim.clientId, clientSecret: sim.clientSecret, loginUrl: sim.loginUrl },
  });
  await conn.login(user.username, user.password);
  return conn;
}

/** A simulator on 127.0.0.1 (random port) and a jsforce connection to it. */
export async function startTestOrg(options: { seed?: Seed; faults?: FaultSpec; now?: () => number } = {}): Promise<TestOrg> {
  const sim = await startSimulator({ port: 0, ...options });
  const integration = sim.integrationUser;
  const conn = await loginAs(sim, integration);
  return {
    sim,
    conn,
    connAs: async (username) => {
      const user = sim.users.find((u) => u.username === username);
      if (user === undefined) throw new Error(`no simulator user ${username}`);
      return loginAs(sim, user);
    },
    env: {
      SF_LOGIN_URL: sim.loginUrl,
      SF_USERNAME: integration.username,
      SF_PASSWORD: integration.password,
      SF_CLIENT_ID: sim.clientId,
      SF_CLIENT_SECRET: sim.clientSecret,
    },
    stop: () => sim.stop(),
  };
}

/** What `sf-reconcile simulator start --json` prints. */
export interface SimulatorStartInfo {
  url: string;
  loginUrl: string;
  clientId: string;
  clientSecret: string;
  users: { id: string; username: string; password: string; name: string; integration: boolean }[];
  env: Record<string, string>;
}

/** `sf-reconcile simulator start --json ...args` as a subprocess (the built CLI), once it has printed its details. */
export async function startSimulatorProcess(args: string[] = []): Promise<{
  info: SimulatorStartInfo;
  /** An access token for the integration user, through the OAuth password grant. */
  accessToken(): Promise<string>;
  /** Sends SIGINT and resolves with the exit code. */
  stop(): Promise<number | null>;
}> {
  const child = spawn(process.execPath, [CLI, 'simulator', 'start', '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  for (let i = 0; i < 200 && !out.trim().endsWith('}') && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 25));
  if (!out.trim().endsWith('}')) {
    child.kill('SIGKILL');
    throw new Error(`simulator start printed no details (stderr: ${err.trim()})`);
  }
  const info = JSON.parse(out) as SimulatorStartInfo;
  return {
    info,
    accessToken: async () => {
      const user = info.users.find((u) => u.integration)!;
      const body = new URLSearchParams({ grant_type: 'password', client_id: info.clientId, client_secret: info.clientSecret, username: user.username, password: user.password });
      const res = await fetch(`${info.loginUrl}/services/oauth2/token`, { method: 'POST', body });
      return ((await res.json()) as { access_token: string }).access_token;
    },
    stop: () => {
      child.kill('SIGINT');
      return closed;
    },
  };
}

import jsforce from 'jsforce';
import { startSimulator, type FaultSpec, type Seed, type Simulator, type SimulatorUser } from '../../src/simulator/index.js';

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

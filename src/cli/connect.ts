import type { LoadedConfig } from '../config/config.js';
import type { SalesforceClient } from '../salesforce/index.js';
import type { CliContext } from './context.js';

/** The one Salesforce client of a command, with the config's limits (flags may override the rate). */
export async function salesforceFor(ctx: CliContext, config: LoadedConfig, options: { targetOrg?: string; rate?: number; concurrency?: number } = {}): Promise<SalesforceClient> {
  const limits = config.config.limits;
  // Loaded here, not at start-up: commands that never call Salesforce do not pay for jsforce.
  const { connectSalesforce, readCredentials } = await import('../salesforce/index.js');
  return connectSalesforce(readCredentials(ctx.env, options.targetOrg), {
    requestsPerSecond: options.rate ?? limits.requestsPerSecond,
    concurrency: options.concurrency ?? limits.concurrency,
    apiReserve: limits.apiReserve,
    signal: ctx.abort.signal,
    ...(ctx.env.SF_API_VERSION ? { version: ctx.env.SF_API_VERSION } : {}),
  });
}

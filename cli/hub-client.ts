import type { Config } from '../server/config.js';
import { join } from 'node:path';
import { createHub } from '../server/composition/create-hub.js';
import { describeHolder, liveHolder } from '../server/database/data-dir-lock.js';
import { mintCliToken } from '../server/auth/token-ledger.js';
import { Role } from '../models/enums.js';
import { CliError } from './args.js';

/** Exit status when the embedded database is held by another process (EX_TEMPFAIL: try again later). */
export const LOCKED_EXIT = 75;

/** The hub serving this data directory's embedded database, if one runs (PostgreSQL needs no detour). */
export function servingHub(config: Config): { url: string; pid: number } | undefined {
  if (config.databaseUrl) return undefined;
  const holder = liveHolder(config.dataDir);
  return holder?.url ? { url: holder.url, pid: holder.pid } : undefined;
}

/** A command that cannot go through the API refuses while anything holds the embedded database. */
export function refuseWhileHeld(config: Config, what: string, advice: string): void {
  if (config.databaseUrl) return;
  const holder = liveHolder(config.dataDir);
  if (!holder) return;
  throw new CliError(`${what} needs the embedded database to itself, but ${describeHolder(join(config.dataDir, 'pglite'), holder)}. ${advice}`, LOCKED_EXIT);
}

/** An error the hub's API answered with. */
export class HubApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type HubCall = <T = any>(query: string, variables?: Record<string, unknown>) => Promise<T>;

/**
 * GraphQL calls to the running hub with a short-lived service-account token minted from the data
 * directory's keys (recorded in the ledger, so the hub audits it like any `frhub token`). A tenant
 * the hub does not know is a CliError, and its token is never recorded, so nothing is audited for it.
 */
export async function hubCaller(config: Config, url: string, tenant: string, role: Role): Promise<HubCall> {
  const minted = await mintCliToken(config, { tenant, role, ttlSeconds: 15 * 60 });
  const call: HubCall = async (query, variables) => {
    let res: Response;
    try {
      res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${minted.token}` }, body: JSON.stringify({ query, variables }) });
    } catch (e) {
      throw new CliError(`the hub at ${url} holds the database but does not answer (${(e as Error).message}); try again when it is up, or stop it`);
    }
    const body = (await res.json().catch(() => ({}))) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
    const err = body.errors?.[0];
    if (err) throw new HubApiError(err.extensions?.code ?? 'ERROR', err.message);
    if (!body.data) throw new CliError(`the hub at ${url} answered HTTP ${res.status} without data`);
    return body.data;
  };
  try {
    await call(`{ me { tenant { id } } }`);
  } catch (e) {
    if (e instanceof HubApiError && e.code === 'UNAUTHENTICATED') throw new CliError(`no tenant '${tenant}': give the slug of an existing tenant with --tenant`);
    throw e;
  }
  minted.record();
  return call;
}

/**
 * Runs `work` against the hub's API: the hub serving this data directory's embedded database, else
 * a hub started in this process on a loopback port for the command's length (PostgreSQL, or no hub running).
 */
export async function withHubApi<T>(config: Config, tenant: string, role: Role, work: (call: HubCall) => Promise<T>): Promise<T> {
  const serving = servingHub(config);
  if (serving) {
    viaHub(serving);
    return work(await hubCaller(config, serving.url, tenant, role));
  }
  const hub = await createHub({ ...config, logLevel: 'warn', purgeIntervalMinutes: 0 });
  try {
    const { url } = await hub.listen(0, '127.0.0.1');
    return await work(await hubCaller(config, url, tenant, role));
  } finally {
    await hub.close();
  }
}

/** Where a command says it went through the hub (stderr, so stdout stays the command's output). */
export const viaHub = (hub: { url: string; pid: number }) => console.error(`frhub: the hub on ${hub.url} (pid ${hub.pid}) holds the database; going through its API`);

import { mintToken, type SigningKeys } from '../../server/auth/hub-tokens';
import type { Role } from '../../models/enums';
import { until } from './until';

export type GqlResult<T = any> = { data?: T; errors?: { message: string; extensions: { code: string } }[] };

/** How a test speaks to a hub: tokens signed with its keys, and GraphQL over HTTP. */
export interface HubClient {
  token(tenant: string, role?: Role, principalId?: string): Promise<string>;
  /** `headers`: more request headers (an `x-request-id` to find the call's audit events by) */
  gql<T = any>(token: string | null, query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GqlResult<T>>;
}

export function hubClient(url: string, keys: SigningKeys): HubClient {
  return {
    token: (tenant, role, principalId) => mintToken(keys, { tenant, role, principalId }),
    async gql(bearer, query, variables, headers) {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as GqlResult;
    },
  };
}

/** One scrape of the hub's /metrics: each series without labels, by name. */
export async function scrapeMetrics(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Object.fromEntries([...text.matchAll(/^([a-z_]+) (\S+)$/gm)].map(([, name, value]) => [name, Number(value)]));
}

/** Scrapes the hub's /metrics until `wanted` holds; a failure lists each scrape's photos embedded/at the inference thread. */
export const untilMetrics = (url: string, wanted: (metrics: Record<string, number>) => boolean) =>
  until('the awaited moment on /metrics', () => scrapeMetrics(url), wanted, { show: (m) => `${m.frhub_inference_seconds_count}/${m.frhub_inference_queue_depth}` });

/**
 * Env for a hub whose test waits for a moment mid-burst (some searches answered, some at the inference
 * thread): one photo per embedding batch, so answers come one at a time. With the default batches a fast
 * machine can queue a whole burst behind the first batch and answer it at once, and no scrape sees the middle.
 */
export const ONE_PHOTO_BATCHES = { FRHUB_BATCH_MAX: '1' } as const;

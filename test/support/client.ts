import { mintToken, type SigningKeys } from '../../server/auth';
import type { Role } from '../../models/enums';

export type GqlResult<T = any> = { data?: T; errors?: { message: string; extensions: { code: string } }[] };

/** How a test speaks to a hub: tokens signed with its keys, and GraphQL over HTTP. */
export interface HubClient {
  token(tenant: string, role?: Role, principalId?: string): Promise<string>;
  gql<T = any>(token: string | null, query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>>;
}

export function hubClient(url: string, keys: SigningKeys): HubClient {
  return {
    token: (tenant, role, principalId) => mintToken(keys, { tenant, role, principalId }),
    async gql(bearer, query, variables) {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
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

/**
 * Scrapes until `wanted` holds, and gives that scrape. Past `deadlineMs` it fails with every scrape's
 * inference counters, so a moment that never came says why instead of hitting the test's timeout.
 */
export async function untilMetrics(url: string, wanted: (metrics: Record<string, number>) => boolean, deadlineMs = 60_000): Promise<Record<string, number>> {
  const seen: string[] = [];
  for (const end = Date.now() + deadlineMs; Date.now() < end; ) {
    const metrics = await scrapeMetrics(url);
    if (wanted(metrics)) return metrics;
    seen.push(`${metrics.frhub_inference_seconds_count}/${metrics.frhub_inference_queue_depth}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`the hub's /metrics never showed the awaited moment in ${deadlineMs} ms; photos embedded/at the inference thread, per scrape: ${seen.slice(-60).join(' ')}`);
}

/**
 * Env for a hub whose test waits for a moment mid-burst (some searches answered, some at the inference
 * thread): one photo per embedding batch, so answers come one at a time. With the default batches a fast
 * machine can queue a whole burst behind the first batch and answer it at once, and no scrape sees the middle.
 */
export const ONE_PHOTO_BATCHES = { FRHUB_BATCH_MAX: '1' } as const;

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

/** Scrapes until `wanted` holds, and gives that scrape; the test's own timeout bounds the wait. */
export async function untilMetrics(url: string, wanted: (metrics: Record<string, number>) => boolean): Promise<Record<string, number>> {
  for (;;) {
    const metrics = await scrapeMetrics(url);
    if (wanted(metrics)) return metrics;
    await new Promise((r) => setTimeout(r, 10));
  }
}

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

/** A gauge or counter of the hub's /metrics, as a number (NaN when it is not there). */
export async function metricOf(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}

/** Polls a metric until `wanted` holds; the test's own timeout bounds the wait. */
export async function untilMetric(url: string, name: string, wanted: (value: number) => boolean): Promise<number> {
  for (;;) {
    const value = await metricOf(url, name);
    if (wanted(value)) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}

// The console speaks the hub's own GraphQL API; the session cookie (HttpOnly) carries the token.
// Each operation is a string marked /* GraphQL */; its result type is generated from the schema (`npm run codegen`).
import type { MeQuery } from './graphql.generated';

export interface GqlError { message: string; extensions?: { code?: string } }

/** An error the API gave, in its own words and code. */
export class ApiError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

/** Called when the hub no longer accepts the session (expired or revoked token). */
let onSignedOut: () => void = () => undefined;
export const whenSignedOut = (fn: () => void) => void (onSignedOut = fn);

export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  // JSON (a non-simple content type) keeps the API's CSRF preflight rule satisfied
  const res = await fetch('/graphql', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: T; errors?: GqlError[] };
  const err = body.errors?.[0];
  if (err) {
    const code = err.extensions?.code ?? 'ERROR';
    if (code === 'UNAUTHENTICATED') onSignedOut();
    throw new ApiError(err.message, code);
  }
  return body.data as T;
}

/** Who a session speaks for, as the hub describes it when a sign-in would replace another identity's session. */
export interface Identity { tenant: string; tenantName: string; name: string | null; role: string }

/** A sign-in for another identity than the open session's: the hub asks before replacing it. */
export class SessionConflict extends ApiError {
  constructor(message: string, readonly signedIn: Identity, readonly offered: Identity) {
    super(message, 'CONFLICT');
  }
}

/**
 * Opens the console's session: with a hub token, or (`pending`) with the sign-in an agency's provider
 * left waiting for this page. `replace` only after the person confirmed replacing another identity's session.
 */
export async function signIn(o: { token?: string; pending?: boolean; replace?: boolean; acknowledged?: boolean }): Promise<void> {
  const res = await fetch('/console/session', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(o) });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { errors?: GqlError[]; signedIn?: Identity; offered?: Identity };
    const message = body.errors?.[0]?.message ?? `Sign-in failed (HTTP ${res.status}).`;
    if (res.status === 409 && body.signedIn && body.offered) throw new SessionConflict(message, body.signedIn, body.offered);
    throw new ApiError(message, body.errors?.[0]?.extensions?.code ?? 'ERROR');
  }
}

/** Forgets the sign-in an agency's provider left waiting (the person kept the session they had). */
export const discardPendingSignIn = () => fetch('/console/session?pending=1', { method: 'DELETE', credentials: 'same-origin' }).then(() => undefined);

/** The system-use notice every sign-in acknowledges, when the hub has one. */
export const fetchNotice = () => fetch('/console/session', { credentials: 'same-origin' }).then((r) => r.json() as Promise<{ notice: string | null }>).then((b) => b.notice, () => null);

/** Ends the session; gives the agency provider's sign-out page when the provider opened it and has one. */
export async function signOut(): Promise<string | undefined> {
  const res = await fetch('/console/session', { method: 'DELETE', credentials: 'same-origin' });
  return res.status === 200 ? ((await res.json()) as { endSession?: string }).endSession : undefined;
}

export type Me = MeQuery['me'];

export const fetchMe = () => gql<MeQuery>(/* GraphQL */ `query Me { me { role principalId tenant { slug name isOperator } } }`).then((d) => d.me);

import { GraphQLError } from 'graphql';
import { SignInRefusal, TenantStatus, type Role } from '../../models/enums.js';
import { HUB_TOKEN_ISSUER, type TenantService } from '../../tenants/directory/tenant.service.js';
import { SignInRefused, refusal, type Admitted, type PresentedToken, type SessionService } from '../../tenants/directory/session.service.js';
import type { Actor } from '../../tenants/shared/actor.js';
import { systemClock, type Clock } from '../../tenants/shared/ports.js';
import { assertsMfa, AuthError, claimedIssuer, RemoteKeySets, tokenIdOf, verifyFederatedClaims, verifyToken, type SigningKeys } from './hub-tokens.js';

/** A verified, admitted token: the request's Actor, who it speaks for, and the token's id and times. */
export interface Identified {
  actor: Actor;
  who: Admitted;
  token: PresentedToken;
}

export interface Authenticator {
  /** The Actor of an Authorization header; UNAUTHENTICATED (401) otherwise. */
  (header: string, requestId: string): Promise<Actor>;
  /** A bare token, as the console's session exchange and sign-out see it; throws SignInRefused with the reason. */
  identify(token: string, requestId: string): Promise<Identified>;
}

export const unauthenticated = (message: string) => new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });

/**
 * Turns an Authorization header into the Actor of one request: a hub token (the hub's key), or a
 * token from a tenant's own identity provider (its JWKS). Either is then admitted against the shared
 * database on every request (disabled principal, revoked tokens, ended or idle sessions). Anything
 * else is UNAUTHENTICATED (401).
 */
export function authenticator(keys: SigningKeys, tenants: TenantService, sessions: SessionService, opts: { mfaAcrValues?: readonly string[]; clock?: Clock } = {}): Authenticator {
  const remoteKeys = new RemoteKeySets();

  async function identify(token: string, requestId: string): Promise<Identified> {
    const issuer = claimedIssuer(token);
    if (issuer && issuer !== HUB_TOKEN_ISSUER) return federated(token, issuer, requestId);
    let claims;
    try {
      claims = await verifyToken(keys, token);
    } catch (e) {
      throw e instanceof AuthError ? refusal(e.expired ? SignInRefusal.TOKEN_EXPIRED : SignInRefusal.TOKEN_INVALID, e.message) : refusal(SignInRefusal.TOKEN_INVALID);
    }
    const principalId = claims.sub.startsWith('svc:') ? null : claims.sub;
    const presented: PresentedToken = { tokenId: tokenIdOf(token), issuedAt: claims.iat, expiresAt: new Date(claims.exp * 1000) };
    const who = await sessions.admitHubToken(claims.tenant, principalId, presented);
    const role = who.principal ? who.principal.role : (claims.role as Role);
    return { who, token: presented, actor: actorOf(who, role, requestId) };
  }

  // a token from an agency's own identity provider: its keys, its tenant, the principal it maps to
  async function federated(token: string, issuer: string, requestId: string): Promise<Identified> {
    const cfg = await tenants.issuer(issuer);
    if (!cfg) throw refusal(SignInRefusal.TOKEN_INVALID, `Unauthenticated: no tenant of this hub trusts the issuer '${issuer}'.`);
    let claims;
    try {
      claims = await verifyFederatedClaims(remoteKeys, token, cfg, {}, opts.clock ?? systemClock);
    } catch (e) {
      throw e instanceof AuthError ? refusal(e.expired ? SignInRefusal.TOKEN_EXPIRED : SignInRefusal.TOKEN_INVALID, e.message) : refusal(SignInRefusal.TOKEN_INVALID);
    }
    const presented: PresentedToken = { tokenId: tokenIdOf(token), issuedAt: claims.iat, expiresAt: new Date(claims.exp * 1000) };
    let who;
    try {
      who = await sessions.admitFederated(cfg, claims.subject, presented, assertsMfa(claims, opts.mfaAcrValues));
    } catch (e) {
      if (e instanceof SignInRefused && e.reason === SignInRefusal.UNKNOWN_PRINCIPAL) {
        throw refusal(e.reason, 'Unauthenticated: your identity provider vouches for you, but no principal of your agency has that identity; ask your agency administrator.');
      }
      throw e;
    }
    return { who, token: presented, actor: actorOf(who, who.principal.role, requestId) };
  }

  const authenticate = async (header: string, requestId: string): Promise<Actor> => {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw unauthenticated('Unauthenticated: send `Authorization: Bearer <token>`.');
    try {
      return (await identify(m[1], requestId)).actor;
    } catch (e) {
      if (e instanceof SignInRefused) throw unauthenticated(e.message);
      throw e;
    }
  };
  return Object.assign(authenticate, { identify });
}

function actorOf(who: Admitted, role: Role, requestId: string): Actor {
  const { tenant, principal } = who;
  return {
    requestId, tenantId: tenant.id, tenantSlug: tenant.slug, isOperator: tenant.isOperator, principalId: principal?.id ?? null, role,
    certifiedUntil: principal?.certifiedUntil ?? null,
    tenantSuspended: tenant.status === TenantStatus.SUSPENDED,
    sandbox: tenant.sandbox === true,
  };
}

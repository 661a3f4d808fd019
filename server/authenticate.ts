import { GraphQLError } from 'graphql';
import { TenantStatus, type Role } from '../models/enums.js';
import type { TenantService } from '../tenants/directory/tenant.service.js';
import type { Actor } from '../tenants/shared/actor.js';
import { AuthError, claimedIssuer, HUB_ISSUER, RemoteKeySets, verifyFederatedToken, verifyToken, type SigningKeys } from './auth.js';

/**
 * Turns an Authorization header into the Actor of one request: a hub token (the hub's key), or a
 * token from a tenant's own identity provider (its JWKS). Anything else is UNAUTHENTICATED (401).
 */
export function authenticator(keys: SigningKeys, tenants: TenantService): (header: string, requestId: string) => Promise<Actor> {
  const remoteKeys = new RemoteKeySets();
  const unauthenticated = (message: string) => new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });

  async function authenticate(header: string, requestId: string): Promise<Actor> {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw unauthenticated('Unauthenticated: send `Authorization: Bearer <token>`.');
    const issuer = claimedIssuer(m[1]);
    if (issuer && issuer !== HUB_ISSUER) return federated(m[1], issuer, requestId);
    let claims;
    try {
      claims = await verifyToken(keys, m[1]);
    } catch (e) {
      throw unauthenticated(e instanceof AuthError ? e.message : 'Unauthenticated.');
    }
    const principalId = claims.sub.startsWith('svc:') ? null : claims.sub;
    const found = await tenants.resolvePrincipal(claims.tenant, principalId);
    if (!found) throw unauthenticated('Unauthenticated: the token names a tenant or principal this hub does not know.');
    const role = found.principal ? found.principal.role : (claims.role as Role);
    return {
      requestId, tenantId: found.tenant.id, tenantSlug: found.tenant.slug, isOperator: found.tenant.isOperator, principalId, role,
      certifiedUntil: found.principal?.certifiedUntil ?? null,
      tenantSuspended: found.tenant.status === TenantStatus.SUSPENDED,
    };
  }

  // a token from an agency's own identity provider: its keys, its tenant, the principal it maps to
  async function federated(token: string, issuer: string, requestId: string): Promise<Actor> {
    const cfg = await tenants.issuer(issuer);
    if (!cfg) throw unauthenticated(`Unauthenticated: no tenant of this hub trusts the issuer '${issuer}'.`);
    let subject: string;
    try {
      subject = await verifyFederatedToken(remoteKeys, token, cfg);
    } catch (e) {
      throw unauthenticated(e instanceof AuthError ? e.message : 'Unauthenticated.');
    }
    const found = await tenants.resolveFederated(cfg, subject);
    if (!found) throw unauthenticated('Unauthenticated: your identity provider vouches for you, but no principal of your agency has that identity; ask your agency administrator.');
    const p = found.principal;
    return {
      requestId, tenantId: found.tenant.id, tenantSlug: found.tenant.slug, isOperator: found.tenant.isOperator, principalId: p.id, role: p.role, certifiedUntil: p.certifiedUntil,
      tenantSuspended: found.tenant.status === TenantStatus.SUSPENDED,
    };
  }

  return authenticate;
}

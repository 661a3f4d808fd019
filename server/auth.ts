import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { JWK } from 'jose';
import { Role } from '../models/enums.js';
import { HUB_TOKEN_ISSUER } from '../tenants/directory/tenant.service.js';

// Hub-issued tokens: EdDSA, signed with a key generated into the data directory on first use.
// Verification accepts only that algorithm and issuer, so `alg: none` and foreign tokens fail.
export const HUB_ISSUER = HUB_TOKEN_ISSUER;
const ALG = 'EdDSA';

const jose = () => require('jose') as typeof import('jose');

export interface HubClaims {
  tenant: string;
  role?: Role;
  sub: string;
}

type Key = Awaited<ReturnType<typeof import('jose').importJWK>>;

export interface SigningKeys {
  privateKey: Key;
  publicKey: Key;
}

export async function loadOrCreateKeys(dataDir: string): Promise<SigningKeys> {
  const file = join(dataDir, 'keys', 'hub-signing-key.jwk.json');
  if (!existsSync(file)) {
    const { privateKey } = await jose().generateKeyPair(ALG, { extractable: true, crv: 'Ed25519' });
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify(await jose().exportJWK(privateKey)), { mode: 0o600 });
  }
  const jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  const { d: _private, ...pub } = jwk;
  return {
    privateKey: await jose().importJWK(jwk, ALG),
    publicKey: await jose().importJWK(pub, ALG),
  };
}

/** A service account of a tenant and role (sub `svc:<ROLE>`), or a principal by id. */
export async function mintToken(keys: SigningKeys, opts: { tenant: string; role?: Role; principalId?: string; ttlSeconds?: number }): Promise<string> {
  if (!opts.principalId && !opts.role) throw new Error('a token names a principal (--subject) or a role (--role)');
  return new (jose().SignJWT)({ tenant: opts.tenant, ...(opts.principalId ? {} : { role: opts.role }) })
    .setProtectedHeader({ alg: ALG })
    .setIssuer(HUB_ISSUER)
    .setSubject(opts.principalId ?? `svc:${opts.role}`)
    .setIssuedAt()
    .setExpirationTime(`${opts.ttlSeconds ?? 12 * 3600}s`)
    .sign(keys.privateKey);
}

export class AuthError extends Error {}

export async function verifyToken(keys: SigningKeys, token: string): Promise<HubClaims> {
  try {
    const { payload } = await jose().jwtVerify(token, keys.publicKey, { issuer: HUB_ISSUER, algorithms: [ALG] });
    if (typeof payload.tenant !== 'string' || typeof payload.sub !== 'string') throw new Error('missing claims');
    if (payload.sub.startsWith('svc:') && !Object.values(Role).includes(payload.role as Role)) throw new Error('unknown role');
    return { tenant: payload.tenant, role: payload.role as Role | undefined, sub: payload.sub };
  } catch (e) {
    const reason = (e as { code?: string }).code === 'ERR_JWT_EXPIRED' ? 'the token has expired' : 'the token is not valid for this hub';
    throw new AuthError(`Unauthenticated: ${reason}. Get a new token from your agency's administrator.`);
  }
}

/** The issuer a token claims, read without verifying: only to choose which keys verify it. */
export function claimedIssuer(token: string): string | undefined {
  try {
    const iss = jose().decodeJwt(token).iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

/** An agency identity provider's keys, fetched from its JWKS URL and cached (jose refetches on an unknown kid). */
export class RemoteKeySets {
  private readonly sets = new Map<string, ReturnType<typeof import('jose').createRemoteJWKSet>>();

  get(url: string) {
    let set = this.sets.get(url);
    if (!set) {
      set = jose().createRemoteJWKSet(new URL(url), { timeoutDuration: 5000, cooldownDuration: 30_000 });
      this.sets.set(url, set);
    }
    return set;
  }
}

// asymmetric algorithms only: no shared secrets, no `none`
const FEDERATED_ALGS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'];

/** Verifies a token from a tenant's own identity provider; returns the subject it names. */
export async function verifyFederatedToken(keys: RemoteKeySets, token: string, cfg: { issuer: string; jwksUrl: string; audience: string | null; subjectClaim: string }): Promise<string> {
  try {
    const { payload } = await jose().jwtVerify(token, keys.get(cfg.jwksUrl), { issuer: cfg.issuer, audience: cfg.audience ?? undefined, algorithms: FEDERATED_ALGS });
    const subject = payload[cfg.subjectClaim];
    if (typeof subject !== 'string' || !subject) throw new Error(`no ${cfg.subjectClaim} claim`);
    return subject;
  } catch (e) {
    const reason = (e as { code?: string }).code === 'ERR_JWT_EXPIRED' ? 'the token has expired' : `the token is not valid for this hub (${(e as { code?: string }).code ?? 'invalid'})`;
    throw new AuthError(`Unauthenticated: ${reason}. Sign in again with your agency's identity provider.`);
  }
}

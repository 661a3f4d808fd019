import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { JWK } from 'jose';
import { Role } from '../models/enums.js';

// Hub-issued tokens: EdDSA, signed with a key generated into the data directory on first use.
// Verification accepts only that algorithm and issuer, so `alg: none` and foreign tokens fail.
export const HUB_ISSUER = 'frhub';
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

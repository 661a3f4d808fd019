import { createHash, hkdfSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { JWK } from 'jose';
import { Role, SigningKeyStatus } from '../../models/enums.js';
import { HUB_TOKEN_ISSUER } from '../../tenants/directory/tenant.service.js';
import { systemClock, type Clock } from '../../tenants/shared/ports.js';

// Hub-issued tokens: EdDSA. One embedded hub generates its key into the data directory on first use;
// replicas share a key set file (FRHUB_SIGNING_KEYS_FILE): the newest key signs, the others verify.
// Verification accepts only that algorithm and issuer (HUB_TOKEN_ISSUER), so `alg: none` and foreign tokens fail.
const ALG = 'EdDSA';

const jose = () => require('jose') as typeof import('jose');

export interface HubClaims {
  tenant: string;
  role?: Role;
  sub: string;
  /** seconds (with fractions: a revocation at a moment tells the tokens issued before it from those after) */
  iat?: number;
  exp: number;
}

type Key = Awaited<ReturnType<typeof import('jose').importJWK>>;

/** One Ed25519 private key of a key set file: `iat` when it was made, `exp` when it stops verifying (seconds). */
export type StoredKey = JWK & { kid: string; iat?: number; exp?: number };

interface KeyEntry {
  kid: string;
  /** the private key's bytes, from which the hub's MAC keys derive */
  seed: Buffer;
  iat: number;
  exp?: number;
  privateKey: Key;
  publicKey: Key;
  publicJwk: JWK;
}

/**
 * A key rotated out of the key set: its public part only (never `d`), kept so the lead reports it
 * signed still verify; it signs and verifies nothing else. `retiredAt` (seconds) when it left the set.
 */
export type RetiredKey = { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string; iat?: number; exp?: number; retiredAt?: number };

/** How a key that signed a lead report stands in the hub's key set now. */
export interface DocumentKey {
  publicKey: Key;
  status: SigningKeyStatus;
  /** seconds: when it stopped verifying tokens (a retired key) */
  retiredAt?: number;
}

/** A key set file that cannot be used; the message says what to do. */
export class KeySetError extends Error {}

const secondsOf = (clock: Clock) => Math.floor(clock.now().getTime() / 1000);
const RELOAD_EVERY_MS = 1000;

/**
 * The hub's token keys: `privateKey`/`kid` sign new tokens, every key not past its `exp` verifies.
 * Loaded from a key set file, a replica re-reads it when it changes (checked at most once a second,
 * and at once when a token names a key it does not know), so a rotation or a removal reaches
 * running replicas without a restart. `clock` is the hub's: it says when a key or a token it signs or
 * verifies has expired, so a test that moves the hub's clock moves their expiry with it.
 */
export class SigningKeys {
  // how often the file is looked at: a cadence of the disk, not a decision, so on the wall clock
  private checkedAt = Date.now();

  private constructor(
    private entries: KeyEntry[],
    private readonly source?: { file: string; version: string },
    readonly clock: Clock = systemClock,
    private retired: { key: RetiredKey; publicKey: Key }[] = [],
  ) {}

  static async of(stored: StoredKey[], source?: { file: string; version: string }, clock: Clock = systemClock, retired: RetiredKey[] = []): Promise<SigningKeys> {
    const publicOf = async (key: RetiredKey) => ({ key, publicKey: await jose().importJWK({ kty: key.kty, crv: key.crv, x: key.x }, ALG) });
    const keys = new SigningKeys(await Promise.all(stored.map(entryOf)), source, clock, await Promise.all(retired.map(publicOf)));
    keys.signer(); // a set with nothing left to sign with is refused at load
    return keys;
  }

  private live(): KeyEntry[] {
    const now = secondsOf(this.clock);
    return this.entries.filter((e) => e.exp === undefined || e.exp > now);
  }

  /** the key that signs new tokens: the newest one that has not expired */
  private signer(): KeyEntry {
    const live = this.live();
    if (!live.length) throw new KeySetError(`${this.source?.file ?? 'the key set'} has no key left that has not expired: add one with \`npx frhub keys rotate --file ${this.source?.file ?? '<file>'}\`.`);
    return live.reduce((a, b) => (b.iat > a.iat ? b : a));
  }

  get kid(): string {
    return this.signer().kid;
  }

  get privateKey(): Key {
    return this.signer().privateKey;
  }

  get publicKey(): Key {
    return this.signer().publicKey;
  }

  /** The key that verifies a token naming `kid`; a token without one (minted before kids) only where there is one key. */
  async verificationKey(kid: string | undefined): Promise<Key> {
    if (kid !== undefined && !this.entries.some((e) => e.kid === kid)) await this.reload();
    else await this.refresh();
    const live = this.live();
    const found = kid === undefined ? (live.length === 1 ? live[0] : undefined) : live.find((e) => e.kid === kid);
    if (!found) throw new Error(kid === undefined ? 'no kid' : 'unknown or expired kid');
    return found.publicKey;
  }

  /**
   * The key that verifies a lead report signed by `kid`, and how it stands: the key that signs now, a
   * previous one still verifying tokens, or retired (past its expiry, or rotated out of the file): a
   * report outlives the key's tokens, so a retired key still verifies what it signed. Undefined for a
   * kid the hub never had, or one removed with `frhub keys remove` (a leaked key vouches for nothing).
   */
  async documentKey(kid: string): Promise<DocumentKey | undefined> {
    if (!this.entries.some((e) => e.kid === kid) && !this.retired.some((r) => r.key.kid === kid)) await this.reload();
    else await this.refresh();
    const entry = this.entries.find((e) => e.kid === kid);
    if (entry) {
      if (!this.live().includes(entry)) return { publicKey: entry.publicKey, status: SigningKeyStatus.RETIRED, retiredAt: entry.exp };
      return { publicKey: entry.publicKey, status: entry === this.signer() ? SigningKeyStatus.CURRENT : SigningKeyStatus.PREVIOUS };
    }
    const old = this.retired.find((r) => r.key.kid === kid);
    return old ? { publicKey: old.publicKey, status: SigningKeyStatus.RETIRED, retiredAt: old.key.retiredAt ?? old.key.exp } : undefined;
  }

  /**
   * The key that makes new MACs for `purpose` (a cookie the hub sets and reads back): HKDF-SHA256 of
   * the signing key, one per purpose. Replicas sharing the key set share it.
   */
  macKey(purpose: string): Buffer {
    return macKeyOf(this.signer(), purpose);
  }

  /**
   * Whether a MAC the hub made for `purpose` verifies: `matches` compares it with one key's MAC, tried
   * with each live key's (so a rotation does not break what is in flight), each derived only when
   * tried. On a miss the key set is read again and tried once more, as for a token naming an unknown
   * kid: another replica may already sign with a key this one has not loaded.
   */
  async macMatches(purpose: string, matches: (key: Buffer) => boolean): Promise<boolean> {
    const anyKey = () => this.live().some((e) => matches(macKeyOf(e, purpose)));
    if (anyKey()) return true;
    const before = this.entries;
    await this.reload();
    return this.entries !== before && anyKey();
  }

  /** The public keys as a JWKS document: never a private part. */
  jwks(): { keys: JWK[] } {
    return { keys: this.live().map((e) => ({ ...e.publicJwk, ...(e.exp ? { exp: e.exp } : {}) })) };
  }

  /** Re-reads the key set file when it changed, at most once a second (a no-op for the data directory's key). */
  async refresh(): Promise<void> {
    if (Date.now() - this.checkedAt >= RELOAD_EVERY_MS) await this.reload();
  }

  private async reload(): Promise<void> {
    this.checkedAt = Date.now();
    if (!this.source) return;
    let version: string;
    try {
      version = fileVersion(this.source.file);
    } catch {
      return; // a file replaced in two steps: keep the keys in hand until the new one is there
    }
    if (version === this.source.version) return;
    try {
      const next = await SigningKeys.of(readKeySetFile(this.source.file), { file: this.source.file, version }, this.clock, readRetiredKeys(this.source.file));
      this.entries = next.entries;
      this.retired = next.retired;
      this.source.version = version;
    } catch {
      // a file being edited in place: keep the keys in hand, and read it again at the next check
    }
  }
}

const macKeyOf = (e: KeyEntry, purpose: string) => Buffer.from(hkdfSync('sha256', e.seed, Buffer.alloc(0), `frhub mac: ${purpose}`, 32));

// a rewrite (temp file + rename) changes the inode even within the same millisecond
const fileVersion = (file: string) => {
  const s = statSync(file);
  return `${s.ino}:${s.mtimeMs}:${s.size}`;
};

async function entryOf(k: StoredKey): Promise<KeyEntry> {
  const { d: _private, ...pub } = k;
  const publicJwk: JWK = { kty: pub.kty, crv: pub.crv, x: pub.x, kid: k.kid, alg: ALG, use: 'sig' };
  return { kid: k.kid, seed: Buffer.from(String(k.d), 'base64url'), iat: k.iat ?? 0, exp: k.exp, privateKey: await jose().importJWK(k, ALG), publicKey: await jose().importJWK(publicJwk, ALG), publicJwk };
}

/** A fresh Ed25519 key, named by its JWK thumbprint (RFC 7638). */
export async function generateStoredKey(clock: Clock = systemClock): Promise<StoredKey> {
  const { privateKey } = await jose().generateKeyPair(ALG, { extractable: true, crv: 'Ed25519' });
  const jwk = await jose().exportJWK(privateKey);
  return { ...jwk, kid: await jose().calculateJwkThumbprint(jwk), alg: ALG, use: 'sig', iat: secondsOf(clock) };
}

/** Reads and checks a key set file ({"keys": [Ed25519 private JWKs with kid]}). */
export function readKeySetFile(file: string): StoredKey[] {
  let parsed: { keys?: unknown };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const missing = (e as { code?: string }).code === 'ENOENT';
    throw new KeySetError(missing ? `${file} (FRHUB_SIGNING_KEYS_FILE) does not exist: create it with \`npx frhub keys generate --file ${file}\` and give every replica the same file.` : `${file} is not a key set (JSON {"keys": [...]}) : ${(e as Error).message}. Create one with \`npx frhub keys generate --file <file>\`.`);
  }
  const keys = parsed?.keys;
  if (!Array.isArray(keys) || !keys.length) throw new KeySetError(`${file} holds no keys: create a key set with \`npx frhub keys generate --file ${file}\`.`);
  for (const k of keys as StoredKey[]) {
    if (k?.kty !== 'OKP' || k.crv !== 'Ed25519' || typeof k.d !== 'string' || typeof k.x !== 'string' || typeof k.kid !== 'string' || !k.kid) {
      throw new KeySetError(`${file}: every key must be an Ed25519 private JWK with a kid (kty OKP, crv Ed25519, x, d, kid); make the file with \`npx frhub keys generate\`.`);
    }
  }
  if (new Set(keys.map((k: StoredKey) => k.kid)).size !== keys.length) throw new KeySetError(`${file}: two keys share a kid; remove one with \`npx frhub keys remove\`.`);
  return keys as StoredKey[];
}

/** The retired keys of a key set file (`"retired": [public JWKs]`), none when it has no such list. */
export function readRetiredKeys(file: string): RetiredKey[] {
  const retired = (JSON.parse(readFileSync(file, 'utf8')) as { retired?: unknown }).retired ?? [];
  if (!Array.isArray(retired)) throw new KeySetError(`${file}: "retired" must be a list of public keys; rotate with \`npx frhub keys rotate\` rather than editing it.`);
  for (const k of retired as RetiredKey[]) {
    // a private part there would outlive the key's retirement: refused, as a key without its public part
    if (k?.kty !== 'OKP' || k.crv !== 'Ed25519' || typeof k.x !== 'string' || typeof k.kid !== 'string' || !k.kid || 'd' in k) {
      throw new KeySetError(`${file}: every retired key must be a public Ed25519 JWK with a kid and no private part (kty OKP, crv Ed25519, x, kid).`);
    }
  }
  return retired as RetiredKey[];
}

/** The public part of a key leaving the set, kept to verify the reports it signed. */
export const retiredKeyOf = (k: StoredKey, retiredAt: number): RetiredKey => ({ kty: 'OKP', crv: 'Ed25519', x: String(k.x), kid: k.kid, ...(k.iat ? { iat: k.iat } : {}), ...(k.exp ? { exp: k.exp } : {}), retiredAt });

/** Writes a key set readable by its owner only (0600), replacing the old file in one rename; `retired` public keys kept beside it. */
export function writeKeySetFile(file: string, keys: StoredKey[], retired: RetiredKey[] = []): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(retired.length ? { keys, retired } : { keys }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** The shared key set of replicas: loaded from its file, which must exist (replicas never make their own). */
export async function loadKeySet(file: string, clock: Clock = systemClock): Promise<SigningKeys> {
  const keys = readKeySetFile(file);
  return SigningKeys.of(keys, { file, version: fileVersion(file) }, clock, readRetiredKeys(file));
}

/** One embedded hub's key: generated into `<dataDir>/keys` on first use. */
export async function loadOrCreateKeys(dataDir: string, clock: Clock = systemClock): Promise<SigningKeys> {
  const file = join(dataDir, 'keys', 'hub-signing-key.jwk.json');
  if (!existsSync(file)) {
    const { privateKey } = await jose().generateKeyPair(ALG, { extractable: true, crv: 'Ed25519' });
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify(await jose().exportJWK(privateKey)), { mode: 0o600 });
  }
  const jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  return SigningKeys.of([{ ...jwk, kid: await jose().calculateJwkThumbprint(jwk) }], undefined, clock);
}

/** The hub's keys as configured: the shared key set file, else the data directory's own key; `clock` judges their expiry and their tokens'. */
export function loadSigningKeys(config: { dataDir: string; signingKeysFile?: string }, clock: Clock = systemClock): Promise<SigningKeys> {
  return config.signingKeysFile ? loadKeySet(config.signingKeysFile, clock) : loadOrCreateKeys(config.dataDir, clock);
}

/** What signs a token: SigningKeys, or any private key (a test's forgery); a kid names the key in the header, `clock` its times. */
export interface TokenSigner {
  privateKey: Key;
  publicKey?: Key;
  kid?: string;
  clock?: Clock;
  refresh?(): Promise<void>;
}

/** A service account of a tenant and role (sub `svc:<ROLE>`), or a principal by id; the header names the signing key. */
export async function mintToken(keys: TokenSigner, opts: { tenant: string; role?: Role; principalId?: string; ttlSeconds?: number }): Promise<string> {
  if (!opts.principalId && !opts.role) throw new Error('a token names a principal (--subject) or a role (--role)');
  await keys.refresh?.();
  const nowMs = (keys.clock ?? systemClock).now().getTime();
  return new (jose().SignJWT)({ tenant: opts.tenant, ...(opts.principalId ? {} : { role: opts.role }) })
    .setProtectedHeader({ alg: ALG, ...(keys.kid ? { kid: keys.kid } : {}) })
    .setIssuer(HUB_TOKEN_ISSUER)
    .setSubject(opts.principalId ?? `svc:${opts.role}`)
    .setIssuedAt(nowMs / 1000)
    .setExpirationTime(Math.floor(nowMs / 1000) + (opts.ttlSeconds ?? 12 * 3600))
    .sign(keys.privateKey);
}

export class AuthError extends Error {
  constructor(message: string, readonly expired = false) {
    super(message);
  }
}

/** A token's id: sha256 of the whole token, hex (the CLI's ledger names tokens the same way); it names the token without making it usable. */
export const tokenIdOf = (token: string): string => createHash('sha256').update(token).digest('hex');

// RFC 8176 methods that prove possession or inherence: with any other method (or "mfa" itself) they make more than one factor
const SECOND_FACTORS = new Set(['otp', 'hwk', 'swk', 'sc', 'sms', 'tel', 'fpt', 'face', 'iris', 'retina', 'vbm', 'pop']);

/**
 * Whether an ID token asserts multi-factor authentication: `amr` holds "mfa" or "mca", or a possession or
 * inherence method beside another method; or its `acr` is one the operator lists (FRHUB_MFA_ACR_VALUES).
 */
export function assertsMfa(claims: { amr?: unknown; acr?: unknown }, mfaAcrValues: readonly string[] = []): boolean {
  const amr = Array.isArray(claims.amr) ? claims.amr.filter((m): m is string => typeof m === 'string') : [];
  if (amr.includes('mfa') || amr.includes('mca')) return true;
  if (amr.length >= 2 && amr.some((m) => SECOND_FACTORS.has(m))) return true;
  return typeof claims.acr === 'string' && mfaAcrValues.includes(claims.acr);
}

/** A hub token's claims, verified at the keys' clock's now (the hub's injected clock). */
export async function verifyToken(keys: SigningKeys, token: string): Promise<HubClaims> {
  try {
    const { payload } = await jose().jwtVerify(token, (header) => keys.verificationKey(header.kid), { issuer: HUB_TOKEN_ISSUER, algorithms: [ALG], requiredClaims: ['exp'], currentDate: keys.clock.now() });
    if (typeof payload.tenant !== 'string' || typeof payload.sub !== 'string') throw new Error('missing claims');
    if (payload.sub.startsWith('svc:') && !Object.values(Role).includes(payload.role as Role)) throw new Error('unknown role');
    return { tenant: payload.tenant, role: payload.role as Role | undefined, sub: payload.sub, iat: typeof payload.iat === 'number' ? payload.iat : undefined, exp: payload.exp as number };
  } catch (e) {
    const expired = (e as { code?: string }).code === 'ERR_JWT_EXPIRED';
    const reason = expired ? 'the token has expired' : 'the token is not valid for this hub';
    throw new AuthError(`Unauthenticated: ${reason}. Get a new token from your agency's administrator.`, expired);
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

/**
 * Verifies a token from a tenant's own identity provider; returns the subject it names. The console's
 * sign-in passes the ID token with `audience` = its client id, the `nonce` it sent and
 * `authorizedParty` = its client id (checked against `azp` when the token has several audiences, or an azp).
 */
export async function verifyFederatedToken(keys: RemoteKeySets, token: string, cfg: { issuer: string; jwksUrl: string; audience: string | null; subjectClaim: string }, expect: { nonce?: string; authorizedParty?: string } = {}, clock: Clock = systemClock): Promise<string> {
  return (await verifyFederatedClaims(keys, token, cfg, expect, clock)).subject;
}

/** As verifyFederatedToken, with the claims the hub reads beyond the subject: iat, exp, amr, acr; expiry judged at `clock`'s now. */
export async function verifyFederatedClaims(keys: RemoteKeySets, token: string, cfg: { issuer: string; jwksUrl: string; audience: string | null; subjectClaim: string }, expect: { nonce?: string; authorizedParty?: string } = {}, clock: Clock = systemClock): Promise<{ subject: string; iat?: number; exp: number; amr?: unknown; acr?: unknown }> {
  try {
    const { payload } = await jose().jwtVerify(token, keys.get(cfg.jwksUrl), { issuer: cfg.issuer, audience: cfg.audience ?? undefined, algorithms: FEDERATED_ALGS, requiredClaims: ['exp'], currentDate: clock.now() });
    if (expect.nonce !== undefined && payload.nonce !== expect.nonce) throw Object.assign(new Error('nonce mismatch'), { code: 'ERR_NONCE_MISMATCH' });
    // an ID token for several audiences names the client it was issued to (OpenID Connect Core 3.1.3.7)
    if (expect.authorizedParty !== undefined) {
      const several = Array.isArray(payload.aud) && payload.aud.length > 1;
      if ((several || payload.azp !== undefined) && payload.azp !== expect.authorizedParty) throw Object.assign(new Error('azp mismatch'), { code: 'ERR_AZP_MISMATCH' });
    }
    const subject = payload[cfg.subjectClaim];
    if (typeof subject !== 'string' || !subject) throw new Error(`no ${cfg.subjectClaim} claim`);
    return { subject, iat: typeof payload.iat === 'number' ? payload.iat : undefined, exp: payload.exp as number, amr: payload.amr, acr: payload.acr };
  } catch (e) {
    const expired = (e as { code?: string }).code === 'ERR_JWT_EXPIRED';
    const reason = expired ? 'the token has expired' : `the token is not valid for this hub (${(e as { code?: string }).code ?? 'invalid'})`;
    throw new AuthError(`Unauthenticated: ${reason}. Sign in again with your agency's identity provider.`, expired);
  }
}

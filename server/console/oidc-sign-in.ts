import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import type pino from 'pino';
import type { TenantService } from '../../tenants/directory/tenant.service.js';
import type { IssuerRow } from '../../models/tenant.repository.js';
import { MAX_TOKEN_SECONDS } from '../../tenants/directory/tenant.service.js';
import { DomainError } from '../../tenants/shared/errors.js';
import { HostClass, hostClass, remoteUrlProblem } from '../../tenants/shared/urls.js';
import { AuditOutcome, SignInRefusal } from '../../models/enums.js';
import { SignInRefused, signInAudited, type SessionService } from '../../tenants/directory/session.service.js';
import { assertsMfa, RemoteKeySets, tokenIdOf, verifyFederatedClaims, type SigningKeys } from '../auth/hub-tokens.js';
import { systemClock, type Clock } from '../../tenants/shared/ports.js';
import { PROVIDER_COOKIE, clearProviderCookie, cookieOf, holdPendingSession, hostCookie, originOf, safeNext, secureCookie, secured } from './console-routes.js';
import { OIDC_CALLBACK, OIDC_START, SESSION_PATH } from '../http/console-pages.js';
import { requestLog } from '../http/http.js';

// "Sign in with your agency": OpenID Connect, authorization code + PKCE (S256), against the issuer a
// tenant trusts (setTenantIssuer, with its clientId). The hub's server is the client, through the
// certified `openid-client` (discovery, the authorization URL, the callback's checks, the code
// exchange and the ID token's claims: iss, aud, azp, nonce, exp, iat). On top the hub adds: which
// endpoints it may call, a flow cookie only it can seal, the ID token verified the one way the API
// verifies an agency's tokens (the tenant's JWKS, issuer, audience = the client id), the agency's
// principal, and the console's HttpOnly session with a hub token for it. No token reaches page script.

/** openid-client is ESM only: loaded with require (Node >= 20.19), as jose is. */
const oidc = () => require('openid-client') as typeof import('openid-client');
type ServerMetadata = import('openid-client').ServerMetadata;
type Configuration = import('openid-client').Configuration;

/** Why a sign-in with an agency's identity provider did not complete; the sign-in page says each in words. */
export enum SignInError {
  /** no such agency, or it has no identity provider with a client id for the console */
  NO_PROVIDER = 'NO_PROVIDER',
  /** discovery or the token endpoint did not answer as an OpenID provider */
  PROVIDER_UNREACHABLE = 'PROVIDER_UNREACHABLE',
  /** the callback's state is missing, expired, altered, or from a sign-in another browser started */
  FLOW_MISMATCH = 'FLOW_MISMATCH',
  /** the person cancelled, or the provider declined to sign them in */
  DENIED = 'DENIED',
  /** the provider answered with another error (the code refused, a bad request) */
  PROVIDER_ERROR = 'PROVIDER_ERROR',
  /** the ID token failed verification: signature, issuer, audience, nonce or expiry */
  TOKEN_REFUSED = 'TOKEN_REFUSED',
  /** a verified identity that no principal of the agency has */
  NO_PRINCIPAL = 'NO_PRINCIPAL',
  /** the hub itself is configured to issue no tokens, so it opens no console session (the operator's to fix) */
  HUB_ISSUES_NO_TOKENS = 'HUB_ISSUES_NO_TOKENS',
  /** the principal is disabled on this hub */
  PRINCIPAL_DISABLED = 'PRINCIPAL_DISABLED',
  /** the agency requires multi-factor authentication and the ID token does not assert it (amr/acr) */
  MFA_REQUIRED = 'MFA_REQUIRED',
  /** the system-use notice was not acknowledged before the sign-in started */
  NOTICE_NOT_ACKNOWLEDGED = 'NOTICE_NOT_ACKNOWLEDGED',
}

const FLOW_COOKIE = 'frhub_oidc';
// refusals of the person (as opposed to failures of the provider or the request)
const DENIED_SIGN_INS = new Set([SignInError.DENIED, SignInError.NO_PRINCIPAL, SignInError.PRINCIPAL_DISABLED, SignInError.MFA_REQUIRED, SignInError.TOKEN_REFUSED, SignInError.FLOW_MISMATCH]);
const SIGN_IN_ERROR_OF: Partial<Record<SignInRefusal, SignInError>> = {
  [SignInRefusal.UNKNOWN_PRINCIPAL]: SignInError.NO_PRINCIPAL,
  [SignInRefusal.PRINCIPAL_DISABLED]: SignInError.PRINCIPAL_DISABLED,
  [SignInRefusal.TOKEN_REVOKED]: SignInError.PRINCIPAL_DISABLED,
  [SignInRefusal.MFA_REQUIRED]: SignInError.MFA_REQUIRED,
};
const FLOW_MAC = 'console oidc flow';
const FLOW_SECONDS = 600;
/**
 * How long a console session a sign-in opens lasts: the hub's own length (a working shift), whatever
 * the provider's ID token says (often minutes; it only proves the sign-in); never longer than a hub token may last.
 */
export const CONSOLE_SESSION_SECONDS = Math.min(8 * 3600, MAX_TOKEN_SECONDS);
const DISCOVERY_TTL_MS = 5 * 60_000;
/** a discovery that failed is not tried again for this long: anonymous sign-ins cannot hammer a provider */
const DISCOVERY_FAILURE_TTL_MS = 30_000;
const FETCH_TIMEOUT_SECONDS = 10;
// the provider's denials of the person, as opposed to errors of the request
const DENIALS = new Set(['access_denied', 'login_required', 'consent_required', 'interaction_required', 'account_selection_required']);
// claims that come with a scope beyond openid, for a tenant whose subjectClaim is one of them
const SCOPE_OF_CLAIM: Record<string, string> = { email: 'email', preferred_username: 'profile', name: 'profile', nickname: 'profile' };

/** What the browser carries between start and callback (an HttpOnly cookie on the callback's path only). */
interface Flow {
  state: string;
  nonce: string;
  verifier: string;
  tenant: string;
  next: string;
  exp: number;
}

/** A sign-in that stops with `code`; `message` says why, for the log. */
export class SignInFailure extends Error {
  /** its SIGN_IN event is written already */
  audited = false;
  constructor(readonly code: SignInError, detail: string) {
    super(detail);
  }
}

const b64url = (bytes: Buffer) => bytes.toString('base64url');
const one = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const mac = (payload: string, key: Buffer) => createHmac('sha256', key).update(payload).digest();

/** The flow's cookie value: its JSON, then an HMAC-SHA256 with a key of the hub's (so no one else can make or alter one). */
function sealFlow(flow: Flow, keys: SigningKeys): string {
  const payload = b64url(Buffer.from(JSON.stringify(flow)));
  return `${payload}.${b64url(mac(payload, keys.macKey(FLOW_MAC)))}`;
}

/** The flow a cookie carries, when the hub (any replica of it) sealed it (its MAC verifies) and it is one (every field present, of its type). */
async function flowOf(raw: string, keys: SigningKeys): Promise<Flow | undefined> {
  const [payload, sig, extra] = raw.split('.');
  if (!payload || !sig || extra !== undefined) return undefined;
  const given = Buffer.from(sig, 'base64url');
  if (!(await keys.macMatches(FLOW_MAC, (k) => { const m = mac(payload, k); return m.length === given.length && timingSafeEqual(m, given); }))) return undefined;
  try {
    const f = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<Flow>;
    const text = [f.state, f.nonce, f.verifier, f.tenant, f.next].every((v) => typeof v === 'string');
    return text && f.state && f.nonce && f.verifier && typeof f.exp === 'number' ? (f as Flow) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The flow cookie's name and path: `__Host-` where it is Secure (no other site of the domain can set
 * or shadow it; that prefix needs the path /), else on the callback's path only (loopback, development).
 */
const flowCookie = (req: Request) => hostCookie(req, FLOW_COOKIE, OIDC_CALLBACK);

/** Where a host of each class is, in the words of a refusal. */
const WHERE: Record<HostClass, string> = {
  [HostClass.THIS_MACHINE]: "on the hub's own machine",
  [HostClass.LINK_LOCAL]: 'a link-local address',
  [HostClass.PRIVATE]: 'a private address',
  [HostClass.PUBLIC]: 'public',
};

/**
 * An endpoint of the discovery document the hub may call: the issuer's own origin (itself https, or
 * http on this machine), else https to a host whose class (HostClass) is public or the issuer's own:
 * an issuer on a private address may name endpoints on private addresses, never on this machine or a
 * link-local address (the cloud's metadata service) unless the issuer is there too. A provider's
 * document must not turn the hub on its own services. Host names are classified as written: a DNS
 * name that resolves to a private or loopback address is not caught (the operator, HUB_ADMIN, sets the
 * issuer and is trusted to name what they mean; see tenants/shared/urls.ts).
 */
export function endpoint(raw: unknown, what: string, issuer: URL): string {
  const problem = typeof raw === 'string' ? remoteUrlProblem(raw) : 'is missing';
  if (problem) throw new SignInFailure(SignInError.PROVIDER_UNREACHABLE, `the discovery document's ${what} ${problem}`);
  const u = new URL(raw as string);
  if (u.origin === issuer.origin) return u.href;
  if (u.protocol !== 'https:') throw new SignInFailure(SignInError.PROVIDER_UNREACHABLE, `${what} ${u.href} is plain http on another origin than the issuer ${issuer.origin}`);
  const at = hostClass(u.hostname);
  const issuerAt = hostClass(issuer.hostname);
  if (at !== HostClass.PUBLIC && at !== issuerAt) throw new SignInFailure(SignInError.PROVIDER_UNREACHABLE, `${what} ${u.href} is ${WHERE[at]}, the issuer ${issuer.origin} is not`);
  return u.href;
}

/** The hub's redirect URI as the browser reaches it. */
const redirectUri = (req: Request) => `${originOf(req)}${OIDC_CALLBACK}`;

/** The console's sign-in with agencies' providers: its routes, and where signing out continues at the provider. */
export interface ConsoleOidc {
  router: express.Router;
  /**
   * For a session a provider opened: its end_session_endpoint (RP-Initiated Logout, back to the
   * hub's sign-in page), when it has one; clears the cookie that remembered the provider.
   */
  endSession(req: Request, res: Response): Promise<string | undefined>;
}

/** An error's message with those of its causes: openid-client wraps what went wrong ("something went wrong: fetch failed: connect ECONNREFUSED"). */
function messageOf(e: unknown): string {
  const parts: string[] = [];
  for (let at = e as { message?: unknown; cause?: unknown } | undefined; at && parts.length < 4; at = at.cause as typeof at) if (typeof at.message === 'string') parts.push(at.message);
  return parts.join(': ');
}

/** A code or message of an openid-client error naming the ID token: the token failed a check, the provider answered. */
const ABOUT_ID_TOKEN = /ID Token|JWT|id_token/;
const JWT_CHECKS = new Set(['OAUTH_JWT_CLAIM_COMPARISON_FAILED', 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED']);

/** What an error of openid-client means for the sign-in, in the hub's words; any other error as it is. */
function failureOf(e: unknown, during: string): unknown {
  const c = oidc();
  if (e instanceof SignInFailure) return e;
  if (e instanceof c.AuthorizationResponseError) return new SignInFailure(DENIALS.has(e.error) ? SignInError.DENIED : SignInError.PROVIDER_ERROR, `the provider answered ${e.error}: ${e.error_description ?? ''}`);
  if (e instanceof c.ResponseBodyError) return new SignInFailure(SignInError.PROVIDER_ERROR, `the token endpoint refused the code: HTTP ${e.status} ${e.error} ${e.error_description ?? ''}`);
  const err = e as { name?: string; message?: string; code?: string };
  // fetch's own failure (refused, reset, no such host) or the library's timeout: nobody answered
  if ((err?.name === 'TypeError' && err.message === 'fetch failed') || err?.code === 'OAUTH_TIMEOUT' || err?.code === 'OAUTH_ABORT') {
    return new SignInFailure(SignInError.PROVIDER_UNREACHABLE, `${during} did not answer: ${messageOf(e)}`);
  }
  if (e instanceof c.ClientError) {
    const detail = messageOf(e);
    const aboutToken = JWT_CHECKS.has(e.code ?? '') || ABOUT_ID_TOKEN.test(detail);
    return new SignInFailure(aboutToken ? SignInError.TOKEN_REFUSED : SignInError.PROVIDER_ERROR, `${during}: ${detail}`);
  }
  return e;
}

export function consoleOidc(deps: { tenants: TenantService; sessions: SessionService; keys: SigningKeys; logger: pino.Logger; remoteKeys?: RemoteKeySets; notice?: boolean; mfaAcrValues?: readonly string[]; clock?: Clock }): ConsoleOidc {
  const router = express.Router();
  const remoteKeys = deps.remoteKeys ?? new RemoteKeySets();
  const clock = deps.clock ?? systemClock;
  const nowMs = () => clock.now().getTime();
  const nowSeconds = () => Math.floor(nowMs() / 1000);
  // one discovery per issuer at a time, its answer kept (a failure briefly): sign-ins are anonymous
  const discovered = new Map<string, { pending: Promise<ServerMetadata>; at: number; failed: boolean }>();

  function discover(issuer: string, clientId: string): Promise<ServerMetadata> {
    const hit = discovered.get(issuer);
    if (hit && nowMs() - hit.at < (hit.failed ? DISCOVERY_FAILURE_TTL_MS : DISCOVERY_TTL_MS)) return hit.pending;
    const entry = { pending: fetchDiscovery(issuer, clientId), at: nowMs(), failed: false };
    entry.pending.then(() => void (entry.at = nowMs()), () => Object.assign(entry, { at: nowMs(), failed: true }));
    discovered.set(issuer, entry);
    return entry.pending;
  }

  /** http is allowed to an issuer on this machine only (remoteUrlProblem), and then for its endpoints that endpoint() lets through. */
  const plainHttp = (issuer: string) => new URL(issuer).protocol === 'http:';

  async function fetchDiscovery(issuer: string, clientId: string): Promise<ServerMetadata> {
    // an issuer set before setTenantIssuer checked it: the same rule
    const problem = remoteUrlProblem(issuer);
    if (problem) throw new SignInFailure(SignInError.PROVIDER_UNREACHABLE, `the issuer '${issuer}' ${problem}`);
    const c = oidc();
    let doc: ServerMetadata;
    try {
      const found = await c.discovery(new URL(issuer), clientId, undefined, c.None(), { timeout: FETCH_TIMEOUT_SECONDS, execute: plainHttp(issuer) ? [c.allowInsecureRequests] : [] });
      doc = found.serverMetadata();
    } catch (e) {
      throw new SignInFailure(SignInError.PROVIDER_UNREACHABLE, `discovery of ${issuer} failed: ${messageOf(e)}`);
    }
    // OpenID Connect Discovery 1.0 §4.3, to the letter: the issuer the tenant names, which its ID tokens must carry
    if (doc.issuer !== issuer) throw new SignInFailure(SignInError.PROVIDER_UNREACHABLE, `the discovery document of ${issuer} names the issuer '${String(doc.issuer)}'`);
    const methods = doc.code_challenge_methods_supported;
    if (Array.isArray(methods) && !methods.includes('S256')) throw new SignInFailure(SignInError.PROVIDER_UNREACHABLE, `${issuer} does not support PKCE with S256`);
    const at = new URL(issuer);
    endpoint(doc.authorization_endpoint, 'authorization_endpoint', at);
    endpoint(doc.token_endpoint, 'token_endpoint', at);
    if (doc.end_session_endpoint) endpoint(doc.end_session_endpoint, 'end_session_endpoint', at);
    return doc;
  }

  /**
   * The client for one sign-in: the provider's metadata, the agency's client id (a public client: PKCE,
   * no secret), and the hub's clock, which the library judges the ID token's exp and iat at (as an offset
   * from the wall clock, the only form it takes).
   */
  function clientOf(doc: ServerMetadata, cfg: { issuer: string; clientId: string }): Configuration {
    const c = oidc();
    const config = new c.Configuration(doc, cfg.clientId, { [c.clockSkew]: Math.round((nowMs() - Date.now()) / 1000) }, c.None());
    config.timeout = FETCH_TIMEOUT_SECONDS;
    if (plainHttp(cfg.issuer)) c.allowInsecureRequests(config);
    return config;
  }

  async function providerOf(slug: string): Promise<IssuerRow & { clientId: string }> {
    const found = slug && slug.length <= 200 ? await deps.tenants.issuerOfTenant(slug) : undefined;
    if (!found?.issuer.clientId) throw new SignInFailure(SignInError.NO_PROVIDER, `tenant '${slug}' has no issuer with a clientId`);
    return found.issuer as IssuerRow & { clientId: string };
  }

  const clearFlow = (req: Request, res: Response) => res.clearCookie(flowCookie(req).name, { httpOnly: true, sameSite: 'lax', secure: secureCookie(req), path: flowCookie(req).path });

  async function fail(req: Request, res: Response, e: unknown, next = '', tenant?: string) {
    const code = e instanceof SignInFailure ? e.code : SignInError.PROVIDER_ERROR;
    const log = requestLog(deps.logger);
    if (e instanceof SignInFailure) log.warn({ signIn: code, detail: e.message }, 'console sign-in with an identity provider refused');
    else log.error({ err: e }, 'console sign-in with an identity provider failed');
    // every refused sign-in is in the audit chain with its reason (CJIS 5.4.1.1), in its agency's chain when it names one
    if (!signInAudited(e)) {
      const outcome = DENIED_SIGN_INS.has(code) ? AuditOutcome.DENIED : AuditOutcome.FAILED;
      try {
        const found = tenant && tenant.length <= 200 ? await deps.tenants.issuerOfTenant(tenant) : undefined;
        await deps.sessions.recordSignIn({ tenant: found?.tenant }, outcome, code, { via: 'oidc', agency: tenant ? tenant.slice(0, 200) : null });
      } catch (err) {
        log.error({ err }, 'could not audit a refused sign-in');
      }
    }
    const q = new URLSearchParams({ error: code, ...(next ? { next } : {}) });
    secured(res).redirect(303, `/sign-in?${q}`);
  }

  router.get(OIDC_START, async (req, res) => {
    const slug = (one(req.query.tenant) ?? '').trim().toLowerCase();
    const next = safeNext(one(req.query.next));
    try {
      if (deps.notice && one(req.query.acknowledged) !== '1') throw new SignInFailure(SignInError.NOTICE_NOT_ACKNOWLEDGED, 'the sign-in started without acknowledging the system-use notice');
      const cfg = await providerOf(slug);
      const doc = await discover(cfg.issuer, cfg.clientId);
      const c = oidc();
      const flow: Flow = { state: c.randomState(), nonce: c.randomNonce(), verifier: c.randomPKCECodeVerifier(), tenant: slug, next, exp: nowSeconds() + FLOW_SECONDS };
      const extra = SCOPE_OF_CLAIM[cfg.subjectClaim];
      const url = c.buildAuthorizationUrl(clientOf(doc, cfg), {
        redirect_uri: redirectUri(req), scope: extra ? `openid ${extra}` : 'openid', state: flow.state, nonce: flow.nonce,
        code_challenge: await c.calculatePKCECodeChallenge(flow.verifier), code_challenge_method: 'S256',
      });
      // Lax, not Strict: the provider's redirect back is a cross-site navigation
      res.cookie(flowCookie(req).name, sealFlow(flow, deps.keys), { httpOnly: true, sameSite: 'lax', secure: secureCookie(req), path: flowCookie(req).path, maxAge: FLOW_SECONDS * 1000 });
      secured(res).redirect(302, url.href);
    } catch (e) {
      await fail(req, res, failureOf(e, 'the authorization request'), next, slug || undefined);
    }
  });

  router.get(OIDC_CALLBACK, async (req, res) => {
    let flow: Flow | undefined;
    try {
      const sealed = cookieOf(req, flowCookie(req).name);
      flow = sealed ? await flowOf(sealed, deps.keys) : undefined;
      clearFlow(req, res); // one callback per sign-in, whatever it brings
      // the hub's own check first, so that a callback of another browser's sign-in says so (login CSRF)
      const state = one(req.query.state);
      if (!flow || !state || state !== flow.state || !(flow.exp > nowSeconds())) {
        throw new SignInFailure(SignInError.FLOW_MISMATCH, flow ? 'the state does not match the sign-in this browser started, or it expired' : 'no sign-in was started in this browser (or it expired)');
      }
      const cfg = await providerOf(flow.tenant);
      const doc = await discover(cfg.issuer, cfg.clientId);
      // the callback as the browser reached it: the library reads its answer (error, iss, state, code) and
      // sends the code with the verifier to the token endpoint, redirect_uri being this URL without its query
      const callback = new URL(redirectUri(req));
      callback.search = new URL(req.originalUrl, callback).search;
      let idToken: string | undefined;
      try {
        const tokens = await oidc().authorizationCodeGrant(clientOf(doc, cfg), callback, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce, idTokenExpected: true });
        idToken = tokens.id_token;
      } catch (e) {
        throw failureOf(e, `the token endpoint ${doc.token_endpoint}`);
      }
      if (!idToken) throw new SignInFailure(SignInError.TOKEN_REFUSED, 'the token endpoint returned no id_token');
      let claims;
      try {
        claims = await verifyFederatedClaims(remoteKeys, idToken, { ...cfg, audience: cfg.clientId }, { nonce: flow.nonce, authorizedParty: cfg.clientId }, clock);
      } catch (e) {
        throw new SignInFailure(SignInError.TOKEN_REFUSED, (e as Error).message);
      }
      // the hub's own checks of the person, as for every request: disabled, revoked, MFA where the agency requires it
      try {
        await deps.sessions.admitFederated(cfg, claims.subject, { tokenId: tokenIdOf(idToken), issuedAt: claims.iat, expiresAt: new Date(claims.exp * 1000) }, assertsMfa(claims, deps.mfaAcrValues));
      } catch (e) {
        if (!(e instanceof SignInRefused)) throw e;
        const code = SIGN_IN_ERROR_OF[e.reason] ?? SignInError.TOKEN_REFUSED;
        const failure = new SignInFailure(code, e.message);
        failure.audited = e.audited;
        throw failure;
      }
      // the ID token proves the sign-in; the session lasts the hub's length, not the ID token's
      const session = await deps.tenants.federatedSession(cfg, claims.subject, CONSOLE_SESSION_SECONDS).catch((e: unknown) => {
        if (e instanceof DomainError && e.code === 'FORBIDDEN') throw new SignInFailure(SignInError.HUB_ISSUES_NO_TOKENS, e.message);
        throw e;
      });
      if (!session) throw new SignInFailure(SignInError.NO_PRINCIPAL, `no principal of '${flow.tenant}' has the external subject of this identity (${cfg.subjectClaim})`);
      // the page takes the session (POST /console/session {pending: true}): only a same-site request
      // carries the SameSite=Strict cookie of a session already open, which it must not silently replace
      holdPendingSession(req, res, session.token);
      requestLog(deps.logger).info({ tenant: session.tenant.slug, principalId: session.principal.id }, 'console sign-in with an identity provider');
      const next = safeNext(flow.next);
      secured(res).redirect(303, `/sign-in?${new URLSearchParams({ finish: '1', ...(next ? { next } : {}) })}`);
    } catch (e) {
      await fail(req, res, e, safeNext(flow?.next), flow?.tenant);
    }
  });

  async function endSession(req: Request, res: Response): Promise<string | undefined> {
    const slug = cookieOf(req, PROVIDER_COOKIE);
    if (!slug) return undefined;
    clearProviderCookie(req, res);
    try {
      const cfg = await providerOf(slug);
      const doc = await discover(cfg.issuer, cfg.clientId);
      if (!doc.end_session_endpoint) return undefined;
      return oidc().buildEndSessionUrl(clientOf(doc, cfg), { post_logout_redirect_uri: `${originOf(req)}/sign-in` }).href;
    } catch (e) {
      // the hub's session ends all the same; the provider's stays
      requestLog(deps.logger).warn({ detail: (e as Error).message }, 'console sign-out: the identity provider\'s end of session is not known');
      return undefined;
    }
  }

  return { router, endSession };
}

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Request, type Response } from 'express';
import { isLoopbackHost } from '../../tenants/shared/urls.js';
import { CONSOLE_PAGES, SESSION_PATH, consolePage } from '../http/console-pages.js';
import { AuditOutcome, SignInRefusal } from '../../models/enums.js';
import { SignInRefused, signInAudited, type SessionService } from '../../tenants/directory/session.service.js';
import type { Authenticator, Identified } from '../auth/bearer-authenticator.js';
import { httpError } from '../http/http.js';
import { systemClock, type Clock } from '../../tenants/shared/ports.js';

/** Where `console/build.cjs` writes the bundle; the same from dist/server and from server/ (tests). */
export const CONSOLE_DIR = join(__dirname.replace(/[\\/](dist[\\/])?server[\\/]console$/, ''), 'dist', 'console');

export const SESSION_COOKIE = 'frhub_session';
/** which agency's provider opened the session (its slug; not a credential), read when signing out */
export const PROVIDER_COOKIE = 'frhub_idp';
/** a session an agency's provider opened, waiting for the console page to take it (it may have to ask first) */
export const PENDING_COOKIE = 'frhub_pending';
export const PENDING_SECONDS = 300;

/** A path to return to after signing in: one of the console's pages (with its id), never the sign-in page; else ''. */
export function safeNext(next: string | undefined): string {
  if (!next || next.length > 200 || !next.startsWith('/') || next.startsWith('//')) return '';
  const page = consolePage(next);
  return page && page !== '/sign-in' ? next : '';
}

// no inline script or style anywhere: the bundle and its stylesheet are files served by the hub
export const CONSOLE_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' blob: data:", "connect-src 'self'",
  "form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'",
].join('; ');

/**
 * The cookie is `Secure` unless the console is reached on this machine: behind a TLS-terminating load
 * balancer the hub itself speaks plain HTTP (req.secure is false), yet the browser must never send
 * the session over http:// to the public name.
 */
export const secureCookie = (req: Request): boolean => req.secure || !isLoopbackHost(req.hostname);

/** The hub's origin as the browser reaches it: https unless on this machine (TLS ends at a load balancer), as for the cookies. */
export const originOf = (req: Request): string => `${secureCookie(req) ? 'https' : 'http'}://${req.get('host')}`;

/** The value of the request's cookie of that name (token characters only: `[\w.-]`), when it carries one. */
export function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return /^[\w.-]+$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

/**
 * A cookie's name and path: `__Host-` where it is Secure (no other site of the domain can set or
 * shadow it; that prefix needs the path /), else the plain name on `path` (loopback, development).
 */
export const hostCookie = (req: Request, name: string, path = '/'): { name: string; path: string } => (secureCookie(req) ? { name: `__Host-${name}`, path: '/' } : { name, path });

/** The session cookie's token, when the request carries one. */
export const sessionToken = (req: Request): string | undefined => cookieOf(req, hostCookie(req, SESSION_COOKIE).name);

/** `Bearer <token>` from the Authorization header, else from the console's session cookie. */
export function authorizationOf(req: Request): string | undefined {
  const cookie = sessionToken(req);
  return req.headers.authorization ?? (cookie ? `Bearer ${cookie}` : undefined);
}

/** The console's security headers, on its pages and on every response of its sign-in. */
export function secured(res: Response): Response {
  return res.set({
    'content-security-policy': CONSOLE_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
  });
}

/** Sets the session cookie for a verified token that expires at `expiresAt` (seconds, on the hub's clock, as `now`): the cookie lasts no longer. */
export function openSession(req: Request, res: Response, token: string, expiresAt: number, now: Date): void {
  const maxAge = Math.max(0, expiresAt * 1000 - now.getTime());
  res.cookie(hostCookie(req, SESSION_COOKIE).name, token, { httpOnly: true, sameSite: 'strict', secure: secureCookie(req), path: '/', maxAge });
}

const clearSessionCookie = (req: Request, res: Response) => res.clearCookie(hostCookie(req, SESSION_COOKIE).name, { httpOnly: true, sameSite: 'strict', secure: secureCookie(req), path: '/' });

/** Holds a session an agency's provider opened until the console page takes it (POST {pending: true}). */
export function holdPendingSession(req: Request, res: Response, token: string): void {
  const c = hostCookie(req, PENDING_COOKIE, SESSION_PATH);
  res.cookie(c.name, token, { httpOnly: true, sameSite: 'strict', secure: secureCookie(req), path: c.path, maxAge: PENDING_SECONDS * 1000 });
}

const clearPending = (req: Request, res: Response) => {
  const c = hostCookie(req, PENDING_COOKIE, SESSION_PATH);
  res.clearCookie(c.name, { httpOnly: true, sameSite: 'strict', secure: secureCookie(req), path: c.path });
};

/** Forgets which agency's provider opened the session. */
export const clearProviderCookie = (req: Request, res: Response): Response =>
  res.clearCookie(PROVIDER_COOKIE, { httpOnly: true, sameSite: 'strict', secure: secureCookie(req), path: SESSION_PATH });

/** Who a session speaks for, as the console shows it when one identity would replace another. */
const identityOf = (i: Identified) => ({ tenant: i.who.tenant.slug, tenantName: i.who.tenant.name, name: i.who.principal?.name ?? null, role: i.actor.role });
const sameIdentity = (a: Identified, b: Identified) => a.who.tenant.id === b.who.tenant.id && (a.who.principal?.id ?? `svc:${a.actor.role}`) === (b.who.principal?.id ?? `svc:${b.actor.role}`);

export interface ConsoleDeps {
  /** verifies and admits a bare token as /graphql does (throws SignInRefused when /graphql would refuse it) */
  identify: Authenticator['identify'];
  sessions: SessionService;
  /** where a session an agency's provider opened continues at sign-out (RP-Initiated Logout) */
  endSession?: (req: Request, res: Response) => Promise<string | undefined>;
  /** the system-use notice every sign-in acknowledges (CJIS 5.5.4); absent: none */
  notice?: string;
  /** the hub's clock: a session's expiry is on it, so the cookies' lifetimes are measured from its now */
  clock?: Clock;
}

/**
 * The web console: its pages and assets, and the session exchange that turns a hub token (pasted,
 * from a `#token=` link, or held for the page by an agency's sign-in) into an HttpOnly SameSite=Strict
 * cookie the script never reads. The exchange never replaces an open session of another identity
 * unless the page asks for it (`replace`, after the person confirmed), so a link cannot silently sign
 * a browser in as someone else.
 */
export function consoleRouter(deps: ConsoleDeps): express.Router {
  const router = express.Router();
  const clock = deps.clock ?? systemClock;
  const index = () => (existsSync(join(CONSOLE_DIR, 'index.html')) ? readFileSync(join(CONSOLE_DIR, 'index.html'), 'utf8') : undefined);
  const page = (res: Response) => {
    const html = index();
    if (!html) return void secured(res).status(503).type('text/plain').send('The console is not built: run `npm run build` (it bundles console/ into dist/console).');
    secured(res).type('html').send(html);
  };
  const quietly = (token: string | undefined) => (token ? deps.identify(token, 'console-session').catch(() => undefined) : Promise.resolve(undefined));
  for (const path of CONSOLE_PAGES.filter((p) => p !== '/graphiql')) router.get(path, (_req, res) => page(res));
  // the GraphQL explorer is for signed-in callers only: without a valid session, back to sign-in
  router.get('/graphiql', async (req, res) => {
    if (!(await quietly(sessionToken(req)))) return void secured(res).redirect(302, '/sign-in?next=/graphiql');
    page(res);
  });
  router.use('/console/assets', express.static(CONSOLE_DIR, { index: false, setHeaders: (res) => res.set({ 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' }) }));
  // what the sign-in page shows before anyone signs in: the system-use notice
  router.get(SESSION_PATH, (_req, res) => void secured(res).json({ notice: deps.notice ?? null }));
  router.post(SESSION_PATH, express.json({ limit: '16kb' }), async (req, res) => {
    // a JSON body only: a cross-site form cannot send one without a preflight, which the hub never answers
    if (!req.is('application/json')) return void res.status(415).json(httpError('BAD_REQUEST', 'Send {"token": "..."} as application/json.'));
    const pending = req.body?.pending === true;
    const via = pending ? 'oidc' : 'token';
    const token = pending ? cookieOf(req, hostCookie(req, PENDING_COOKIE, SESSION_PATH).name) ?? '' : typeof req.body?.token === 'string' ? req.body.token.trim() : '';
    const refuse = async (status: number, code: string, reason: string, message: string) => {
      await deps.sessions.recordSignIn({}, AuditOutcome.DENIED, reason, { via }).catch(() => undefined);
      secured(res).status(status).json(httpError(code, message));
    };
    // an agency's sign-in checked the acknowledgement where it started (/console/oidc/start)
    if (deps.notice && !pending && req.body?.acknowledged !== true) return void refuse(400, 'BAD_REQUEST', SignInRefusal.NOTICE_NOT_ACKNOWLEDGED, 'Read the system-use notice and acknowledge it ({"acknowledged": true}) to sign in.');
    if (pending && !token) return void refuse(400, 'BAD_REQUEST', SignInRefusal.TOKEN_INVALID, 'No sign-in with your agency is waiting in this browser (it lasts 5 minutes): start again.');
    if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) return void refuse(400, 'BAD_REQUEST', SignInRefusal.TOKEN_INVALID, 'That is not a hub token: paste the whole token `frhub token` printed (three parts separated by dots).');
    let offered: Identified;
    try {
      offered = await deps.identify(token, 'console-session');
    } catch (e) {
      if (pending) clearPending(req, res);
      const reason = e instanceof SignInRefused ? e.reason : SignInRefusal.TOKEN_INVALID;
      // refusals the admission already audited (a principal disabled, a token revoked) are not written twice
      if (!signInAudited(e)) await deps.sessions.recordSignIn({}, AuditOutcome.DENIED, reason, { via }).catch(() => undefined);
      return void secured(res).status(401).json(httpError('UNAUTHENTICATED', e instanceof SignInRefused ? e.message : 'Unauthenticated.'));
    }
    const current = await quietly(sessionToken(req));
    if (current && current.token.tokenId !== offered.token.tokenId) {
      if (!sameIdentity(current, offered) && req.body?.replace !== true) {
        // login CSRF: a link or a sign-in for another identity asks first; the page shows both and replaces only on confirm
        return void secured(res).status(409).json({
          ...httpError('CONFLICT', `You are signed in as ${describe(current)}; this sign-in is for ${describe(offered)}. Confirm to replace your session, or keep it.`),
          signedIn: identityOf(current), offered: identityOf(offered),
        });
      }
      await deps.sessions.end(current.who, current.token, 'REPLACED');
    }
    let expiresAt: Date;
    try {
      ({ expiresAt } = await deps.sessions.open(offered.who, offered.token, via));
    } catch (e) {
      if (pending) clearPending(req, res);
      if (e instanceof SignInRefused) return void secured(res).status(401).json(httpError('UNAUTHENTICATED', e.message));
      throw e;
    }
    const now = clock.now();
    openSession(req, res, token, Math.floor(expiresAt.getTime() / 1000), now);
    if (pending) {
      clearPending(req, res);
      res.cookie(PROVIDER_COOKIE, offered.who.tenant.slug, { httpOnly: true, sameSite: 'strict', secure: secureCookie(req), path: SESSION_PATH, maxAge: Math.max(0, expiresAt.getTime() - now.getTime()) });
    } else if (cookieOf(req, PROVIDER_COOKIE)) {
      // a session of a pasted token is no agency provider's: signing out of it goes nowhere else
      clearProviderCookie(req, res);
    }
    secured(res).json({ signedIn: true, expiresAt: expiresAt.toISOString() });
  });
  router.delete(SESSION_PATH, async (req, res) => {
    // only the sign-in waiting for the page (the person kept the session they had)
    if (req.query.pending !== undefined) {
      clearPending(req, res);
      return void secured(res).status(204).end();
    }
    const current = await quietly(sessionToken(req));
    // the token ends for good, on every replica: the same token no longer answers by cookie or as a bearer token
    if (current) await deps.sessions.end(current.who, current.token, 'SIGNED_OUT');
    clearSessionCookie(req, res);
    // a session an agency's provider opened continues there (RP-Initiated Logout), when it offers that
    const endSession = await deps.endSession?.(req, res);
    if (endSession) return void secured(res).json({ signedOut: true, endSession });
    secured(res).status(204).end();
  });
  return router;
}

const describe = (i: Identified) => `${i.who.principal?.name ?? i.actor.role} (${i.actor.role}) of ${i.who.tenant.name}`;

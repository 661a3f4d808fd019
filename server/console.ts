import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Request, type Response } from 'express';
import { isLoopbackHost } from '../tenants/shared/urls.js';
import { CONSOLE_PAGES, SESSION_PATH, consolePage } from './console-pages.js';
import { httpError } from './http.js';

/** Where `console/build.cjs` writes the bundle; the same from dist/server and from server/ (tests). */
export const CONSOLE_DIR = join(__dirname.replace(/[\\/](dist[\\/])?server$/, ''), 'dist', 'console');

export const SESSION_COOKIE = 'frhub_session';
/** which agency's provider opened the session (its slug; not a credential), read when signing out */
export const PROVIDER_COOKIE = 'frhub_idp';

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

/** Verifies a bearer token as /graphql does (throws when /graphql would refuse it). */
export type VerifySession = (token: string) => Promise<unknown>;

// read only after the token verified: its expiry bounds the cookie's
const expiryOf = (token: string): number => Number(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).exp);

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

/** The session cookie's token, when the request carries one. */
export const sessionToken = (req: Request): string | undefined => cookieOf(req, SESSION_COOKIE);

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

/** Sets the session cookie for a verified token that expires at `expiresAt` (seconds): the cookie lasts no longer. */
export function openSession(req: Request, res: Response, token: string, expiresAt: number): void {
  const maxAge = Math.max(0, expiresAt * 1000 - Date.now());
  res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: secureCookie(req), path: '/', maxAge });
}

/** Forgets which agency's provider opened the session. */
export const clearProviderCookie = (req: Request, res: Response): Response =>
  res.clearCookie(PROVIDER_COOKIE, { httpOnly: true, sameSite: 'strict', secure: secureCookie(req), path: SESSION_PATH });

/**
 * The web console: its pages and assets, and the session exchange that turns a hub token (pasted,
 * or from `frhub token --console`) into an HttpOnly SameSite=Strict cookie the script never reads.
 */
export function consoleRouter(verify: VerifySession, opts: { endSession?: (req: Request, res: Response) => Promise<string | undefined> } = {}): express.Router {
  const router = express.Router();
  const index = () => (existsSync(join(CONSOLE_DIR, 'index.html')) ? readFileSync(join(CONSOLE_DIR, 'index.html'), 'utf8') : undefined);
  const page = (res: Response) => {
    const html = index();
    if (!html) return void secured(res).status(503).type('text/plain').send('The console is not built: run `npm run build` (it bundles console/ into dist/console).');
    secured(res).type('html').send(html);
  };
  for (const path of CONSOLE_PAGES.filter((p) => p !== '/graphiql')) router.get(path, (_req, res) => page(res));
  // the GraphQL explorer is for signed-in callers only: without a valid session, back to sign-in
  router.get('/graphiql', async (req, res) => {
    const token = sessionToken(req);
    const ok = token && (await verify(token).then(() => true, () => false));
    if (!ok) return void secured(res).redirect(302, '/sign-in?next=/graphiql');
    page(res);
  });
  router.use('/console/assets', express.static(CONSOLE_DIR, { index: false, setHeaders: (res) => res.set({ 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' }) }));
  router.post(SESSION_PATH, express.json({ limit: '16kb' }), async (req, res) => {
    // a JSON body only: a cross-site form cannot send one without a preflight, which the hub never answers
    if (!req.is('application/json')) return void res.status(415).json(httpError('BAD_REQUEST', 'Send {"token": "..."} as application/json.'));
    const token = typeof req.body?.token === 'string' ? req.body.token.trim() : '';
    if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) return void res.status(400).json(httpError('BAD_REQUEST', 'That is not a hub token: paste the whole token `frhub token` printed (three parts separated by dots).'));
    let expiresAt: number;
    try {
      await verify(token);
      expiresAt = expiryOf(token);
    } catch (e) {
      return void res.status(401).json(httpError('UNAUTHENTICATED', e instanceof Error ? e.message : 'Unauthenticated.'));
    }
    // a session lasts no longer than its token: a token without an expiry opens none
    if (!Number.isFinite(expiresAt)) return void res.status(401).json(httpError('UNAUTHENTICATED', 'This token has no expiry (exp), so it cannot open a console session: sign in with a token that expires.'));
    openSession(req, res, token, expiresAt);
    // a session of a pasted token is no agency provider's: signing out of it goes nowhere else
    if (cookieOf(req, PROVIDER_COOKIE)) clearProviderCookie(req, res);
    secured(res).json({ signedIn: true, expiresAt: new Date(expiresAt * 1000).toISOString() });
  });
  router.delete(SESSION_PATH, async (req, res) => {
    res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: secureCookie(req), path: '/' });
    // a session an agency's provider opened continues there (RP-Initiated Logout), when it offers that
    const endSession = await opts.endSession?.(req, res);
    if (endSession) return void secured(res).json({ signedOut: true, endSession });
    secured(res).status(204).end();
  });
  return router;
}

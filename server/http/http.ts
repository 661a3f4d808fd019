import { randomUUID } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ErrorRequestHandler } from 'express';
import type { GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type pino from 'pino';
import { CONSOLE_PAGES, OIDC_CALLBACK, OIDC_START, SESSION_PATH, consolePage } from './console-pages.js';
import { requestTiming } from './request-timing.js';

// the install path, and where node_modules really is when it is a link (stack frames show that one)
const ROOT = __dirname.replace(/[\\/](dist[\\/])?server[\\/]http$/, '');
const ROOTS = [...new Set([ROOT, dirname(realpathOr(join(ROOT, 'node_modules')))])];

function realpathOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * How the hub logs an error: its type, message, code and stack, with install paths cut out, and
 * never the properties a driver adds (TypeORM's `query` and `parameters` hold SQL and personal data).
 */
export function safeError(e: unknown): Record<string, unknown> {
  const strip = (s: string | undefined) => ROOTS.reduce((t, root) => t?.split(`${root}/`).join(''), s);
  if (!(e instanceof Error)) return { message: strip(String(e)) };
  const code = (e as { code?: unknown }).code;
  return { type: e.name, message: strip(e.message), ...(typeof code === 'string' ? { code } : {}), stack: strip(e.stack) };
}

/**
 * The paths the hub serves, the console's pages and session included, as their metric labels: every
 * other path is one label, so a scanner cannot grow the label set.
 */
export const ROUTES = new Set(['/graphql', '/healthz', '/readyz', '/metrics', '/.well-known/jwks.json', ...CONSOLE_PAGES, SESSION_PATH, OIDC_START, OIDC_CALLBACK]);

/** A lead report's paths, labelled without the id. */
const reportRouteLabel = (path: string) => {
  const m = /^\/reports\/(searches|requests)\/[^/]+(\.pdf|\.json|\/discovery\.zip)$/.exec(path);
  return m ? `/reports/${m[1]}/:id${m[2]}` : undefined;
};

/** The console's bundle and stylesheet, under one label whatever their file names. */
const CONSOLE_ASSET = /^\/console\/assets\/.+$/;

/** The metric label of a request's path: a route of the hub, a console page (a search's page by `/searches/:id`, never its id), its assets, or 'other'. */
export function routeLabel(path: string): string {
  if (ROUTES.has(path)) return path;
  return reportRouteLabel(path) ?? consolePage(path) ?? (CONSOLE_ASSET.test(path) ? '/console/assets/:file' : 'other');
}

/** A caller's X-Request-Id when it is a plain token, else a fresh one: it goes into every log line. */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && /^[\w.:-]{1,128}$/.test(header) ? header : randomUUID();
}

/** The current request's logger (requestId bound), or the hub's outside a request. */
export function requestLog(fallback: pino.Logger): pino.Logger {
  return requestTiming.getStore()?.log ?? fallback;
}

/** Apollo's logger, writing through the current request's logger so its lines carry the requestId too. */
export function requestScopedLogger(fallback: pino.Logger) {
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (message?: unknown) => requestLog(fallback)[level](message instanceof Error ? { err: message } : {}, String(message));
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/**
 * The operation's metric label: its root field when the schema has it, 'multiple' for several,
 * 'other' otherwise. Never the client's operationName, which anyone may set to anything.
 */
export function operationLabel(schema: GraphQLSchema, operation: OperationDefinitionNode | undefined): string {
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return 'other';
  const fields = root.getFields();
  const names = new Set(operation.selectionSet.selections.map((s) => (s.kind === 'Field' && fields[s.name.value] ? s.name.value : 'other')));
  return names.size === 1 ? [...names][0] : 'multiple';
}

export const httpError = (code: string, message: string) => ({ errors: [{ message, extensions: { code } }] });

/**
 * Errors raised before GraphQL runs (body parsing, multipart uploads) as GraphQL-shaped JSON with a
 * code, instead of Express's HTML page with its stack trace and the server's paths.
 */
export function httpErrorHandler(maxImageBytes: number, fallback: pino.Logger): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    const { status, code, message } = describe(err, maxImageBytes);
    if (status >= 500) requestLog(fallback).error({ err }, 'unexpected error before GraphQL');
    res.status(status).json(httpError(code, message));
  };
}

function describe(err: unknown, maxImageBytes: number): { status: number; code: string; message: string } {
  const e = err as { status?: number; statusCode?: number; type?: string; expose?: boolean; message?: string };
  const status = e.status ?? e.statusCode ?? 500;
  const mb = (maxImageBytes / 1024 / 1024).toFixed(1);
  if (e.type === 'entity.parse.failed') return { status: 400, code: 'BAD_REQUEST', message: 'The request body is not valid JSON. Send {"query": "...", "variables": {...}} as application/json.' };
  if (/max file uploads exceeded/.test(e.message ?? '')) return { status: 400, code: 'BAD_REQUEST', message: 'Send one photo per request: the multipart map names more than one file.' };
  if (status === 413) return { status, code: 'IMAGE_TOO_LARGE', message: `The request is larger than the hub accepts: a photo may be at most ${mb} MB (FRHUB_MAX_IMAGE_BYTES).` };
  if (status >= 400 && status < 500 && e.expose !== false && e.message) return { status, code: 'BAD_REQUEST', message: e.message };
  return { status: 500, code: 'INTERNAL_SERVER_ERROR', message: 'Internal error; it has been logged with your request id.' };
}

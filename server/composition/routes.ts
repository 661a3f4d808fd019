import express from 'express';
import type pino from 'pino';
import type { Services } from '../../schema/context.js';
import type { Clock } from '../../tenants/shared/ports.js';
import type { Authenticator } from '../auth/bearer-authenticator.js';
import type { SigningKeys } from '../auth/hub-tokens.js';
import type { Config } from '../config.js';
import { consoleRouter } from '../console/console-routes.js';
import { consoleOidc } from '../console/oidc-sign-in.js';
import { pendingMigrations } from '../database/advisory-locks.js';
import type { Database } from '../database/open-database.js';
import { httpError, httpErrorHandler, requestIdOf, routeLabel } from '../http/http.js';
import { requestTiming } from '../http/request-timing.js';
import type { HubEngine } from '../engine/face-embedder.js';
import { RemoteInference } from '../engine/remote-inference.js';
import { reportRouter } from '../reports/report-routes.js';
import type { HubMetrics } from './metrics.js';

/** Express with a request id, a latency observation and per-request timing on every request, and the operational routes. */
export function hubApp(deps: { logger: pino.Logger; metrics: HubMetrics; database: Database; engine: HubEngine; keys: SigningKeys }): express.Express {
  const { logger, database, engine, keys } = deps;
  const { httpSeconds, registry } = deps.metrics;
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    const requestId = requestIdOf(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    const end = httpSeconds.startTimer({ route: routeLabel(req.path) });
    res.on('finish', () => end({ status: String(res.statusCode) }));
    requestTiming.run({ requestId, log: logger.child({ requestId }), startedAt: performance.now(), inferenceMs: 0, databaseMs: 0 }, next);
  });
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    try {
      // a replica of an older release beside a newer schema stays ready; one whose migrations are missing is not
      const pending = await pendingMigrations(database.dataSource);
      if (pending.length) return void res.status(503).json({ status: 'unavailable', database: database.kind, migrationsPending: pending });
      const { provider, available } = engine.status();
      // while a lost inference thread restarts (or no worker is up), searches fail fast: send traffic elsewhere
      // anonymous too: each worker by its index in FRHUB_INFERENCE_URLS and its state, not its address
      const workers = engine instanceof RemoteInference ? { workers: engine.workers().map(({ state }, worker) => ({ worker, state })) } : {};
      res.status(available ? 200 : 503).json({ status: available ? 'ready' : 'unavailable', database: database.kind, inference: available ? provider : 'restarting', ...workers });
    } catch {
      // the database did not answer the migrations' read: take this replica out of rotation until it does
      res.status(503).json({ status: 'unavailable', database: database.kind, reason: 'the database does not answer' });
    }
  });
  // the public keys of hub tokens, for anyone who verifies them (other replicas, gateways)
  app.get('/.well-known/jwks.json', async (_req, res) => {
    await keys.refresh();
    res.set('cache-control', 'max-age=60').json(keys.jwks());
  });
  app.get('/metrics', async (_req, res) => void res.type(registry.contentType).send(await registry.metrics()));
  return app;
}

/** The routes after /graphql: report documents, the console and its sign-in, then "no such endpoint" and the error handler. */
export function pageRoutes(app: express.Express, deps: { config: Config; services: Services; keys: SigningKeys; authenticate: Authenticator; logger: pino.Logger; clock: Clock }): void {
  const { config, services, keys, authenticate, logger, clock } = deps;
  const oidc = consoleOidc({ tenants: services.tenants, sessions: services.sessions, keys, logger, notice: !!config.systemUseNotice, mfaAcrValues: config.mfaAcrValues, clock });
  app.use(reportRouter(services.reports, authenticate));
  app.use(consoleRouter({ identify: authenticate.identify, sessions: services.sessions, endSession: oidc.endSession, notice: config.systemUseNotice, clock }));
  app.use(oidc.router);
  app.use((_req, res) => void res.status(404).json(httpError('NOT_FOUND', 'No such endpoint: the hub serves the console at /, /graphql, /reports/searches/<id>.pdf and /reports/requests/<id>.pdf (and .json, /discovery.zip), /healthz, /readyz, /metrics and /.well-known/jwks.json.')));
  app.use(httpErrorHandler(config.maxImageBytes, logger));
}

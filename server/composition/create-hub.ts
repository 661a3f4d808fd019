import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError } from 'graphql';
import { graphqlUploadExpress } from 'graphql-upload-minimal';
import pino from 'pino';
import { collectDefaultMetrics, Counter, Histogram, Registry, Gauge } from 'prom-client';
import { buildHubSchema } from '../../schema/build-schema.js';
import type { GraphQLContext, Services } from '../../schema/context.js';
import { formatError } from '../../schema/errors.js';
import { classify, DATABASE_UNAVAILABLE, isDatabaseUnavailable } from '../../tenants/shared/errors.js';
import { limitsRule } from '../../schema/limits.js';
import { AuditTrail, type AuditFailureHook } from '../../tenants/audit/audit-trail.js';
import { AuditService } from '../../tenants/audit/audit.service.js';
import { SessionService } from '../../tenants/directory/session.service.js';
import { PrincipalService } from '../../tenants/directory/principal.service.js';
import { TenantService } from '../../tenants/directory/tenant.service.js';
import { GalleryService } from '../../tenants/galleries/gallery.service.js';
import { RecordsService } from '../../tenants/galleries/records.service.js';
import { OversightService } from '../../tenants/oversight/oversight.service.js';
import { GroupRatesService } from '../../tenants/calibration/by-group.js';
import { PolicyService } from '../../tenants/legal-basis/policy.service.js';
import { QuotaService } from '../../tenants/quotas/quota.service.js';
import { RetentionService } from '../../tenants/retention/retention.service.js';
import { ReviewService } from '../../tenants/review/review.service.js';
import { SearchService } from '../../tenants/search/search.service.js';
import { SharingService } from '../../tenants/sharing/sharing.service.js';
import { ExaminationAgreementService } from '../../tenants/sharing/examination-agreement.service.js';
import { ExaminationService } from '../../tenants/requests/examination.service.js';
import { RequestService } from '../../tenants/requests/request.service.js';
import { sharpProbeEditor } from '../inference/probe-editor.js';
import { systemClock, type Clock, type ReplicaReads } from '../../tenants/shared/ports.js';
import { loadSigningKeys, mintToken, type SigningKeys } from '../auth/hub-tokens.js';
import { ImageKeys, imageKeysFileOf } from '../database/image-keys.js';
import { authenticator } from '../auth/bearer-authenticator.js';
import type { Config } from '../config.js';
import { openDatabase, type Database } from '../database/open-database.js';
import { authorizationOf, consoleRouter } from '../console/console-routes.js';
import { consoleOidc } from '../console/oidc-sign-in.js';
import { calibrationPort, EngineEmbedder, type HubEngine } from '../inference/face-embedder.js';
import { RemoteInference, WORKER_STATES } from '../inference/remote-inference.js';
import { httpError, httpErrorHandler, operationLabel, requestIdOf, requestLog, requestScopedLogger, routeLabel, safeError } from '../http/http.js';
import { ReadReplicaSet } from '../database/read-replicas.js';
import { LockKey, pendingMigrations, SchedulerLock, withLock } from '../database/advisory-locks.js';
import { requestTiming, timedDb, timedEmbedder } from '../http/request-timing.js';
import { unauditedTokens } from '../auth/token-ledger.js';
import { documentSigner, packDescriber } from '../reports/report-signer.js';
import { reportRouter } from '../reports/report-routes.js';
import { ReportService } from '../../tenants/reports/report.service.js';
import type { ModelDescriber } from '../../tenants/reports/report-case.js';
import type { Db } from '../../models/db.js';
import { FaceCropRepository } from '../../models/face-crop.repository.js';
import type { ImageKeyRing } from '../../models/face-image-cipher.js';
import { EngineThread } from '../../inference/engine-thread.js';
import { BUILTIN_PACKS } from '../../inference/builtin-packs.js';
import { calibrateHint, usableCalibration, type ScoreCalibration } from '../../inference/calibration.js';
import { CalibrationService, type ActivePackCalibration } from '../../tenants/calibration/calibration.service.js';
import { CalibrationJob, type JobLog } from '../../tenants/calibration/calibration-job.js';
import { GallerySampleService } from '../../tenants/calibration/gallery-sample.service.js';
import { galleryMeasurer } from '../inference/calibration-measurer.js';
import { ratesByGroup } from '../../inference/group-rates.js';
import { AccountabilityService } from '../../tenants/oversight/accountability.service.js';
import { describeIndexBuildMemory } from '../../models/index-memory.js';

export interface Hub {
  app: express.Express;
  services: Services;
  retention: RetentionService;
  database: Database;
  /** the engine thread in process, or the remote workers of FRHUB_INFERENCE_URLS */
  engine: HubEngine;
  keys: SigningKeys;
  /** the keys that seal kept face images (FRHUB_IMAGE_KEYS_FILE) */
  imageKeys: ImageKeys;
  logger: pino.Logger;
  /** binds host (default: config.host); url is where this machine reaches it */
  listen(port: number, host?: string): Promise<{ server: Server; url: string; address: string }>;
  /** moves tokens minted by `frhub token` into the audit chain (also done each minute) */
  auditIssuedTokens(): Promise<void>;
  close(): Promise<void>;
}

/** The composition root: database, inference, services, GraphQL and HTTP, wired once. */
export async function createHub(config: Config, opts: { logger?: pino.Logger; clock?: Clock } = {}): Promise<Hub> {
  const logger = (opts.logger ?? pino({ level: config.logLevel })).child({}, { serializers: { err: safeError } });
  // remote workers are checked first: a hub they would refuse never touches the database
  const remote = config.remoteInference.urls.length
    ? await RemoteInference.connect(config.remoteInference.urls, { ...config.remoteInference, log: (level, m) => logger[level]({ job: 'remote-inference' }, m) })
    : undefined;
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart, log: (m) => logger.info({ job: 'audit-anchor' }, m) }).catch(async (e) => {
    await remote?.close();
    throw e;
  });
  const { engine, keys } = await startInference(config, database, logger, remote, opts.clock ?? systemClock);
  // whatever the rest of start-up opened is closed if a later step fails, the database (and its lock) last
  const undo: (() => unknown)[] = [];
  try {
    return await assembleHub(config, opts, logger, database, engine, keys, undo);
  } catch (e) {
    for (const step of undo.reverse()) await Promise.resolve().then(step).catch(() => {});
    await database.close().catch(() => {});
    await engine.close().catch(() => {});
    throw e;
  }
}

/** Metrics, services, scheduled work, GraphQL and HTTP on an open database and engine; `undo` collects what a failure must close. */
async function assembleHub(config: Config, opts: { clock?: Clock }, logger: pino.Logger, database: Database, engine: HubEngine, keys: SigningKeys, undo: (() => unknown)[]): Promise<Hub> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpSeconds = new Histogram({ name: 'frhub_http_request_seconds', help: 'HTTP request latency', labelNames: ['route', 'status'], registers: [registry] });
  const opSeconds = new Histogram({ name: 'frhub_graphql_operation_seconds', help: 'GraphQL operation latency', labelNames: ['operation'], registers: [registry] });
  const inferenceSeconds = new Histogram({ name: 'frhub_inference_seconds', help: 'time to embed one probe or enrollment photo', registers: [registry] });
  const databaseSeconds = new Histogram({ name: 'frhub_database_seconds', help: 'database statement and transaction latency (vector queries included)', registers: [registry] });
  new Gauge({ name: 'frhub_inference_queue_depth', help: 'photos sent to the inference thread and not yet answered (FRHUB_INFLIGHT_PHOTOS bounds it)', registers: [registry], collect() { this.set(engine.status().inFlight); } });
  new Gauge({ name: 'frhub_inference_inflight_bytes', help: 'encoded bytes of those photos (FRHUB_INFLIGHT_BYTES bounds it)', registers: [registry], collect() { this.set(engine.status().inFlightBytes); } });
  new Gauge({ name: 'frhub_inference_faces_waiting', help: 'faces waiting for the landmark net or the recognizer inside the inference thread', registers: [registry], collect() { this.set(engine.status().queueDepth); } });
  new Gauge({ name: 'frhub_inference_thread_restarts', help: 'times a dead inference thread was replaced', registers: [registry], collect() { this.set(engine.status().restarts); } });
  if (engine instanceof RemoteInference) {
    new Gauge({ name: 'frhub_inference_workers', help: 'inference workers (FRHUB_INFERENCE_URLS) in each state: up, down, draining, mismatched', labelNames: ['state'], registers: [registry], collect() {
      const states = engine.workers().map((w) => w.state);
      for (const state of WORKER_STATES) this.set({ state }, states.filter((s) => s === state).length);
    } });
    // /metrics is anonymous: a worker is named by its place in FRHUB_INFERENCE_URLS (0, 1, …), never by its address
    new Gauge({ name: 'frhub_inference_worker_up', help: '1 while an inference worker takes calls, else 0 (worker: its index in FRHUB_INFERENCE_URLS, from 0)', labelNames: ['worker'], registers: [registry], collect() {
      engine.workers().forEach((w, i) => this.set({ worker: String(i) }, w.state === 'up' ? 1 : 0));
    } });
    new Gauge({ name: 'frhub_inference_worker_in_flight', help: "this hub's calls on each inference worker not yet answered (worker: its index in FRHUB_INFERENCE_URLS, from 0)", labelNames: ['worker'], registers: [registry], collect() {
      engine.workers().forEach((w, i) => this.set({ worker: String(i) }, w.inFlight));
    } });
  }

  const db = timedDb(database.db, (s) => databaseSeconds.observe(s));
  const clock = opts.clock ?? systemClock;
  const auditFailures = new Counter({ name: 'frhub_audit_failures_total', help: 'refused attempts that could not be written to the audit chain', registers: [registry] });
  const onAuditFailure: AuditFailureHook = (err, { reason, requestId }) => {
    auditFailures.inc();
    logger.error({ err, requestId, reason }, 'could not audit a refused attempt: the refusal is missing from the audit chain');
  };
  const replicas = config.readReplicas && readReplicas(db, config.readReplicas, registry, logger, (s) => databaseSeconds.observe(s));
  if (replicas) undo.push(() => replicas.close());
  // made on first start (0600) beside the signing keys; replicas must share one file, as they share those
  const imageKeys = ImageKeys.load(imageKeysFileOf(config), { create: true });
  const embedder = timedEmbedder(new EngineEmbedder(engine, (why) => requestLog(logger).error({ job: 'inference' }, `refused the face engine's answer: ${why}`)), (s) => inferenceSeconds.observe(s));
  const jobLog: JobLog = (level, message, fields) => logger[level]({ job: 'calibration', ...fields }, message);
  const services = wireServices(db, embedder, keys, imageKeys, config, clock, onAuditFailure, replicas, packDescriber(engine, embedder), jobLog);
  const { tenants, searches } = services;
  await warnOfUnsealedImages(db, imageKeys, logger);
  const retention = new RetentionService(db, clock, services.trail);
  // on PostgreSQL, replicas share the database: advisory locks decide who does what once
  const shared = database.kind === 'postgres' ? database.dataSource : undefined;
  await withLock(shared, LockKey.SCHEMA, async () => {
    // the model's HNSW index, built once (at the first start, or after a model change) with memory sized for its graph
    const built = await searches.prepare({
      indexBuildMemoryMb: config.indexBuildMemoryMb,
      onIndexBuild: (m) => logger.info({ job: 'index-build' }, describeIndexBuildMemory(m)),
      onUnusedIndexes: (names) =>
        logger.warn({ job: 'index-build', indexes: names }, `the model's index in another storage (${names.join(', ')}) is no longer searched but is still updated on every enrollment: once every replica runs this pack, run DROP INDEX CONCURRENTLY on it`),
    });
    if (built) logger.info({ job: 'index-build' }, `HNSW index (${built.storage}, m ${built.m}, ef_construction ${built.efConstruction}) of ${built.templates} templates built in ${built.seconds.toFixed(1)} s`);
    // the pack's shipped calibration, stored as a version so that searches can record it (once per pack version)
    await services.calibrations.registerShipped();
    if (await tenants.bootstrap()) {
      logger.info('created the operator tenant "hub"; get an administrator token with: npx frhub token --tenant hub --role HUB_ADMIN');
    }
  });

  // tokens minted by `frhub token` (no database there) reach the audit chain at start and each minute;
  // under a lock, so replicas sharing a data directory never audit the same ledger lines twice
  const auditCliTokens = async (wait = true) => {
    await withLock(shared, LockKey.TOKEN_LEDGER, async () => {
      const pending = unauditedTokens(config.dataDir);
      await tenants.auditIssuedTokens(pending.tokens);
      pending.commit();
    }, { wait });
  };
  await auditCliTokens();
  const ledgerTimer = setInterval(() => auditCliTokens(false).catch((err) => logger.error({ err, job: 'token-ledger' }, 'could not audit issued tokens')), 60_000).unref();
  undo.push(() => clearInterval(ledgerTimer));

  // every replica ticks; only the one holding the scheduler lock purges
  const scheduler = new SchedulerLock(shared, (held, err) =>
    held
      ? logger.info({ job: 'scheduler' }, 'this replica holds the scheduler lock: it runs the retention purge for every replica on this database')
      : logger.warn({ job: 'scheduler', err }, 'lost the scheduler lock (its database connection failed): another replica takes the scheduled work over'),
  );
  const purgeTimer = config.purgeIntervalMinutes > 0
    ? setInterval(() => {
        scheduler.holds()
          .then(async (mine) => {
            if (!mine) return;
            const r = await retention.purge({ requestId: `purge-${Date.now()}` });
            logger.info({ job: 'purge', purged: r.perTenant }, `retention purge ran: deleted ${r.searches} expired searches`);
          })
          .catch((err) => logger.error({ err, job: 'purge' }, 'retention purge failed'));
      }, config.purgeIntervalMinutes * 60_000).unref()
    : undefined;
  undo.push(() => purgeTimer && clearInterval(purgeTimer), () => scheduler.close());
  // the galleries' calibrations measured on the same replica, never adopted by it (an operator adopts)
  const calibrationTimer = config.calibrationIntervalMinutes > 0
    ? setInterval(() => {
        scheduler.holds()
          .then(async (mine) => void (mine && (await services.calibrationJob.run(`calibration-${Date.now()}`))))
          .catch((err) => logger.error({ err, job: 'calibration' }, 'calibration job failed'));
      }, config.calibrationIntervalMinutes * 60_000).unref()
    : undefined;
  undo.push(() => calibrationTimer && clearInterval(calibrationTimer));

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

  const authenticate = authenticator(keys, tenants, services.sessions, { mfaAcrValues: config.mfaAcrValues, clock });
  let httpServer: Server | undefined;
  let closing: Promise<void> | undefined;
  const apollo = new ApolloServer<GraphQLContext>({
    schema: await buildHubSchema(),
    introspection: config.introspection,
    validationRules: [limitsRule(12, 30)],
    logger: requestScopedLogger(logger),
    // the hub's own handler below lets in-flight requests finish; Apollo's would re-raise the signal
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => formatError(formatted, error, (e) => requestLog(logger).error({ err: e }, 'unexpected error in a GraphQL operation')),
    plugins: [
      // no per-resolver timings in responses to a gateway that asks for them
      ApolloServerPluginInlineTraceDisabled(),
      // Apollo's landing page loads its script from Apollo's hosts: a browser is sent to the console's own query page instead
      ApolloServerPluginLandingPageDisabled(),
      {
        async requestDidStart(rc) {
          const end = opSeconds.startTimer();
          return {
            async willSendResponse({ response }) {
              end({ operation: operationLabel(rc.schema, rc.operation) });
              // where the time went: inference, database, and the rest (GraphQL, HTTP, policy code)
              const t = requestTiming.getStore();
              if (t) response.http.headers.set('server-timing', `inference;dur=${t.inferenceMs.toFixed(1)}, db;dur=${t.databaseMs.toFixed(1)}, total;dur=${(performance.now() - t.startedAt).toFixed(1)}`);
            },
          };
        },
      },
    ],
  });
  await apollo.start();
  // a person who opens /graphql in a browser (HTML wanted, no query) gets the console's query page
  app.get('/graphql', (req, res, next) => (req.query.query === undefined && req.accepts(['application/json', 'text/html']) === 'text/html' ? res.redirect(302, '/graphiql') : next()));
  app.use(
    '/graphql',
    express.json({ limit: `${Math.ceil((config.maxImageBytes * 4) / 3 / 1024 / 1024) + 1}mb` }),
    graphqlUploadExpress({ maxFileSize: config.maxImageBytes + 1, maxFiles: 1 }), // +1: busboy flags a file that reaches its limit exactly as truncated
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const requestId = String(req.res?.getHeader('x-request-id') ?? randomUUID());
        const ctx: GraphQLContext = { requestId, services, maxImageBytes: config.maxImageBytes };
        const header = authorizationOf(req);
        if (header) ctx.actor = await authenticate(header, requestId).catch((e: unknown) => {
          // the principal lookup found no database: say so (503, a code to retry on), not "context creation failed" with the driver's text
          if (isDatabaseUnavailable(e)) throw new GraphQLError(classify(e).message!, { extensions: { code: DATABASE_UNAVAILABLE, http: { status: 503 } } });
          throw e;
        });
        return ctx;
      },
    }),
  );
  const oidc = consoleOidc({ tenants, sessions: services.sessions, keys, logger, notice: !!config.systemUseNotice, mfaAcrValues: config.mfaAcrValues, clock });
  app.use(reportRouter(services.reports, authenticate));
  app.use(consoleRouter({ identify: authenticate.identify, sessions: services.sessions, endSession: oidc.endSession, notice: config.systemUseNotice, clock }));
  app.use(oidc.router);
  app.use((_req, res) => void res.status(404).json(httpError('NOT_FOUND', 'No such endpoint: the hub serves the console at /, /graphql, /reports/searches/<id>.pdf and /reports/requests/<id>.pdf (and .json, /discovery.zip), /healthz, /readyz, /metrics and /.well-known/jwks.json.')));
  app.use(httpErrorHandler(config.maxImageBytes, logger));

  return {
    app,
    services,
    retention,
    database,
    engine,
    keys,
    imageKeys,
    logger,
    listen(port, host = config.host) {
      return new Promise((resolve, reject) => {
        const server = app.listen(port, host, (err?: Error) => {
          if (err) return reject(err);
          httpServer = server;
          const bound = server.address() as AddressInfo;
          const name = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
          const local = bound.address === '0.0.0.0' || bound.address === '::' ? '127.0.0.1' : name;
          const url = `http://${local}:${bound.port}`;
          database.announce(url);
          resolve({ server, url, address: `${name}:${bound.port}` });
        });
      });
    },
    auditIssuedTokens: auditCliTokens,
    close() {
      closing ??= shutdown();
      return closing;
    },
  };

  async function shutdown(): Promise<void> {
    if (purgeTimer) clearInterval(purgeTimer);
    if (calibrationTimer) clearInterval(calibrationTimer);
    services.calibrationJob.stop();
    clearInterval(ledgerTimer);
    await scheduler.close();
    // stop taking requests, let in-flight searches finish, then release the database and models
    if (httpServer) {
      const server = httpServer;
      const closed = new Promise<void>((r) => server.close(() => r()));
      // keep-alive connections go idle as their last response finishes: close them as they do,
      // and cut whatever is left after the grace period
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const deadline = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
      server.closeIdleConnections();
      await closed;
      clearInterval(sweep);
      clearTimeout(deadline);
    }
    await apollo.stop();
    await auditCliTokens().catch((err) => logger.error({ err }, 'could not audit issued tokens'));
    await replicas?.close();
    await database.close();
    await engine.close();
  }
}

/** Searches' vector queries on the standbys of DATABASE_READ_URLS, with their metrics and log lines. */
function readReplicas(db: Db, settings: NonNullable<Config['readReplicas']>, registry: Registry, logger: pino.Logger, observe: (seconds: number) => void): ReadReplicaSet {
  const reads = new Counter({ name: 'frhub_search_reads_total', help: 'vector queries of searches, by where they ran (replica or primary)', labelNames: ['source'], registers: [registry] });
  const fallbacks = new Counter({ name: 'frhub_read_replica_fallbacks_total', help: 'vector queries sent to the primary although read replicas are configured, by reason (lagging: not caught up within FRHUB_READ_REPLICA_WAIT_MS; unavailable: no standby answered)', labelNames: ['reason'], registers: [registry] });
  const log = logger.child({ job: 'read-replicas' });
  const set = new ReadReplicaSet(db, settings, {
    read: (source) => reads.inc({ source }),
    elapsed: (seconds) => {
      observe(seconds);
      const t = requestTiming.getStore();
      if (t) t.databaseMs += seconds * 1000;
    },
    fallback: (reason) => fallbacks.inc({ reason }),
    down: (replica, err, retryMs) => log.warn({ err, replica }, `read replica ${replica} stopped answering (${err instanceof Error ? err.message : String(err)}): searches read from the primary; trying it again in ${Math.round(retryMs / 1000)} s`),
    up: (replica) => log.info({ replica }, `read replica ${replica} answers again: searches read from it`),
  });
  new Gauge({ name: 'frhub_read_replica_up', help: 'whether a read replica answered when last asked (1) or is left alone until its retry time (0)', labelNames: ['replica'], registers: [registry], collect() { for (const s of set.status()) this.set({ replica: s.replica }, s.up ? 1 : 0); } });
  log.info(`searches read from ${settings.urls.length} read replica(s): ${set.status().map((s) => s.replica).join(', ')}`);
  return set;
}

/** The models and the signing keys; on failure the database (and its lock) is released before the error goes up. */
async function startInference(config: Config, database: Database, logger: pino.Logger, remote: RemoteInference | undefined, clock: Clock): Promise<{ engine: HubEngine; keys: SigningKeys }> {
  let engine: HubEngine | undefined = remote;
  try {
    engine ??= await EngineThread.create(config.inference, (m) => logger.info(m), config.inferenceInFlight);
    checkCalibration(config, engine, logger);
    return { engine, keys: await loadSigningKeys(config, clock) };
  } catch (e) {
    await engine?.close().catch(() => {});
    await database.close().catch(() => {});
    throw e;
  }
}

/**
 * A pack directory must bring a score calibration of its own version (`frhub models add` checks it):
 * without one its scores mean nothing and the hub refuses to start. A built-in pack without one (a
 * pipeline changed, not yet recalibrated) searches at its verification threshold, with a warning.
 */
function checkCalibration(config: Config, engine: HubEngine, logger: pino.Logger): void {
  const { calibration, reason } = usableCalibration(engine.manifest);
  if (calibration) {
    logger.info(`score calibration of ${calibration.pack.id} ${calibration.pack.version}: ${calibration.impostor.pairs} different-person pairs (${calibration.measuredOn}), ${calibration.date}`);
    return;
  }
  // with remote workers the pack is theirs: judge by the manifest the engine runs, not this hub's setting
  const pack = config.remoteInference.urls.length ? engine.manifest.id : config.inference.pack;
  if ((BUILTIN_PACKS as readonly string[]).includes(pack)) {
    logger.warn(`${reason}: searches without minScore use its verification threshold ${engine.manifest.thresholds.match} and candidates carry no estimatedFalseMatchRate; ${calibrateHint(pack)}`);
    return;
  }
  throw new Error(`${reason}, so its scores cannot be read as false-match rates and the hub will not start with it: ${calibrateHint(pack)}, then check it with npx frhub models add ${pack}`);
}

/** Says at start what `frhub keys reencrypt-images` has left to do: images stored before encryption, or sealed with a key the file lacks. */
async function warnOfUnsealedImages(db: Db, imageKeys: ImageKeys, logger: pino.Logger): Promise<void> {
  const counts = await db.scoped({ tenantId: null, allTenants: true }, (tx) => new FaceCropRepository(imageKeys).countsByKey(tx));
  const clear = counts.find((c) => c.keyId === null)?.rows ?? 0;
  if (clear) logger.warn({ job: 'image-keys' }, `${clear} kept face image(s) were stored before images were encrypted and are still in the clear: run npx frhub keys reencrypt-images to seal them`);
  const lost = counts.filter((c) => c.keyId !== null && !imageKeys.find(c.keyId));
  for (const c of lost) logger.error({ job: 'image-keys' }, `${c.rows} kept face image(s) are sealed with image key ${c.keyId}, which ${imageKeys.file} does not hold: they cannot be shown; restore the key from your backup of that file`);
}

/** The services, wired once: every capability shares one database, clock and audit trail. */
export function wireServices(
  db: Db, embedder: EngineEmbedder, keys: SigningKeys, imageKeys: ImageKeyRing, config: Config, clock: Clock, onAuditFailure?: AuditFailureHook, reads?: ReplicaReads,
  models: ModelDescriber = { describe: () => undefined, calibration: (v) => (v === embedder.modelVersion ? embedder.calibration : undefined) },
  jobLog: JobLog = () => {},
): Services & { trail: AuditTrail } {
  // kept face crops are sealed and opened with the image keys wherever they are written or read
  const crops = new FaceCropRepository(imageKeys);
  const trail = new AuditTrail(db, clock, undefined, onAuditFailure);
  const shipped = embedder.shipped;
  const calibrations = new CalibrationService(db, clock, trail, (data) => calibrationPort(data as unknown as ScoreCalibration), {
    modelVersion: embedder.modelVersion, packId: shipped.packId, packVersion: shipped.packVersion, matchThreshold: embedder.matchThreshold,
    shipped: shipped.calibration as unknown as ActivePackCalibration['shipped'],
  });
  // a lead report names the calibration each search recorded, and reads its rates from it
  const described: ModelDescriber = { ...models, describe: (v) => models.describe(v), calibration: (v) => models.calibration(v), recorded: (tx, id) => calibrations.byId(tx, id) };
  const policies = new PolicyService(db, clock, trail);
  const quotas = new QuotaService(db, clock, trail);
  const sharing = new SharingService(db, clock, trail);
  const requests = new RequestService(db, clock, trail, crops);
  const examinations = new ExaminationService(db, clock, trail, requests, sharpProbeEditor, crops);
  const tokens = {
    async issue(o: { tenantSlug: string; principalId: string; ttlSeconds: number }) {
      const token = await mintToken(keys, { tenant: o.tenantSlug, principalId: o.principalId, ttlSeconds: o.ttlSeconds });
      return { token, expiresAt: new Date(clock.now().getTime() + o.ttlSeconds * 1000) };
    },
  };
  return {
    trail,
    tenants: new TenantService(db, clock, trail, policies, quotas, { monthlyQuota: config.defaultMonthlyQuota }, tokens),
    sessions: new SessionService(db, clock, trail),
    principals: new PrincipalService(db, clock, trail),
    galleries: new GalleryService(db, embedder, clock, trail, crops),
    records: new RecordsService(db, clock, trail),
    searches: new SearchService(db, embedder, clock, trail, quotas, crops, { targetFpir: config.targetFpir, examinations, calibrations }, reads),
    policies,
    quotas,
    sharing,
    examinationAgreements: new ExaminationAgreementService(db, clock, trail),
    requests,
    examinations,
    reviews: new ReviewService(db, clock, trail),
    audit: new AuditService(db, clock, trail),
    oversight: new OversightService(db, clock, trail, { describe: (v) => models.describe(v), activeModelVersion: embedder.modelVersion }),
    // measured in this process on the active pack's embeddings at its verification threshold
    groupRates: new GroupRatesService(db, clock, trail, { get modelVersion() { return embedder.modelVersion; }, get threshold() { return embedder.matchThreshold; }, measure: ratesByGroup }),
    reports: new ReportService(db, clock, trail, documentSigner(keys), described, crops, sharpProbeEditor),
    calibrations,
    calibrationJob: new CalibrationJob(db, clock, trail, calibrations, new GallerySampleService(db, trail), galleryMeasurer({ id: shipped.packId, version: shipped.packVersion }, () => clock.now()), {
      maxTemplates: config.calibrationMaxTemplates, maxSeconds: config.calibrationMaxSeconds, galleries: config.calibrationGalleries,
    }, jobLog),
    // the by-group seam (GroupRatesSource) stays empty until the galleries record demographic fields
    accountability: new AccountabilityService(db, clock, trail, calibrations, { describe: (v) => models.describe(v), activeModelVersion: embedder.modelVersion }),
    inferenceStatus: () => ({ ...embedder.status() }),
  };
}

import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import pino from 'pino';
import type { Services } from '../../schema/context.js';
import type { AuditFailureHook } from '../../tenants/audit/audit-trail.js';
import { RetentionService } from '../../tenants/retention/retention.service.js';
import { systemClock, type Clock } from '../../tenants/shared/ports.js';
import { graphqlRoute, startApollo } from '../apollo/graphql.js';
import { authenticator } from '../auth/bearer-authenticator.js';
import type { SigningKeys } from '../auth/hub-tokens.js';
import type { Config } from '../config.js';
import { ImageKeys, imageKeysFileOf } from '../database/image-keys.js';
import { openDatabase, type Database } from '../database/open-database.js';
import { requestLog, safeError } from '../http/http.js';
import { timedDb, timedEmbedder } from '../http/request-timing.js';
import { EngineEmbedder, type HubEngine } from '../engine/face-embedder.js';
import { RemoteInference } from '../engine/remote-inference.js';
import { packDescriber } from '../reports/report-signer.js';
import { prepareOnce, warnOfUnsealedImages } from './first-start.js';
import { startInference } from './inference.js';
import { hubMetrics } from './metrics.js';
import { readReplicas } from './read-replicas.js';
import { hubApp, pageRoutes } from './routes.js';
import { wireServices } from './services.js';
import { drainHttp } from './shutdown.js';
import { auditTokenLedger, scheduleJobs } from './timers.js';
import type { JobLog } from '../../tenants/calibration/calibration-job.js';

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
  const metrics = hubMetrics(engine);
  const db = timedDb(database.db, (s) => metrics.databaseSeconds.observe(s));
  const clock = opts.clock ?? systemClock;
  const onAuditFailure: AuditFailureHook = (err, { reason, requestId }) => {
    metrics.auditFailures.inc();
    logger.error({ err, requestId, reason }, 'could not audit a refused attempt: the refusal is missing from the audit chain');
  };
  const replicas = config.readReplicas && readReplicas(db, config.readReplicas, metrics.registry, logger, (s) => metrics.databaseSeconds.observe(s));
  if (replicas) undo.push(() => replicas.close());
  // made on first start (0600) beside the signing keys; replicas must share one file, as they share those
  const imageKeys = ImageKeys.load(imageKeysFileOf(config), { create: true });
  const embedder = timedEmbedder(new EngineEmbedder(engine, (why) => requestLog(logger).error({ job: 'inference' }, `refused the face engine's answer: ${why}`)), (s) => metrics.inferenceSeconds.observe(s));
  const jobLog: JobLog = (level, message, fields) => logger[level]({ job: 'calibration', ...fields }, message);
  const services = wireServices(db, embedder, keys, imageKeys, config, clock, onAuditFailure, replicas, packDescriber(engine, embedder), jobLog);
  await warnOfUnsealedImages(db, imageKeys, logger);
  const retention = new RetentionService(db, clock, services.trail);
  // on PostgreSQL, replicas share the database: advisory locks decide who does what once
  const shared = database.kind === 'postgres' ? database.dataSource : undefined;
  await prepareOnce(shared, services, config.indexBuildMemoryMb, logger);
  const ledger = await auditTokenLedger(config.dataDir, shared, services.tenants, logger);
  undo.push(() => ledger.stop());
  const schedule = scheduleJobs(config, shared, { retention, calibration: services.calibrationJob }, logger);
  undo.push(() => schedule.stop());

  const app = hubApp({ logger, metrics, database, engine, keys });
  const authenticate = authenticator(keys, services.tenants, services.sessions, { mfaAcrValues: config.mfaAcrValues, clock });
  const apollo = await startApollo(config, logger, metrics.opSeconds);
  graphqlRoute(app, apollo, { config, services, authenticate });
  pageRoutes(app, { config, services, keys, authenticate, logger, clock });

  let httpServer: Server | undefined;
  let closing: Promise<void> | undefined;
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
    auditIssuedTokens: ledger.audit,
    close() {
      closing ??= shutdown();
      return closing;
    },
  };

  // stop taking requests, let in-flight searches finish, then release the database and models
  async function shutdown(): Promise<void> {
    ledger.stop();
    await schedule.stop();
    if (httpServer) await drainHttp(httpServer, config.shutdownGraceMs);
    await apollo.stop();
    await ledger.audit().catch((err) => logger.error({ err }, 'could not audit issued tokens'));
    await replicas?.close();
    await database.close();
    await engine.close();
  }
}

import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { resolve } from 'node:path';
import { DEFAULT_INFERENCE_CONFIG, type InferenceConfig } from '../inference/face-engine.js';
import type { InFlightLimits } from '../inference/engine-thread.js';
import type { ProviderChoice } from '../inference/sessions.js';
import { defaultIndexBuildCapMb } from '../models/index-memory.js';
import { BINARY_WALK_ABOVE } from '../models/face-template.repository.js';
import { DEFAULT_TARGET_FPIR } from '../tenants/search/search-threshold.js';
import type { ReadReplicaSettings } from './database/read-replicas.js';

/** Everything the hub reads from the environment, parsed and validated once at start. */
export interface Config {
  port: number;
  /** address to bind: loopback by default for the embedded database, all interfaces with DATABASE_URL */
  host: string;
  dataDir: string;
  /** PostgreSQL in production; absent: embedded PGlite in dataDir */
  databaseUrl?: string;
  /** hot standbys of databaseUrl (DATABASE_READ_URLS) that searches' vector queries read from; absent: all on the primary */
  readReplicas?: ReadReplicaSettings;
  migrateOnStart: boolean;
  /** ID token `acr` values that count as multi-factor authentication for a tenant's requireMfa (FRHUB_MFA_ACR_VALUES, comma-separated); `amr` is read as well */
  mfaAcrValues: string[];
  /** the system-use notice the console's sign-in page shows and every sign-in must acknowledge (FRHUB_SYSTEM_USE_NOTICE, or the file FRHUB_SYSTEM_USE_NOTICE_FILE); absent: none */
  systemUseNotice?: string;
  introspection: boolean;
  logLevel: string;
  /** the largest photo accepted, in bytes (FRHUB_MAX_IMAGE_BYTES): uploads, base64 images and the decoder alike */
  maxImageBytes: number;
  /** quota a new tenant gets each month unless set otherwise */
  defaultMonthlyQuota: number;
  /** how long shutdown waits for in-flight requests before cutting connections */
  shutdownGraceMs: number;
  /** how often the server purges expired search details (fractions allowed); 0: never (use `frhub purge`) */
  purgeIntervalMinutes: number;
  /** how often the server measures its galleries' score calibrations (fractions allowed); 0: never (use `frhub calibrate --gallery --store`) */
  calibrationIntervalMinutes: number;
  /** templates the measuring job reads per gallery, whole subjects at a time */
  calibrationMaxTemplates: number;
  /** seconds one gallery's measurement may take before the job gives it up */
  calibrationMaxSeconds: number;
  /** the galleries it measures (ids); empty: every gallery of the operator tenant (the booking photos) */
  calibrationGalleries: string[];
  /** the key set every replica shares (`frhub keys generate`); absent: a key generated into dataDir */
  signingKeysFile?: string;
  /** the keys that seal kept face images (default: image-keys.json beside the signing keys) */
  imageKeysFile?: string;
  inference: InferenceConfig;
  /** photos (and their bytes) the hub sends the inference thread before it refuses with OVERLOADED */
  inferenceInFlight: InFlightLimits;
  /** most maintenance_work_mem (MB) an HNSW index build is given; the build asks only what its graph needs */
  indexBuildMemoryMb: number;
  /** false-positive identification rate a search's default threshold aims at, over the templates it searches */
  targetFpir: number;
  /** from this many templates of the active model its binary graph is built (at start) and walked; 0: never */
  binaryWalkAbove: number;
  /** `frhub serve-inference` workers; empty: the engine runs in process */
  remoteInference: RemoteInferenceConfig;
}

export interface RemoteInferenceConfig {
  urls: string[];
  /** sent as `authorization: Bearer …` to every worker (FRHUB_INFERENCE_SECRET, the same on the workers) */
  secret?: string;
  timeoutMs: number;
  healthIntervalMs: number;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(env: Env, key: string, fallback: number, min = 0): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${key} must be an integer >= ${min}, got '${raw}'`);
  return n;
}

function num(env: Env, key: string, fallback: number, min = -Infinity): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new ConfigError(`${key} must be a number${min > -Infinity ? ` >= ${min}` : ''}, got '${raw}'`);
  return n;
}

function fraction(env: Env, key: string, fallback: number): number {
  const n = num(env, key, fallback);
  if (!(n > 0 && n <= 1)) throw new ConfigError(`${key} must be a rate above 0 and at most 1 (e.g. 0.1), got '${env[key]}'`);
  return n;
}

function bool(env: Env, key: string, fallback: boolean): boolean {
  const raw = env[key]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${key} must be true or false, got '${env[key]}'`);
}

function oneOf<T extends string>(env: Env, key: string, allowed: readonly T[], fallback: T): T {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(`${key} must be one of ${allowed.join(', ')}, got '${raw}'`);
  return raw as T;
}

/** FRHUB_INFERENCE_URLS: comma-separated http:// URLs of workers (HTTP/2 without TLS). */
function workerUrls(env: Env): string[] {
  const raw = env.FRHUB_INFERENCE_URLS?.trim();
  if (!raw) return [];
  return raw.split(',').map((u) => u.trim()).filter(Boolean).map((u) => {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      throw new ConfigError(`FRHUB_INFERENCE_URLS: '${u}' is not a URL; give each worker as http://host:port, comma-separated`);
    }
    if (url.protocol !== 'http:' || !url.port) throw new ConfigError(`FRHUB_INFERENCE_URLS: '${u}' must be http://host:port (a worker speaks HTTP/2 without TLS on its port)`);
    return url.origin;
  });
}

/**
 * DATABASE_URL names one server: node-postgres (8.x) has no libpq multi-host list nor
 * target_session_attrs, and would fail with "Invalid URL" far from the cause; failover is an address
 * that follows the primary (docs/scaling.md, "Faults").
 */
function primaryUrl(url: string | undefined): string | undefined {
  if (url && /^postgres(ql)?:\/\/[^/?#]*,/.test(url)) {
    throw new ConfigError('DATABASE_URL lists several hosts: the hub\'s PostgreSQL driver (node-postgres) connects to one host and has no target_session_attrs. Give one address that follows the primary (a virtual IP, a DNS name your failover manager moves, or a proxy such as HAProxy or PgBouncer in front of the cluster); see docs/scaling.md, "Faults"');
  }
  if (url && /[?&]target_session_attrs=/.test(url)) {
    throw new ConfigError('DATABASE_URL sets target_session_attrs, which the hub\'s PostgreSQL driver (node-postgres) ignores: remove it and give one address that follows the primary; see docs/scaling.md, "Faults"');
  }
  return url;
}

/** DATABASE_READ_URLS: comma-separated postgres:// URLs of streaming standbys of DATABASE_URL. */
function readReplicas(env: Env, databaseUrl: string | undefined): ReadReplicaSettings | undefined {
  const urls = (env.DATABASE_READ_URLS ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  if (!urls.length) return undefined;
  if (!databaseUrl) throw new ConfigError('DATABASE_READ_URLS names standbys of a PostgreSQL primary: set DATABASE_URL to that primary, or unset DATABASE_READ_URLS');
  for (const u of urls) {
    let protocol = '';
    try {
      protocol = new URL(u).protocol;
    } catch {
      /* reported below */
    }
    if (!['postgres:', 'postgresql:'].includes(protocol)) throw new ConfigError(`DATABASE_READ_URLS must be comma-separated postgres:// URLs, got '${u.replace(/\/\/[^@/]*@/, '//…@')}'`);
  }
  return {
    urls,
    maxWaitMs: int(env, 'FRHUB_READ_REPLICA_WAIT_MS', 50, 0),
    timeoutMs: int(env, 'FRHUB_READ_REPLICA_TIMEOUT_MS', 2000, 1),
    retryMs: int(env, 'FRHUB_READ_REPLICA_RETRY_MS', 30_000, 0),
  };
}

/** The system-use notice: its text, or a file's (UTF-8, at most 8 KB); blank means none. */
function systemUseNotice(env: Env): string | undefined {
  const file = env.FRHUB_SYSTEM_USE_NOTICE_FILE?.trim();
  let text = env.FRHUB_SYSTEM_USE_NOTICE;
  if (file) {
    try {
      text = readFileSync(resolve(file), 'utf8');
    } catch (e) {
      throw new ConfigError(`FRHUB_SYSTEM_USE_NOTICE_FILE: cannot read ${file} (${(e as Error).message}); give the path of a UTF-8 text file with the notice`);
    }
  }
  text = text?.trim();
  if (text && text.length > 8192) throw new ConfigError('the system-use notice (FRHUB_SYSTEM_USE_NOTICE or its file) is longer than 8192 characters; shorten it');
  return text || undefined;
}

export function loadConfig(env: Env = process.env): Config {
  const dataDir = resolve(env.FRHUB_DATA_DIR || 'data');
  const maxImageBytes = int(env, 'FRHUB_MAX_IMAGE_BYTES', 20 * 1024 * 1024, 1);
  const databaseUrl = primaryUrl(env.DATABASE_URL || undefined);
  return {
    port: int(env, 'PORT', 4000),
    host: env.HOST || (databaseUrl ? '0.0.0.0' : '127.0.0.1'),
    dataDir,
    databaseUrl,
    readReplicas: readReplicas(env, databaseUrl),
    migrateOnStart: bool(env, 'FRHUB_MIGRATE_ON_START', true),
    mfaAcrValues: (env.FRHUB_MFA_ACR_VALUES ?? '').split(',').map((v) => v.trim()).filter(Boolean),
    systemUseNotice: systemUseNotice(env),
    introspection: bool(env, 'FRHUB_INTROSPECTION', true),
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    maxImageBytes,
    defaultMonthlyQuota: int(env, 'FRHUB_DEFAULT_MONTHLY_QUOTA', 500, 0),
    purgeIntervalMinutes: num(env, 'FRHUB_PURGE_INTERVAL_MINUTES', 360, 0),
    calibrationIntervalMinutes: num(env, 'FRHUB_CALIBRATION_INTERVAL_MINUTES', 0, 0),
    calibrationMaxTemplates: int(env, 'FRHUB_CALIBRATION_MAX_TEMPLATES', 2000, 2),
    calibrationMaxSeconds: num(env, 'FRHUB_CALIBRATION_MAX_SECONDS', 300, 0.001),
    calibrationGalleries: (env.FRHUB_CALIBRATION_GALLERIES ?? '').split(',').map((g) => g.trim()).filter(Boolean),
    signingKeysFile: env.FRHUB_SIGNING_KEYS_FILE ? resolve(env.FRHUB_SIGNING_KEYS_FILE) : undefined,
    imageKeysFile: env.FRHUB_IMAGE_KEYS_FILE ? resolve(env.FRHUB_IMAGE_KEYS_FILE) : undefined,
    shutdownGraceMs: int(env, 'FRHUB_SHUTDOWN_GRACE_MS', 30_000, 0),
    inference: {
      modelDir: resolve(env.FRHUB_MODEL_DIR || resolve(dataDir, 'models')),
      pack: env.FRHUB_MODEL_PACK || DEFAULT_INFERENCE_CONFIG.pack,
      provider: oneOf<ProviderChoice>(env, 'FRHUB_INFERENCE_PROVIDER', ['auto', 'cuda', 'cpu'], 'auto'),
      batch: {
        maxBatch: int(env, 'FRHUB_BATCH_MAX', 32, 1),
        maxWaitMs: int(env, 'FRHUB_BATCH_WAIT_MS', 2, 0),
        maxQueue: int(env, 'FRHUB_QUEUE_MAX', 256, 1),
      },
      limits: { maxBytes: maxImageBytes, maxPixels: int(env, 'FRHUB_MAX_IMAGE_PIXELS', 50_000_000, 1) },
      minQuality: num(env, 'FRHUB_MIN_QUALITY', DEFAULT_INFERENCE_CONFIG.minQuality),
      threads: int(env, 'FRHUB_INFERENCE_THREADS', 0) || undefined,
      spinning: bool(env, 'FRHUB_INFERENCE_SPIN', false),
    },
    indexBuildMemoryMb: int(env, 'FRHUB_INDEX_BUILD_MEMORY_MB', defaultIndexBuildCapMb(totalmem()), 1),
    remoteInference: {
      urls: workerUrls(env),
      secret: env.FRHUB_INFERENCE_SECRET || undefined,
      timeoutMs: int(env, 'FRHUB_INFERENCE_TIMEOUT_MS', 60_000, 1),
      healthIntervalMs: int(env, 'FRHUB_INFERENCE_HEALTH_MS', 2_000, 10),
    },
    targetFpir: fraction(env, 'FRHUB_TARGET_FPIR', DEFAULT_TARGET_FPIR),
    binaryWalkAbove: int(env, 'FRHUB_BINARY_WALK_ABOVE', BINARY_WALK_ABOVE, 0),
    inferenceInFlight: { photos: int(env, 'FRHUB_INFLIGHT_PHOTOS', 32, 1), bytes: int(env, 'FRHUB_INFLIGHT_BYTES', 4 * maxImageBytes, 1) },
  };
}

import { timingSafeEqual } from 'node:crypto';
import { InferenceError, type InferenceErrorCode } from './errors.js';
import type { Analysis, AnalyzeOptions, InferenceStatus } from './face-engine.js';
import type { ModelPackManifest } from './model-pack.js';
import type { FaceCrop } from './face-crop.js';

// The wire between a hub and `frhub serve-inference`: HTTP/2 (cleartext, prior knowledge), JSON
// answers, the photo's bytes as the request body. Shared by the worker (inference/) and the hub's client (server/).

export const PROTOCOL_VERSION = 1;
export const HEALTH_PATH = '/v1/health';
export const ANALYZE_PATH = '/v1/analyze';
export const THROUGHPUT_PATH = '/v1/embed-throughput';
/** the analyze call's AnalyzeOptions, as JSON */
export const OPTIONS_HEADER = 'frhub-analyze-options';
/** the env variable both sides read: when set, every call carries `authorization: Bearer <secret>` */
export const SECRET_ENV = 'FRHUB_INFERENCE_SECRET';

export type WorkerState = 'ready' | 'draining' | 'restarting';

/** GET /v1/health: 200 when ready, 503 while draining or while its inference thread restarts. */
export interface WorkerHealth extends InferenceStatus {
  status: WorkerState;
  protocol: number;
  modelVersion: string;
  manifest: ModelPackManifest;
  /** photos being analysed now, and the bound past which the worker answers OVERLOADED */
  inFlight: number;
  inFlightBytes: number;
  maxInFlight: number;
  restarts: number;
  /** analyze calls answered since start (successes and refusals alike) */
  served: number;
}

/** Every refusal's body; the HTTP status is only a hint, the code is the contract. */
export interface WireFailure {
  error: { code: InferenceErrorCode | 'UNAUTHENTICATED' | 'NOT_FOUND' | 'BAD_REQUEST' | 'INTERNAL'; message: string; details?: Record<string, unknown> };
}

const STATUS: Partial<Record<InferenceErrorCode, number>> = { IMAGE_TOO_LARGE: 413, OVERLOADED: 503, MODEL_UNAVAILABLE: 503 };
export const httpStatusOf = (code: WireFailure['error']['code']): number =>
  code === 'UNAUTHENTICATED' ? 401 : code === 'NOT_FOUND' ? 404 : code === 'BAD_REQUEST' ? 400 : code === 'INTERNAL' ? 500 : (STATUS[code] ?? 422);

export function failureOf(e: unknown): WireFailure {
  if (e instanceof InferenceError) return { error: { code: e.code, message: e.message, details: e.details } };
  return { error: { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) } };
}

type Face = Analysis['faces'][number];
type WireFace = Omit<Face, 'embedding' | 'crop'> & { embedding?: string; crop?: Omit<FaceCrop, 'jpeg'> & { jpeg: string } };
/** An Analysis as JSON: each embedding as base64 of its little-endian float32s, a kept crop's JPEG as base64. */
export type WireAnalysis = Omit<Analysis, 'faces'> & { faces: WireFace[] };

const base64 = (b: ArrayBufferView) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

export function encodeAnalysis(a: Analysis): WireAnalysis {
  return {
    ...a,
    faces: a.faces.map(({ embedding, crop, ...f }) => ({
      ...f,
      ...(embedding && { embedding: base64(embedding) }),
      ...(crop && { crop: { ...crop, jpeg: base64(crop.jpeg) } }),
    })),
  };
}

const floats = (b: Buffer) => new Float32Array(new Uint8Array(b.subarray(0, b.byteLength - (b.byteLength % 4))).buffer);

export function decodeAnalysis(w: WireAnalysis): Analysis {
  return {
    ...w,
    faces: w.faces.map(({ embedding, crop, ...f }): Face => ({
      ...f,
      // a copy: the decoded Buffer's offset in its pool need not be 4-aligned; a ragged tail is dropped (the hub's gate then refuses the dimension)
      ...(embedding !== undefined && { embedding: floats(Buffer.from(String(embedding), 'base64')) }),
      ...(crop && { crop: { ...crop, jpeg: new Uint8Array(Buffer.from(crop.jpeg, 'base64')) } }),
    })),
  };
}

const SELECTS = new Set(['all', 'dominant', 'prominent']);

/** The options header, checked: an unknown value is a caller's bug, refused rather than guessed. */
export function parseOptions(raw: string | undefined): AnalyzeOptions {
  if (!raw) return {};
  const o = JSON.parse(raw) as Record<string, unknown>;
  if (o.select !== undefined && !SELECTS.has(String(o.select))) throw new Error(`select must be all, dominant or prominent, got ${String(o.select)}`);
  return { select: o.select as AnalyzeOptions['select'], embed: o.embed === undefined ? undefined : o.embed === true, enforceQuality: o.enforceQuality === true, crop: o.crop === true };
}

/** Constant-time comparison of an `authorization` header with the shared secret; no secret: open. */
export function authorized(header: string | undefined, secret: string | undefined): boolean {
  if (!secret) return true;
  const given = Buffer.from(header ?? '');
  const wanted = Buffer.from(`Bearer ${secret}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** Loopback addresses, where a worker may listen without a secret. */
export const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || /^127\./.test(host);

export const revive = (f: WireFailure['error']): Error =>
  f.code === 'UNAUTHENTICATED' || f.code === 'NOT_FOUND' || f.code === 'BAD_REQUEST' || f.code === 'INTERNAL' ? new Error(f.message) : new InferenceError(f.code, f.message, f.details ?? {});

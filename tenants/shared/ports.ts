// What the services need from outside, implemented and wired by the server.
import type { ProbeEditKind, SigningKeyStatus } from '../../models/enums.js';
import type { ProbeEditStepRow } from '../../models/request.repository.js';
import type { Queryable, ScopedDatabase, TenantScope } from '../../models/db.js';
import type { VectorStorage } from '../../models/index-memory.js';

/** A face's image quality in the parts an examiner can act on (ISO/IEC 29794-5's components, as the inference module measures them). */
export interface QualityComponents {
  // null: not measured (a remote worker of an older version)
  /** pixels between the eyes' centres */
  interEyePx: number | null;
  /** head turned left or right, degrees (0: frontal) */
  yawDeg: number | null;
  /** head tilted down (+) or up (−), degrees: an estimate from five points */
  pitchDeg: number | null;
  /** head leaning sideways, degrees */
  rollDeg: number | null;
  /** variance of the Laplacian of the aligned face: higher is sharper */
  sharpness: number | null;
  /** mean brightness of the face, 0 (black) to 1 (white) */
  exposure: number | null;
  /** share of the face's pixels crushed to black or burnt to white */
  clipped: number | null;
  /** share of the face's box inside the photo (1: all of it) */
  inFrame: number | null;
}

export interface EmbeddedFace {
  embedding: Float32Array;
  modelVersion: string;
  quality: number;
  qualityComponents: QualityComponents;
  imageSha256: string;
  imageBytes: number;
  box: { x: number; y: number; width: number; height: number };
  /** the face kept for re-embedding and review (asked with keepCrop) */
  crop?: KeptCrop;
}

/** Where the face a search would use sits in a photo: found by the same rule as `embedOne`, nothing embedded or kept. */
export interface LocatedFace {
  box: { x: number; y: number; width: number; height: number };
  quality: number;
  qualityComponents: QualityComponents;
  /** the photo's size in pixels, as decoded (the box is in these pixels) */
  width: number;
  height: number;
}

/** A face crop as enrollment keeps it: a JPEG, the face centred at about 2/5 of its width, upright. */
export interface KeptCrop {
  jpeg: Uint8Array;
  width: number;
  height: number;
  box: { x: number; y: number; width: number; height: number };
}

/** Re-embeds kept crops with another model pack (`frhub reembed`). */
export interface CropEmbedder {
  readonly modelVersion: string;
  readonly dim: number;
  readonly vectorStorage: VectorStorage;
  /** the most prominent face of a kept crop; throws errors carrying a stable `code` */
  embedCrop(jpeg: Uint8Array): Promise<{ embedding: Float32Array; quality: number }>;
}

/** What a score means for the active model, from its pack's calibration (the impostor score distribution). */
export interface ScoreCalibrationPort {
  /** share of different-person pairs measured at or above `score`; above all of them, `limit` (then meaning "at most") */
  falseMatchRateAt(score: number): number;
  /** the 95% interval of that rate, from the pairs of people measured; above every impostor pair, low 0 and a one-sided 95% bound */
  falseMatchRateInterval(score: number): { low: number; high: number };
  /** the lowest score whose false-match rate is at most `fmr`; below `limit`, the strictest the data supports */
  thresholdForFalseMatchRate(fmr: number): number;
  /** 1 / impostor pairs measured: the smallest rate the calibration can show */
  readonly limit: number;
  /** the highest impostor score measured: above it a rate is only known to be under `limit` */
  readonly highestImpostorScore: number;
}

/** Reads a stored calibration's distributions as what a score means (the inference module's arithmetic, wired by the server). */
export type CalibrationReader = (data: Record<string, unknown>) => ScoreCalibrationPort;

export interface FaceEmbedder {
  readonly modelVersion: string;
  readonly dim: number;
  /** the calibrated cosine similarity for "same person" of the active model */
  readonly matchThreshold: number;
  /** how the vector index keeps this model's templates (its pack's choice) */
  readonly vectorStorage: VectorStorage;
  /** absent when the active pack has no calibration measured with this version */
  readonly calibration?: ScoreCalibrationPort;
  /** one dominant face, quality-checked; throws errors carrying a stable `code` */
  embedOne(image: Buffer, opts?: { keepCrop?: boolean }): Promise<EmbeddedFace>;
  /** the face `embedOne` would choose, with the same refusals (NO_FACE_FOUND, MULTIPLE_FACES, LOW_QUALITY, IMAGE_TOO_LARGE, ...), without embedding it */
  locate(image: Buffer): Promise<LocatedFace>;
}

export interface Page<T> {
  nodes: T[];
  endCursor: string | null;
  hasNextPage: boolean;
}

/** Time, injected so deadlines and retention can be tested. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Mints hub tokens (the server holds the signing key). */
export interface TokenIssuer {
  issue(opts: { tenantSlug: string; principalId: string; ttlSeconds: number }): Promise<{ token: string; expiresAt: Date }>;
}

/**
 * Where a search reads its candidates (docs/scaling.md, "Read replicas"): `read` (read-only, no side
 * effects) then `write`, both under `scope`'s row-level security. The server may run `read` on a
 * streaming replica that has replayed every commit made before the call, and `write` on the primary.
 */
export interface ReplicaReads {
  readThenWrite<R, T>(scope: TenantScope, read: (tx: Queryable) => Promise<R>, write: (tx: Queryable, read: R) => Promise<T>): Promise<T>;
}

/** No replica: both in one primary transaction. */
export const primaryReads = (db: ScopedDatabase): ReplicaReads => ({
  readThenWrite: (scope, read, write) => db.scoped(scope, async (tx) => write(tx, await read(tx))),
});

/** One recorded step of a probe edit, with its parameters (pixels of the image the step is applied to; degrees; factors around 1): a stored step, its kind one of the vocabulary's. */
export type ProbeEditStep = Omit<ProbeEditStepRow, 'kind'> & { kind: ProbeEditKind | `${ProbeEditKind}` };

/** Derives an edited probe from the original, step by step; the original is never changed. Throws DomainError BAD_USER_INPUT for a step that cannot apply. */
export interface ProbeEditor {
  apply(original: Buffer, steps: ProbeEditStep[]): Promise<Buffer>;
  /** the image as a baseline JPEG for print (a lead report's probe versions), at most `max` pixels a side */
  print(image: Buffer, max: number): Promise<Buffer>;
}

/** Signs what the hub hands out (lead reports) with the hub's signing keys, and checks such signatures. */
export interface DocumentSigner {
  /** a compact JWS over `digest` (hex sha256 of the document's canonical form) */
  sign(digest: string): Promise<{ alg: string; kid: string; jws: string }>;
  /** the digest a signature carries, the key that made it and how that key stands now (a retired key still verifies what it signed); throws when no key the hub holds or retired verifies it */
  verify(jws: string): Promise<{ kid: string; digest: string; keyStatus: SigningKeyStatus; retiredAt?: Date }>;
}

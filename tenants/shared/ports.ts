// What the services need from outside, implemented and wired by the server.

export interface EmbeddedFace {
  embedding: Float32Array;
  modelVersion: string;
  quality: number;
  imageSha256: string;
  imageBytes: number;
  box: { x: number; y: number; width: number; height: number };
}

/** What a score means for the active model, from its pack's calibration (the impostor score distribution). */
export interface ScoreCalibrationPort {
  /** share of different-person pairs measured at or above `score`; above all of them, `limit` (then meaning "at most") */
  falseMatchRateAt(score: number): number;
  /** the lowest score whose false-match rate is at most `fmr`; below `limit`, the strictest the data supports */
  thresholdForFalseMatchRate(fmr: number): number;
  /** 1 / impostor pairs measured: the smallest rate the calibration can show */
  readonly limit: number;
  /** the highest impostor score measured: above it a rate is only known to be under `limit` */
  readonly highestImpostorScore: number;
}

export interface FaceEmbedder {
  readonly modelVersion: string;
  readonly dim: number;
  /** the calibrated cosine similarity for "same person" of the active model */
  readonly matchThreshold: number;
  /** absent when the active pack has no calibration measured with this version */
  readonly calibration?: ScoreCalibrationPort;
  /** one dominant face, quality-checked; throws errors carrying a stable `code` */
  embedOne(image: Buffer): Promise<EmbeddedFace>;
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

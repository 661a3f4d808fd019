// What the services need from outside, implemented and wired by the server.

export interface EmbeddedFace {
  embedding: Float32Array;
  modelVersion: string;
  quality: number;
  imageSha256: string;
  imageBytes: number;
  box: { x: number; y: number; width: number; height: number };
  /** the face kept for re-embedding and review (asked with keepCrop) */
  crop?: KeptCrop;
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
  /** the most prominent face of a kept crop; throws errors carrying a stable `code` */
  embedCrop(jpeg: Uint8Array): Promise<{ embedding: Float32Array; quality: number }>;
}

export interface FaceEmbedder {
  readonly modelVersion: string;
  readonly dim: number;
  /** the calibrated cosine similarity for "same person" of the active model */
  readonly matchThreshold: number;
  /** one dominant face, quality-checked; throws errors carrying a stable `code` */
  embedOne(image: Buffer, opts?: { keepCrop?: boolean }): Promise<EmbeddedFace>;
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

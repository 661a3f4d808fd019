import type { FaceAnalyzer, InferenceStatus } from '../inference/face-engine.js';
import type { EmbeddedFace, FaceEmbedder } from '../tenants/shared/ports.js';

/** What the hub sees of its engine, whichever runs it: the in-process EngineThread or remote workers. */
export type EngineStatus = InferenceStatus & { available: boolean; inFlight: number; inFlightBytes: number; restarts: number };

export interface HubEngine extends FaceAnalyzer {
  status(): EngineStatus;
}

/** The services' FaceEmbedder, backed by the inference module: one dominant, quality-checked face. */
export class EngineEmbedder implements FaceEmbedder {
  constructor(private readonly engine: FaceAnalyzer) {}

  get modelVersion(): string {
    return this.engine.modelVersion;
  }

  get dim(): number {
    return this.engine.manifest.recognizer.dim;
  }

  get matchThreshold(): number {
    return this.engine.manifest.thresholds.match;
  }

  status(): Record<string, unknown> {
    return { ...this.engine.status() };
  }

  async embedOne(image: Buffer): Promise<EmbeddedFace> {
    const a = await this.engine.analyze(image, { select: 'dominant', enforceQuality: true });
    const f = a.faces[0];
    return { embedding: f.embedding!, modelVersion: a.model.version, quality: f.quality.score, imageSha256: a.image.sha256, imageBytes: a.image.bytes, box: f.box };
  }
}

import { calibrationLimit, falseMatchRateAt, falseMatchRateInterval, thresholdForFalseMatchRate, usableCalibration } from '../inference/calibration.js';
import type { FaceAnalyzer, InferenceStatus } from '../inference/face-engine.js';
import type { CropEmbedder, EmbeddedFace, FaceEmbedder, LocatedFace, ScoreCalibrationPort } from '../tenants/shared/ports.js';
import { VectorStorage } from '../models/index-memory.js';

/** The pack's choice of index storage (checked against INDEX_STORAGES when the pack was loaded; the two vocabularies are one, test/models/index-memory.spec.ts). */
const storageOf = (engine: FaceAnalyzer): VectorStorage => (engine.manifest.index?.storage as VectorStorage | undefined) ?? VectorStorage.VECTOR;

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

  get vectorStorage(): VectorStorage {
    return storageOf(this.engine);
  }

  get matchThreshold(): number {
    return this.engine.manifest.thresholds.match;
  }

  get calibration(): ScoreCalibrationPort | undefined {
    const cal = usableCalibration(this.engine.manifest).calibration;
    if (!cal) return undefined;
    return {
      falseMatchRateAt: (score) => falseMatchRateAt(cal, score),
      falseMatchRateInterval: (score) => falseMatchRateInterval(cal, score),
      thresholdForFalseMatchRate: (fmr) => thresholdForFalseMatchRate(cal, fmr),
      limit: calibrationLimit(cal),
      highestImpostorScore: cal.impostor.tail[0][0],
    };
  }

  status(): Record<string, unknown> {
    return { ...this.engine.status() };
  }

  async embedOne(image: Buffer, opts: { keepCrop?: boolean } = {}): Promise<EmbeddedFace> {
    const a = await this.engine.analyze(image, { select: 'dominant', enforceQuality: true, crop: opts.keepCrop });
    const f = a.faces[0];
    return { embedding: f.embedding!, modelVersion: a.model.version, quality: f.quality.score, imageSha256: a.image.sha256, imageBytes: a.image.bytes, box: f.box, crop: f.crop };
  }

  async locate(image: Buffer): Promise<LocatedFace> {
    const a = await this.engine.analyze(image, { select: 'dominant', enforceQuality: true, embed: false });
    const f = a.faces[0];
    return { box: f.box, quality: f.quality.score, width: a.image.width, height: a.image.height };
  }
}

/** Kept crops through another pack's engine: the crop's most prominent face, never refused for quality (it was accepted at enrollment). */
export class EngineCropEmbedder implements CropEmbedder {
  constructor(private readonly engine: FaceAnalyzer) {}

  get modelVersion(): string {
    return this.engine.modelVersion;
  }

  get dim(): number {
    return this.engine.manifest.recognizer.dim;
  }

  get vectorStorage(): VectorStorage {
    return storageOf(this.engine);
  }

  async embedCrop(jpeg: Uint8Array): Promise<{ embedding: Float32Array; quality: number }> {
    const a = await this.engine.analyze(Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength), { select: 'prominent' });
    return { embedding: a.faces[0].embedding!, quality: a.faces[0].quality.score };
  }
}

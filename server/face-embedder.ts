import { calibrationLimit, falseMatchRateAt, thresholdForFalseMatchRate, usableCalibration } from '../inference/calibration.js';
import type { FaceAnalyzer } from '../inference/face-engine.js';
import type { EmbeddedFace, FaceEmbedder, ScoreCalibrationPort } from '../tenants/shared/ports.js';

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

  get calibration(): ScoreCalibrationPort | undefined {
    const cal = usableCalibration(this.engine.manifest).calibration;
    if (!cal) return undefined;
    return {
      falseMatchRateAt: (score) => falseMatchRateAt(cal, score),
      thresholdForFalseMatchRate: (fmr) => thresholdForFalseMatchRate(cal, fmr),
      limit: calibrationLimit(cal),
      highestImpostorScore: cal.impostor.tail[0][0],
    };
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

import { createHash } from 'node:crypto';
import { calibrationLimit, falseMatchRateAt, falseMatchRateInterval, thresholdForFalseMatchRate, usableCalibration, type ScoreCalibration } from '../../inference/calibration.js';
import { embeddingFault } from '../../inference/embedding.js';
import { InferenceError } from '../../inference/errors.js';
import type { Analysis, FaceAnalyzer, InferenceStatus } from '../../inference/face-engine.js';
import type { CropEmbedder, EmbeddedFace, FaceEmbedder, LocatedFace, QualityComponents, ScoreCalibrationPort } from '../../tenants/shared/ports.js';
import type { FaceQuality } from '../../inference/quality.js';
import { VectorStorage } from '../../models/index-memory.js';

/** The pack's choice of index storage (checked against INDEX_STORAGES when the pack was loaded; the two vocabularies are one, test/models/index-memory.spec.ts). */
const storageOf = (engine: FaceAnalyzer): VectorStorage => (engine.manifest.index?.storage as VectorStorage | undefined) ?? VectorStorage.VECTOR;

/** What the hub sees of its engine, whichever runs it: the in-process EngineThread or remote workers. */
export type EngineStatus = InferenceStatus & { available: boolean; inFlight: number; inFlightBytes: number; restarts: number };

export interface HubEngine extends FaceAnalyzer {
  status(): EngineStatus;
}

type Face = Analysis['faces'][number];
const finite = (...xs: unknown[]) => xs.every((x) => typeof x === 'number' && Number.isFinite(x));

/**
 * The one gate for what the inference tier answers (the engine thread in process, or a remote worker
 * that may be broken or lying): the first face of an analysis of `image`, believed only when it is an
 * answer of the hub's own model version and dimension about these very bytes, with a finite box and
 * quality and, when asked for, a finite unit-length embedding. Anything else is MODEL_UNAVAILABLE,
 * thrown before anything is stored or charged (the services embed outside their transactions).
 */
export function believe(engine: FaceAnalyzer, image: Buffer, a: Analysis, embedded: boolean, onDistrust?: (why: string) => void): Face {
  const version = engine.modelVersion;
  const dim = engine.manifest.recognizer.dim;
  const f = Array.isArray(a?.faces) ? a.faces[0] : undefined;
  const fault =
    a?.model?.version !== version ? `it answered for model ${String(a?.model?.version)}, the hub runs ${version}`
    : a.model.dim !== dim ? `it answered for ${String(a.model.dim)} dimensions, the hub's model has ${dim}`
    : a.image?.sha256 !== sha256(image) || a.image.bytes !== image.length ? 'it describes other bytes than the photo sent'
    : !f ? 'it found no face yet did not refuse the photo'
    : !finite(f.box?.x, f.box?.y, f.box?.width, f.box?.height, f.quality?.score) || f.quality.score < 0 || f.quality.score > 1 ? "the face's box or quality is not a number in range"
    : f.crop && !(f.crop.jpeg instanceof Uint8Array && f.crop.jpeg[0] === 0xff && f.crop.jpeg[1] === 0xd8 && finite(f.crop.width, f.crop.height)) ? 'its kept face crop is not a JPEG'
    : embedded ? embeddingFault(f.embedding, dim) && `its embedding has ${embeddingFault(f.embedding, dim)}`
    : undefined;
  if (fault) {
    onDistrust?.(fault);
    throw new InferenceError('MODEL_UNAVAILABLE', `The face engine gave an answer the hub cannot use (${fault}); nothing was stored or counted. Retry in a few seconds; if it happens again, an operator should check the inference workers and their model pack.`);
  }
  return f!;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The quality components the services show, each a finite number or null (an answer that did not measure it). */
function componentsOf(q: Partial<FaceQuality>): QualityComponents {
  const n = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  return { interEyePx: n(q.interEyePx), yawDeg: n(q.yawDeg), pitchDeg: n(q.pitchDeg), rollDeg: n(q.rollDeg), sharpness: n(q.sharpness), exposure: n(q.exposure), clipped: n(q.clipped), inFrame: n(q.inFrame) };
}

/** What a calibration's scores mean, through the inference module's arithmetic: a pack's own, or one stored by the hub (CalibrationReader). */
export function calibrationPort(cal: ScoreCalibration): ScoreCalibrationPort {
  return {
    falseMatchRateAt: (score) => falseMatchRateAt(cal, score),
    falseMatchRateInterval: (score) => falseMatchRateInterval(cal, score),
    thresholdForFalseMatchRate: (fmr) => thresholdForFalseMatchRate(cal, fmr),
    limit: calibrationLimit(cal),
    highestImpostorScore: cal.impostor.tail[0][0],
  };
}

/** The services' FaceEmbedder, backed by the inference module: one dominant, quality-checked face. */
export class EngineEmbedder implements FaceEmbedder {
  /** onDistrust: told why an answer was refused (the operator's log; the caller sees MODEL_UNAVAILABLE) */
  constructor(
    private readonly engine: FaceAnalyzer,
    private readonly onDistrust?: (why: string) => void,
  ) {}

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
    return cal && calibrationPort(cal);
  }

  /** The pack and the calibration it shipped with (measured with this very version), as the hub stores it. */
  get shipped(): { packId: string; packVersion: string; calibration?: ScoreCalibration } {
    const m = this.engine.manifest;
    return { packId: m.id, packVersion: m.version, calibration: usableCalibration(m).calibration };
  }

  status(): InferenceStatus & Record<string, unknown> {
    return { ...this.engine.status() };
  }

  async embedOne(image: Buffer, opts: { keepCrop?: boolean } = {}): Promise<EmbeddedFace> {
    const a = await this.engine.analyze(image, { select: 'dominant', enforceQuality: true, crop: opts.keepCrop });
    const f = believe(this.engine, image, a, true, this.onDistrust);
    // the version and checksum are the hub's own, never taken from the answer
    return { embedding: f.embedding!, modelVersion: this.engine.modelVersion, quality: f.quality.score, qualityComponents: componentsOf(f.quality), imageSha256: sha256(image), imageBytes: image.length, box: f.box, crop: f.crop };
  }

  async locate(image: Buffer): Promise<LocatedFace> {
    const a = await this.engine.analyze(image, { select: 'dominant', enforceQuality: true, embed: false });
    const f = believe(this.engine, image, a, false, this.onDistrust);
    return { box: f.box, quality: f.quality.score, qualityComponents: componentsOf(f.quality), width: a.image.width, height: a.image.height };
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
    const image = Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
    const f = believe(this.engine, image, await this.engine.analyze(image, { select: 'prominent' }), true);
    return { embedding: f.embedding!, quality: f.quality.score };
  }
}

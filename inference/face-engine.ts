import * as ort from 'onnxruntime-node';
import { isAbsolute, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MicroBatcher, type BatcherOptions } from './batcher.js';
import { landmarks68, runLandmarkNet } from './align/landmarks68.js';
import { BUILTIN_PACKS, ensureBuiltinPack } from './builtin-packs.js';
import { decodeImage, DEFAULT_DECODE_LIMITS, type DecodeLimits, type RgbImage } from './decode.js';
import { scrfd, yunet } from './detect/anchor-free.js';
import { blazeface } from './detect/blazeface.js';
import { nms, type Detection, type FaceDetector, type Landmarks } from './detect/detection.js';
import { downscale, mosaic, tileWindows, toImage, wholeWindow, type Placement } from './detect/windows.js';
import { normalize } from './tensor.js';
import { unitLength } from './embedding.js';
import { cropFace, type FaceCrop } from './face-crop.js';
import { InferenceError } from './errors.js';
import { invertAffine, similarityTransform, warpAffine, type Box, type Point } from './geometry.js';
import { loadPack, modelVersionOf, type ModelPackManifest, type TemplatePoints } from './model-pack.js';
import { assessQuality, type FaceQuality } from './quality.js';
import { chooseProvider, type ProviderChoice } from './sessions.js';

/** The narrowest face, in image pixels, looked for in a photo of any size (NO_FACE_FOUND's message names it). */
export const SMALLEST_FACE_PX = 40;
/**
 * Faces found fewer than this many detector pixels wide get a second, closer look (refine()).
 * Measured on lfw50 (100-px faces detected at each scale, embeddings against the same face
 * detected at full size): median cosine 0.994 at 40 and 33 px, 0.992 at 25, 0.988 at 20, lower below.
 */
const REFINE_BELOW = 32;
/**
 * The same, for a pack with a landmark net: its chip is fitted to the net's 68 points, which the net
 * finds again in a crop of its own, so the second look only sharpens the box that crop starts from.
 * lfw50 group scenes (48 faces at each size, test/bench/RESULTS.md): faces ~21, 24, 27 and 30 detector
 * pixels wide embed as close to the face alone without it (median cosine within 0.0002, the lowest
 * within 0.001 or higher); at ~18 px one face of 48 fell to 0.89 without it.
 */
const REFINE_BELOW_WITH_LANDMARKS = 20;
/** how wide a face is made for that second look, in detector pixels (9 to a BlazeFace window) */
const REFINE_TO = 42;

export interface InferenceConfig {
  /** where built-in packs are converted to and cached */
  modelDir: string;
  /** a built-in pack id, or the directory of a bring-your-own pack */
  pack: string;
  provider: ProviderChoice;
  batch: BatcherOptions;
  limits: DecodeLimits;
  /** faces whose overall quality falls below this are refused with LOW_QUALITY where a caller asks */
  minQuality: number;
  threads?: number;
  /** ONNX Runtime's pool threads wait for work spinning (its default) rather than sleeping: off unless set */
  spinning?: boolean;
}

export const DEFAULT_INFERENCE_CONFIG: InferenceConfig = {
  modelDir: resolve('data/models'),
  pack: 'builtin-dlib',
  provider: 'auto',
  batch: { maxBatch: 32, maxWaitMs: 2, maxQueue: 256 },
  limits: DEFAULT_DECODE_LIMITS,
  minQuality: 0.2,
};

export interface Face {
  box: Box;
  landmarks: Landmarks;
  detectorScore: number;
  quality: FaceQuality;
  embedding?: Float32Array;
  /** the face as enrollment keeps it (AnalyzeOptions.crop) */
  crop?: FaceCrop;
}

export interface Analysis {
  image: Omit<RgbImage, 'data'>;
  faces: Face[];
  model: { pack: string; version: string; dim: number };
  timings: { decodeMs: number; detectMs: number; alignMs: number; embedMs: number };
}

export interface AnalyzeOptions {
  /** all faces; the one dominant face (MULTIPLE_FACES when two are of similar prominence); or the most prominent, never refusing */
  select?: 'all' | 'dominant' | 'prominent';
  embed?: boolean;
  /** refuse faces below the configured quality floor with LOW_QUALITY */
  enforceQuality?: boolean;
  /** keep a crop of each face (FaceCrop): wide enough for any pack to detect and align it again */
  crop?: boolean;
}

export interface InferenceStatus {
  pack: string;
  packVersion: string;
  embeddingDim: number;
  detector: string;
  provider: 'cuda' | 'cpu';
  fallbackReason: string | null;
  queueDepth: number;
  batches: number;
  facesEmbedded: number;
  matchThreshold: number;
}

/** What the hub needs of an engine: FaceEngine itself, or EngineThread, which runs one off the event loop. */
export interface FaceAnalyzer {
  readonly manifest: ModelPackManifest;
  readonly modelVersion: string;
  status(): InferenceStatus;
  analyze(input: Buffer, opts?: AnalyzeOptions): Promise<Analysis>;
  embedThroughput(n: number): Promise<number>;
  close(): Promise<void>;
}

const DETECTORS: Record<ModelPackManifest['detector']['format'], (input: string, size: number) => FaceDetector> = {
  blazeface: () => blazeface,
  scrfd,
  yunet,
};

export class FaceEngine implements FaceAnalyzer {
  /** each face's embedding, or the refusal of that face alone (a vector without direction fails its own photo, not its batch) */
  private readonly batcher: MicroBatcher<Uint8Array, Float32Array | InferenceError>;
  /** the landmark net's crops, batched as the recognizer's chips are: across faces and photos, within the same maxQueue */
  private readonly landmarkBatcher: MicroBatcher<Float32Array, Float32Array>;
  private readonly detector: FaceDetector;
  /** analyses (and throughput runs) under way: when all of them wait on a batcher, it need not wait for more */
  private inFlight = 0;

  private constructor(
    readonly manifest: ModelPackManifest,
    private readonly config: InferenceConfig,
    private readonly detectorSession: ort.InferenceSession,
    private readonly recognizerSession: ort.InferenceSession,
    private readonly provider: { provider: 'cuda' | 'cpu'; fallbackReason?: string },
    private readonly landmarkSession?: ort.InferenceSession,
  ) {
    this.detector = DETECTORS[manifest.detector.format](manifest.detector.input, manifest.detector.size);
    const hooks = { waiting: () => this.batcher.depth + this.landmarkBatcher.depth, open: () => this.inFlight };
    this.batcher = new MicroBatcher(config.batch, (chips) => this.embedBatch(chips), hooks);
    this.landmarkBatcher = new MicroBatcher(config.batch, (crops) => runLandmarkNet(this.landmarkSession!, this.manifest.landmarks!, crops), hooks);
  }

  static async create(config: InferenceConfig, log: (msg: string) => void = () => {}): Promise<FaceEngine> {
    const dir = (BUILTIN_PACKS as readonly string[]).includes(config.pack)
      ? ensureBuiltinPack(config.modelDir, config.pack, log)
      : isAbsolute(config.pack) ? config.pack : resolve(config.pack);
    const pack = loadPack(dir);
    const provider = await chooseProvider(config.provider, pack.detectorBytes, config.threads, config.spinning);
    if (provider.fallbackReason) log(`inference on CPU: ${provider.fallbackReason}`);
    const [det, rec, marks] = await Promise.all([
      provider.create(pack.detectorBytes),
      provider.create(pack.recognizerBytes),
      pack.landmarkBytes && provider.create(pack.landmarkBytes),
    ]);
    log(`model pack ${pack.manifest.id} ${pack.manifest.version} loaded on ${provider.provider}`);
    return new FaceEngine(pack.manifest, config, det, rec, provider, marks || undefined);
  }

  status(): InferenceStatus {
    return {
      pack: this.manifest.id,
      packVersion: this.manifest.version,
      embeddingDim: this.manifest.recognizer.dim,
      detector: this.manifest.detector.format,
      provider: this.provider.provider,
      fallbackReason: this.provider.fallbackReason ?? null,
      queueDepth: this.batcher.depth + this.landmarkBatcher.depth,
      batches: this.batcher.batches,
      facesEmbedded: this.batcher.items,
      matchThreshold: this.manifest.thresholds.match,
    };
  }

  get modelVersion(): string {
    return modelVersionOf(this.manifest);
  }

  async analyze(input: Buffer, opts: AnalyzeOptions = {}): Promise<Analysis> {
    this.inFlight++;
    try {
      return await this.analyzeOnce(input, opts);
    } finally {
      this.inFlight--;
    }
  }

  private async analyzeOnce(input: Buffer, opts: AnalyzeOptions): Promise<Analysis> {
    const t0 = performance.now();
    const image = await decodeImage(input, this.config.limits);
    const t1 = performance.now();
    let detections = await this.detectAll(image);
    const t2 = performance.now();
    if (detections.length === 0) {
      throw new InferenceError('NO_FACE_FOUND', `No face was found in the image. Use a photo where the face is visible, frontal and at least ${SMALLEST_FACE_PX} pixels wide.`);
    }
    if (opts.select === 'dominant') detections = [dominant(detections, image.width, image.height)];
    if (opts.select === 'prominent') detections = [mostProminent(detections, image.width, image.height)];
    const rec = this.manifest.recognizer;
    const points = await this.landmarks(image, detections);
    const faces = detections.map((d, i) => {
      const chip = this.align(image, d.landmarks, points?.[i]);
      return { chip, face: { box: d.box, landmarks: d.landmarks, detectorScore: d.score, quality: assessQuality(d.landmarks, d.score, chip, rec.size, { box: d.box, width: image.width, height: image.height }) } as Face };
    });
    const t3 = performance.now();
    if (opts.enforceQuality) {
      const low = faces.find((f) => f.face.quality.score < this.config.minQuality);
      if (low) {
        const failing = Object.entries(low.face.quality.parts).filter(([, v]) => v < 0.5).map(([k]) => k);
        throw new InferenceError(
          'LOW_QUALITY',
          `The face's quality is ${low.face.quality.score.toFixed(2)}, below the floor of ${this.config.minQuality}; weak: ${failing.join(', ') || 'overall'}. Use a sharper, larger, more frontal photo.`,
          { quality: low.face.quality.score, floor: this.config.minQuality, failing },
        );
      }
    }
    if (opts.embed !== false) {
      const vectors = await this.batcher.submitAll(faces.map((f) => f.chip));
      for (const v of vectors) if (v instanceof InferenceError) throw v;
      vectors.forEach((v, i) => (faces[i].face.embedding = v as Float32Array));
    }
    const t4 = performance.now();
    // after t4: the crop is enrollment's keepsake, not part of the embedding's time
    if (opts.crop) await Promise.all(faces.map(async (f) => (f.face.crop = await cropFace(image, f.face.box))));
    const { data: _pixels, ...meta } = image;
    return {
      image: meta,
      faces: faces.map((f) => f.face),
      model: { pack: this.manifest.id, version: this.modelVersion, dim: rec.dim },
      timings: { decodeMs: t1 - t0, detectMs: t2 - t1, alignMs: t3 - t2, embedMs: t4 - t3 },
    };
  }

  /**
   * Detects on the whole image, then, where faces may be too small for that one pass, on overlapping
   * tiles of a downscaled copy: scaled so that a face SMALLEST_FACE_PX wide is still as wide as the
   * detector reliably finds, and overlapping so that any face the whole pass may have missed is
   * whole in some tile.
   */
  async detectAll(image: RgbImage): Promise<Detection[]> {
    const minScore = this.manifest.detector.minScore;
    const size = this.detector.inputSize;
    const tileScale = SMALLEST_FACE_PX / this.detector.smallestFace;
    const longest = Math.max(image.width, image.height);
    const passScale = longest / size;
    // a photo that may need tiles is scaled down once; the whole-photo window is cut from that copy too
    const scaled = passScale > tileScale ? await downscale(image, tileScale) : undefined;
    const whole = await wholeWindow(scaled?.copy ?? image, size, scaled?.placement, this.manifest.detector.upscale ?? this.detector.upscale);
    let found = (await this.detector.detect(this.detectorSession, [whole], minScore)).flat();
    const smallest = Math.min(...found.map((d) => d.box.width), Infinity);
    if (scaled && (found.length === 0 || smallest < longest / 6)) {
      const missable = this.detector.smallestFace * passScale; // in photo pixels: narrower faces the whole pass may miss
      const overlap = Math.min(size / 2, Math.ceil((1.25 * missable) / tileScale));
      const tiled = (await this.detector.detect(this.detectorSession, tileWindows(scaled.copy, scaled.placement, size, overlap), minScore)).flat();
      // tiles are for the small faces; a wide one is the whole pass's to find, seen whole rather than
      // cut by a tile's edge (where a fragment can pass for a face)
      found = found.concat(tiled.filter((d) => d.box.width <= 2 * missable));
    }
    return this.refine(image, nms(found.filter((d) => d.box.width >= 8), 0.3));
  }

  /**
   * Keypoints found on a face only a few detector pixels wide are coarse, and alignment, hence the
   * embedding, inherits the error. Such faces are looked at again, each cropped to twice its width
   * and scaled so it is REFINE_TO pixels wide, several to a detector window, and take the keypoints
   * of that second look (keeping the first where the second finds nothing).
   */
  private async refine(image: RgbImage, detections: Detection[]): Promise<Detection[]> {
    const below = this.manifest.landmarks && this.landmarkSession ? REFINE_BELOW_WITH_LANDMARKS : REFINE_BELOW;
    const coarse = detections.filter((d) => d.box.width / d.scale < below);
    if (coarse.length === 0) return detections;
    const size = this.detector.inputSize;
    const regions = coarse.map((d) => {
      const side = 2 * Math.max(d.box.width, d.box.height);
      return { x: d.box.x + d.box.width / 2 - side / 2, y: d.box.y + d.box.height / 2 - side / 2, width: side, height: side };
    });
    const { windows, cells } = await mosaic(image, regions, size, REFINE_TO * 2);
    const found = await this.detector.detect(this.detectorSession, windows, this.manifest.detector.minScore);
    const better = new Map<Detection, Detection>();
    coarse.forEach((d, i) => {
      const c = cells[i];
      const centre = (x: Detection) => [x.box.x + x.box.width / 2 - c.u0 - c.cell / 2, x.box.y + x.box.height / 2 - c.v0 - c.cell / 2];
      const mine = found[c.window].filter((x) => Math.hypot(...centre(x)) < c.cell / 4).sort((a, b) => b.score - a.score)[0];
      if (mine) better.set(d, inImage(mine, c.placement));
    });
    return detections.map((d) => better.get(d) ?? d);
  }

  /** The 68 landmarks of each face where the pack has a landmark net (its chips are fitted to them). */
  private async landmarks(image: RgbImage, detections: Detection[]): Promise<Point[][] | undefined> {
    const spec = this.manifest.landmarks;
    if (!spec || !this.landmarkSession) return undefined;
    return landmarks68((crops) => this.landmarkBatcher.submitAll(crops), spec, image, detections.map((d) => d.box));
  }

  private align(image: RgbImage, landmarks: Landmarks, points?: Point[]): Uint8Array {
    const rec = this.manifest.recognizer;
    const spec = this.manifest.landmarks;
    if (spec && points) {
      const fit = similarityTransform(points.slice(spec.firstPoint, spec.firstPoint + spec.template.length), spec.template);
      return warpAffine(image.data, image.width, image.height, invertAffine(fit), rec.size);
    }
    const keys = (Object.keys(rec.template) as (keyof TemplatePoints)[]).filter((k) => landmarks[k]);
    const from: Point[] = keys.map((k) => landmarks[k]!);
    const to: Point[] = keys.map((k) => rec.template[k]!);
    const toSource = invertAffine(similarityTransform(from, to));
    return warpAffine(image.data, image.width, image.height, toSource, rec.size);
  }

  /** Aligned chips in, L2-normalized embeddings out (or, for a chip whose vector has no direction, its refusal). */
  private async embedBatch(chips: Uint8Array[]): Promise<(Float32Array | InferenceError)[]> {
    const rec = this.manifest.recognizer;
    const unit = (v: Float32Array) => {
      try {
        return unitLength(v, rec.centre);
      } catch (e) {
        return e as InferenceError;
      }
    };
    if (rec.flipAugment) {
      // the mirrored face embedded alongside and summed: steadier embeddings for twice the compute
      const both = await this.embedRaw([...chips, ...chips.map((c) => mirror(c, rec.size))]);
      return chips.map((_, i) => unit(both[i].map((v, k) => v + both[i + chips.length][k])));
    }
    return (await this.embedRaw(chips)).map(unit);
  }

  private async embedRaw(chips: Uint8Array[]): Promise<Float32Array[]> {
    const rec = this.manifest.recognizer;
    const per = rec.size * rec.size * 3;
    const run = async (group: Uint8Array[]) => {
      const data = new Float32Array(group.length * per);
      group.forEach((c, i) => normalize(c, rec.size * rec.size, rec, data, i * per));
      const dims = rec.layout === 'nchw' ? [group.length, 3, rec.size, rec.size] : [group.length, rec.size, rec.size, 3];
      const out = await this.recognizerSession.run({ [rec.input]: new ort.Tensor('float32', data, dims) });
      const flat = out[rec.output].data as Float32Array;
      return group.map((_, i) => flat.slice(i * rec.dim, (i + 1) * rec.dim));
    };
    if ((rec.maxBatch ?? Infinity) >= chips.length) return run(chips);
    const out: Float32Array[] = [];
    for (const c of chips) out.push(...(await run([c])));
    return out;
  }

  /** Embedding throughput alone: n aligned faces (a gray test pattern) through the batcher, faces/s. */
  async embedThroughput(n: number): Promise<number> {
    const size = this.manifest.recognizer.size;
    const chip = Uint8Array.from({ length: size * size * 3 }, (_, i) => (i * 31) % 251);
    const start = performance.now();
    this.inFlight++;
    try {
      for (let done = 0; done < n; done += this.config.batch.maxQueue) {
        const wave = Math.min(this.config.batch.maxQueue, n - done);
        await this.batcher.submitAll(Array.from({ length: wave }, () => chip));
      }
    } finally {
      this.inFlight--;
    }
    return n / ((performance.now() - start) / 1000);
  }

  async close(): Promise<void> {
    await Promise.all([this.detectorSession.release(), this.recognizerSession.release(), this.landmarkSession?.release()]);
  }
}

/** A square RGB chip mirrored left to right (flip augmentation; test/bench/dlib-variants.cjs uses it too). */
export function mirror(chip: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(chip.length);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const a = (y * size + x) * 3, b = (y * size + size - 1 - x) * 3;
      out[b] = chip[a];
      out[b + 1] = chip[a + 1];
      out[b + 2] = chip[a + 2];
    }
  return out;
}

/**
 * The one face a photo is about: largest, most confidently detected and least cut off by the frame
 * (a bystander at the edge of a news photo loses on all three). MULTIPLE_FACES when another face is
 * nearly as prominent, e.g. a group photo: the caller crops to the person meant.
 */
function byProminence(detections: Detection[], width: number, height: number): { detection: Detection; prominence: number }[] {
  const inside = (d: Detection) => {
    const w = Math.max(0, Math.min(d.box.x + d.box.width, width) - Math.max(d.box.x, 0));
    const h = Math.max(0, Math.min(d.box.y + d.box.height, height) - Math.max(d.box.y, 0));
    return (w * h) / Math.max(1, d.box.width * d.box.height);
  };
  return detections.map((d) => ({ detection: d, prominence: d.box.width * d.score * inside(d) })).sort((a, b) => b.prominence - a.prominence);
}

/**
 * The face a photo is of, never refusing: prominence weighed by nearness to the photo's centre (1 at the
 * centre, 0 at a corner), where a photographer puts the subject. On lfw_devtest, prominence alone took
 * a larger bystander at the edge in 6 of 1,549 photos: 0.005 of accuracy (test/bench/RESULTS.md).
 */
function mostProminent(detections: Detection[], width: number, height: number): Detection {
  const centred = (d: Detection) => 1 - Math.hypot(d.box.x + d.box.width / 2 - width / 2, d.box.y + d.box.height / 2 - height / 2) / Math.hypot(width / 2, height / 2);
  return byProminence(detections, width, height).map((r) => ({ ...r, prominence: r.prominence * Math.max(0, centred(r.detection)) })).sort((a, b) => b.prominence - a.prominence)[0].detection;
}

function dominant(detections: Detection[], width: number, height: number): Detection {
  const ranked = byProminence(detections, width, height);
  if (ranked.length > 1 && ranked[1].prominence >= 0.75 * ranked[0].prominence) {
    throw new InferenceError(
      'MULTIPLE_FACES',
      `The image shows ${ranked.length} faces of similar prominence; crop it to the one person to search for.`,
      { faces: ranked.length },
    );
  }
  return ranked[0].detection;
}

/** A detection in a mosaic cell's pixels, mapped to the image. */
function inImage(d: Detection, at: Placement): Detection {
  const [x, y] = toImage(at, d.box.x, d.box.y);
  const lm = Object.fromEntries(Object.entries(d.landmarks).map(([k, p]) => [k, toImage(at, p[0], p[1])])) as unknown as Landmarks;
  return { box: { x, y, width: d.box.width * at.scaleX, height: d.box.height * at.scaleY }, landmarks: lm, score: d.score, scale: at.scaleX };
}

import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { basename, isAbsolute, join, relative, sep } from 'node:path';
import type { Landmark68Spec } from './align/landmarks68.js';
import type { ScoreCalibration } from './calibration.js';
import type { Point } from './geometry.js';
import { InferenceError } from './errors.js';

export type DetectorFormat = 'blazeface' | 'scrfd' | 'yunet';
/** How the hub's vector index keeps a pack's templates: `halfvec` (16-bit, pgvector 0.7+) halves the index's memory and I/O. */
export const INDEX_STORAGES = ['vector', 'halfvec'] as const;
export type IndexStorage = (typeof INDEX_STORAGES)[number];
export type TemplatePoints = Partial<Record<'eyeL' | 'eyeR' | 'nose' | 'mouth' | 'mouthL' | 'mouthR', Point>>;

/** A model pack: one detector and one recognizer, how to feed them, and calibrated thresholds. */
export interface ModelPackManifest {
  id: string;
  version: string;
  description: string;
  detector: {
    file: string;
    format: DetectorFormat;
    input: string;
    size: number;
    sha256: string;
    minScore: number;
    /** scale a photo smaller than the input up to fill it; unset: the format's own choice (BlazeFace yes, SCRFD and YuNet no) */
    upscale?: boolean;
  };
  recognizer: {
    file: string;
    input: string;
    output: string;
    size: number;
    layout: 'nchw' | 'nhwc';
    bgr: boolean;
    mean: number[];
    std: number[];
    dim: number;
    /** 1 when the model's batch dimension is fixed */
    maxBatch?: number;
    /** population mean subtracted before normalizing (for models with non-negative features) */
    centre?: number[];
    template: TemplatePoints;
    /** embed the mirrored face too and sum the two */
    flipAugment?: boolean;
    sha256: string;
  };
  /** a 68-point landmark net between detector and recognizer: the chip is fitted to its points */
  landmarks?: Landmark68Spec;
  /** the hub's nearest-neighbour index for this pack's templates (default storage 'vector'); scores are always full precision */
  index?: { storage?: IndexStorage };
  /** cosine similarity at or above which a pair is called the same person, from `frhub eval` */
  thresholds: { match: number; calibratedOn?: string };
  /** the impostor score distribution and false-match-rate thresholds (`frhub models calibrate`); used only for this id and version */
  calibration?: ScoreCalibration;
  measured?: Record<string, string>;
}

export interface LoadedPack {
  dir: string;
  manifest: ModelPackManifest;
  detectorBytes: Uint8Array;
  recognizerBytes: Uint8Array;
  landmarkBytes?: Uint8Array;
}

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * Why a manifest's file name cannot name a file of the pack `dir`, or undefined when it can: a plain
 * name (no folder, no `..`, not absolute), and, if it is a symbolic link, one that resolves inside the
 * pack. Anything else would read, and copy into the model directory, a file from elsewhere (or, by
 * its name, write outside the model directory).
 */
export function fileNameFault(dir: string, file: unknown): string | undefined {
  if (typeof file !== 'string' || !file) return 'is not a file name';
  if (file !== basename(file) || file.includes('\\') || file === '.' || file === '..' || isAbsolute(file) || /[\u0000-\u001f]/.test(file)) {
    return `"${file}" is not a plain file name: name a file that sits in the pack directory itself (no folders, "..", absolute paths or control characters)`;
  }
  let real: string;
  try {
    real = realpathSync(join(dir, file));
  } catch {
    return undefined; // a missing file is the checksum check's to report
  }
  const inside = relative(realpathSync(dir), real);
  if (!inside || inside.split(sep)[0] === '..' || isAbsolute(inside)) return `"${file}" is a link to ${real}, outside the pack directory: put the file itself in the pack`;
  return undefined;
}

/** Reads a pack directory and checks every model file against the checksum in its manifest. */
export function loadPack(dir: string): LoadedPack {
  let manifest: ModelPackManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ModelPackManifest;
  } catch (e) {
    throw new InferenceError('MODEL_UNAVAILABLE', `No readable model pack at ${dir} (${(e as Error).message}).`);
  }
  const storage = manifest.index?.storage;
  if (storage !== undefined && !INDEX_STORAGES.includes(storage)) {
    throw new InferenceError('MODEL_UNAVAILABLE', `Model pack ${manifest.id}: index.storage is "${storage}"; it takes ${INDEX_STORAGES.map((x) => `"${x}"`).join(' or ')}.`);
  }
  const read = (file: string, expected: string) => {
    const fault = fileNameFault(dir, file);
    if (fault) throw new InferenceError('MODEL_UNAVAILABLE', `Model pack ${manifest.id}: ${fault}.`);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(join(dir, file));
    } catch {
      throw new InferenceError('MODEL_UNAVAILABLE', `Model pack ${manifest.id}: ${file} is missing from ${dir}.`);
    }
    const actual = sha256(bytes);
    if (expected && actual !== expected) {
      throw new InferenceError('MODEL_UNAVAILABLE', `Model pack ${manifest.id}: ${file} has sha256 ${actual}, the manifest says ${expected}.`);
    }
    return bytes;
  };
  return {
    dir,
    manifest,
    detectorBytes: read(manifest.detector.file, manifest.detector.sha256),
    recognizerBytes: read(manifest.recognizer.file, manifest.recognizer.sha256),
    landmarkBytes: manifest.landmarks && read(manifest.landmarks.file, manifest.landmarks.sha256),
  };
}

/** dlib's mean face (68-point shape without the jaw), the template its face chips are cut with. */
export function dlibTemplate(size: number, padding: number): TemplatePoints {
  const p = (x: number, y: number): Point => [((x + padding) / (1 + 2 * padding)) * size, ((y + padding) / (1 + 2 * padding)) * size];
  return {
    eyeL: p(0.22549, 0.21599),
    eyeR: p(0.75476, 0.21599),
    nose: p(0.490127, 0.515625),
    mouth: p(0.490127, 0.80766),
    mouthL: p(0.254149, 0.780233),
    mouthR: p(0.726104, 0.780233),
  };
}

/** The standard ArcFace 112x112 five-point template. */
export const ARCFACE_TEMPLATE: TemplatePoints = {
  eyeL: [38.2946, 51.6963],
  eyeR: [73.5318, 51.5014],
  nose: [56.0252, 71.7366],
  mouthL: [41.5493, 92.3655],
  mouthR: [70.7299, 92.2041],
  mouth: [56.1396, 92.2848],
};

/** The tag every embedding carries: templates compare only with probes of the same pack and version. */
export const modelVersionOf = (m: Pick<ModelPackManifest, 'id' | 'version'>): string => `${m.id}@${m.version}`;

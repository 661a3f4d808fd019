import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { dlibMeanFace } from './align/landmarks68.js';
import type { ScoreCalibration } from './calibration.js';
import { convertDlibResnet, DLIB_MEAN_RGB } from './convert/dlib-resnet.js';
import { convertFaceLandmark68, LANDMARK68_SIZE } from './convert/face-landmark68.js';
import { convertTfjsGraph } from './convert/tfjs-graph.js';
import { dlibTemplate, sha256, type ModelPackManifest } from './model-pack.js';

// The built-in packs are built from trained weights that ship inside npm packages, converted to
// ONNX by this repo's converters on first use and cached with their checksums.

export const DEFAULT_PACK = 'builtin-dlib';
export const BUILTIN_PACKS = ['builtin-dlib', 'builtin-faceres'] as const;
const CONVERTER_VERSION = '2';
// a pack's own version moves when its chips (hence its embeddings) change: templates never mix versions
const PACK_VERSION: Record<string, string> = { 'builtin-dlib': '1.1.0', 'builtin-faceres': '1.0.0' };
const versionOf = (id: string) => `${PACK_VERSION[id]}+conv${CONVERTER_VERSION}`;

/** The installed package's root (these packages do not export their package.json). */
function pkgDir(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the installed package ${name}`);
    dir = up;
  }
  return dir;
}

function blazefaceOnnx(): Uint8Array {
  return convertTfjsGraph(join(pkgDir('@vladmandic/human'), 'models', 'blazeface.json'), ['Identity', 'Identity_1', 'Identity_2', 'Identity_3'], 'blazeface');
}

const detector = { file: 'blazeface.onnx', format: 'blazeface' as const, input: 'input', size: 256, minScore: 0.5 };

// The threshold of best 10-fold accuracy measured by `npx frhub eval` (README, test/bench/RESULTS.md).
// Thresholds do not change embeddings, so a new calibration rewrites the manifest without a new version.
const CALIBRATION: Record<string, ModelPackManifest['thresholds']> = {
  'builtin-dlib': { match: 0.909, calibratedOn: 'lfw_devtest_pairs.tsv, 1,000 pairs: accuracy 0.987, TAR 0.954 at FAR 1e-3' },
  'builtin-faceres': { match: 0.539, calibratedOn: 'lfw50_pairs.tsv, 2,860 pairs: accuracy 0.949, TAR 0.626 at FAR 1e-3' },
};

/** Where the built-in packs' score calibrations are shipped: inference/calibration/ of the source tree (also when run from dist/). */
export function shippedCalibrationDir(): string {
  const root = basename(dirname(__dirname)) === 'dist' ? resolve(__dirname, '../..') : resolve(__dirname, '..');
  return join(root, 'inference', 'calibration');
}

/** The shipped calibration of a built-in pack (`frhub models calibrate <id> --write` makes it), if there is one. */
export function shippedCalibration(id: string): ScoreCalibration | undefined {
  const file = join(shippedCalibrationDir(), `${id}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ScoreCalibration) : undefined;
}

/** The manifest's thresholds and, when it was measured with this very version, its shipped calibration. */
function calibrated(m: ModelPackManifest): ModelPackManifest {
  const { calibration: _old, ...rest } = m;
  const shipped = shippedCalibration(m.id);
  const usable = shipped && shipped.pack.id === m.id && shipped.pack.version === m.version;
  return { ...rest, thresholds: CALIBRATION[m.id], ...(usable ? { calibration: shipped } : {}) };
}

function dlibPack(): [ModelPackManifest, Record<string, Uint8Array>] {
  const faceApi = join(pkgDir('@vladmandic/face-api'), 'model');
  const files = {
    'blazeface.onnx': blazefaceOnnx(),
    'face-landmark68.onnx': convertFaceLandmark68(join(faceApi, 'face_landmark_68_model-weights_manifest.json')),
    'dlib-resnet.onnx': convertDlibResnet(join(faceApi, 'face_recognition_model-weights_manifest.json')),
  };
  return [
    {
      id: 'builtin-dlib',
      version: versionOf('builtin-dlib'),
      description:
        'BlazeFace (MediaPipe, from @vladmandic/human) + face-api 68-point landmarks (MIT, from @vladmandic/face-api) + dlib ResNet-29 128-d (public domain, from @vladmandic/face-api), on dlib\'s face chip',
      detector: { ...detector, sha256: sha256(files['blazeface.onnx']) },
      // dlib's chip: landmarks 17-67 fitted to its mean face, 150 px, padding 0.25 (get_face_chip_details)
      landmarks: {
        file: 'face-landmark68.onnx',
        input: 'input',
        output: 'landmarks',
        size: LANDMARK68_SIZE,
        mean: DLIB_MEAN_RGB,
        std: [255, 255, 255],
        expand: 1,
        refine: 1.3,
        firstPoint: 17,
        template: dlibMeanFace(150, 0.25),
        sha256: sha256(files['face-landmark68.onnx']),
      },
      recognizer: {
        file: 'dlib-resnet.onnx',
        input: 'input',
        output: 'embedding',
        size: 150,
        layout: 'nchw',
        bgr: false,
        mean: DLIB_MEAN_RGB,
        std: [255, 255, 255],
        dim: 128,
        template: dlibTemplate(150, 0.25),
        sha256: sha256(files['dlib-resnet.onnx']),
      },
      thresholds: CALIBRATION['builtin-dlib'],
    },
    files,
  ];
}

function faceresPack(): [ModelPackManifest, Record<string, Uint8Array>] {
  const files = {
    'blazeface.onnx': blazefaceOnnx(),
    'faceres.onnx': convertTfjsGraph(join(pkgDir('@vladmandic/human'), 'models', 'faceres.json'), ['global_pooling/Mean'], 'faceres'),
  };
  return [
    {
      id: 'builtin-faceres',
      version: versionOf('builtin-faceres'),
      description: 'BlazeFace + HSE FaceRes 1024-d (from @vladmandic/human)',
      detector: { ...detector, sha256: sha256(files['blazeface.onnx']) },
      recognizer: {
        file: 'faceres.onnx',
        input: 'input',
        output: 'output0',
        size: 224,
        layout: 'nhwc',
        bgr: false,
        mean: [0, 0, 0],
        std: [1, 1, 1],
        dim: 1024,
        template: dlibTemplate(224, 0.4),
        sha256: sha256(files['faceres.onnx']),
      },
      thresholds: CALIBRATION['builtin-faceres'],
    },
    files,
  ];
}

const BUILDERS: Record<string, () => [ModelPackManifest, Record<string, Uint8Array>]> = {
  'builtin-dlib': dlibPack,
  'builtin-faceres': faceresPack,
};

/** Converts a built-in pack into `root/<id>/` unless an up-to-date copy is already there. */
export function ensureBuiltinPack(root: string, id: string, log: (msg: string) => void = () => {}): string {
  const build = BUILDERS[id];
  if (!build) throw new Error(`unknown built-in pack ${id}; known: ${Object.keys(BUILDERS).join(', ')}`);
  const dir = join(root, id);
  const manifestFile = join(dir, 'manifest.json');
  if (existsSync(manifestFile)) {
    const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as ModelPackManifest;
    if (m.version === versionOf(id)) {
      const now = calibrated(m);
      if (JSON.stringify(now) !== JSON.stringify(m)) {
        writeFileSync(`${manifestFile}.tmp`, `${JSON.stringify(now, null, 2)}\n`);
        renameSync(`${manifestFile}.tmp`, manifestFile);
        log(`model pack ${id}: match threshold ${now.thresholds.match}, score calibration ${now.calibration ? `of ${now.calibration.date}` : 'none for this version (npx frhub models calibrate)'}`);
      }
      return dir;
    }
  }
  const t0 = Date.now();
  const [manifest, files] = build();
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  writeFileSync(`${manifestFile}.tmp`, `${JSON.stringify(calibrated(manifest), null, 2)}\n`);
  renameSync(`${manifestFile}.tmp`, manifestFile);
  log(`converted model pack ${id} to ONNX in ${Date.now() - t0} ms (${dir})`);
  return dir;
}

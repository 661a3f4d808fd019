import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { convertDlibResnet, DLIB_MEAN_RGB } from './convert/dlib-resnet.js';
import { convertTfjsGraph } from './convert/tfjs-graph.js';
import { dlibTemplate, sha256, type ModelPackManifest } from './model-pack.js';

// The built-in packs are built from trained weights that ship inside npm packages, converted to
// ONNX by this repo's converters on first use and cached with their checksums.

export const DEFAULT_PACK = 'builtin-dlib';
export const BUILTIN_PACKS = ['builtin-dlib', 'builtin-faceres'] as const;
const CONVERTER_VERSION = '2';

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

function dlibPack(): [ModelPackManifest, Record<string, Uint8Array>] {
  const files = {
    'blazeface.onnx': blazefaceOnnx(),
    'dlib-resnet.onnx': convertDlibResnet(join(pkgDir('@vladmandic/face-api'), 'model', 'face_recognition_model-weights_manifest.json')),
  };
  return [
    {
      id: 'builtin-dlib',
      version: `1.0.0+conv${CONVERTER_VERSION}`,
      description: 'BlazeFace (MediaPipe, from @vladmandic/human) + dlib ResNet-29 128-d (public domain, from @vladmandic/face-api)',
      detector: { ...detector, sha256: sha256(files['blazeface.onnx']) },
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
      thresholds: { match: 0.9, calibratedOn: 'uncalibrated' },
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
      version: `1.0.0+conv${CONVERTER_VERSION}`,
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
      thresholds: { match: 0.5, calibratedOn: 'uncalibrated' },
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
    if (m.version.endsWith(`+conv${CONVERTER_VERSION}`)) return dir;
  }
  const t0 = Date.now();
  const [manifest, files] = build();
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  writeFileSync(`${manifestFile}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(`${manifestFile}.tmp`, manifestFile);
  log(`converted model pack ${id} to ONNX in ${Date.now() - t0} ms (${dir})`);
  return dir;
}

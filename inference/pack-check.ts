import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { calibrateHint, usableCalibration } from './calibration.js';
import { cosine } from './evaluate.js';
import { DEFAULT_INFERENCE_CONFIG, FaceEngine, type InferenceConfig } from './face-engine.js';
import { fileNameFault, INDEX_STORAGES, sha256, type ModelPackManifest } from './model-pack.js';

// The checks a bring-your-own pack passes before the hub uses it (`frhub models add`).

export interface PackCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** The model files a pack's manifest names: detector, landmark net when it has one, recognizer. */
export const packFiles = (m: ModelPackManifest): { file: string; sha256: string }[] => [m.detector, ...(m.landmarks ? [m.landmarks] : []), m.recognizer];

/** Every file the manifest names is a plain name of a file inside the pack. */
export function checkFileNames(dir: string, m: ModelPackManifest): PackCheck {
  const name = 'file names';
  const faults = packFiles(m).map(({ file }) => fileNameFault(dir, file)).filter((f): f is string => f !== undefined);
  return faults.length ? { name, ok: false, detail: faults.join('; ') } : { name, ok: true, detail: packFiles(m).map(({ file }) => file).join(', ') };
}

/** Each model file is there and has the sha256 the manifest names (an empty checksum fails: it checks nothing). */
export function checkChecksums(dir: string, m: ModelPackManifest): PackCheck[] {
  return packFiles(m).map(({ file, sha256: expected }) => {
    const name = `checksum ${file}`;
    if (!existsSync(join(dir, file))) return { name, ok: false, detail: `${file} is missing from ${dir}` };
    const actual = sha256(readFileSync(join(dir, file)));
    if (!expected) return { name, ok: false, detail: `the manifest gives no sha256 for ${file}; put "sha256": "${actual}" there if this is the file you mean to deploy` };
    return actual === expected ? { name, ok: true, detail: actual } : { name, ok: false, detail: `sha256 ${actual}, the manifest says ${expected}: a different or damaged file` };
  });
}

type Dim = number | string;
const dimsOf = (meta: ort.InferenceSession.ValueMetadata | undefined): Dim[] | undefined => (meta && meta.isTensor ? [...meta.shape] : undefined);
const fixed = (d: Dim) => typeof d === 'number' && d > 0;
const show = (dims: Dim[]) => `[${dims.map((d) => (fixed(d) ? d : String(d) || '?')).join(', ')}]`;

/** Compares the manifest with the input and output shapes the ONNX files declare. */
export async function checkShapes(dir: string, m: ModelPackManifest): Promise<PackCheck[]> {
  const open = (file: string) => ort.InferenceSession.create(readFileSync(join(dir, file)), { executionProviders: ['cpu'] });
  const det = await open(m.detector.file);
  const rec = await open(m.recognizer.file);
  try {
    return [detectorShape(det, m), recognizerInput(rec, m), recognizerOutput(rec, m)];
  } finally {
    await Promise.all([det.release(), rec.release()]);
  }
}

function detectorShape(s: ort.InferenceSession, m: ModelPackManifest): PackCheck {
  const name = `detector input ${m.detector.file}`;
  const dims = dimsOf(s.inputMetadata.find((i) => i.name === m.detector.input));
  if (!dims) return { name, ok: false, detail: `no tensor input "${m.detector.input}"; the model's inputs: ${s.inputNames.join(', ')}` };
  if (dims.length !== 4) return { name, ok: false, detail: `"${m.detector.input}" is ${show(dims)}, not an image batch of 4 dimensions` };
  const spatial = (m.detector.format === 'blazeface' ? dims.slice(1, 3) : dims.slice(2, 4)).filter(fixed);
  if (spatial.some((d) => d !== m.detector.size)) return { name, ok: false, detail: `"${m.detector.input}" is ${show(dims)}; the manifest's size ${m.detector.size} does not fit it` };
  return { name, ok: true, detail: `"${m.detector.input}" ${show(dims)}, size ${m.detector.size}` };
}

function recognizerInput(s: ort.InferenceSession, m: ModelPackManifest): PackCheck {
  const r = m.recognizer;
  const name = `recognizer input ${r.file}`;
  const dims = dimsOf(s.inputMetadata.find((i) => i.name === r.input));
  if (!dims) return { name, ok: false, detail: `no tensor input "${r.input}"; the model's inputs: ${s.inputNames.join(', ')}` };
  const want = r.layout === 'nchw' ? [3, r.size, r.size] : [r.size, r.size, 3];
  if (dims.length !== 4 || dims.slice(1).some((d, i) => fixed(d) && d !== want[i])) {
    return { name, ok: false, detail: `"${r.input}" is ${show(dims)}; the manifest (layout ${r.layout}, size ${r.size}) needs [N, ${want.join(', ')}]` };
  }
  if (fixed(dims[0]) && dims[0] === 1 && r.maxBatch !== 1) return { name, ok: false, detail: `"${r.input}" takes one face at a time (${show(dims)}): add "maxBatch": 1 to the recognizer` };
  return { name, ok: true, detail: `"${r.input}" ${show(dims)} (${r.layout})` };
}

function recognizerOutput(s: ort.InferenceSession, m: ModelPackManifest): PackCheck {
  const r = m.recognizer;
  const name = `recognizer output ${r.file}`;
  const dims = dimsOf(s.outputMetadata.find((o) => o.name === r.output));
  if (!dims) return { name, ok: false, detail: `no tensor output "${r.output}"; the model's outputs: ${s.outputNames.join(', ')}` };
  const last = dims[dims.length - 1];
  if (fixed(last) && last !== r.dim) return { name, ok: false, detail: `"${r.output}" is ${show(dims)}, the manifest says dim ${r.dim}` };
  return { name, ok: true, detail: `"${r.output}" ${show(dims)}, dim ${r.dim}` };
}

/** face-api's demo photo of three women: shipped by npm, so the self-test runs anywhere. */
function sampleGroupPhoto(): string {
  let dir = dirname(require.resolve('@vladmandic/face-api'));
  while (!existsSync(join(dir, 'demo', 'sample1.jpg'))) {
    if (dirname(dir) === dir) throw new Error('the self-test photo (@vladmandic/face-api/demo/sample1.jpg) is not installed');
    dir = dirname(dir);
  }
  return join(dir, 'demo', 'sample1.jpg');
}

/** The left woman of the sample, cut out (as the tests' portrait()); her face lies inside this box. */
const PORTRAIT = { left: 300, top: 180, width: 480, height: 560 };

/**
 * Same person above different people, through the whole pipeline: the left woman of the sample
 * photo against a re-encoded, rescaled, brighter copy of herself, and against the two other women
 * of the photo. Both must fall on the right side of the pack's verification threshold.
 */
export async function selfTest(dir: string, m: ModelPackManifest, config: Partial<InferenceConfig> = {}): Promise<PackCheck> {
  const name = 'self-test on sample faces';
  const photo = sampleGroupPhoto();
  const portrait = await sharp(photo).extract(PORTRAIT).jpeg().toBuffer();
  const altered = await sharp(portrait).resize(300).modulate({ brightness: 1.1 }).jpeg({ quality: 70 }).toBuffer();
  const engine = await FaceEngine.create({ ...DEFAULT_INFERENCE_CONFIG, provider: 'cpu', ...config, pack: dir });
  try {
    const one = (await engine.analyze(portrait, { select: 'dominant' })).faces[0].embedding!;
    const again = (await engine.analyze(altered, { select: 'dominant' })).faces[0].embedding!;
    const group = await engine.analyze(readFileSync(photo), { select: 'all' });
    const inPortrait = (f: { box: { x: number; y: number; width: number; height: number } }) => {
      const [cx, cy] = [f.box.x + f.box.width / 2, f.box.y + f.box.height / 2];
      return cx > PORTRAIT.left && cx < PORTRAIT.left + PORTRAIT.width && cy > PORTRAIT.top && cy < PORTRAIT.top + PORTRAIT.height;
    };
    const others = group.faces.filter((f) => !inPortrait(f)).map((f) => cosine(one, f.embedding!));
    const same = cosine(one, again);
    const match = m.thresholds.match;
    const detail = `same person ${same.toFixed(3)}, different people ${others.map((s) => s.toFixed(3)).join(', ') || 'none found'}, verification threshold ${match}`;
    if (others.length < 2) return { name, ok: false, detail: `the detector found ${others.length} of the 2 other faces in the sample photo: ${detail}` };
    const ok = same >= match && others.every((s) => s < match && s < same);
    return { name, ok, detail: ok ? detail : `${detail}: the same person must score at or above the threshold and above every different person, who must score below it (check mean, std, bgr, layout and the alignment template)` };
  } catch (e) {
    return { name, ok: false, detail: `the pipeline failed on the sample photo: ${(e as Error).message}` };
  } finally {
    await engine.close();
  }
}

/** The index storage the pack asks the hub for (`index.storage`), if any. */
export function checkIndex(m: ModelPackManifest): PackCheck {
  const storage = m.index?.storage;
  const name = 'index storage';
  if (storage === undefined) return { name, ok: true, detail: 'vector (the default; "index": { "storage": "halfvec" } halves the index\'s memory)' };
  if (!INDEX_STORAGES.includes(storage)) return { name, ok: false, detail: `"${storage}" is not one the hub knows: ${INDEX_STORAGES.join(' or ')}` };
  return { name, ok: true, detail: storage === 'halfvec' ? 'halfvec: the index keeps 16-bit copies (half the memory); scores stay full precision' : 'vector' };
}

/** A calibration measured with this very pack (id and version), or a refusal saying how to make one. */
export function checkCalibration(dir: string, m: ModelPackManifest): PackCheck {
  const name = 'score calibration';
  const { calibration: c, reason } = usableCalibration(m);
  if (!c) return { name, ok: false, detail: `${reason}: ${calibrateHint(dir)}` };
  const rates = c.thresholds.map((t) => `${t.fmr.toExponential(0)}: ${t.threshold === null ? `beyond the data (< 1 in ${c.impostor.pairs})` : t.threshold.toFixed(4)}`).join(', ');
  return { name, ok: true, detail: `${c.impostor.pairs} different-person pairs, ${c.genuine.pairs} same-person pairs (${c.measuredOn}; ${c.date}); thresholds ${rates}` };
}

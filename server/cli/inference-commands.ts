import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { loadConfig } from '../config.js';
import { InferenceError } from '../../inference/errors.js';
import { cosine, verification, type ScoredPair } from '../../inference/evaluate.js';
import { BUILTIN_PACKS, ensureBuiltinPack } from '../../inference/builtin-packs.js';
import { EngineThread } from '../../inference/engine-thread.js';
import { FaceEngine, type FaceAnalyzer } from '../../inference/face-engine.js';
import { CliError, str, UsageError, type Args, type CommandSpec } from './args.js';
import { stats } from './bench-stats.js';

const log = (m: string) => console.error(`frhub: ${m}`);

/** The engine in this thread (faces, eval), or on its own thread as the hub runs it (bench). */
async function engineFor(args: Args, thread = false): Promise<FaceAnalyzer> {
  const config = loadConfig();
  const pack = typeof args.flags.pack === 'string' ? args.flags.pack : config.inference.pack;
  return (thread ? EngineThread : FaceEngine).create({ ...config.inference, pack }, log);
}

export const modelsSpec: CommandSpec = {
  usage: 'frhub models [--quiet]',
  summary: 'Converts (or finds already converted) every built-in model pack into FRHUB_MODEL_DIR (default <data dir>/models); done at install.',
  options: [['--quiet', 'print nothing when all is well']],
  example: 'npx frhub models',
  run: modelsCommand,
};

/** `frhub models`: converts (or finds cached) every built-in pack; run at install. */
export async function modelsCommand(args: Args): Promise<number> {
  const { modelDir } = loadConfig().inference;
  for (const id of BUILTIN_PACKS) {
    const dir = ensureBuiltinPack(modelDir, id, log);
    if (!args.flags.quiet) console.log(`${id}: ${dir}`);
  }
  return 0;
}

export const facesSpec: CommandSpec = {
  usage: 'frhub faces <image> [--vectors] [--pack <id>]',
  summary: 'Detects, aligns, assesses and embeds every face in one image; prints JSON (boxes, keypoints, quality, embedding size, timings).',
  options: [
    ['--vectors', 'include each face\'s embedding vector'],
    ['--pack <id>', 'the model pack (default FRHUB_MODEL_PACK)'],
  ],
  details: 'Exit status 2 with {"error": {code, message}} when the image cannot be used (no face, not an image, too large). Opens no database.',
  example: 'npx frhub faces probe.jpg --vectors',
  run: facesCommand,
};

/** `frhub faces <image> [--vectors] [--pack id]` */
export async function facesCommand(args: Args): Promise<number> {
  const file = args.positional[0];
  if (!file) throw new UsageError('the image is required: frhub faces <image>');
  if (args.positional.length > 1) throw new UsageError(`one image, got ${args.positional.length}: ${args.positional.join(' ')}`);
  if (!existsSync(file)) throw new CliError(`no such file: ${file}`);
  if (statSync(file).isDirectory()) throw new CliError(`${file} is a folder: give one image file (JPEG, PNG, WebP, TIFF or GIF)`);
  const engine = await engineFor(args);
  try {
    const a = await engine.analyze(readFileSync(file), { select: 'all' });
    const round = (n: number) => Math.round(n * 100) / 100;
    console.log(JSON.stringify({
      image: { ...a.image },
      model: a.model,
      faces: a.faces.map((f) => ({
        box: { x: round(f.box.x), y: round(f.box.y), width: round(f.box.width), height: round(f.box.height) },
        keypoints: Object.fromEntries(Object.entries(f.landmarks).map(([k, p]) => [k, p.map(round)])),
        detectorScore: round(f.detectorScore),
        quality: { ...f.quality, parts: f.quality.parts },
        embedding: { dim: f.embedding?.length, modelVersion: a.model.version, ...(args.flags.vectors ? { vector: Array.from(f.embedding ?? []) } : {}) },
      })),
      timingsMs: a.timings,
    }, null, 2));
    return 0;
  } catch (e) {
    if (e instanceof InferenceError) {
      console.log(JSON.stringify({ error: { code: e.code, message: e.message, ...e.details } }, null, 2));
      return 2;
    }
    throw e;
  } finally {
    await engine.close();
  }
}

export const evalSpec: CommandSpec = {
  usage: 'frhub eval --pairs <tsv> [--root <dir>] [--pack <id>]',
  summary: 'Verification accuracy of a model pack on labelled pairs: accuracy, TAR at FAR 1e-3 and the threshold there.',
  options: [
    ['--pairs <tsv>', 'a TSV whose header names img1, img2 and same (1 or 0)'],
    ['--root <dir>', 'the folder the image paths are relative to (default .)'],
    ['--pack <id>', 'the model pack (default FRHUB_MODEL_PACK)'],
  ],
  example: 'npx frhub eval --pairs ../shared/faces/pairs.tsv --root ../shared/faces',
  run: evalCommand,
};

/** `frhub eval --pairs <tsv> --root <dir> [--pack id]` */
export async function evalCommand(args: Args): Promise<number> {
  const pairsFile = str(args, 'pairs');
  const root = resolve(str(args, 'root', '.'));
  const rows = readFileSync(pairsFile, 'utf8').trim().split('\n');
  const header = rows.shift()!.split('\t');
  const [i1, i2, is] = ['img1', 'img2', 'same'].map((h) => header.indexOf(h));
  if (i1 < 0 || i2 < 0 || is < 0) throw new UsageError(`${pairsFile}: the header must name img1, img2 and same`);
  const engine = await engineFor(args);
  const cache = new Map<string, Float32Array | null>();
  const failures = new Map<string, string>();
  const embed = async (rel: string) => {
    if (!cache.has(rel)) {
      try {
        const a = await engine.analyze(readFileSync(join(root, rel)), { select: 'prominent' });
        cache.set(rel, a.faces[0].embedding ?? null);
      } catch (e) {
        cache.set(rel, null);
        failures.set(rel, e instanceof InferenceError ? e.code : String(e));
      }
    }
    return cache.get(rel)!;
  };
  const scored: ScoredPair[] = [];
  let failed = 0;
  const t0 = performance.now();
  for (const [n, row] of rows.entries()) {
    const cols = row.split('\t');
    const [a, b] = [await embed(cols[i1]), await embed(cols[i2])];
    const same = cols[is] === '1';
    // a pair the pipeline cannot embed counts as a rejection, never silently dropped
    if (!a || !b) failed++;
    scored.push({ score: a && b ? cosine(a, b) : -1, same });
    if (process.stderr.isTTY && n % 50 === 0) process.stderr.write(`\rfrhub eval: ${n}/${rows.length} pairs`);
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  const r = verification(scored);
  const secs = (performance.now() - t0) / 1000;
  for (const [f, code] of failures) log(`no embedding for ${f}: ${code}`);
  console.log(`pack=${engine.modelVersion} images=${cache.size} seconds=${secs.toFixed(1)} accuracy_std=${r.accuracyStd.toFixed(4)}`);
  console.log(`accuracy=${r.accuracy.toFixed(4)} tar_at_far_1e-3=${r.tarAtFar1e3.toFixed(4)} threshold=${r.threshold.toFixed(4)} pairs=${r.pairs} failed=${failed}`);
  await engine.close();
  return 0;
}

export const benchInferenceSpec: CommandSpec = {
  usage: 'frhub bench inference [--runs <n>] [--image <file>] [--pack <id>]',
  summary: 'Per-stage latency (decode, detect, align, embed) for a portrait and a 2000x1500 group photo, and batched throughput, on the inference thread as the hub runs it.',
  options: [
    ['--runs <n>', 'runs per photo (default 30)'],
    ['--image <file>', 'the portrait to use (default: a sample face)'],
    ['--pack <id>', 'the model pack (default FRHUB_MODEL_PACK)'],
  ],
  example: 'npx frhub bench inference --runs 10',
  run: benchInferenceCommand,
};

/** `frhub bench inference [--runs n] [--image file]`: per-stage latency and batched throughput. */
export async function benchInferenceCommand(args: Args): Promise<number> {
  const runs = Number(str(args, 'runs', '30'));
  const engine = await engineFor(args, true);
  const small = typeof args.flags.image === 'string' ? readFileSync(args.flags.image) : await sampleFace();
  const large = await groupPhoto(small);
  console.log(`frhub bench inference — pack ${engine.modelVersion}, provider ${engine.status().provider}, on the inference thread as the hub runs it, ${runs} runs each`);
  for (const [label, img] of [['250x250 portrait', small], ['2000x1500 group photo', large]] as const) {
    await engine.analyze(img, { select: 'all' });
    const t: Record<string, number[]> = { decode: [], detect: [], align: [], embed: [], total: [] };
    let faces = 0;
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      const a = await engine.analyze(img, { select: 'all' });
      t.total.push(performance.now() - s);
      t.decode.push(a.timings.decodeMs);
      t.detect.push(a.timings.detectMs);
      t.align.push(a.timings.alignMs);
      t.embed.push(a.timings.embedMs);
      faces = a.faces.length;
    }
    console.log(`${label} (${faces} face${faces === 1 ? '' : 's'}):`);
    for (const [k, v] of Object.entries(t)) console.log(`  ${k.padEnd(7)} ${stats(v)}`);
  }
  const n = runs * 8;
  const s = performance.now();
  await Promise.all(Array.from({ length: n }, () => engine.analyze(small, { select: 'all' })));
  const secs = (performance.now() - s) / 1000;
  console.log(`batched end to end: ${(n / secs).toFixed(1)} faces/s (${n} concurrent 250x250 requests, ${engine.status().batches} batches so far)`);
  const chips = await engine.embedThroughput(512);
  console.log(`embedding only: ${chips.toFixed(1)} faces/s (512 aligned faces through the batcher)`);
  await engine.close();
  return 0;
}

/** A real face from an npm package, so the bench runs without ../shared. */
export async function sampleFace(): Promise<Buffer> {
  const shared = resolve(__dirname, '../../../../shared/faces/lfw50/Bill_Clinton/Bill_Clinton_0001.jpg');
  try {
    return readFileSync(shared);
  } catch {
    return readFileSync(require.resolve('@vladmandic/human/package.json').replace('package.json', 'assets/sample-me.jpg'));
  }
}

async function groupPhoto(face: Buffer): Promise<Buffer> {
  const tile = await sharp(face).resize(250, 250).toBuffer();
  const composite = [];
  for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) composite.push({ input: tile, left: 125 + x * 450, top: 125 + y * 450 });
  return sharp({ create: { width: 2000, height: 1500, channels: 3, background: { r: 90, g: 110, b: 120 } } }).composite(composite).jpeg({ quality: 90 }).toBuffer();
}

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { loadConfig } from '../server/config.js';
import { InferenceError } from '../inference/errors.js';
import { cosine, fpirAt, identification, nonMatedTopScores, operatingPoint, verification, type MatedSearch, type ScoredPair } from '../inference/evaluate.js';
import { usableCalibration } from '../inference/calibration.js';
import { BUILTIN_PACKS, ensureBuiltinPack } from '../inference/builtin-packs.js';
import { EngineThread } from '../inference/engine-thread.js';
import { FaceEngine, type FaceAnalyzer } from '../inference/face-engine.js';
import { RemoteInference } from '../server/engine/remote-inference.js';
import { EngineEmbedder } from '../server/engine/face-embedder.js';
import { searchThreshold } from '../tenants/search/search-threshold.js';
import { DEFAULT_CANDIDATES } from '../tenants/search/search.service.js';
import { CliError, str, UsageError, type Args, type CommandSpec } from './args.js';
import { percentiles, stats } from './bench/stats.js';

const log = (m: string) => console.error(`frhub: ${m}`);

/** The engine in this thread (faces, eval), or on its own thread as the hub runs it (bench). */
export async function engineFor(args: Args, thread = false): Promise<FaceAnalyzer> {
  const config = loadConfig();
  const pack = typeof args.flags.pack === 'string' ? args.flags.pack : config.inference.pack;
  return (thread ? EngineThread : FaceEngine).create({ ...config.inference, pack }, log);
}

export const modelsSpec: CommandSpec = {
  usage: 'frhub models [--quiet]',
  summary: 'Converts (or finds already converted) every built-in model pack into FRHUB_MODEL_DIR (default <data dir>/models); done at install.',
  options: [['--quiet', 'print nothing when all is well']],
  details: 'Also: `frhub models add <dir>` checks a bring-your-own pack and installs it; `frhub models calibrate <pack> --root <photos> --write` measures a pack\'s score calibration (see their --help).',
  example: 'npx frhub models',
  run: modelsCommand,
};

/** `frhub models`: converts (or finds cached) every built-in pack; run at install. */
export async function modelsCommand(args: Args): Promise<number> {
  if (args.positional.length) throw new UsageError(`unknown sub-command '${args.positional.join(' ')}': frhub models takes add <dir> or calibrate <pack>, or nothing`);
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
  usage: 'frhub eval --pairs <tsv> [--root <dir>] [--pack <id>] | frhub eval --identification --root <dir> [--sizes <n,n,…>] [--seed <n>] [--by-path] [--exclude <folder,…>] [--target-fpir <f,f,…>] [--pack <id>]',
  summary: 'Accuracy of a model pack. --pairs: verification on labelled pairs (accuracy, TAR at FAR 1e-3 and the threshold there). --identification: 1:N search over a folder of people (rank-1, rank-10, FNIR at FPIR 0.01) for growing gallery sizes, and the search threshold the hub sets per target FPIR with what searches return at it.',
  options: [
    ['--pairs <tsv>', 'a TSV whose header names img1, img2 and same (1 or 0)'],
    ['--identification', 'search every photo under --root against a gallery of one photo per person'],
    ['--root <dir>', 'the folder the image paths are relative to (--pairs; default .), or the folder of <...>/<person>/<photo> (--identification)'],
    ['--sizes <n,n,…>', 'gallery sizes to report before the full gallery (--identification; default 100,300,1000)'],
    ['--seed <n>', 'seed of the shuffle that picks each smaller gallery (--identification; default 1)'],
    ['--by-path', 'a person is the photo folder\'s path under --root, not its name (--identification)'],
    ['--exclude <folder,…>', 'folders under --root to leave out, e.g. a set whose people another set holds under other names (--identification)'],
    ['--target-fpir <f,f,…>', 'targets whose search threshold over the full gallery to measure, as the hub sets it with no minScore (--identification; default 0.01,0.03,0.1,0.3,1)'],
    ['--pack <id>', 'the model pack (default FRHUB_MODEL_PACK)'],
  ],
  details: [
    '--identification, as NIST FRTE measures 1:N: a person is the name of the folder holding the photo (so lfw50/X and lfw-devtest/X are one person; --by-path keeps them apart), and a',
    'photo byte-identical to one already read is skipped. Of a person with 2 or more photos the first (sorted by path) that can be embedded is enrolled as the mate and every other is',
    'a mated probe; a person with one photo is enrolled as a distractor. Search is exact cosine over the whole gallery. rank-k: the fraction of mated probes whose mate is among the',
    'top k (a non-mate scoring the same ranks ahead of it). Non-mated searches: each probe searched against the gallery without its own mate; the threshold is the score their top',
    'candidate exceeds in at most 1% of them; FNIR at FPIR 0.01: the fraction of mated probes whose mate is not returned above that threshold within a candidate list of 50 (as FBI NGI).',
    'A probe that cannot be embedded (no face, not an image) is a miss in every figure and counted as failed=; a gallery photo that cannot be embedded is left out, noted on stderr.',
    'Each gallery size takes the first n entries of a seeded shuffle that puts mates before distractors (so below the number of mates only those people\'s probes are searched).',
    'Before the sizes, for the full gallery and each --target-fpir, then the pack\'s verification threshold: the threshold a search with no minScore gets over that many',
    'templates (the pack\'s calibration: FMR = target / templates, never below thresholds.match; no table when the pack has none), and what searches return at or above it,',
    `${DEFAULT_CANDIDATES} candidates at most, as the hub does: fmr= the calibration's false-match rate there, fpir= the share of non-mated searches returning anyone,`,
    'strangers= non-mate candidates per non-mated search (expected= the calibration\'s estimate, fmr x templates), fnir= the share of mated probes whose mate is not returned.',
    'The last line is the full gallery: rank1=… rank10=… fnir_at_fpir_0.01=… gallery=… probes=…. Progress goes to stderr. Opens no database.',
    'Label noise counts against the model: a person held by two sets under different names (../shared/faces/deepface/deepface_id01 and _id12 are LFW\'s Angelina_Jolie and',
    'Leonardo_DiCaprio) turns true matches into false positives, and at FPIR 0.01 a handful of those set the threshold: --exclude one of the sets to see the difference.',
  ].join('\n'),
  example: 'npx frhub eval --identification --root ../shared/faces',
  run: evalCommand,
};

/** Embeds each image once, keeping the reason an image gave no embedding. */
export function embedder(engine: FaceAnalyzer, root: string) {
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
  return { embed, cache, failures };
}

/** `frhub eval --pairs <tsv> --root <dir> [--pack id]`, or `frhub eval --identification --root <dir>` */
export async function evalCommand(args: Args): Promise<number> {
  if (args.flags.identification) return identificationCommand(args);
  const pairsFile = str(args, 'pairs');
  const root = resolve(str(args, 'root', '.'));
  const rows = readFileSync(pairsFile, 'utf8').trim().split('\n');
  const header = rows.shift()!.split('\t');
  const [i1, i2, is] = ['img1', 'img2', 'same'].map((h) => header.indexOf(h));
  if (i1 < 0 || i2 < 0 || is < 0) throw new UsageError(`${pairsFile}: the header must name img1, img2 and same`);
  const engine = await engineFor(args);
  const { embed, cache, failures } = embedder(engine, root);
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

const IMAGE = /\.(jpe?g|png|webp|tiff?|gif)$/i;

/** Every image under `root` (relative paths, sorted), skipping hidden entries and `exclude`d folders. */
export function imagesUnder(root: string, exclude: Set<string>, dir = root): string[] {
  const found: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!exclude.has(relative(root, p))) found.push(...imagesUnder(root, exclude, p));
    } else if (e.isFile() && IMAGE.test(e.name) && dirname(p) !== root) found.push(relative(root, p));
  }
  return found.sort();
}

interface Person {
  photos: string[];
  /** the enrolled photo; null when none of a mated person's photos could be embedded */
  enrolled: string | null;
}

/** The people under `root`: photos grouped by folder name (or path), byte-identical photos read once. */
export function peopleUnder(root: string, byPath: boolean, exclude: Set<string>): Map<string, Person> {
  const people = new Map<string, Person>();
  const seen = new Map<string, string>();
  for (const rel of imagesUnder(root, exclude)) {
    const hash = createHash('sha256').update(readFileSync(join(root, rel))).digest('hex');
    if (seen.has(hash)) {
      log(`${rel} is the same file as ${seen.get(hash)}: read once`);
      continue;
    }
    seen.set(hash, rel);
    const key = byPath ? dirname(rel) : basename(dirname(rel));
    if (!people.has(key)) people.set(key, { photos: [], enrolled: null });
    people.get(key)!.photos.push(rel);
  }
  return people;
}

/** A seeded shuffle (mulberry32), so a gallery size picks the same entries on every run. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function parseSizes(raw: string): number[] {
  const sizes = raw.split(',').map((v) => Number(v.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new UsageError(`--sizes takes positive whole numbers separated by commas, got ${raw}`);
  return [...new Set(sizes)].sort((a, b) => a - b);
}

/** The gallery (mates of a seeded shuffle first, then distractors) and every mated probe with its enrolled photo. */
function enrolment(people: Map<string, Person>, seed: number) {
  const mated = [...people.values()].filter((p) => p.photos.length >= 2);
  const mates = shuffled(mated.filter((p) => p.enrolled), seed).map((p) => p.enrolled!);
  const distractors = shuffled([...people.values()].filter((p) => p.photos.length === 1 && p.enrolled).map((p) => p.enrolled!), seed);
  const probes = mated.flatMap((p) => p.photos.filter((rel) => rel !== p.enrolled).map((rel) => ({ rel, mate: p.enrolled })));
  return { gallery: [...mates, ...distractors], mated: mated.length, distractors: distractors.length, probes };
}

/** The mated searches against the first `n` gallery entries, from each probe's scores against the whole gallery. */
function searchesIn(n: number, mates: number[], scores: (Float32Array | null)[]): MatedSearch[] {
  const searches: MatedSearch[] = [];
  mates.forEach((m, i) => {
    if (m >= n) return; // this person is not in the smaller gallery
    const row = scores[i];
    if (!row) return void searches.push({ mate: null, nonMates: [], failed: true });
    searches.push({ mate: m < 0 ? null : row[m], nonMates: Array.from(row.subarray(0, n)).filter((_, j) => j !== m) });
  });
  return searches;
}

/** `frhub eval --identification --root <dir> [--sizes 100,300,1000] [--seed n] [--by-path] [--exclude f,…] [--pack id]` */
async function identificationCommand(args: Args): Promise<number> {
  const root = resolve(str(args, 'root'));
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new CliError(`no such folder: ${root}`);
  const sizes = parseSizes(str(args, 'sizes', '100,300,1000'));
  const targets = parseTargets(str(args, 'target-fpir', '0.01,0.03,0.1,0.3,1'));
  const seed = Number(str(args, 'seed', '1'));
  if (!Number.isInteger(seed)) throw new UsageError(`--seed takes a whole number, got ${args.flags.seed}`);
  const exclude = new Set(str(args, 'exclude', '').split(',').map((f) => f.trim().replace(/\/+$/, '')).filter(Boolean));
  for (const f of exclude) if (!existsSync(join(root, f))) throw new CliError(`--exclude ${f}: no such folder under ${root}`);
  const people = peopleUnder(root, !!args.flags['by-path'], exclude);
  const total = [...people.values()].reduce((n, p) => n + p.photos.length, 0);
  if (!total) throw new CliError(`no images under ${root}: expected <...>/<person>/<photo>`);
  const engine = await engineFor(args);
  const { embed, cache, failures } = embedder(engine, root);
  const t0 = performance.now();
  let done = 0;
  try {
    for (const person of people.values()) {
      for (const rel of person.photos) {
        if ((await embed(rel)) && !person.enrolled) person.enrolled = rel;
        if (++done % 100 === 0 || done === total) log(`photos embedded ${done}/${total}`);
      }
    }
  } finally {
    await engine.close();
  }
  const secs = (performance.now() - t0) / 1000;
  for (const [f, code] of failures) log(`no embedding for ${f}: ${code}`);
  const { gallery, mated, distractors, probes } = enrolment(people, seed);
  const vectors = gallery.map((rel) => cache.get(rel)!);
  // probe x gallery cosine (embeddings are L2-normalised), computed once for every gallery size
  const scores = probes.map(({ rel }) => {
    const v = cache.get(rel);
    return v ? Float32Array.from(vectors, (g) => cosine(v, g)) : null;
  });
  const index = new Map(gallery.map((rel, i) => [rel, i]));
  const mates = probes.map(({ mate }) => (mate === null ? -1 : index.get(mate)!));
  const failed = scores.filter((s) => !s).length;
  console.log(`pack=${engine.modelVersion} photos=${total} people=${people.size} mated_people=${mated} distractors=${distractors} probes=${probes.length} failed=${failed} seconds=${secs.toFixed(1)} seed=${seed}`);
  const match = engine.manifest.thresholds.match;
  printTargets(targets, searchesIn(gallery.length, mates, scores), gallery.length, engine);
  for (const n of [...sizes.filter((s) => s < gallery.length), gallery.length]) {
    const searches = searchesIn(n, mates, scores);
    const r = identification(searches, 0.01, 50);
    const atMatch = fpirAt(nonMatedTopScores(searches), match);
    log(`gallery=${n}: threshold at FPIR 0.01 ${r.threshold.toFixed(4)} over ${r.nonMated} non-mated searches; FPIR at the pack's match threshold ${match}: ${atMatch.toFixed(4)}; failed=${r.failed}`);
    console.log(`rank1=${r.rank1.toFixed(4)} rank10=${r.rank10.toFixed(4)} fnir_at_fpir_0.01=${r.fnirAtFpir.toFixed(4)} gallery=${n} probes=${r.probes}`);
  }
  return 0;
}

function parseTargets(list: string): number[] {
  return list.split(',').map((f) => {
    const t = Number(f.trim());
    if (!(t > 0 && t <= 1)) throw new UsageError(`--target-fpir takes fractions in (0, 1] separated by commas, got ${f}`);
    return t;
  });
}

/** Per target FPIR, the threshold the hub's search would use over `templates`, and what the searches return at it. */
function printTargets(targets: number[], searches: MatedSearch[], templates: number, engine: FaceAnalyzer): void {
  const { reason } = usableCalibration(engine.manifest);
  const calibration = new EngineEmbedder(engine).calibration;
  if (!calibration) return void console.log(`no threshold by target FPIR: ${reason}; searches use the verification threshold ${engine.manifest.thresholds.match}`);
  const verificationThreshold = engine.manifest.thresholds.match;
  console.log(`search threshold by target FPIR over gallery=${templates} (the hub's default with no minScore; at most ${DEFAULT_CANDIDATES} candidates):`);
  const rows: [string, ReturnType<typeof searchThreshold>][] = targets.map((t) => [String(t), searchThreshold({ templatesSearched: templates, targetFpir: t, verificationThreshold, calibration })]);
  rows.push(['verification', searchThreshold({ minScore: verificationThreshold, templatesSearched: templates, targetFpir: 0, verificationThreshold, calibration })]);
  for (const [target, b] of rows) {
    const p = operatingPoint(searches, b.threshold, DEFAULT_CANDIDATES);
    // past the calibration's highest impostor score both rates are only known to be under these
    const under = b.beyondCalibration ? '<' : '';
    console.log(`target_fpir=${target} threshold=${b.threshold.toFixed(6)} source=${b.source} fmr=${under}${b.falseMatchRate!.toExponential(2)} fpir=${p.fpir.toFixed(4)} strangers=${p.strangersPerSearch.toFixed(4)} expected=${under}${b.expectedFalseCandidates!.toFixed(4)} fnir=${p.fnir.toFixed(4)} non_mated=${p.nonMated}`);
  }
}

export const benchInferenceSpec: CommandSpec = {
  usage: 'frhub bench inference [--runs <n>] [--image <file>] [--pack <id>] [--remote <url>] [--concurrency <n>]',
  summary: 'Per-stage latency (decode, detect, align, embed) for a portrait and a 2000x1500 group photo, and batched throughput, on the inference thread as the hub runs it (or through a remote worker).',
  options: [
    ['--runs <n>', 'runs per photo (default 30)'],
    ['--image <file>', 'the portrait to use (default: a sample face)'],
    ['--pack <id>', 'the model pack (default FRHUB_MODEL_PACK)'],
    ['--remote <url>', 'measure through a running `frhub serve-inference` worker instead (FRHUB_INFERENCE_SECRET as the hub sends it)'],
    ['--concurrency <n>', 'photos in flight at once in the batched run (default: all of them; with --remote, the worker\'s bound)'],
  ],
  details:
    'With --remote the stage timings are the worker\'s; `total` is the round trip from this process, as a hub sees it. Without it, `cpu` is the CPU time of this process per photo, all its threads together: on a shared machine, compare two versions by it rather than by wall time. The last line, `Figures: …`, is the record test/bench/RESULTS.md keeps for the command (README quotes its figures). Without --image the portrait is ../shared/faces/lfw50/Bill_Clinton/Bill_Clinton_0001.jpg where a shared/ folder sits beside the checkout (or a folder above it), else a face cut from face-api\'s demo photo.',
  example: 'npx frhub bench inference --runs 10 --remote http://127.0.0.1:4100 --concurrency 32',
  run: benchInferenceCommand,
};

/** `frhub bench inference [--runs n] [--image file]`: per-stage latency and batched throughput. */
export async function benchInferenceCommand(args: Args): Promise<number> {
  const runs = Number(str(args, 'runs', '30'));
  const remote = typeof args.flags.remote === 'string' ? await remoteEngine(args.flags.remote) : undefined;
  const engine = remote ?? (await engineFor(args, true));
  const small = typeof args.flags.image === 'string' ? readFileSync(args.flags.image) : await sampleFace();
  const large = await groupPhoto(small);
  const where = remote ? `through the remote worker ${args.flags.remote} (HTTP/2)` : 'on the inference thread as the hub runs it';
  console.log(`frhub bench inference — pack ${engine.modelVersion}, provider ${engine.status().provider}, ${where}, ${runs} runs each`);
  const { width, height } = await sharp(small).metadata();
  /** medians of each photo's total and stages, for the summary line */
  const medians: Record<string, Record<string, number>> = {};
  const counts: Record<string, number> = {};
  for (const [label, img] of [[`${width}x${height} portrait`, small], ['2000x1500 group photo', large]] as const) {
    await engine.analyze(img, { select: 'all' });
    const t: Record<string, number[]> = { decode: [], detect: [], align: [], embed: [], total: [], overhead: [], ...(remote ? {} : { cpu: [] }) };
    let faces = 0;
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      const c = process.cpuUsage();
      const a = await engine.analyze(img, { select: 'all' });
      t.total.push(performance.now() - s);
      // the whole process's CPU time (inference thread, ONNX Runtime's and libvips' threads): what a loaded machine moves least
      if (t.cpu) t.cpu.push(Object.values(process.cpuUsage(c)).reduce((x, y) => x + y, 0) / 1000);
      t.decode.push(a.timings.decodeMs);
      t.detect.push(a.timings.detectMs);
      t.align.push(a.timings.alignMs);
      t.embed.push(a.timings.embedMs);
      // what is not the pipeline's: messages to the thread, or the HTTP/2 round trip and JSON
      t.overhead.push(t.total[i] - a.timings.decodeMs - a.timings.detectMs - a.timings.alignMs - a.timings.embedMs);
      faces = a.faces.length;
    }
    console.log(`${label} (${faces} face${faces === 1 ? '' : 's'}):`);
    for (const [k, v] of Object.entries(t)) console.log(`  ${k.padEnd(8)} ${stats(v)}`);
    medians[label] = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, percentiles(v).p50]));
    counts[label] = faces;
  }
  const n = runs * 8;
  const concurrency = Number(str(args, 'concurrency', String(remote ? Math.min(n, remote.workers().length * 32) : n)));
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency must be a whole number >= 1, got ${String(args.flags.concurrency)}`);
  const s = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < n) {
      next++;
      await engine.analyze(small, { select: 'all' });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
  const secs = (performance.now() - s) / 1000;
  await remote?.refresh();
  console.log(`batched end to end: ${(n / secs).toFixed(1)} faces/s (${n} 250x250 requests, ${Math.min(concurrency, n)} at a time, ${engine.status().batches} batches so far)`);
  const chips = await engine.embedThroughput(512);
  console.log(`embedding only: ${chips.toFixed(1)} faces/s (512 aligned faces through the batcher)`);
  const [one, group] = Object.keys(medians);
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const m1 = medians[one], mg = medians[group];
  // the line test/bench/RESULTS.md records (its format is described at the top of that page; README's figures are checked against it)
  console.log(
    `Figures: \`${benchCommandLine(args)}\` (${new Date().toISOString().slice(0, 10)}, pack ${engine.modelVersion}): ` +
      `${one} ${ms(m1.total)} median (decode ${ms(m1.decode)}, detect ${ms(m1.detect)}, align ${ms(m1.align)}, embed ${ms(m1.embed)}); ` +
      `${group}, ${counts[group]} faces, ${ms(mg.total)} median (decode ${ms(mg.decode)}, detect ${ms(mg.detect)}, align ${ms(mg.align)}, embed ${ms(mg.embed)}); ` +
      `batched ${(n / secs).toFixed(1)} faces/s; embedding only ${chips.toFixed(1)} faces/s`,
  );
  await engine.close();
  return 0;
}

/** The npm script line that reproduces this run (what RESULTS.md and README name it by). */
function benchCommandLine(args: Args): string {
  const flags = Object.entries(args.flags).map(([k, v]) => (v === true ? `--${k}` : `--${k} ${String(v)}`));
  if (!args.flags.runs) flags.unshift('--runs 30');
  return `npm run bench:inference -- ${flags.join(' ')}`;
}

/** A worker of `frhub serve-inference`, as the hub would reach it. */
async function remoteEngine(url: string): Promise<RemoteInference> {
  const config = loadConfig({ ...process.env, FRHUB_INFERENCE_URLS: url });
  return RemoteInference.connect(config.remoteInference.urls, { ...config.remoteInference, log: (_level, m) => log(m) });
}

/** An LFW photo from a shared/ folder beside the checkout (or beside a folder above it), else a real face from an npm package (so the bench runs without it). */
export async function sampleFace(): Promise<Buffer> {
  for (let dir = resolve(__dirname, '../..'); dirname(dir) !== dir; dir = dirname(dir)) {
    const shared = join(dirname(dir), 'shared/faces/lfw50/Bill_Clinton/Bill_Clinton_0001.jpg');
    if (existsSync(shared)) return readFileSync(shared);
  }
  // face-api's demo group photo (its package exports no package.json to resolve from): its left person, cut to 250x250 as LFW's photos are
  const demo = resolve(dirname(require.resolve('@vladmandic/face-api')), '../demo/sample1.jpg');
  return sharp(demo).extract({ left: 300, top: 220, width: 480, height: 480 }).resize(250, 250).jpeg({ quality: 90 }).toBuffer();
}

async function groupPhoto(face: Buffer): Promise<Buffer> {
  const tile = await sharp(face).resize(250, 250).toBuffer();
  const composite = [];
  for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) composite.push({ input: tile, left: 125 + x * 450, top: 125 + y * 450 });
  return sharp({ create: { width: 2000, height: 1500, channels: 3, background: { r: 90, g: 110, b: 120 } } }).composite(composite).jpeg({ quality: 90 }).toBuffer();
}

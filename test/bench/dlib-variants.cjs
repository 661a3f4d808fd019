#!/usr/bin/env node
// Test-time variants of builtin-dlib's landmark and embedding stages, measured on one pairs file from
// one detection per photo (the engine's own: `analyze(..., { select: 'prominent' })`, as `frhub eval`
// picks the face). Not shipped: the pack's chips are the engine's; this measures what else could be
// done with the same three nets (test/bench/RESULTS.md, "builtin-dlib: test-time augmentation").
//
//   node cli/frhub.cjs models          # builds dist/ and converts the pack
//   node test/bench/dlib-variants.cjs --pairs ../shared/faces/pairs/lfw_devtest_pairs.tsv --root ../shared/faces [--jitter 6]
//
// Landmarks: "direct" = the pack's (one look on BlazeFace's box, a second on a square `refine` times the
// points' extent); "mirror 2nd" = the second look also run on the mirrored crop, its points mapped back
// (the 68-point left/right permutation) and averaged with the direct ones; "mirror both" = the same on
// both looks. Embeddings: the chip; + flip = the chip and its mirror image, summed, then L2; + N jitters =
// dlib's jitter_image (shift ±2 %, zoom out 0-3 %, rotate ±3°; seeded, the same N for every face) on the
// "mirror 2nd" chip, each also mirrored, all summed. Scored by frhub's own verification().
const { readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '../..');
const ort = require(join(ROOT, 'node_modules/onnxruntime-node'));
const inf = (m) => require(join(ROOT, 'dist/inference', m));
const { FaceEngine, DEFAULT_INFERENCE_CONFIG, mirror } = inf('face-engine.js');
const { decodeImage } = inf('decode.js');
const { warpAffine, similarityTransform, invertAffine } = inf('geometry.js');
const { normalize } = inf('tensor.js');
const { cropOf } = inf('align/landmarks68.js');
const { verification } = inf('evaluate.js');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const pairsFile = arg('pairs');
const root = resolve(arg('root', '.'));
const JITTERS = Number(arg('jitter', '6'));
if (!pairsFile) throw new Error('usage: node test/bench/dlib-variants.cjs --pairs <tsv> --root <dir> [--jitter <n>]');

// iBUG 68-point order mirrored left/right: jaw, brows, nose bridge, nostrils, eyes, outer and inner lips
const FLIP = [16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 27, 28, 29, 30, 35, 34, 33, 32, 31,
  45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40, 54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55, 64, 63, 62, 61, 60, 67, 66, 65];

const square = (cx, cy, side) => ({ x: cx - side / 2, y: cy - side / 2, width: side, height: side });
function extentOf(points, expand) {
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  return square((x0 + x1) / 2, (y0 + y1) / 2, expand * Math.max(x1 - x0, y1 - y0));
}

/** The landmark net on one square crop, as inference/align/landmarks68.ts runs it; mirrored: on the crop's mirror image, points mapped back. */
async function look(session, spec, image, c, mirrored) {
  const n = spec.size;
  const s = c.width / n;
  const toSource = mirrored ? [-s, 0, c.x + c.width, 0, s, c.y] : [s, 0, c.x, 0, s, c.y];
  const input = normalize(warpAffine(image.data, image.width, image.height, toSource, n), n * n, { layout: 'nchw', bgr: false, mean: spec.mean, std: spec.std });
  const out = (await session.run({ [spec.input]: new ort.Tensor('float32', input, [1, 3, n, n]) }))[spec.output].data;
  const pts = Array.from({ length: 68 }, (_, k) => [c.x + (mirrored ? 1 - out[2 * k] : out[2 * k]) * c.width, c.y + out[2 * k + 1] * c.height]);
  return mirrored ? FLIP.map((j) => pts[j]) : pts;
}
const mean2 = (a, b) => a.map((p, k) => [(p[0] + b[k][0]) / 2, (p[1] + b[k][1]) / 2]);
const both = async (session, spec, image, c) => mean2(await look(session, spec, image, c, false), await look(session, spec, image, c, true));

function mulberry32(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
// p -> A(B(p))
const compose = ([a, b, c, d, e, f], [A, B, C, D, E, F]) => [a * A + b * D, a * B + b * E, a * C + b * F + c, d * A + e * D, d * B + e * E, d * C + e * F + f];
/** dlib's jitter_image as a map from the jittered chip to the chip: a crop shifted ±2 %, 1/0.97-1x as wide, turned ±3°. */
function jitters(n, size) {
  const rnd = mulberry32(12345);
  return Array.from({ length: n }, () => {
    const tx = (rnd() * 2 - 1) * 0.02 * size, ty = (rnd() * 2 - 1) * 0.02 * size;
    const zoom = 1 / (0.97 + rnd() * 0.03), angle = ((rnd() * 2 - 1) * 3 * Math.PI) / 180;
    const c = size / 2, co = Math.cos(angle) * zoom, si = Math.sin(angle) * zoom;
    return [co, -si, c + tx - co * c + si * c, si, co, c + ty - si * c - co * c];
  });
}

(async () => {
  const engine = await FaceEngine.create({ ...DEFAULT_INFERENCE_CONFIG, modelDir: join(ROOT, 'data/models'), pack: 'builtin-dlib' });
  const spec = engine.manifest.landmarks, size = engine.manifest.recognizer.size;
  const lm = engine.landmarkSession;
  const J = jitters(JITTERS, size);
  const rows = readFileSync(pairsFile, 'utf8').trim().split('\n').slice(1).map((r) => r.split('\t'));
  const photos = [...new Set(rows.flatMap((r) => [r[0], r[1]]))];
  const raw = new Map(); // photo -> { direct: [chip, mirror], mirror2: [...], mirrorBoth: [...], jitter: [...] } raw descriptors
  const t0 = Date.now();
  for (const [i, rel] of photos.entries()) {
    let box;
    try {
      box = (await engine.analyze(readFileSync(join(root, rel)), { select: 'prominent', embed: false })).faces[0].box;
    } catch {
      raw.set(rel, null);
      continue;
    }
    const image = await decodeImage(readFileSync(join(root, rel)));
    const first = await look(lm, spec, image, cropOf(box, spec.expand), false);
    const firstBoth = await both(lm, spec, image, cropOf(box, spec.expand));
    const points = {
      direct: await look(lm, spec, image, extentOf(first, spec.refine), false),
      mirror2: await both(lm, spec, image, extentOf(first, spec.refine)),
      mirrorBoth: await both(lm, spec, image, extentOf(firstBoth, spec.refine)),
    };
    const toSource = (p) => invertAffine(similarityTransform(p.slice(spec.firstPoint), spec.template));
    const chip = (m) => warpAffine(image.data, image.width, image.height, m, size);
    const chips = Object.values(points).map((p) => chip(toSource(p)));
    const jittered = J.map((j) => chip(compose(toSource(points.mirror2), j)));
    const all = [...chips, ...jittered];
    const v = await engine.embedRaw([...all, ...all.map((c) => mirror(c, size))]);
    const m = all.length;
    raw.set(rel, {
      direct: [v[0], v[m]],
      mirror2: [v[1], v[m + 1]],
      mirrorBoth: [v[2], v[m + 2]],
      jitter: [...v.slice(3, m), ...v.slice(m + 3)],
    });
    if (i % 100 === 0) process.stderr.write(`\r${i}/${photos.length} photos, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  process.stderr.write('\n');

  const sum = (vs) => vs.reduce((a, b) => a.map((x, k) => x + b[k]));
  const variants = {
    'direct (the pack)': (e) => [e.direct[0]],
    'direct + flip': (e) => e.direct,
    'mirror 2nd': (e) => [e.mirror2[0]],
    'mirror 2nd + flip': (e) => e.mirror2,
    'mirror both': (e) => [e.mirrorBoth[0]],
    'mirror both + flip': (e) => e.mirrorBoth,
    'direct + mirror both chips, + flips': (e) => [...e.direct, ...e.mirrorBoth],
    [`mirror 2nd + flip + ${JITTERS} jitters`]: (e) => [...e.mirror2, ...e.jitter.slice(0, JITTERS)],
    [`mirror 2nd + flip + ${JITTERS} jitters, each + flip`]: (e) => [...e.mirror2, ...e.jitter],
    [`${JITTERS} jitters, each + flip`]: (e) => e.jitter,
  };
  console.log(`pack=${engine.modelVersion} photos=${photos.length} seconds=${((Date.now() - t0) / 1000).toFixed(0)}`);
  for (const [name, pick] of Object.entries(variants)) {
    const emb = new Map();
    for (const [rel, e] of raw) {
      if (!e) continue;
      const s = sum(pick(e));
      const n = Math.hypot(...s) || 1;
      emb.set(rel, s.map((x) => x / n));
    }
    let failed = 0;
    const scored = rows.map(([a, b, same]) => {
      const [x, y] = [emb.get(a), emb.get(b)];
      if (!x || !y) failed++;
      return { score: x && y ? x.reduce((t, v, k) => t + v * y[k], 0) : -1, same: same === '1' };
    });
    const r = verification(scored);
    console.log(`${name.padEnd(44)} accuracy=${r.accuracy.toFixed(4)} tar_at_far_1e-3=${r.tarAtFar1e3.toFixed(4)} threshold=${r.threshold.toFixed(4)} failed=${failed}`);
  }
  await engine.close();
})();

import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BUILTIN_PACKS, ensureBuiltinPack, shippedCalibrationDir } from '../inference/builtin-packs.js';
import { calibrate, pairScores, type ScoreCalibration } from '../inference/calibration.js';
import { FaceEngine } from '../inference/face-engine.js';
import type { ModelPackManifest } from '../inference/model-pack.js';
import { checkCalibration, checkChecksums, checkFileNames, checkIndex, checkShapes, packFiles, selfTest, type PackCheck } from '../inference/pack-check.js';
import { loadConfig } from '../server/config.js';
import { CliError, str, UsageError, type Args, type CommandSpec } from './args.js';
import { embedder, imagesUnder, peopleUnder } from './inference-commands.js';

const log = (m: string) => console.error(`frhub: ${m}`);
const isBuiltin = (pack: string) => (BUILTIN_PACKS as readonly string[]).includes(pack);

export const calibrateSpec: CommandSpec = {
  usage: 'frhub models calibrate <pack id or dir>… --root <dir> [--exclude <folder,…>] [--write]',
  summary: 'Measures a model pack\'s score calibration: every photo under --root embedded, every pair of different people scored (the impostor distribution) and every pair of the same person, giving the thresholds for false-match rates 1e-2 … 1e-5.',
  options: [
    ['--root <dir>', 'the folder of <...>/<person>/<photo>: a person is the folder\'s name, byte-identical photos are read once'],
    ['--exclude <folder,…>', 'folders under --root to leave out (label noise: one person held under two names)'],
    ['--vectors <file>', 'also write each photo\'s person, path and embedding (JSON lines) there, for analysis of your own'],
    ['--write', 'store it: a built-in pack\'s into inference/calibration/<id>.json (shipped with the code), a pack directory\'s into its manifest.json'],
  ],
  details: [
    'Prints one line per false-match rate: fmr=… threshold=… impostor_pairs_above=… genuine_accepted=…; a rate below 1 / (impostor pairs) has no threshold (the data',
    'cannot show it) and says so. The calibration records the pack\'s id and version: the hub uses it only with that very pack, so rerun this (with --write) whenever',
    'the pipeline or the pack changes. Exit status 0 when measured (and written), 1 when it cannot be (no photos, fewer than two people), 64 on a usage mistake.',
    'Opens no database. For the built-in packs: npx frhub models calibrate builtin-dlib builtin-faceres --root ../shared/faces --exclude deepface/deepface_id01,deepface/deepface_id12 --write',
  ].join('\n'),
  example: 'npx frhub models calibrate ./packs/arcface --root ./calibration-photos --write',
  run: calibrateCommand,
};

/** `frhub models calibrate <pack>… --root <dir> [--exclude f,…] [--write]` */
export async function calibrateCommand(args: Args): Promise<number> {
  if (!args.positional.length) throw new UsageError('name the pack: a built-in id (builtin-dlib, builtin-faceres) or a pack directory');
  const rootArg = str(args, 'root');
  const root = resolve(rootArg);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new CliError(`no such folder: ${root}`);
  const exclude = str(args, 'exclude', '').split(',').map((f) => f.trim().replace(/\/+$/, '')).filter(Boolean);
  for (const f of exclude) if (!existsSync(join(root, f))) throw new CliError(`--exclude ${f}: no such folder under ${root}`);
  for (const pack of args.positional) {
    if (!isBuiltin(pack) && !existsSync(join(pack, 'manifest.json'))) throw new CliError(`${pack} is neither a built-in pack (${BUILTIN_PACKS.join(', ')}) nor a directory with a manifest.json`);
  }
  for (const pack of args.positional) {
    const command = `npx frhub models calibrate ${pack} --root ${rootArg}${exclude.length ? ` --exclude ${exclude.join(',')}` : ''} --write`;
    const vectorsFile = typeof args.flags.vectors === 'string' ? (args.positional.length > 1 ? `${args.flags.vectors}.${pack.replace(/\W+/g, '_')}` : args.flags.vectors) : undefined;
    const cal = await measure(pack, root, rootArg, exclude, command, vectorsFile);
    printCalibration(cal);
    if (args.flags.write) log(`wrote the calibration to ${writeCalibration(pack, cal)}`);
  }
  return 0;
}

/** Embeds every photo under `root` with `pack` and scores every pair. */
export async function measure(pack: string, root: string, rootLabel: string, exclude: string[], command: string, vectorsFile?: string): Promise<ScoreCalibration> {
  const config = loadConfig().inference;
  const engine = await FaceEngine.create({ ...config, pack: isBuiltin(pack) ? pack : resolve(pack) }, log);
  const people = peopleUnder(root, false, new Set(exclude));
  const files = imagesUnder(root, new Set(exclude)).length;
  const total = [...people.values()].reduce((n, p) => n + p.photos.length, 0);
  if (!total) throw new CliError(`no images under ${root}: expected <...>/<person>/<photo>`);
  const { embed, failures } = embedder(engine, root);
  const vectors: { person: number; rel: string; v: Float32Array }[] = [];
  const t0 = performance.now();
  let done = 0;
  try {
    for (const [p, person] of [...people.values()].entries()) {
      for (const rel of person.photos) {
        const v = await embed(rel);
        if (v) vectors.push({ person: p, rel, v });
        if (++done % 100 === 0 || done === total) log(`${engine.modelVersion}: photos embedded ${done}/${total}`);
      }
    }
  } finally {
    await engine.close();
  }
  for (const [f, code] of failures) log(`no embedding for ${f}: ${code}`);
  if (vectorsFile) writeFileSync(vectorsFile, vectors.map(({ person, rel, v }) => JSON.stringify({ person, rel, v: Array.from(v, (x) => Math.round(x * 1e6) / 1e6) })).join('\n'));
  const { impostor, genuine, people: peopleEmbedded, impostorPeople } = pairScores(vectors);
  if (peopleEmbedded < 2) throw new CliError(`photos of ${peopleEmbedded} person under ${root}: a calibration needs at least two people (one folder each)`);
  const sets = [...new Set([...people.values()].flatMap((p) => p.photos.map((rel) => rel.split('/')[0])))].sort();
  const measuredOn = [
    `${vectors.length.toLocaleString('en-US')} photos of ${peopleEmbedded.toLocaleString('en-US')} people under ${rootLabel} (${sets.join(', ')})`,
    'a person is the folder name',
    files > total ? `${files - total} byte-identical photos read once` : '',
    exclude.length ? `excluded: ${exclude.join(', ')}` : '',
    failures.size ? `${failures.size} photos without a face left out` : '',
  ].filter(Boolean).join('; ');
  log(`${engine.modelVersion}: ${vectors.length} photos embedded in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${impostor.length} impostor and ${genuine.length} genuine pairs`);
  return calibrate(impostor, genuine, {
    pack: { id: engine.manifest.id, version: engine.manifest.version },
    measuredOn,
    command,
    date: new Date().toISOString().slice(0, 10),
    photos: vectors.length,
    people: peopleEmbedded,
    failed: failures.size,
  }, impostorPeople);
}

/** JSON with each [score, count] pair (and [score, low, high] triple) on one line. */
const pretty = (x: unknown) => `${JSON.stringify(x, null, 2).replace(/\[\s*(-?[\d.e+-]+),\s*(-?[\d.e+-]+)(?:,\s*(-?[\d.e+-]+))?\s*\]/g, (_, a, b, c) => (c === undefined ? `[${a}, ${b}]` : `[${a}, ${b}, ${c}]`))}\n`;

export function printCalibration(cal: ScoreCalibration): void {
  console.log(`pack=${cal.pack.id}@${cal.pack.version} photos=${cal.photos} people=${cal.people} impostor_pairs=${cal.impostor.pairs} genuine_pairs=${cal.genuine.pairs} failed=${cal.failed}`);
  for (const t of cal.thresholds) {
    const fmr = t.fmr.toExponential(0);
    if (t.threshold === null) console.log(`fmr=${fmr} threshold=none (fewer than ${Math.ceil(1 / t.fmr)} impostor pairs measured: the rate there is < 1 in ${cal.impostor.pairs})`);
    else console.log(`fmr=${fmr} threshold=${t.threshold.toFixed(4)} impostor_pairs_above=${t.impostorPairsAbove} genuine_accepted=${t.genuineAccepted?.toFixed(4)}`);
  }
}

/** Stores a calibration where the pack will find it; returns the file written. */
function writeCalibration(pack: string, cal: ScoreCalibration): string {
  if (isBuiltin(pack)) {
    const dir = shippedCalibrationDir();
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${pack}.json`);
    writeFileSync(file, pretty(cal));
    // the installed copy takes it now (ensureBuiltinPack merges a shipped calibration of the same version)
    ensureBuiltinPack(loadConfig().inference.modelDir, pack, log);
    return file;
  }
  const file = join(pack, 'manifest.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as ModelPackManifest;
  writeFileSync(`${file}.tmp`, pretty({ ...manifest, calibration: cal }));
  renameSync(`${file}.tmp`, file);
  return file;
}

export const addSpec: CommandSpec = {
  usage: 'frhub models add <dir> [--check-only]',
  summary: 'Checks a bring-your-own model pack (a directory with manifest.json and its ONNX files) and, when every check passes, copies it into FRHUB_MODEL_DIR (default <data dir>/models) for the hub to use.',
  options: [['--check-only', 'run the checks, copy nothing']],
  details: [
    'The checks, each printed as it runs: the manifest is complete; every model file has the sha256 the manifest names; the input and output shapes the ONNX files declare fit',
    'the manifest (input names, layout, size, embedding dim, a fixed batch of 1); a self-test on the sample faces npm ships (@vladmandic/face-api\'s demo photo): the same person',
    'scores at or above the pack\'s verification threshold and above two different people, who score below it; and a score calibration measured with this very pack (id and',
    'version). A pack without one is refused: make one with npx frhub models calibrate <dir> --root <photos> --write. The hub refuses to start with a pack directory that has none.',
    'Exit status: 0 every check passed (and the pack was copied), 2 a check failed (nothing copied), 1 the pack cannot be read, 64 a usage mistake. Opens no database.',
  ].join('\n'),
  example: 'npx frhub models add ./packs/arcface',
  run: addCommand,
};

/** The manifest's required fields; what is missing, in words. */
function incomplete(m: Partial<ModelPackManifest>): string[] {
  const missing: string[] = [];
  for (const k of ['id', 'version'] as const) if (typeof m[k] !== 'string' || !m[k]) missing.push(k);
  for (const k of ['file', 'format', 'input', 'size'] as const) if (m.detector?.[k] === undefined) missing.push(`detector.${k}`);
  for (const k of ['file', 'input', 'output', 'size', 'layout', 'mean', 'std', 'dim', 'template'] as const) if (m.recognizer?.[k] === undefined) missing.push(`recognizer.${k}`);
  if (typeof m.thresholds?.match !== 'number') missing.push('thresholds.match');
  return missing;
}

/** `frhub models add <dir> [--check-only]` */
export async function addCommand(args: Args): Promise<number> {
  const dir = args.positional[0];
  if (!dir) throw new UsageError('the pack directory is required: frhub models add <dir>');
  if (args.positional.length > 1) throw new UsageError(`one pack directory, got ${args.positional.length}: ${args.positional.join(' ')}`);
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) throw new CliError(`${dir} has no manifest.json: a pack is a directory with manifest.json and the ONNX files it names`);
  let m: ModelPackManifest;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as ModelPackManifest;
  } catch (e) {
    throw new CliError(`${file} is not JSON: ${(e as Error).message}`);
  }
  const results: PackCheck[] = [];
  const report = (c: PackCheck) => {
    results.push(c);
    console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
    return c.ok;
  };
  const missing = incomplete(m);
  if (!report({ name: 'manifest', ok: !missing.length, detail: missing.length ? `${file} lacks ${missing.join(', ')}` : `${m.id} ${m.version}: ${m.description ?? ''}` })) return refuse(results);
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/i.test(m.id) || m.id.includes('..')) {
    report({ name: 'pack id', ok: false, detail: `"${m.id}" cannot name a folder: use letters, digits, dots, dashes and underscores (at most 64)` });
    return refuse(results);
  }
  if (BUILTIN_PACKS.includes(m.id as never)) {
    report({ name: 'pack id', ok: false, detail: `${m.id} is a built-in pack's id: give the pack an id of its own` });
    return refuse(results);
  }
  if (!report(checkIndex(m))) return refuse(results);
  if (!report(checkFileNames(dir, m))) return refuse(results);
  if (!checkChecksums(dir, m).map(report).every(Boolean)) return refuse(results);
  let shapes: PackCheck[];
  try {
    shapes = await checkShapes(dir, m);
  } catch (e) {
    shapes = [{ name: 'ONNX files', ok: false, detail: `ONNX Runtime cannot load them: ${(e as Error).message.split('\n')[0]}` }];
  }
  if (shapes.map(report).every(Boolean)) report(await selfTest(resolve(dir), m, { ...loadConfig().inference, provider: 'cpu' }));
  report(checkCalibration(dir, m));
  if (results.some((c) => !c.ok)) return refuse(results);
  if (args.flags['check-only']) {
    console.log(`pack ${m.id} ${m.version} passed every check (--check-only: nothing copied)`);
    return 0;
  }
  const target = join(loadConfig().inference.modelDir, m.id);
  mkdirSync(target, { recursive: true });
  for (const { file } of packFiles(m)) copyFileSync(join(dir, file), join(target, file));
  writeFileSync(join(target, 'manifest.json'), pretty(m));
  console.log(`pack ${m.id} ${m.version} passed every check and is in ${target}; start the hub with FRHUB_MODEL_PACK=${target}`);
  return 0;
}

function refuse(results: PackCheck[]): number {
  const failed = results.filter((c) => !c.ok).map((c) => c.name);
  console.error(`frhub models add: refused, ${failed.length} check${failed.length === 1 ? '' : 's'} failed (${failed.join('; ')}); nothing was copied`);
  return 2;
}

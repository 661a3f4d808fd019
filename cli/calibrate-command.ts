import { isAbsolute, resolve } from 'node:path';
import { BUILTIN_PACKS, ensureBuiltinPack } from '../inference/builtin-packs.js';
import { calibrate, falseMatchRateAt, falseMatchRateInterval, pairScores, thresholdForFalseMatchRate, usableCalibration, type ScoreCalibration } from '../inference/calibration.js';
import { loadPack, modelVersionOf } from '../inference/model-pack.js';
import { AuditTrail } from '../tenants/audit/audit-trail.js';
import { GallerySampleService } from '../tenants/calibration/gallery-sample.service.js';
import { DomainError } from '../tenants/shared/errors.js';
import { systemClock } from '../tenants/shared/ports.js';
import { loadConfig } from '../server/config.js';
import { openDatabase } from '../server/database/open-database.js';
import { CliError, str, UsageError, type Args, type CommandSpec } from './args.js';
import { refuseWhileHeld } from './hub-client.js';
import { describeCalibration, storeGalleryCalibration } from './calibration-commands.js';
import { BY_OPTION, byField, printGroups } from './calibrate-by-group.js';
import { readGroups } from '../tenants/calibration/by-group.js';

const ADVICE = 'Stop the hub, run `frhub calibrate`, start the hub again; on PostgreSQL (DATABASE_URL) it runs beside the hub.';

export const calibrateGallerySpec: CommandSpec = {
  usage: 'frhub calibrate --gallery <id> [--max-templates <n>] [--threshold <score>] [--store] [--by <field>]',
  summary: 'Measures what the active model pack\'s scores mean on one gallery\'s own people, beside the calibration the pack shipped with.',
  options: [
    ['--gallery <id>', 'the gallery (of any tenant) whose templates of the active pack\'s model are read'],
    ['--max-templates <n>', 'read at most this many templates, whole subjects at a time (default 4000: about 8 million pairs, seconds to score)'],
    ['--threshold <score>', 'the operating threshold to report the false-match rate at (default: the pack\'s verification threshold, the lowest a search uses)'],
    ['--store', 'keep the measurement as a calibration version (score distributions only) that `frhub calibrate adopt <id>` or the adoptCalibration mutation can put in force; never adopted by this'],
    BY_OPTION,
  ],
  details: [
    'Two templates of different subjects are an impostor (different-person) pair; two of one subject (several bookings of one person) a genuine pair. Every pair of the sample is scored in this process: no face and no embedding is written anywhere, and the reading is an audit event (GALLERY_CALIBRATED) of the gallery\'s tenant.',
    'Prints the gallery\'s false-match rate at the threshold and the thresholds for 1e-3 and 1e-4 beside the pack\'s shipped calibration, each rate with its 95% interval (exact binomial on the pairs of different subjects), and ends with one line:',
    'calibration: impostor_pairs=<n> genuine_pairs=<n> people=<n> fmr_at_threshold=<x> ci95=<lo>-<hi>',
    'A subject enrolled twice under two references counts as two people: the gallery\'s rate is then an overstatement, never an understatement, of the pack\'s. Beside a hub on the embedded database: refused (exit status 75). On PostgreSQL it runs beside the hub.',
  ].join('\n'),
  example: 'npx frhub calibrate --gallery 3f0c9a1e-5b7d-4c2a-9e8f-1a2b3c4d5e6f',
  run: calibrateGalleryCommand,
};

/** A rate as a plain decimal with three significant figures (no exponent, so `lo-hi` reads one way). */
export function plain(x: number): string {
  if (x <= 0) return '0';
  return x.toFixed(Math.min(20, Math.max(0, 2 - Math.floor(Math.log10(x)))));
}

export async function calibrateGalleryCommand(args: Args): Promise<number> {
  if (args.positional.length) throw new UsageError(`unexpected argument '${args.positional[0]}'`);
  const galleryId = str(args, 'gallery');
  const max = Number(str(args, 'max-templates', '4000'));
  if (!Number.isInteger(max) || max < 2 || max > 50_000) throw new UsageError(`--max-templates must be a whole number from 2 to 50000, got '${args.flags['max-templates']}'`);
  const config = loadConfig();
  const pack = config.inference.pack;
  const dir = (BUILTIN_PACKS as readonly string[]).includes(pack) ? ensureBuiltinPack(config.inference.modelDir, pack) : isAbsolute(pack) ? pack : resolve(pack);
  const manifest = loadPack(dir).manifest;
  const modelVersion = modelVersionOf(manifest);
  const threshold = typeof args.flags.threshold === 'string' ? Number(args.flags.threshold) : manifest.thresholds.match;
  if (!Number.isFinite(threshold) || threshold < -1 || threshold > 1) throw new UsageError(`--threshold must be a cosine score from -1 to 1, got '${args.flags.threshold}'`);
  const by = byField(args.flags.by);
  refuseWhileHeld(config, '`frhub calibrate`', ADVICE);

  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart });
  let sample;
  let groups;
  try {
    console.error(`calibrate: reading up to ${max} templates of ${modelVersion} from gallery ${galleryId}`);
    sample = await new GallerySampleService(database.db, new AuditTrail(database.db, systemClock)).sample(galleryId, modelVersion, max, `cli-calibrate-${Date.now()}`);
    if (by) groups = await readGroups(database.db, sample.gallery, by, sample.faces);
  } catch (e) {
    throw e instanceof DomainError ? new CliError(e.message) : e;
  } finally {
    await database.close();
  }
  const faces = sample.faces.map((f) => ({ person: f.subjectId, v: f.embedding }));
  const started = performance.now();
  const scores = pairScores(faces);
  console.error(`calibrate: scored ${(scores.impostor.length + scores.genuine.length).toLocaleString('en-US')} pairs of ${faces.length} templates (${sample.templates} in the gallery) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (scores.people < 2 || !scores.impostor.length) throw new CliError(`gallery ${galleryId} has templates of ${scores.people} subject(s) of ${modelVersion}: a calibration needs at least two people`);
  const gallery = calibrate(scores.impostor, scores.genuine, {
    pack: { id: manifest.id, version: manifest.version },
    measuredOn: `${faces.length} templates of ${scores.people} subjects of gallery ${sample.gallery.id} (${sample.gallery.name})`,
    command: `npx frhub calibrate --gallery ${galleryId} --max-templates ${max}`,
    date: new Date().toISOString().slice(0, 10),
    photos: faces.length,
    people: scores.people,
    failed: 0,
  }, scores.impostorPeople);
  const shipped = usableCalibration(manifest).calibration;
  report(gallery, shipped, threshold, scores.genuine);
  const beyond = threshold > gallery.impostor.tail[0][0];
  const fmr = beyond ? 0 : falseMatchRateAt(gallery, threshold);
  const ci = falseMatchRateInterval(gallery, threshold);
  if (args.flags.store) console.log(`stored: ${describeCalibration(await storeGalleryCalibration(gallery, sample.gallery, modelVersion))}`);
  if (by && groups) printGroups(groups.grouped, groups.unrecorded, by, threshold);
  console.log(`calibration: impostor_pairs=${gallery.impostor.pairs} genuine_pairs=${gallery.genuine.pairs} people=${gallery.people} fmr_at_threshold=${plain(fmr)} ci95=${plain(ci.low)}-${plain(ci.high)}`);
  return 0;
}

/** The gallery's figures beside the shipped calibration's, in lines a person reads. */
function report(gallery: ScoreCalibration, shipped: ScoreCalibration | undefined, threshold: number, genuine: Float32Array): void {
  const at = (c: ScoreCalibration) => {
    const beyond = threshold > c.impostor.tail[0][0];
    const { low, high } = falseMatchRateInterval(c, threshold);
    return beyond ? `under ${high.toExponential(1)} (95%; no different-person pair reached it)` : `${falseMatchRateAt(c, threshold).toExponential(1)} (95% interval ${low.toExponential(1)} to ${high.toExponential(1)})`;
  };
  const accepted = genuine.length ? genuine.filter((s) => s >= threshold).length / genuine.length : null;
  console.log(`threshold ${threshold.toFixed(4)}:`);
  console.log(`  this gallery: false-match rate ${at(gallery)} from ${gallery.impostor.pairs.toLocaleString('en-US')} different-subject pairs of ${gallery.people} subjects; ${accepted === null ? 'no subject has two templates, so no true-match rate' : `true-match rate ${accepted.toFixed(3)} from ${genuine.length.toLocaleString('en-US')} same-subject pairs`}`);
  if (shipped) console.log(`  shipped calibration (${shipped.measuredOn}): false-match rate ${at(shipped)}`);
  else console.log('  the pack has no shipped calibration for this version');
  for (const rate of [1e-3, 1e-4]) {
    const g = gallery.impostor.pairs * rate >= 1 ? thresholdForFalseMatchRate(gallery, rate).toFixed(4) : `none (fewer than ${Math.ceil(1 / rate)} pairs)`;
    const s = shipped ? thresholdForFalseMatchRate(shipped, rate).toFixed(4) : 'none';
    console.log(`threshold for a false-match rate of ${rate.toExponential(0)}: this gallery ${g}, shipped ${s}`);
  }
}

import { userInfo, hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { BUILTIN_PACKS, ensureBuiltinPack } from '../inference/builtin-packs.js';
import { usableCalibration, type ScoreCalibration } from '../inference/calibration.js';
import { loadPack, modelVersionOf, type ModelPackManifest } from '../inference/model-pack.js';
import type { Db } from '../models/db.js';
import { CalibrationSource } from '../models/enums.js';
import { AuditTrail } from '../tenants/audit/audit-trail.js';
import { CalibrationService, type CalibrationView } from '../tenants/calibration/calibration.service.js';
import { DomainError } from '../tenants/shared/errors.js';
import { systemClock } from '../tenants/shared/ports.js';
import { loadConfig, type Config } from '../server/config.js';
import { openDatabase } from '../server/database/open-database.js';
import { calibrationPort } from '../server/engine/face-embedder.js';
import { CliError, UsageError, type Args, type CommandSpec } from './args.js';
import { refuseWhileHeld } from './hub-client.js';

const ADVICE = 'Stop the hub, run the command, start the hub again; on PostgreSQL (DATABASE_URL) it runs beside the hub (the hub reads the adopted calibration on its next search).';

/** The active pack's manifest, as the hub loads it. */
export function activeManifest(config: Config): ModelPackManifest {
  const pack = config.inference.pack;
  const dir = (BUILTIN_PACKS as readonly string[]).includes(pack) ? ensureBuiltinPack(config.inference.modelDir, pack) : isAbsolute(pack) ? pack : resolve(pack);
  return loadPack(dir).manifest;
}

/** Who acts from this command line, for the audit event and the stored calibration. */
export const operatorAct = (what: string) => ({ by: `${what} (${userInfo().username}@${hostname()})`, requestId: `cli-${what.replace(/\W+/g, '-')}-${Date.now()}` });

/** The calibration service over an open database, for the active pack. */
export function calibrationService(db: Db, manifest: ModelPackManifest): CalibrationService {
  const shipped = usableCalibration(manifest).calibration;
  return new CalibrationService(db, systemClock, new AuditTrail(db, systemClock), (data) => calibrationPort(data as unknown as ScoreCalibration), {
    modelVersion: modelVersionOf(manifest), packId: manifest.id, packVersion: manifest.version, matchThreshold: manifest.thresholds.match,
    shipped: shipped as unknown as Record<string, unknown> | undefined,
  });
}

async function withService<T>(work: (s: CalibrationService) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const manifest = activeManifest(config);
  refuseWhileHeld(config, '`frhub calibrate`', ADVICE);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart });
  try {
    const service = calibrationService(database.db, manifest);
    // the shipped one is a version too, so that it can be listed and adopted again
    await service.registerShipped();
    return await work(service);
  } catch (e) {
    throw e instanceof DomainError ? new CliError(e.message) : e;
  } finally {
    await database.close();
  }
}

/** Stores a gallery's measured calibration (`frhub calibrate --gallery <id> --store`); never adopts it. */
export async function storeGalleryCalibration(cal: ScoreCalibration, gallery: { id: string; tenantId: string }, modelVersion: string): Promise<CalibrationView> {
  return withService(async (s) => {
    const row = await s.store({
      modelVersion, packId: cal.pack.id, packVersion: cal.pack.version, galleryId: gallery.id,
      templates: cal.photos, people: cal.people, impostorPairs: cal.impostor.pairs, genuinePairs: cal.genuine.pairs, data: cal as unknown as Record<string, unknown>,
    }, gallery.tenantId, operatorAct('frhub calibrate --store'));
    return (await s.overviewForOperator()).calibrations.find((v) => v.id === row.id)!;
  });
}

const rateWords = (v: CalibrationView) => {
  const a = v.atThreshold;
  return a.beyondData ? `under ${a.high.toExponential(1)} (95%; beyond its data)` : `${a.falseMatchRate.toExponential(1)} (95% interval ${a.low.toExponential(1)} to ${a.high.toExponential(1)})`;
};

/** One calibration in a line a person reads. */
export const describeCalibration = (v: CalibrationView) =>
  `${v.current ? '*' : ' '} calibration ${v.version} ${v.id} ${v.source === CalibrationSource.SHIPPED ? 'shipped' : 'gallery'}: ${v.measuredOn}; ${v.people} people, ${v.impostorPairs} different-person pairs; ` +
  `false-match rate at the threshold ${rateWords(v)}${v.rateRatioToShipped === null ? '' : `, ${v.rateRatioToShipped.toPrecision(2)} x the shipped one's`}${v.overlapsShipped ? '' : ' (its interval does not overlap the shipped one\'s)'}`;

export const calibrateListSpec: CommandSpec = {
  usage: 'frhub calibrate list',
  summary: 'Lists the stored score calibrations of the active model pack, the one in force (*) and each one\'s false-match rate at the verification threshold beside the shipped one\'s.',
  details: 'Reads only. Beside a hub on the embedded database: refused (exit status 75); on PostgreSQL it runs beside the hub.',
  example: 'npx frhub calibrate list',
  async run(args: Args) {
    if (args.positional.length) throw new UsageError(`unexpected argument '${args.positional[0]}'`);
    const o = await withService((s) => s.overviewForOperator());
    console.log(`model ${o.modelVersion}, compared at the verification threshold ${o.operatingThreshold.toFixed(4)}:`);
    for (const v of o.calibrations) console.log(describeCalibration(v));
    if (!o.calibrations.length) console.log('  none stored: the pack has no calibration; measure one with frhub calibrate --gallery <id> --store');
    return 0;
  },
};

export const calibrateAdoptSpec: CommandSpec = {
  usage: 'frhub calibrate adopt <id>',
  summary: 'Makes a stored calibration (an id from `frhub calibrate list`, or `shipped`) the one every later search reads its false-match rates from. Audited (CALIBRATION_ADOPTED).',
  details: 'Each search records the calibration it used; searches already run keep theirs. Beside a hub on the embedded database: refused (exit status 75); on PostgreSQL it runs beside the hub, whose next search reads it.',
  example: 'npx frhub calibrate adopt shipped',
  async run(args: Args) {
    const [id, extra] = args.positional;
    if (!id) throw new UsageError('name the calibration to adopt: an id from `frhub calibrate list`, or `shipped`');
    if (extra) throw new UsageError(`unexpected argument '${extra}'`);
    const v = await withService(async (s) => {
      const target = id === 'shipped' ? (await s.overviewForOperator()).shipped?.id : id;
      if (!target) throw new CliError('the active pack shipped no calibration for its version: there is none to adopt again');
      return s.adoptForOperator(target, operatorAct('frhub calibrate adopt'));
    });
    console.log(`adopted: ${describeCalibration(v)}`);
    return 0;
  },
};

import type pino from 'pino';
import { BUILTIN_PACKS } from '../../inference/builtin-packs.js';
import { calibrateHint, usableCalibration } from '../../inference/calibration.js';
import { EngineThread } from '../../inference/engine-thread.js';
import type { Clock } from '../../tenants/shared/ports.js';
import { loadSigningKeys, type SigningKeys } from '../auth/hub-tokens.js';
import type { Config } from '../config.js';
import type { Database } from '../database/open-database.js';
import type { HubEngine } from '../engine/face-embedder.js';
import type { RemoteInference } from '../engine/remote-inference.js';

/** The models and the signing keys; on failure the database (and its lock) is released before the error goes up. */
export async function startInference(config: Config, database: Database, logger: pino.Logger, remote: RemoteInference | undefined, clock: Clock): Promise<{ engine: HubEngine; keys: SigningKeys }> {
  let engine: HubEngine | undefined = remote;
  try {
    engine ??= await EngineThread.create(config.inference, (m) => logger.info(m), config.inferenceInFlight);
    checkCalibration(config, engine, logger);
    return { engine, keys: await loadSigningKeys(config, clock) };
  } catch (e) {
    await engine?.close().catch(() => {});
    await database.close().catch(() => {});
    throw e;
  }
}

/**
 * A pack directory must bring a score calibration of its own version (`frhub models add` checks it):
 * without one its scores mean nothing and the hub refuses to start. A built-in pack without one (a
 * pipeline changed, not yet recalibrated) searches at its verification threshold, with a warning.
 */
function checkCalibration(config: Config, engine: HubEngine, logger: pino.Logger): void {
  const { calibration, reason } = usableCalibration(engine.manifest);
  if (calibration) {
    logger.info(`score calibration of ${calibration.pack.id} ${calibration.pack.version}: ${calibration.impostor.pairs} different-person pairs (${calibration.measuredOn}), ${calibration.date}`);
    return;
  }
  // with remote workers the pack is theirs: judge by the manifest the engine runs, not this hub's setting
  const pack = config.remoteInference.urls.length ? engine.manifest.id : config.inference.pack;
  if ((BUILTIN_PACKS as readonly string[]).includes(pack)) {
    logger.warn(`${reason}: searches without minScore use its verification threshold ${engine.manifest.thresholds.match} and candidates carry no estimatedFalseMatchRate; ${calibrateHint(pack)}`);
    return;
  }
  throw new Error(`${reason}, so its scores cannot be read as false-match rates and the hub will not start with it: ${calibrateHint(pack)}, then check it with npx frhub models add ${pack}`);
}

import type pino from 'pino';
import type { DataSource } from 'typeorm';
import type { Db } from '../../models/db.js';
import { FaceCropRepository } from '../../models/face-crop.repository.js';
import { describeIndexBuildMemory } from '../../models/index-memory.js';
import type { CalibrationService } from '../../tenants/calibration/calibration.service.js';
import type { TenantService } from '../../tenants/directory/tenant.service.js';
import type { SearchService } from '../../tenants/search/search.service.js';
import { LockKey, withLock } from '../database/advisory-locks.js';
import type { ImageKeys } from '../database/image-keys.js';

/**
 * What is done once for every replica at start, under the schema lock: the model's HNSW index, built
 * once (at the first start, or after a model change) with memory sized for its graph, the pack's
 * shipped calibration as a stored version, and the operator tenant.
 */
export async function prepareOnce(shared: DataSource | undefined, services: { tenants: TenantService; searches: SearchService; calibrations: CalibrationService }, indexBuildMemoryMb: number, logger: pino.Logger): Promise<void> {
  const { tenants, searches } = services;
  await withLock(shared, LockKey.SCHEMA, async () => {
    const built = await searches.prepare({
      indexBuildMemoryMb,
      onIndexBuild: (m) => logger.info({ job: 'index-build' }, describeIndexBuildMemory(m)),
      onUnusedIndexes: (names) =>
        logger.warn({ job: 'index-build', indexes: names }, `the model's index in another storage (${names.join(', ')}) is no longer searched but is still updated on every enrollment: once every replica runs this pack, run DROP INDEX CONCURRENTLY on it`),
      onBinaryIndexBuilt: (b) => logger.info({ job: 'index-build' }, `binary HNSW index of ${b.templates} templates built in ${b.seconds.toFixed(1)} s (maintenance_work_mem ${b.mb} MB): searches of this model now walk it and re-rank by the exact cosine`),
    });
    if (built) logger.info({ job: 'index-build' }, `HNSW index (${built.storage}, m ${built.m}, ef_construction ${built.efConstruction}) of ${built.templates} templates built in ${built.seconds.toFixed(1)} s`);
    // the pack's shipped calibration, stored as a version so that searches can record it (once per pack version)
    await services.calibrations.registerShipped();
    if (await tenants.bootstrap()) {
      logger.info('created the operator tenant "hub"; get an administrator token with: npx frhub token --tenant hub --role HUB_ADMIN');
    }
  });
}

/** Says at start what `frhub keys reencrypt-images` has left to do: images stored before encryption, or sealed with a key the file lacks. */
export async function warnOfUnsealedImages(db: Db, imageKeys: ImageKeys, logger: pino.Logger): Promise<void> {
  const counts = await db.scoped({ tenantId: null, allTenants: true }, (tx) => new FaceCropRepository(imageKeys).countsByKey(tx));
  const clear = counts.find((c) => c.keyId === null)?.rows ?? 0;
  if (clear) logger.warn({ job: 'image-keys' }, `${clear} kept face image(s) were stored before images were encrypted and are still in the clear: run npx frhub keys reencrypt-images to seal them`);
  const lost = counts.filter((c) => c.keyId !== null && !imageKeys.find(c.keyId));
  for (const c of lost) logger.error({ job: 'image-keys' }, `${c.rows} kept face image(s) are sealed with image key ${c.keyId}, which ${imageKeys.file} does not hold: they cannot be shown; restore the key from your backup of that file`);
}

import type { ScopedDb, TenantScope } from '../../models/db.js';
import { AuditAction, AuditOutcome } from '../../models/enums.js';
import type { FaceCropRepository, ImageStore, KeyRowCount } from '../../models/face-crop.repository.js';
import { FaceImageError, tryOpenImage, type ImageKeyRing, type ImageRowId } from '../../models/face-image-cipher.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Clock } from '../shared/ports.js';

export interface ResealTick {
  /** crops handled in this run, of `total` found not under the target key at its start */
  done: number;
  total: number;
  resealed: number;
  failed: number;
  seconds: number;
}

/** A kept image that did not open: left as it is (never sealed anew), named for the operator. */
export interface ResealFailure extends ImageRowId {
  store: ImageStore;
  keyId: string | null;
  cause: FaceImageError['reason'];
}

export interface ResealReport {
  /** the key every crop is now sealed under; null: written back in the clear (--decrypt) */
  keyId: string | null;
  total: number;
  resealed: number;
  /** changed by another writer between read and rewrite (a hub deleting it, another run): left to it */
  skipped: number;
  failed: ResealFailure[];
  counts: KeyRowCount[];
  seconds: number;
}

const EVERY_TENANT: TenantScope = { tenantId: null, allTenants: true };

/**
 * Seals every tenant's kept face images (enrollment crops, request probes, released leads' faces)
 * again under the current image key (after `frhub keys rotate-images`, or for images stored before
 * encryption), for the operator's command line (no actor:
 * like purge it runs with the database's credentials, and is audited). Each batch commits on its own
 * and rewrites a row only if it still holds what was read, so it runs beside hubs on PostgreSQL and a
 * second run after an interruption finds only what is left.
 */
export class ImageResealService {
  constructor(
    private readonly db: ScopedDb,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    private readonly keys: ImageKeyRing,
    private readonly crops: FaceCropRepository,
  ) {}

  /** Kept crops per image key id (null: stored before encryption). */
  counts(): Promise<KeyRowCount[]> {
    return this.db.scoped(EVERY_TENANT, (tx) => this.crops.countsByKey(tx));
  }

  async run(opts: { batch?: number; requestId: string; decrypt?: boolean; onTick?: (t: ResealTick) => void }): Promise<ResealReport> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const target = opts.decrypt ? null : this.keys.current().id;
    const batch = Math.max(1, opts.batch ?? 64);
    const event = { action: AuditAction.FACE_IMAGES_RESEALED, tenantId: null, requestId: opts.requestId };
    const total = await this.db.scoped(EVERY_TENANT, async (tx) => {
      const n = await this.crops.countNotUnderKey(tx, target);
      await this.trail.append(tx, null, { ...event, outcome: AuditOutcome.ALLOWED, details: { step: 'started', keyId: target, decrypt: !!opts.decrypt, crops: n } });
      return n;
    });
    const failed: ResealFailure[] = [];
    let resealed = 0;
    let skipped = 0;
    let after: ImageRowId | undefined;
    for (;;) {
      const rows = await this.db.scoped(EVERY_TENANT, (tx) => this.crops.notUnderKey(tx, target, after, batch));
      if (!rows.length) break;
      after = rows[rows.length - 1];
      await this.db.scoped(EVERY_TENANT, async (tx) => {
        for (const r of rows) {
          const plain = tryOpenImage(this.keys, { keyId: r.keyId, bytes: r.image }, r);
          if (plain instanceof FaceImageError) {
            failed.push({ store: r.store, galleryId: r.galleryId, imageSha256: r.imageSha256, keyId: r.keyId, cause: plain.reason });
            continue;
          }
          if (await this.crops.reseal(tx, r, plain, { clear: opts.decrypt })) resealed++;
          else skipped++;
        }
      });
      opts.onTick?.({ done: resealed + skipped + failed.length, total, resealed, failed: failed.length, seconds: seconds() });
    }
    return this.db.scoped(EVERY_TENANT, async (tx) => {
      const counts = await this.crops.countsByKey(tx);
      await this.trail.append(tx, null, {
        ...event,
        outcome: failed.length ? AuditOutcome.FAILED : AuditOutcome.ALLOWED,
        reason: failed.length ? 'FACE_IMAGE_TAMPERED' : null,
        details: { step: 'finished', keyId: target, decrypt: !!opts.decrypt, total, resealed, skipped, failed: failed.slice(0, 100), counts },
      });
      return { keyId: target, total, resealed, skipped, failed, counts, seconds: seconds() };
    });
  }
}

import { randomUUID } from 'node:crypto';
import type { Queryable } from './db.js';
import { FaceImageError, openImage, sealImage, tryOpenImage, type ImageKeyRing, type ImageRowId } from './face-image-cipher.js';
import { PROBE, type ProbeRow } from './request.repository.js';

export interface CropInsert {
  tenantId: string;
  galleryId: string;
  imageSha256: string;
  jpeg: Uint8Array;
  width: number;
  height: number;
  box: { x: number; y: number; width: number; height: number };
}

/** An enrolled photo with a kept crop and no template of the target model yet. */
export interface PendingPhoto {
  imageSha256: string;
  subjectId: string;
  subjectRef: string;
  tenantId: string;
  fromTemplate: string;
  fromVersion: string;
  source: Record<string, unknown>;
  jpeg: Buffer;
  /** the kept crop did not open (jpeg is then empty): re-embedding it fails with this error's code */
  unreadable?: FaceImageError;
}

/** How many kept crops each image key seals (keyId null: stored before images were encrypted). */
export interface KeyRowCount {
  keyId: string | null;
  rows: number;
}

/**
 * Where a sealed image is kept: an enrollment's face crop, a request's probe photo, a released lead's
 * face. Each is sealed for its row: (gallery, photo checksum), (probe id, probe checksum), (request id, 'lead').
 */
export type ImageStore = 'crop' | 'probe' | 'lead';

/** A kept image as stored, for re-encryption. */
export interface StoredCrop extends ImageRowId {
  store: ImageStore;
  keyId: string | null;
  image: Buffer;
}

// every sealed image the hub keeps, as (store, row id, key id, bytes): what key counts and re-encryption walk
const KEPT_IMAGES = `(SELECT 'crop' AS store, gallery_id AS "galleryId", image_sha256 AS "imageSha256", key_id AS "keyId", image FROM face_crops
  UNION ALL SELECT 'probe', id, sha256, key_id, image FROM request_probes
  UNION ALL SELECT 'lead', id, 'lead', lead_face_key_id, lead_face FROM requests WHERE lead_face IS NOT NULL) kept`;
const leadRow = (requestId: string): ImageRowId => ({ galleryId: requestId, imageSha256: 'lead' });

/** How far a gallery's move to a model version got, counted in enrolled photos that have templates of another version. */
export interface MoveProgress {
  photos: number;
  /** of those, with a template of the target version too */
  done: number;
  /** of those not done, without a kept crop (enrolled before crops were kept) */
  noCrop: number;
}

/**
 * The face images the hub keeps, each stored sealed (face-image-cipher.ts): written under the ring's
 * current key, opened on read. The crops enrollment keeps, one per enrolled photo (gallery, checksum),
 * shared by that photo's templates; a request's probe photos; a released lead's face. The one place any
 * of them is written or read.
 */
export class FaceCropRepository {
  constructor(private readonly keys: ImageKeyRing) {}

  /** Idempotent: a photo enrolled again keeps the crop it has (or gets one, if enrolled before crops were kept). */
  async insert(db: Queryable, c: CropInsert): Promise<void> {
    const sealed = sealImage(this.keys, c.jpeg, c);
    await db.query(
      `INSERT INTO face_crops (gallery_id, image_sha256, tenant_id, image, key_id, width, height, face_box) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (gallery_id, image_sha256) DO NOTHING`,
      [c.galleryId, c.imageSha256, c.tenantId, sealed.bytes, sealed.keyId, c.width, c.height, JSON.stringify(c.box)],
    );
  }

  /** The next photos to re-embed into `target`, in checksum order after `after` (so a failed one is not retried within a run). */
  async pending(db: Queryable, galleryId: string, target: string, after: string, limit: number): Promise<PendingPhoto[]> {
    const rows: (Omit<PendingPhoto, 'jpeg'> & { image: Buffer; keyId: string | null })[] = await db.query(
      `SELECT DISTINCT ON (t.image_sha256) t.image_sha256 AS "imageSha256", t.subject_id AS "subjectId", s.external_ref AS "subjectRef",
              t.tenant_id AS "tenantId", t.id AS "fromTemplate", t.model_version AS "fromVersion", t.source, c.image, c.key_id AS "keyId"
         FROM face_templates t
         JOIN face_crops c ON c.gallery_id = t.gallery_id AND c.image_sha256 = t.image_sha256
         JOIN subjects s ON s.id = t.subject_id
        WHERE t.gallery_id = $1 AND t.model_version <> $2 AND t.image_sha256 > $3
          AND NOT EXISTS (SELECT 1 FROM face_templates n WHERE n.gallery_id = t.gallery_id AND n.image_sha256 = t.image_sha256 AND n.model_version = $2)
        ORDER BY t.image_sha256, t.created_at
        LIMIT $4`,
      [galleryId, target, after, limit],
    );
    return rows.map(({ image, keyId, ...p }) => {
      const jpeg = tryOpenImage(this.keys, { keyId, bytes: image }, { galleryId, imageSha256: p.imageSha256 });
      return jpeg instanceof FaceImageError ? { ...p, jpeg: Buffer.alloc(0), unreadable: jpeg } : { ...p, jpeg };
    });
  }

  /**
   * The kept crops of several searches' candidates, by search id and rank. Row-level security leaves
   * out the crops of another tenant's gallery (shared for searching only): those candidates have none.
   * A crop that does not open comes back as its FaceImageError, never as bytes.
   */
  async ofCandidates(db: Queryable, searchIds: string[]): Promise<{ searchId: string; rank: number; jpeg: Buffer | FaceImageError }[]> {
    if (!searchIds.length) return [];
    const rows: { searchId: string; rank: number; galleryId: string; imageSha256: string; image: Buffer; keyId: string | null }[] = await db.query(
      `SELECT sc.search_id AS "searchId", sc.rank, c.gallery_id AS "galleryId", c.image_sha256 AS "imageSha256", c.image, c.key_id AS "keyId"
         FROM search_candidates sc
         JOIN face_templates t ON t.id = sc.template_id
         JOIN face_crops c ON c.gallery_id = t.gallery_id AND c.image_sha256 = t.image_sha256
        WHERE sc.search_id = ANY($1::uuid[])`,
      [searchIds],
    );
    return rows.map((r) => ({ searchId: r.searchId, rank: r.rank, jpeg: tryOpenImage(this.keys, { keyId: r.keyId, bytes: r.image }, r) }));
  }

  /** Kept images per image key id, every tenant's (the caller's scope decides which rows it sees). */
  async countsByKey(db: Queryable): Promise<KeyRowCount[]> {
    return db.query(`SELECT "keyId", count(*)::int AS rows FROM ${KEPT_IMAGES} GROUP BY "keyId" ORDER BY count(*) DESC, "keyId"`);
  }

  /** Kept images not sealed under `keyId` (null: every sealed one), in row order after `after`: the next batch to re-encrypt. */
  async notUnderKey(db: Queryable, keyId: string | null, after: ImageRowId | undefined, limit: number): Promise<StoredCrop[]> {
    return db.query(
      `SELECT store, "galleryId", "imageSha256", "keyId", image FROM ${KEPT_IMAGES}
        WHERE "keyId" IS DISTINCT FROM $1::text AND ($2::uuid IS NULL OR ("galleryId", "imageSha256") > ($2::uuid, $3::text))
        ORDER BY "galleryId", "imageSha256"
        LIMIT $4`,
      [keyId, after?.galleryId ?? null, after?.imageSha256 ?? '', limit],
    );
  }

  /** How many kept images are not sealed under `keyId` (null: how many are sealed at all). */
  async countNotUnderKey(db: Queryable, keyId: string | null): Promise<number> {
    const [r] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${KEPT_IMAGES} WHERE "keyId" IS DISTINCT FROM $1::text`, [keyId]);
    return r.n;
  }

  /**
   * Seals `plain` again under the ring's current key, only if the row still holds what was read (same
   * key id and bytes): false when a concurrent writer got there first. The caller opened it first, so
   * a tampered row is never sealed anew.
   */
  async reseal(db: Queryable, read: StoredCrop, plain: Buffer, opts: { clear?: boolean } = {}): Promise<boolean> {
    // clear: back to the marker of rows stored before encryption, only so that the migration can be reverted
    const sealed = opts.clear ? { bytes: plain, keyId: null } : sealImage(this.keys, plain, read);
    const update = {
      crop: `UPDATE face_crops SET image = $1, key_id = $2 WHERE gallery_id = $3 AND image_sha256 = $4 AND key_id IS NOT DISTINCT FROM $5 AND image = $6`,
      probe: `UPDATE request_probes SET image = $1, key_id = $2 WHERE id = $3 AND sha256 = $4 AND key_id IS NOT DISTINCT FROM $5 AND image = $6`,
      lead: `UPDATE requests SET lead_face = $1, lead_face_key_id = $2 WHERE id = $3 AND $4 = 'lead' AND lead_face_key_id IS NOT DISTINCT FROM $5 AND lead_face = $6`,
    }[read.store];
    const [r] = await db.query<{ n: number }>(
      `WITH u AS (${update} RETURNING 1) SELECT count(*)::int AS n FROM u`,
      [sealed.bytes, sealed.keyId, read.galleryId, read.imageSha256, read.keyId, read.image],
    );
    return r.n > 0;
  }

  /** Keeps a request's probe photo, sealed for its row. */
  async storeProbe(db: Queryable, p: { requestId: string; tenantId: string; servingTenantId: string; ordinal: number; image: Buffer; sha256: string }): Promise<ProbeRow> {
    const id = randomUUID();
    const sealed = sealImage(this.keys, p.image, { galleryId: id, imageSha256: p.sha256 });
    const [row] = await db.query<ProbeRow>(
      `INSERT INTO request_probes (id, request_id, tenant_id, serving_tenant_id, ordinal, image, key_id, sha256, bytes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${PROBE}`,
      [id, p.requestId, p.tenantId, p.servingTenantId, p.ordinal, sealed.bytes, sealed.keyId, p.sha256, p.image.length],
    );
    return row;
  }

  /** A request's probe photo, opened; undefined when the caller's scope sees no such probe. Throws FaceImageError when it does not open. */
  async probeBytes(db: Queryable, probeId: string): Promise<Buffer | undefined> {
    const [r] = await db.query<{ image: Buffer; keyId: string | null; sha256: string }>(`SELECT image, key_id AS "keyId", sha256 FROM request_probes WHERE id = $1`, [probeId]);
    return r ? openImage(this.keys, { keyId: r.keyId, bytes: r.image }, { galleryId: probeId, imageSha256: r.sha256 }) : undefined;
  }

  /** The columns that keep a released lead's face, sealed for its request. */
  sealLeadFace(requestId: string, jpeg: Buffer | null): { leadFace: Buffer | null; leadFaceKeyId: string | null } {
    if (!jpeg) return { leadFace: null, leadFaceKeyId: null };
    const sealed = sealImage(this.keys, jpeg, leadRow(requestId));
    return { leadFace: sealed.bytes, leadFaceKeyId: sealed.keyId };
  }

  /** A released lead's face, opened (null: none kept). Throws FaceImageError when it does not open. */
  async leadFace(db: Queryable, requestId: string): Promise<Buffer | null> {
    const [r] = await db.query<{ image: Buffer | null; keyId: string | null }>(`SELECT lead_face AS image, lead_face_key_id AS "keyId" FROM requests WHERE id = $1`, [requestId]);
    return r?.image ? openImage(this.keys, { keyId: r.keyId, bytes: r.image }, leadRow(requestId)) : null;
  }

  async progress(db: Queryable, galleryId: string, target: string): Promise<MoveProgress> {
    const [r] = await db.query<MoveProgress>(
      `SELECT count(*)::int AS photos, count(*) FILTER (WHERE p.done)::int AS done, count(*) FILTER (WHERE NOT p.done AND NOT p.cropped)::int AS "noCrop"
         FROM (SELECT t.image_sha256, bool_or(t.model_version = $2) AS done,
                      EXISTS (SELECT 1 FROM face_crops c WHERE c.gallery_id = $1 AND c.image_sha256 = t.image_sha256) AS cropped
                 FROM face_templates t WHERE t.gallery_id = $1
                GROUP BY t.image_sha256 HAVING bool_or(t.model_version <> $2)) p`,
      [galleryId, target],
    );
    return r;
  }
}

import type { Queryable } from './db.js';

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
}

/** How far a gallery's move to a model version got, counted in enrolled photos that have templates of another version. */
export interface MoveProgress {
  photos: number;
  /** of those, with a template of the target version too */
  done: number;
  /** of those not done, without a kept crop (enrolled before crops were kept) */
  noCrop: number;
}

/** The face crops enrollment keeps, one per enrolled photo (gallery, checksum), shared by that photo's templates. */
export class FaceCropRepository {
  /** Idempotent: a photo enrolled again keeps the crop it has (or gets one, if enrolled before crops were kept). */
  async insert(db: Queryable, c: CropInsert): Promise<void> {
    await db.query(
      `INSERT INTO face_crops (gallery_id, image_sha256, tenant_id, jpeg, width, height, face_box) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (gallery_id, image_sha256) DO NOTHING`,
      [c.galleryId, c.imageSha256, c.tenantId, Buffer.from(c.jpeg.buffer, c.jpeg.byteOffset, c.jpeg.byteLength), c.width, c.height, JSON.stringify(c.box)],
    );
  }

  /** The next photos to re-embed into `target`, in checksum order after `after` (so a failed one is not retried within a run). */
  async pending(db: Queryable, galleryId: string, target: string, after: string, limit: number): Promise<PendingPhoto[]> {
    return db.query(
      `SELECT DISTINCT ON (t.image_sha256) t.image_sha256 AS "imageSha256", t.subject_id AS "subjectId", s.external_ref AS "subjectRef",
              t.tenant_id AS "tenantId", t.id AS "fromTemplate", t.model_version AS "fromVersion", t.source, c.jpeg
         FROM face_templates t
         JOIN face_crops c ON c.gallery_id = t.gallery_id AND c.image_sha256 = t.image_sha256
         JOIN subjects s ON s.id = t.subject_id
        WHERE t.gallery_id = $1 AND t.model_version <> $2 AND t.image_sha256 > $3
          AND NOT EXISTS (SELECT 1 FROM face_templates n WHERE n.gallery_id = t.gallery_id AND n.image_sha256 = t.image_sha256 AND n.model_version = $2)
        ORDER BY t.image_sha256, t.created_at
        LIMIT $4`,
      [galleryId, target, after, limit],
    );
  }

  /**
   * The kept crops of several searches' candidates, by search id and rank. Row-level security leaves
   * out the crops of another tenant's gallery (shared for searching only): those candidates have none.
   */
  async ofCandidates(db: Queryable, searchIds: string[]): Promise<{ searchId: string; rank: number; jpeg: Buffer }[]> {
    if (!searchIds.length) return [];
    return db.query(
      `SELECT sc.search_id AS "searchId", sc.rank, c.jpeg
         FROM search_candidates sc
         JOIN face_templates t ON t.id = sc.template_id
         JOIN face_crops c ON c.gallery_id = t.gallery_id AND c.image_sha256 = t.image_sha256
        WHERE sc.search_id = ANY($1::uuid[])`,
      [searchIds],
    );
  }

  async progress(db: Queryable, galleryId: string, target: string): Promise<MoveProgress> {
    const [r] = await db.query(
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

import type { Queryable } from './db.js';
import { AuditOutcome, DemographicField, type AgeBand, type SubjectEthnicity, type SubjectRace, type SubjectSex } from './enums.js';

/** What a gallery owner may keep about a subject beside its reference; every field optional. */
export interface SubjectDetails {
  name: string | null;
  /** YYYY-MM-DD */
  dateOfBirth: string | null;
  /** YYYY-MM-DD */
  bookingDate: string | null;
  bookingNumber: string | null;
  charges: string | null;
  disposition: string | null;
}

export const SUBJECT_DETAIL_FIELDS: readonly (keyof SubjectDetails)[] = ['name', 'dateOfBirth', 'bookingDate', 'bookingNumber', 'charges', 'disposition'];

/** The demographic fields a gallery owner may choose to keep (Gallery.demographicFields); null: not recorded. */
export interface SubjectDemographics {
  sex: SubjectSex | null;
  race: SubjectRace | null;
  ethnicity: SubjectEthnicity | null;
  ageBand: AgeBand | null;
}

/** Each demographic field's property on a subject, and its column. */
export const DEMOGRAPHIC_KEYS: Record<DemographicField, { key: keyof SubjectDemographics; column: string }> = {
  [DemographicField.SEX]: { key: 'sex', column: 'sex' },
  [DemographicField.RACE]: { key: 'race', column: 'race' },
  [DemographicField.ETHNICITY]: { key: 'ethnicity', column: 'ethnicity' },
  [DemographicField.AGE_BAND]: { key: 'ageBand', column: 'age_band' },
};

export interface SubjectRecord extends SubjectDetails, SubjectDemographics {
  id: string;
  tenantId: string;
  galleryId: string;
  externalRef: string;
  templateCount: number;
  createdAt: Date;
  updatedAt: Date | null;
}

/** What a removal took away, by id and count (never a face). */
export interface Removed {
  templateIds: string[];
  /** the checksums of the photos whose crops and templates went */
  photoSha256s: string[];
  crops: number;
  /** past searches' candidate rows redacted (rank, score and the reason stay) */
  candidateRows: number;
  searches: string[];
}

/** Rows that still hold something of a subject, by table. */
export interface Remnants {
  subjects: number;
  faceTemplates: number;
  faceCrops: number;
  searchCandidates: number;
}

const COLUMNS: Record<keyof SubjectDetails | keyof SubjectDemographics, string> = {
  name: 'full_name',
  dateOfBirth: 'date_of_birth',
  bookingDate: 'booking_date',
  bookingNumber: 'booking_number',
  charges: 'charges',
  disposition: 'disposition',
  sex: 'sex',
  race: 'race',
  ethnicity: 'ethnicity',
  ageBand: 'age_band',
};

const SUBJECT = `s.id, s.tenant_id AS "tenantId", s.gallery_id AS "galleryId", s.external_ref AS "externalRef", s.created_at AS "createdAt", s.updated_at AS "updatedAt",
  s.full_name AS name, to_char(s.date_of_birth, 'YYYY-MM-DD') AS "dateOfBirth", to_char(s.booking_date, 'YYYY-MM-DD') AS "bookingDate",
  s.booking_number AS "bookingNumber", s.charges, s.disposition, s.sex, s.race, s.ethnicity, s.age_band AS "ageBand",
  (SELECT count(*)::int FROM face_templates t WHERE t.subject_id = s.id) AS "templateCount"`;

/** Subjects as records that change: their details, their removal with everything made from their photos, and the proof it is gone. */
export class SubjectRepository {
  /** A subject of `tenantId` only: another tenant's (even one shared with it) is simply not found. */
  async ofTenant(db: Queryable, tenantId: string, id: string): Promise<SubjectRecord | undefined> {
    return (await db.query<SubjectRecord>(`SELECT ${SUBJECT} FROM subjects s WHERE s.tenant_id = $1 AND s.id = $2`, [tenantId, id]))[0];
  }

  /** The subjects among `ids` the transaction's scope may see (own, or in a gallery shared with it). */
  async visibleMany(db: Queryable, ids: string[]): Promise<SubjectRecord[]> {
    return ids.length ? db.query(`SELECT ${SUBJECT} FROM subjects s WHERE s.id = ANY($1::uuid[])`, [ids]) : [];
  }

  /** A tenant's subjects whose booking number, or reference, is `ref` (a booking feed names either). */
  async byBookingNumber(db: Queryable, tenantId: string, ref: string): Promise<SubjectRecord[]> {
    return db.query(
      `SELECT ${SUBJECT} FROM subjects s WHERE s.tenant_id = $1 AND (s.booking_number = $2 OR s.external_ref = $2) ORDER BY s.created_at, s.id`,
      [tenantId, ref],
    );
  }

  /** Sets the given details (null clears one); fields not in `patch` stay. */
  async update(db: Queryable, id: string, patch: Partial<SubjectDetails & SubjectDemographics>): Promise<void> {
    const keys = (Object.keys(patch) as (keyof typeof COLUMNS)[]).filter((k) => k in COLUMNS);
    const sets = keys.map((k, i) => `${COLUMNS[k]} = $${i + 2}`);
    await db.query(`UPDATE subjects SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1`, [id, ...keys.map((k) => patch[k] ?? null)]);
  }

  /** Clears the given demographic fields on every subject of a gallery (its owner stopped keeping them); how many subjects held one. */
  async clearDemographics(db: Queryable, galleryId: string, fields: DemographicField[]): Promise<number> {
    if (!fields.length) return 0;
    const columns = fields.map((f) => DEMOGRAPHIC_KEYS[f].column);
    const rows = await db.query(
      `UPDATE subjects SET ${columns.map((c) => `${c} = NULL`).join(', ')}, updated_at = now() WHERE gallery_id = $1 AND (${columns.map((c) => `${c} IS NOT NULL`).join(' OR ')}) RETURNING id`,
      [galleryId],
    );
    return rows.length;
  }

  /** Each subject of a gallery with a value recorded for the demographic field, and that value. */
  async demographicValues(db: Queryable, galleryId: string, field: DemographicField): Promise<Map<string, string>> {
    const column = DEMOGRAPHIC_KEYS[field].column;
    const rows: { id: string; value: string }[] = await db.query(`SELECT id, ${column} AS value FROM subjects WHERE gallery_id = $1 AND ${column} IS NOT NULL`, [galleryId]);
    return new Map(rows.map((r) => [r.id, r.value]));
  }

  /** The template of `tenantId` with that id, with its photo's gallery, checksum and subject. */
  async templateOfTenant(db: Queryable, tenantId: string, templateId: string): Promise<{ id: string; galleryId: string; subjectId: string; imageSha256: string } | undefined> {
    return (await db.query<{ id: string; galleryId: string; subjectId: string; imageSha256: string }>(
      `SELECT id, gallery_id AS "galleryId", subject_id AS "subjectId", image_sha256 AS "imageSha256" FROM face_templates WHERE tenant_id = $1 AND id = $2`,
      [tenantId, templateId],
    ))[0];
  }

  /**
   * Purges the photos of a subject (all of them, or those with the given checksums): their crops,
   * their templates of every model version, the gallery's count, and every past search's candidate
   * rows made from them (redacted with the reason: rank and score stay, nothing names the subject).
   * The scope must reach other tenants' searches when the gallery is shared.
   */
  async purgePhotos(db: Queryable, subjectId: string, reason: string, photoSha256s?: string[]): Promise<Removed> {
    const only = photoSha256s ?? null;
    const photos: { galleryId: string; imageSha256: string }[] = await db.query(
      `SELECT DISTINCT gallery_id AS "galleryId", image_sha256 AS "imageSha256" FROM face_templates
        WHERE subject_id = $1 AND ($2::text[] IS NULL OR image_sha256 = ANY($2::text[])) ORDER BY image_sha256`,
      [subjectId, only],
    );
    const shas = photos.map((p) => p.imageSha256);
    // crops first and explicitly (the orphan-crop trigger would take them silently): counted
    const crops = photos.length
      ? await db.query(`DELETE FROM face_crops WHERE gallery_id = $1 AND image_sha256 = ANY($2::text[]) RETURNING image_sha256`, [photos[0].galleryId, shas])
      : [];
    const templates: { id: string; galleryId: string }[] = await db.query(
      `DELETE FROM face_templates WHERE subject_id = $1 AND image_sha256 = ANY($2::text[]) RETURNING id, gallery_id AS "galleryId"`,
      [subjectId, shas],
    );
    if (templates.length) await db.query(`UPDATE galleries SET template_count = greatest(template_count - $2, 0) WHERE id = $1`, [templates[0].galleryId, templates.length]);
    const ids = templates.map((t) => t.id).sort();
    const redacted: { searchId: string }[] = ids.length
      ? await db.query(
          `UPDATE search_candidates SET template_id = NULL, subject_id = NULL, subject_ref = NULL, removed_reason = $3
            WHERE subject_id = $1 AND template_id = ANY($2::uuid[]) RETURNING search_id AS "searchId"`,
          [subjectId, ids, reason],
        )
      : [];
    return { templateIds: ids, photoSha256s: shas, crops: crops.length, candidateRows: redacted.length, searches: [...new Set(redacted.map((r) => r.searchId))].sort() };
  }

  /** Deletes the subject row itself (its photos purged first). */
  async delete(db: Queryable, subjectId: string): Promise<void> {
    await db.query(`DELETE FROM subjects WHERE id = $1`, [subjectId]);
  }

  /** Every row, in every table that holds subject data, still tied to the subject, its templates or its photos. */
  async remnants(db: Queryable, q: { subjectId: string; galleryId: string; templateIds: string[]; photoSha256s: string[] }): Promise<Remnants> {
    const [r] = await db.query<Remnants>(
      `SELECT (SELECT count(*)::int FROM subjects WHERE id = $1) AS subjects,
              (SELECT count(*)::int FROM face_templates WHERE subject_id = $1 OR id = ANY($3::uuid[])) AS "faceTemplates",
              (SELECT count(*)::int FROM face_crops WHERE gallery_id = $2
                  AND (image_sha256 = ANY($4::text[]) OR image_sha256 IN (SELECT image_sha256 FROM face_templates WHERE subject_id = $1))) AS "faceCrops",
              (SELECT count(*)::int FROM search_candidates WHERE subject_id = $1 OR template_id = ANY($3::uuid[])) AS "searchCandidates"`,
      [q.subjectId, q.galleryId, q.templateIds, q.photoSha256s],
    );
    return r;
  }

  /** What the removal events of a tenant recorded of a subject: the ids and checksums a check looks for. */
  async removalsOf(db: Queryable, tenantId: string, subjectId: string, actions: string[]): Promise<{ seq: number; at: Date; action: string; details: Record<string, unknown> }[]> {
    return db.query(
      `SELECT seq::int8::float8 AS seq, at, action, details FROM audit_events
        WHERE tenant_id = $1 AND action = ANY($3::text[]) AND outcome = $4 AND details->>'subjectId' = $2 ORDER BY seq`,
      [tenantId, subjectId, actions, AuditOutcome.ALLOWED],
    );
  }
}

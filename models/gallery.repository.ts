import { randomUUID } from 'node:crypto';
import type { Cursor, Queryable } from './db.js';
import type { AgeBand, DemographicField, SubjectEthnicity, SubjectRace, SubjectSex } from './enums.js';

export interface GalleryRow {
  id: string;
  tenantId: string;
  name: string;
  createdAt: Date;
  templateCount: number;
  /** when archived (not searched, not enrollable, reversible); null while in use */
  archivedAt: Date | null;
  /** the demographic fields its owner chose to keep on its subjects (none by default) */
  demographicFields: DemographicField[];
}

export interface SubjectRow {
  id: string;
  galleryId: string;
  externalRef: string;
  createdAt: Date;
  templateCount: number;
  /** created_at at full (microsecond) precision, for keyset cursors */
  cursorKey: string;
  name: string | null;
  dateOfBirth: string | null;
  bookingDate: string | null;
  bookingNumber: string | null;
  charges: string | null;
  disposition: string | null;
  sex: SubjectSex | null;
  race: SubjectRace | null;
  ethnicity: SubjectEthnicity | null;
  ageBand: AgeBand | null;
}

const GALLERY = `g.id, g.tenant_id AS "tenantId", g.name, g.created_at AS "createdAt", g.template_count AS "templateCount", g.archived_at AS "archivedAt", g.demographic_fields AS "demographicFields"`;

export class GalleryRepository {
  async create(db: Queryable, tenantId: string, name: string): Promise<GalleryRow> {
    const id = randomUUID();
    await db.query(`INSERT INTO galleries (id, tenant_id, name) VALUES ($1, $2, $3)`, [id, tenantId, name]);
    return (await this.byId(db, tenantId, id))!;
  }

  /** Scoped by tenant: another tenant's gallery is simply not found. */
  async byId(db: Queryable, tenantId: string, id: string): Promise<GalleryRow | undefined> {
    return (await db.query<GalleryRow>(`SELECT ${GALLERY} FROM galleries g WHERE g.tenant_id = $1 AND g.id = $2`, [tenantId, id]))[0];
  }

  async list(db: Queryable, tenantId: string): Promise<GalleryRow[]> {
    return db.query(`SELECT ${GALLERY} FROM galleries g WHERE g.tenant_id = $1 ORDER BY g.name`, [tenantId]);
  }

  /** Any gallery the transaction's scope may see (its own, or shared with it), by id. */
  async visible(db: Queryable, id: string): Promise<GalleryRow | undefined> {
    return (await db.query<GalleryRow>(`SELECT ${GALLERY} FROM galleries g WHERE g.id = $1`, [id]))[0];
  }

  /** The operator tenant's galleries in use (the booking photos), oldest first: what the calibration job measures by default. */
  async operatorGalleryIds(db: Queryable): Promise<string[]> {
    const rows = await db.query<{ id: string }>(`SELECT g.id FROM galleries g JOIN tenants t ON t.id = g.tenant_id WHERE t.is_operator AND g.archived_at IS NULL ORDER BY g.created_at, g.id`);
    return rows.map((r) => r.id);
  }

  /** Galleries in use whose owner keeps a demographic field, of real agencies (never a sandbox's), by name: what the accountability report measures by group. */
  async keepingDemographics(db: Queryable): Promise<GalleryRow[]> {
    return db.query<GalleryRow>(
      `SELECT ${GALLERY} FROM galleries g JOIN tenants t ON t.id = g.tenant_id
        WHERE NOT t.sandbox AND g.archived_at IS NULL AND cardinality(g.demographic_fields) > 0 ORDER BY g.name, g.id`,
    );
  }

  /** Every gallery the transaction's scope may see, by name. */
  async visibleAll(db: Queryable): Promise<GalleryRow[]> {
    return db.query<GalleryRow>(`SELECT ${GALLERY} FROM galleries g ORDER BY g.name, g.id`);
  }

  /** Renames and/or archives (true) or brings back (false) a gallery; what is not given stays. */
  async update(db: Queryable, id: string, patch: { name?: string; archived?: boolean; demographicFields?: DemographicField[] }): Promise<void> {
    await db.query(
      `UPDATE galleries SET name = coalesce($2, name),
              archived_at = CASE WHEN $3::boolean IS NULL THEN archived_at WHEN $3 THEN coalesce(archived_at, now()) ELSE NULL END,
              demographic_fields = coalesce($4::text[], demographic_fields)
        WHERE id = $1`,
      [id, patch.name ?? null, patch.archived ?? null, patch.demographicFields ?? null],
    );
  }

  async idsOfTenant(db: Queryable, tenantId: string): Promise<string[]> {
    return (await db.query<{ id: string }>(`SELECT id FROM galleries WHERE tenant_id = $1`, [tenantId])).map((r) => r.id);
  }

  /** Finds or creates the subject; concurrent enrollments of one subject agree on one row. */
  /** The subject of that reference; created: this statement inserted it (xmax 0), rather than found it. */
  async upsertSubject(db: Queryable, tenantId: string, galleryId: string, externalRef: string): Promise<{ id: string; created: boolean }> {
    const [row] = await db.query<{ id: string; created: boolean }>(
      `INSERT INTO subjects (id, tenant_id, gallery_id, external_ref) VALUES ($1, $2, $3, $4)
       ON CONFLICT (gallery_id, external_ref) DO UPDATE SET external_ref = EXCLUDED.external_ref RETURNING id, (xmax = 0) AS created`,
      [randomUUID(), tenantId, galleryId, externalRef],
    );
    return { id: row.id, created: row.created === true };
  }

  /** Deletes a subject that holds no template (one made for a photo that turned out to be enrolled already). */
  async deleteIfEmpty(db: Queryable, subjectId: string): Promise<void> {
    await db.query(`DELETE FROM subjects s WHERE s.id = $1 AND NOT EXISTS (SELECT 1 FROM face_templates t WHERE t.subject_id = s.id)`, [subjectId]);
  }

  async subjects(db: Queryable, galleryId: string, first: number, after?: Cursor): Promise<SubjectRow[]> {
    return db.query(
      `SELECT s.id, s.gallery_id AS "galleryId", s.external_ref AS "externalRef", s.created_at AS "createdAt", s.created_at::text AS "cursorKey",
              s.full_name AS name, to_char(s.date_of_birth, 'YYYY-MM-DD') AS "dateOfBirth", to_char(s.booking_date, 'YYYY-MM-DD') AS "bookingDate",
              s.booking_number AS "bookingNumber", s.charges, s.disposition, s.sex, s.race, s.ethnicity, s.age_band AS "ageBand",
              (SELECT count(*)::int FROM face_templates t WHERE t.subject_id = s.id) AS "templateCount"
         FROM subjects s
        WHERE s.gallery_id = $1 AND ($2::timestamptz IS NULL OR (s.created_at, s.id) > ($2::timestamptz, $3::uuid))
        ORDER BY s.created_at, s.id
        LIMIT $4`,
      [galleryId, after?.createdAt ?? null, after?.id ?? null, first + 1],
    );
  }
}

import { randomUUID } from 'node:crypto';
import type { Cursor, Queryable } from './db.js';
import type { VectorHit } from './face-template.repository.js';
import type { LegalBasis, OffenseCategory, ReviewOutcome, ReviewStatus } from './enums.js';

export interface SearchRow {
  id: string;
  tenantId: string;
  principalId: string | null;
  status: string;
  caseNumber: string | null;
  legalBasis: LegalBasis;
  offenseCategory: OffenseCategory | null;
  modelVersion: string;
  threshold: number;
  probeQuality: number;
  probeSha256: string;
  galleriesSearched: string[];
  reviewStatus: ReviewStatus;
  reviewOutcome: ReviewOutcome | null;
  exigentDueAt: Date | null;
  approvedBy: string | null;
  approvedAt: Date | null;
  legalHold: boolean;
  /** the request this search examined, if any */
  requestId: string | null;
  /** the probe version it used (null: the request's original photo, or no request) */
  probeVersionId: string | null;
  /** what the galleries searched held at that moment (null for searches before receipts) */
  galleryReceipt: GalleryReceipt | null;
  /** the stored score calibration its false-match rates come from (null: searched before calibrations were stored, or none) */
  calibrationId: string | null;
  createdAt: Date;
  /** created_at at full (microsecond) precision, for keyset cursors */
  cursorKey: string;
}

/** One gallery as a search found it: its templates and a sha256 over their sorted (id, photo sha256, model version). */
export interface GalleryDigest {
  galleryId: string;
  templates: number;
  digest: string;
}

/** The receipt of the galleries a search searched: each gallery's digest, and one digest over them all. */
export interface GalleryReceipt {
  digest: string;
  templates: number;
  galleries: GalleryDigest[];
}

export interface CandidateRow extends VectorHit {
  rank: number;
  /** set when the candidate's subject or photo was removed: the row keeps its rank and score, nothing that names the subject */
  removedReason?: string | null;
}

export type NewSearch = Omit<SearchRow, 'id' | 'createdAt' | 'cursorKey' | 'reviewStatus' | 'reviewOutcome' | 'approvedBy' | 'approvedAt' | 'legalHold' | 'requestId' | 'probeVersionId' | 'galleryReceipt' | 'calibrationId'> & {
  calibrationId?: string | null;
  requestId?: string | null;
  probeVersionId?: string | null;
  /** the tenant whose quota it spent when not the searching one (a request's requesting agency) */
  chargedTenantId?: string | null;
  galleryReceipt?: GalleryReceipt | null;
  warrantNumber: string | null;
  maxCandidates: number;
  narrative: string | null;
  offenseDescription: string | null;
};

const SEARCH = `id, tenant_id AS "tenantId", principal_id AS "principalId", status, case_number AS "caseNumber",
  legal_basis AS "legalBasis", offense_category AS "offenseCategory", model_version AS "modelVersion", threshold,
  probe_quality AS "probeQuality", probe_sha256 AS "probeSha256", galleries_searched AS "galleriesSearched", review_status AS "reviewStatus", review_outcome AS "reviewOutcome",
  exigent_due_at AS "exigentDueAt", approved_by AS "approvedBy", approved_at AS "approvedAt", legal_hold AS "legalHold",
  request_id AS "requestId", probe_version_id AS "probeVersionId", gallery_receipt AS "galleryReceipt", calibration_id AS "calibrationId", created_at AS "createdAt", created_at::text AS "cursorKey"`;

/** Everything a search's policy, quota and gallery checks read, in one round trip. */
export interface SearchContextRow {
  tenantStatus: string;
  preset: string | null;
  rules: Record<string, unknown> | null;
  quotas: { period: string; limit: number; used: number }[];
  ownGalleries: string[];
  grantedGalleries: string[];
  /** the tenant's own archived galleries: not searched, named in a refusal when asked for */
  archivedGalleries: string[];
  /** galleries shared with it by a tenant of the other kind (sandbox or real), read from the agreements alone: never searched */
  otherKindGalleries: string[];
}

export class SearchRepository {
  async context(db: Queryable, tenantId: string, legalBasis: string): Promise<SearchContextRow | undefined> {
    return (await db.query<SearchContextRow>(
      `SELECT t.status AS "tenantStatus", p.preset, p.rules,
              (SELECT coalesce(json_agg(json_build_object('period', q.period, 'limit', q."limit",
                       'used', CASE WHEN q.window_start = frhub_quota_window(q.period) THEN q.used ELSE 0 END) ORDER BY q.period), '[]')
                 FROM quotas q WHERE q.tenant_id = t.id) AS quotas,
              ARRAY(SELECT g.id FROM galleries g WHERE g.tenant_id = t.id AND g.archived_at IS NULL ORDER BY g.id) AS "ownGalleries",
              ARRAY(SELECT g.id FROM galleries g WHERE g.tenant_id = t.id AND g.archived_at IS NOT NULL ORDER BY g.id) AS "archivedGalleries",
              ARRAY(SELECT DISTINCT a.gallery_id FROM sharing_agreements a JOIN galleries ga ON ga.id = a.gallery_id
                     WHERE (a.grantee_tenant_id = t.id OR a.grantee_tenant_id IS NULL) AND a.tenant_id <> t.id AND ga.archived_at IS NULL
                       AND $2 = ANY (a.legal_bases) AND a.revoked_at IS NULL AND a.expires_at > now()) AS "grantedGalleries",
              ARRAY(SELECT DISTINCT a.gallery_id FROM sharing_agreements a
                     WHERE (a.grantee_tenant_id = t.id OR a.grantee_tenant_id IS NULL) AND a.tenant_id <> t.id AND frhub_sandbox_of(a.tenant_id) <> t.sandbox) AS "otherKindGalleries"
         FROM tenants t LEFT JOIN tenant_policies p ON p.tenant_id = t.id
        WHERE t.id = $1`,
      [tenantId, legalBasis],
    ))[0];
  }

  async insert(db: Queryable, s: NewSearch, hits: VectorHit[]): Promise<SearchRow> {
    const id = randomUUID();
    const [row] = await db.query<SearchRow>(
      `INSERT INTO searches (id, tenant_id, principal_id, status, case_number, legal_basis, offense_category, warrant_number,
                             model_version, threshold, max_candidates, probe_sha256, probe_quality, galleries_searched,
                             narrative, offense_description, exigent_due_at, request_id, probe_version_id, charged_tenant_id, gallery_receipt, calibration_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::uuid[], $15, $16, $17, $18, $19, $20, $21::jsonb, $22) RETURNING ${SEARCH}`,
      [id, s.tenantId, s.principalId, s.status, s.caseNumber, s.legalBasis, s.offenseCategory, s.warrantNumber, s.modelVersion, s.threshold,
        s.maxCandidates, s.probeSha256, s.probeQuality, s.galleriesSearched, s.narrative, s.offenseDescription, s.exigentDueAt,
        s.requestId ?? null, s.probeVersionId ?? null, s.chargedTenantId ?? null, s.galleryReceipt ? JSON.stringify(s.galleryReceipt) : null, s.calibrationId ?? null],
    );
    if (hits.length) {
      const values = hits.map((_, i) => `($1, $2, ${i + 1}, $${i * 5 + 3}, $${i * 5 + 4}, $${i * 5 + 5}, $${i * 5 + 6}, $${i * 5 + 7})`).join(', ');
      await db.query(
        `INSERT INTO search_candidates (search_id, tenant_id, rank, score, template_id, subject_id, gallery_id, subject_ref) VALUES ${values}`,
        [id, s.tenantId, ...hits.flatMap((h) => [h.score, h.templateId, h.subjectId, h.galleryId, h.subjectRef])],
      );
    }
    return row;
  }

  /**
   * What each gallery holds now, as one digest per gallery: the XOR of sha256("<template id> <photo
   * sha256> <model version>") over its templates, kept on the gallery row by a trigger as templates
   * come and go (migration 1765030000000), with its template count. Read in the search's own snapshot,
   * so it describes what the vector query saw, at the cost of one row per gallery.
   */
  async galleryDigests(db: Queryable, galleryIds: string[]): Promise<GalleryDigest[]> {
    if (!galleryIds.length) return [];
    return db.query(
      `SELECT g.id AS "galleryId", g.template_count AS templates,
              lpad(to_hex(g.content_x0), 16, '0') || lpad(to_hex(g.content_x1), 16, '0') || lpad(to_hex(g.content_x2), 16, '0') || lpad(to_hex(g.content_x3), 16, '0') AS digest
         FROM galleries g WHERE g.id = ANY($1::uuid[]) ORDER BY g.id`,
      [galleryIds],
    );
  }

  /** The narrative and offense text a search kept (not in SEARCH: only a report reads them). */
  async caseText(db: Queryable, id: string): Promise<{ narrative: string | null; offenseDescription: string | null; warrantNumber: string | null; maxCandidates: number } | undefined> {
    return (await db.query<{ narrative: string | null; offenseDescription: string | null; warrantNumber: string | null; maxCandidates: number }>(`SELECT narrative, offense_description AS "offenseDescription", warrant_number AS "warrantNumber", max_candidates AS "maxCandidates" FROM searches WHERE id = $1`, [id]))[0];
  }

  async byId(db: Queryable, tenantId: string, id: string): Promise<SearchRow | undefined> {
    return (await db.query<SearchRow>(`SELECT ${SEARCH} FROM searches WHERE tenant_id = $1 AND id = $2`, [tenantId, id]))[0];
  }

  /** Any search the transaction's scope may see (row-level security decides), by id. */
  async visible(db: Queryable, id: string): Promise<SearchRow | undefined> {
    return (await this.visibleMany(db, [id]))[0];
  }

  /** The searches among `ids` the transaction's scope may see, in one query. */
  async visibleMany(db: Queryable, ids: string[]): Promise<SearchRow[]> {
    return ids.length ? db.query(`SELECT ${SEARCH} FROM searches WHERE id = ANY($1::uuid[])`, [ids]) : [];
  }

  /** Newest first; `principalId` narrows to one principal's searches, `legalHold` (when not null) to those on hold (true) or not (false). */
  async list(db: Queryable, tenantId: string, principalId: string | null, first: number, after?: Cursor, legalHold: boolean | null = null, reader: string | null = null): Promise<SearchRow[]> {
    return db.query(
      `SELECT ${SEARCH} FROM searches
        WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
          AND ($5::uuid IS NULL OR principal_id = $5::uuid)
          AND ($6::boolean IS NULL OR legal_hold = $6::boolean)
          AND (request_id IS NULL OR principal_id = $7::uuid)
        ORDER BY created_at DESC, id DESC LIMIT $4`,
      [tenantId, after?.createdAt ?? null, after?.id ?? null, first + 1, principalId, legalHold, reader],
    );
  }

  async candidates(db: Queryable, searchId: string): Promise<CandidateRow[]> {
    return (await this.candidatesOf(db, [searchId])).get(searchId) ?? [];
  }

  /** The candidates of several searches in one query, by search id (a page of `searches`). */
  async candidatesOf(db: Queryable, searchIds: string[]): Promise<Map<string, CandidateRow[]>> {
    const rows: (CandidateRow & { searchId: string })[] = searchIds.length
      ? await db.query(
          `SELECT search_id AS "searchId", rank, score, template_id AS "templateId", subject_id AS "subjectId", gallery_id AS "galleryId", subject_ref AS "subjectRef",
                  removed_reason AS "removedReason"
             FROM search_candidates WHERE search_id = ANY($1::uuid[]) ORDER BY search_id, rank`,
          [searchIds],
        )
      : [];
    const bySearch = new Map(searchIds.map((id) => [id, [] as CandidateRow[]]));
    for (const { searchId, ...c } of rows) bySearch.get(searchId)?.push(c);
    return bySearch;
  }

  /** Moves the review status on only from `from` (a concurrent reviewer waits on the row lock and re-checks); false when it had moved already. */
  async setReview(db: Queryable, id: string, from: string, status: string, outcome: string | null): Promise<boolean> {
    const rows = await db.query(`UPDATE searches SET review_status = $3, review_outcome = $4 WHERE id = $1 AND review_status = $2 RETURNING id`, [id, from, status, outcome]);
    return rows.length === 1;
  }

  /** Approves only a search not approved yet; undefined when another approval came first. */
  async approve(db: Queryable, id: string, principalId: string): Promise<SearchRow | undefined> {
    return (await db.query<SearchRow>(`UPDATE searches SET approved_by = $2, approved_at = now() WHERE id = $1 AND approved_at IS NULL RETURNING ${SEARCH}`, [id, principalId]))[0];
  }

  async setLegalHold(db: Queryable, id: string, hold: boolean, reason: string | null): Promise<SearchRow> {
    return (await db.query<SearchRow>(`UPDATE searches SET legal_hold = $2, legal_hold_reason = $3 WHERE id = $1 RETURNING ${SEARCH}`, [id, hold, reason]))[0];
  }

  /** Exigent searches of a tenant still awaiting supervisor approval, oldest deadline first. */
  async awaitingApproval(db: Queryable, tenantId: string, overdueOnly: boolean): Promise<SearchRow[]> {
    return db.query(
      `SELECT ${SEARCH} FROM searches
        WHERE tenant_id = $1 AND exigent_due_at IS NOT NULL AND approved_at IS NULL AND (NOT $2 OR exigent_due_at < now())
        ORDER BY exigent_due_at, id LIMIT 500`,
      [tenantId, overdueOnly],
    );
  }

  /** Overdue exigent approvals per tenant (all tenants the scope may see). */
  async overdueCounts(db: Queryable, tenantId: string | null): Promise<number> {
    const [r] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM searches WHERE exigent_due_at < now() AND approved_at IS NULL AND ($1::uuid IS NULL OR tenant_id = $1)`,
      [tenantId],
    );
    return r.n;
  }

  /** Deletes searches (and their candidates and reviews) past each tenant's retention, except those on legal hold. */
  async purgeExpired(db: Queryable, now: Date, dryRun: boolean): Promise<{ tenantId: string; searches: number }[]> {
    const expired = `SELECT s.id, s.tenant_id FROM searches s JOIN tenant_policies p ON p.tenant_id = s.tenant_id
        WHERE NOT s.legal_hold AND s.created_at < $1::timestamptz - make_interval(days => coalesce((p.rules->>'retentionDays')::int, $2))`;
    const sql = dryRun
      ? `SELECT tenant_id AS "tenantId", count(*)::int AS searches FROM (${expired}) e GROUP BY tenant_id`
      : `WITH gone AS (DELETE FROM searches WHERE id IN (SELECT id FROM (${expired}) e) RETURNING tenant_id)
         SELECT tenant_id AS "tenantId", count(*)::int AS searches FROM gone GROUP BY tenant_id`;
    return db.query(sql, [now, DEFAULT_RETENTION_DAYS]);
  }
}

/** Used where a tenant's policy names no retention period of its own. */
export const DEFAULT_RETENTION_DAYS = 365;

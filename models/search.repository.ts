import { randomUUID } from 'node:crypto';
import type { Cursor, Queryable } from './db.js';
import type { VectorHit } from './face-template.repository.js';

export interface SearchRow {
  id: string;
  tenantId: string;
  principalId: string | null;
  status: string;
  caseNumber: string | null;
  legalBasis: string;
  offenseCategory: string | null;
  modelVersion: string;
  threshold: number;
  probeQuality: number;
  probeSha256: string;
  galleriesSearched: string[];
  createdAt: Date;
  /** created_at at full (microsecond) precision, for keyset cursors */
  cursorKey: string;
}

export interface CandidateRow extends VectorHit {
  rank: number;
}

export type NewSearch = Omit<SearchRow, 'id' | 'createdAt' | 'cursorKey'> & { warrantNumber: string | null; maxCandidates: number };

const SEARCH = `id, tenant_id AS "tenantId", principal_id AS "principalId", status, case_number AS "caseNumber",
  legal_basis AS "legalBasis", offense_category AS "offenseCategory", model_version AS "modelVersion", threshold,
  probe_quality AS "probeQuality", probe_sha256 AS "probeSha256", galleries_searched AS "galleriesSearched", created_at AS "createdAt", created_at::text AS "cursorKey"`;

export class SearchRepository {
  async insert(db: Queryable, s: NewSearch, hits: VectorHit[]): Promise<SearchRow> {
    const id = randomUUID();
    const [row] = await db.query(
      `INSERT INTO searches (id, tenant_id, principal_id, status, case_number, legal_basis, offense_category, warrant_number,
                             model_version, threshold, max_candidates, probe_sha256, probe_quality, galleries_searched)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::uuid[]) RETURNING ${SEARCH}`,
      [id, s.tenantId, s.principalId, s.status, s.caseNumber, s.legalBasis, s.offenseCategory, s.warrantNumber, s.modelVersion, s.threshold,
        s.maxCandidates, s.probeSha256, s.probeQuality, s.galleriesSearched],
    );
    if (hits.length) {
      const values = hits.map((_, i) => `($1, ${i + 1}, $${i * 5 + 2}, $${i * 5 + 3}, $${i * 5 + 4}, $${i * 5 + 5}, $${i * 5 + 6})`).join(', ');
      await db.query(
        `INSERT INTO search_candidates (search_id, rank, score, template_id, subject_id, gallery_id, subject_ref) VALUES ${values}`,
        [id, ...hits.flatMap((h) => [h.score, h.templateId, h.subjectId, h.galleryId, h.subjectRef])],
      );
    }
    return row;
  }

  async byId(db: Queryable, tenantId: string, id: string): Promise<SearchRow | undefined> {
    return (await db.query(`SELECT ${SEARCH} FROM searches WHERE tenant_id = $1 AND id = $2`, [tenantId, id]))[0];
  }

  /** Newest first; `principalId` narrows to one principal's searches. */
  async list(db: Queryable, tenantId: string, principalId: string | null, first: number, after?: Cursor): Promise<SearchRow[]> {
    return db.query(
      `SELECT ${SEARCH} FROM searches
        WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
          AND ($5::uuid IS NULL OR principal_id = $5::uuid)
        ORDER BY created_at DESC, id DESC LIMIT $4`,
      [tenantId, after?.createdAt ?? null, after?.id ?? null, first + 1, principalId],
    );
  }

  async candidates(db: Queryable, searchId: string): Promise<CandidateRow[]> {
    return db.query(
      `SELECT rank, score, template_id AS "templateId", subject_id AS "subjectId", gallery_id AS "galleryId", subject_ref AS "subjectRef"
         FROM search_candidates WHERE search_id = $1 ORDER BY rank`,
      [searchId],
    );
  }
}

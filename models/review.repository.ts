import { randomUUID } from 'node:crypto';
import type { Queryable } from './db.js';

export interface ReviewRow {
  id: string;
  searchId: string;
  reviewerId: string;
  outcome: string;
  decisions: { rank: number; decision: string }[];
  note: string | null;
  createdAt: Date;
}

const REVIEW = `id, search_id AS "searchId", reviewer_id AS "reviewerId", outcome, decisions, note, created_at AS "createdAt"`;

export class ReviewRepository {
  async insert(db: Queryable, r: { tenantId: string; searchId: string; reviewerId: string; outcome: string; decisions: ReviewRow['decisions']; note: string | null }): Promise<ReviewRow> {
    const [row] = await db.query<ReviewRow>(
      `INSERT INTO search_reviews (id, tenant_id, search_id, reviewer_id, outcome, decisions, note) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) RETURNING ${REVIEW}`,
      [randomUUID(), r.tenantId, r.searchId, r.reviewerId, r.outcome, JSON.stringify(r.decisions), r.note],
    );
    return row;
  }

  async ofSearch(db: Queryable, searchId: string): Promise<ReviewRow[]> {
    return (await this.ofSearches(db, [searchId])).get(searchId) ?? [];
  }

  /** The reviews of several searches in one query, by search id (a page of `searches`). */
  async ofSearches(db: Queryable, searchIds: string[]): Promise<Map<string, ReviewRow[]>> {
    const rows: ReviewRow[] = searchIds.length
      ? await db.query(`SELECT ${REVIEW} FROM search_reviews WHERE search_id = ANY($1::uuid[]) ORDER BY created_at, id`, [searchIds])
      : [];
    const bySearch = new Map(searchIds.map((id) => [id, [] as ReviewRow[]]));
    for (const r of rows) bySearch.get(r.searchId)?.push(r);
    return bySearch;
  }
}

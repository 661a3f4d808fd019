import type { Queryable } from './db.js';
import { AuditAction, AuditOutcome, RequestOutcome, RequestStatus, ReviewOutcome, StatisticsGroup } from './enums.js';

// Oversight statistics come from the audit chain, not from the searches table: retention purges
// searches, while the chain keeps every decision (and holds nothing a statistic must not show).

const SEARCH = `'${AuditAction.SEARCH}'`;
const REVIEW = `'${AuditAction.SEARCH_REVIEW}'`;
const ALLOWED = `'${AuditOutcome.ALLOWED}'`;
const DENIED = `'${AuditOutcome.DENIED}'`;
const POSSIBLE_LEAD = `'${ReviewOutcome.POSSIBLE_LEAD}'`;
const OUTCOME = `'${AuditAction.REQUEST_OUTCOME_RECORDED}'`;
// an outcome counts as action on a match only when reported on a released lead (not after "no lead"), as recorded (not a refused attempt)
const ON_A_LEAD = `e.action = ${OUTCOME} AND e.outcome = ${ALLOWED} AND e.details->>'from' = '${RequestStatus.LEAD_RELEASED}'`;
const [ARREST, CHARGED] = [`'${RequestOutcome.ARREST}'`, `'${RequestOutcome.CHARGED}'`];
// a review event counts only when the review was recorded: its outcome is a review outcome, not DENIED or FAILED;
// the one marked final concludes its search, so counting those counts searches by their concluded outcome
const RECORDED_REVIEW = `e.action = ${REVIEW} AND e.outcome IN (${Object.values(ReviewOutcome).map((o) => `'${o}'`).join(', ')})`;

const GROUP_COLUMNS: Record<StatisticsGroup, { expr: string; as: string }> = {
  [StatisticsGroup.TENANT]: { expr: 't.slug', as: 'tenant' },
  [StatisticsGroup.LEGAL_BASIS]: { expr: 'e.legal_basis', as: 'legalBasis' },
  [StatisticsGroup.OFFENSE]: { expr: 'e.offense_category', as: 'offenseCategory' },
  [StatisticsGroup.OUTCOME]: { expr: 'e.outcome', as: 'outcome' },
  [StatisticsGroup.DENIAL_REASON]: { expr: `CASE WHEN e.action = ${SEARCH} AND e.outcome = ${DENIED} THEN e.reason END`, as: 'denialReason' },
  [StatisticsGroup.MONTH]: { expr: `to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM')`, as: 'month' },
};

export interface UsageRow {
  tenant: string | null;
  legalBasis: string | null;
  offenseCategory: string | null;
  outcome: string | null;
  denialReason: string | null;
  month: string | null;
  searches: number;
  denials: number;
  candidates: number;
  reviews: number;
  reviewedSearches: number;
}

export interface TransparencyRow {
  tenant: string;
  tenantName: string;
  legalBasis: string;
  offenseCategory: string | null;
  searches: number;
  denials: number;
  candidates: number;
  possibleLeads: number;
}

/** The finest cell every statutory report sums: one agency, legal basis and offense in a period (a transparency row and more). */
export interface StatutoryCell extends TransparencyRow {
  searchesWithCandidates: number;
  /** reviews that concluded (the last review of a search) */
  reviewsConcluded: number;
  /** released leads whose requesting agency reported an arrest (RequestOutcome ARREST), counted in the agency's cell when reported */
  arrests: number;
  /** released leads reported as charged (RequestOutcome CHARGED) */
  charges: number;
}

export interface MatchSourceRow {
  offenseCategory: string | null;
  requests: number;
  requestsWithCandidates: number;
  candidates: number;
  possibleLeads: number;
  /** JSON object: "<gallery owner slug>/<gallery name>" → candidates from it */
  sources: Record<string, number>;
}

const COUNTS = `
  count(*) FILTER (WHERE e.action = ${SEARCH} AND e.outcome = ${ALLOWED})::int AS searches,
  count(*) FILTER (WHERE e.action = ${SEARCH} AND e.outcome = ${DENIED})::int AS denials,
  coalesce(sum(e.candidate_count) FILTER (WHERE e.action = ${SEARCH} AND e.outcome = ${ALLOWED}), 0)::int AS candidates,
  count(*) FILTER (WHERE ${RECORDED_REVIEW})::int AS reviews,
  count(*) FILTER (WHERE ${RECORDED_REVIEW} AND (e.details->>'final')::boolean)::int AS "reviewedSearches"`;

// an independent tester's sandbox is no agency's use of the hub: hub-wide figures leave it out (a tenant's own figures keep it)
const REAL = 'NOT coalesce(t.sandbox, false)';

export class StatisticsRepository {
  /** Search and review events between `from` and `to`, grouped by the dimensions asked for. */
  async usage(db: Queryable, q: { from: Date; to: Date; groupBy: StatisticsGroup[]; tenantId: string | null }): Promise<UsageRow[]> {
    const groups = [...new Set(q.groupBy)].map((g) => GROUP_COLUMNS[g]);
    const select = groups.map((g) => `${g.expr} AS "${g.as}"`).join(', ');
    const by = groups.map((_, i) => String(i + 1)).join(', ');
    // the counts always, the dimensions only when grouped by
    const rows = await db.query<Partial<UsageRow> & Pick<UsageRow, 'searches' | 'denials' | 'candidates' | 'reviews' | 'reviewedSearches'>>(
      `SELECT ${select ? `${select},` : ''} ${COUNTS}
         FROM audit_events e LEFT JOIN tenants t ON t.id = e.tenant_id
        WHERE e.action IN (${SEARCH}, ${REVIEW}) AND e.at >= $1 AND e.at < $2 AND ($3::uuid IS NULL OR e.tenant_id = $3)
          AND ($3::uuid IS NOT NULL OR ${REAL})
        ${by ? `GROUP BY ${by} ORDER BY ${by}` : ''}`,
      [q.from, q.to, q.tenantId],
    );
    return rows.map((r) => ({ tenant: null, legalBasis: null, offenseCategory: null, outcome: null, denialReason: null, month: null, ...r }));
  }

  /** A year's searches per agency and legal basis, for the public report. */
  async transparency(db: Queryable, from: Date, to: Date): Promise<TransparencyRow[]> {
    return db.query<TransparencyRow>(
      `SELECT t.slug AS tenant, t.name AS "tenantName", e.legal_basis AS "legalBasis", e.offense_category AS "offenseCategory",
              count(*) FILTER (WHERE e.action = ${SEARCH} AND e.outcome = ${ALLOWED})::int AS searches,
              count(*) FILTER (WHERE e.action = ${SEARCH} AND e.outcome = ${DENIED})::int AS denials,
              coalesce(sum(e.candidate_count) FILTER (WHERE e.action = ${SEARCH} AND e.outcome = ${ALLOWED}), 0)::int AS candidates,
              count(*) FILTER (WHERE e.action = ${REVIEW} AND e.outcome = ${POSSIBLE_LEAD} AND (e.details->>'final')::boolean)::int AS "possibleLeads"
         FROM audit_events e JOIN tenants t ON t.id = e.tenant_id
        WHERE e.action IN (${SEARCH}, ${REVIEW}) AND e.at >= $1 AND e.at < $2 AND e.legal_basis IS NOT NULL AND ${REAL}
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 3, 4`,
      [from, to],
    );
  }

  /** The quality components each search of the period recorded for its probe (its audit event), for their distribution: numbers only, never a probe. */
  async probeQualities(db: Queryable, from: Date, to: Date): Promise<Record<string, number | null>[]> {
    const rows = await db.query<{ q: Record<string, number | null> }>(
      `SELECT e.details -> 'probeQualityComponents' AS q FROM audit_events e LEFT JOIN tenants t ON t.id = e.tenant_id
        WHERE e.action = ${SEARCH} AND e.outcome = ${ALLOWED} AND e.at >= $1 AND e.at < $2 AND e.details ? 'probeQualityComponents' AND ${REAL}`,
      [from, to],
    );
    return rows.map((r) => r.q);
  }

  /**
   * The finest cells of a period (agency x legal basis x offense), from search and review events and
   * the outcomes agencies reported back on their requests' released leads (REQUEST_OUTCOME_RECORDED).
   */
  async statutoryCells(db: Queryable, from: Date, to: Date): Promise<StatutoryCell[]> {
    return db.query(
      `SELECT t.slug AS tenant, t.name AS "tenantName", e.legal_basis AS "legalBasis", e.offense_category AS "offenseCategory",
              count(*) FILTER (WHERE e.action = ${SEARCH} AND e.outcome = ${ALLOWED})::int AS searches,
              count(*) FILTER (WHERE e.action = ${SEARCH} AND e.outcome = ${DENIED})::int AS denials,
              coalesce(sum(e.candidate_count) FILTER (WHERE e.action = ${SEARCH} AND e.outcome = ${ALLOWED}), 0)::int AS candidates,
              count(*) FILTER (WHERE e.action = ${SEARCH} AND e.outcome = ${ALLOWED} AND e.candidate_count > 0)::int AS "searchesWithCandidates",
              count(*) FILTER (WHERE e.action = ${REVIEW} AND e.outcome = ${POSSIBLE_LEAD} AND (e.details->>'final')::boolean)::int AS "possibleLeads",
              count(*) FILTER (WHERE ${RECORDED_REVIEW} AND (e.details->>'final')::boolean)::int AS "reviewsConcluded",
              count(*) FILTER (WHERE ${ON_A_LEAD} AND e.details->>'outcome' = ${ARREST})::int AS arrests,
              count(*) FILTER (WHERE ${ON_A_LEAD} AND e.details->>'outcome' = ${CHARGED})::int AS charges
         FROM audit_events e JOIN tenants t ON t.id = e.tenant_id
        WHERE e.action IN (${SEARCH}, ${REVIEW}, ${OUTCOME}) AND e.at >= $1 AND e.at < $2 AND e.legal_basis IS NOT NULL AND ${REAL}
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 3, 4`,
      [from, to],
    );
  }

  /** Requests by offense with candidates per image source (gallery), the Utah 77-23e-106 shape. */
  async matchSources(db: Queryable, from: Date, to: Date): Promise<MatchSourceRow[]> {
    return db.query(
      `WITH s AS (
         SELECT e.offense_category, e.candidate_count, e.details FROM audit_events e LEFT JOIN tenants t ON t.id = e.tenant_id
          WHERE e.action = ${SEARCH} AND e.outcome = ${ALLOWED} AND e.at >= $1 AND e.at < $2 AND ${REAL}),
       leads AS (
         SELECT e.offense_category, count(*)::int AS n FROM audit_events e LEFT JOIN tenants t ON t.id = e.tenant_id
          WHERE e.action = ${REVIEW} AND e.outcome = ${POSSIBLE_LEAD} AND (e.details->>'final')::boolean AND e.at >= $1 AND e.at < $2 AND ${REAL}
          GROUP BY 1),
       src AS (
         SELECT s.offense_category, coalesce(ot.slug, '?') || '/' || coalesce(g.name, kv.key) AS source, sum(kv.value::int)::int AS n
           FROM s CROSS JOIN LATERAL jsonb_each_text(coalesce(s.details->'candidatesByGallery', '{}'::jsonb)) kv
           LEFT JOIN galleries g ON g.id::text = kv.key LEFT JOIN tenants ot ON ot.id = g.tenant_id
          GROUP BY 1, 2)
       SELECT s.offense_category AS "offenseCategory", count(*)::int AS requests,
              count(*) FILTER (WHERE s.candidate_count > 0)::int AS "requestsWithCandidates",
              coalesce(sum(s.candidate_count), 0)::int AS candidates,
              coalesce(max(l.n), 0)::int AS "possibleLeads",
              coalesce((SELECT jsonb_object_agg(src.source, src.n) FROM src WHERE src.offense_category IS NOT DISTINCT FROM s.offense_category), '{}') AS sources
         FROM s LEFT JOIN leads l ON l.offense_category IS NOT DISTINCT FROM s.offense_category
        GROUP BY s.offense_category ORDER BY 1`,
      [from, to],
    );
  }
}

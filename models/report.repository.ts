import type { Queryable } from './db.js';
import { AuditAction, AuditOutcome } from './enums.js';

/** An audit event a report rests on: where it sits in the chain and what it recorded. */
export interface ReportEventRow {
  seq: number;
  hash: string;
  at: Date;
  action: string;
  outcome: string;
  principalId: string | null;
  details: Record<string, unknown>;
}

// the decisions a report of a search rests on; views and refusals are audited too, but decide nothing
const DECISIONS = [AuditAction.SEARCH, AuditAction.SEARCH_REVIEW, AuditAction.EXIGENT_APPROVED, AuditAction.LEGAL_HOLD_SET].map((a) => `'${a}'`).join(', ');

export class ReportRepository {
  /** The decision events of some searches, in chain order (refusals left out). */
  async eventsOfSearches(db: Queryable, searchIds: string[]): Promise<ReportEventRow[]> {
    if (!searchIds.length) return [];
    return db.query(
      `SELECT seq::int8::float8 AS seq, hash, at, action, outcome, principal_id AS "principalId", details FROM audit_events
        WHERE details ? 'searchId' AND (details->>'searchId') = ANY($1::text[]) AND action IN (${DECISIONS})
          AND outcome NOT IN ('${AuditOutcome.DENIED}', '${AuditOutcome.FAILED}')
        ORDER BY seq`,
      [searchIds],
    );
  }

  /**
   * The decision events of one request (its history less the views and the refusals), in chain order:
   * submission, every status change, probe edit, claim, dispositions, release, outcome and photo export.
   */
  async eventsOfRequest(db: Queryable, requestId: string): Promise<ReportEventRow[]> {
    return db.query(
      `SELECT seq::int8::float8 AS seq, hash, at, action, outcome, principal_id AS "principalId", details FROM audit_events
        WHERE details ? 'examinationRequestId' AND details->>'examinationRequestId' = $1
          AND action NOT IN ('${AuditAction.REQUEST_VIEWED}', '${AuditAction.REQUEST_PROBE_VIEWED}')
          AND outcome NOT IN ('${AuditOutcome.DENIED}', '${AuditOutcome.FAILED}')
        ORDER BY seq`,
      [requestId],
    );
  }

  /** Principals' names by id (those the scope may see). */
  async principalNames(db: Queryable, ids: string[]): Promise<Map<string, { name: string; role: string }>> {
    const rows: { id: string; name: string; role: string }[] = ids.length ? await db.query(`SELECT id, name, role FROM principals WHERE id = ANY($1::uuid[])`, [ids]) : [];
    return new Map(rows.map((r) => [r.id, { name: r.name, role: r.role }]));
  }

  /** Galleries' names and owners by id; a gallery the scope may not see (or one deleted since) is absent. */
  async galleries(db: Queryable, ids: string[]): Promise<Map<string, { name: string; owner: string }>> {
    const rows: { id: string; name: string; owner: string }[] = ids.length
      ? await db.query(`SELECT g.id, g.name, coalesce(t.slug, '?') AS owner FROM galleries g LEFT JOIN tenants t ON t.id = g.tenant_id WHERE g.id = ANY($1::uuid[])`, [ids])
      : [];
    return new Map(rows.map((r) => [r.id, { name: r.name, owner: r.owner }]));
  }

  async tenant(db: Queryable, id: string): Promise<{ slug: string; name: string } | undefined> {
    return (await db.query<{ slug: string; name: string }>(`SELECT slug, name FROM tenants WHERE id = $1`, [id]))[0];
  }

  /** Full events at `seqs`, to recompute their hashes from their content. */
  async eventsAt(db: Queryable, seqs: number[]): Promise<Record<string, unknown>[]> {
    if (!seqs.length) return [];
    return db.query(
      `SELECT seq::int8::float8 AS seq, at, request_id AS "requestId", tenant_id AS "tenantId", principal_id AS "principalId",
              actor_role AS "actorRole", action, outcome, reason, case_number AS "caseNumber", legal_basis AS "legalBasis",
              offense_category AS "offenseCategory", galleries, candidate_count AS "candidateCount", model_version AS "modelVersion",
              probe_sha256 AS "probeSha256", details, hash FROM audit_events WHERE seq = ANY($1::int8[])`,
      [seqs],
    );
  }
}

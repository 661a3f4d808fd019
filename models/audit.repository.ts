import { createHash } from 'node:crypto';
import type { Queryable } from './db.js';
import { AuditOutcome, type AuditAction } from './enums.js';
import { LONE_SURROGATE } from './text.js';

/** One decision or access, as appended to the chain. */
export interface AuditEventInput {
  at: Date;
  requestId: string | null;
  tenantId: string | null;
  principalId: string | null;
  actorRole: string | null;
  action: AuditAction;
  outcome: string;
  reason: string | null;
  caseNumber: string | null;
  legalBasis: string | null;
  offenseCategory: string | null;
  galleries: string[] | null;
  candidateCount: number | null;
  modelVersion: string | null;
  probeSha256: string | null;
  details: Record<string, unknown>;
}

export interface AuditEventRow extends AuditEventInput {
  seq: number;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

const sortKeys = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(sortKeys)
    : v && typeof v === 'object' && !(v instanceof Date) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]))
      : v;

// What PostgreSQL keeps of a JS string: UTF-8 has no lone surrogates (the driver writes U+FFFD) and
// text and jsonb refuse NUL, so both become U+FFFD before hashing and storing.
const NOT_STORABLE = new RegExp(`${LONE_SURROGATE.source}|\\0`, 'g');
const storedText = (s: string) => s.replace(NOT_STORABLE, '\uFFFD');

const storedValue = (v: unknown): unknown =>
  typeof v === 'string' ? storedText(v)
    : Array.isArray(v) ? v.map(storedValue)
      : v && typeof v === 'object' && !(v instanceof Date) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [storedText(k), storedValue(x)]))
        : v;

/** The event as the database will hold it, so the hash covers exactly the stored text. */
export function storedForm(e: AuditEventInput): AuditEventInput {
  const text = (s: string | null) => (s === null || s === undefined ? null : storedText(s));
  return {
    ...e,
    requestId: text(e.requestId), actorRole: text(e.actorRole), outcome: storedText(e.outcome), reason: text(e.reason),
    caseNumber: text(e.caseNumber), legalBasis: text(e.legalBasis), offenseCategory: text(e.offenseCategory),
    modelVersion: text(e.modelVersion), probeSha256: text(e.probeSha256),
    // jsonb keeps what JSON.parse(JSON.stringify(x)) keeps: no undefined, dates as strings
    details: storedValue(JSON.parse(JSON.stringify(e.details ?? {}))) as Record<string, unknown>,
  };
}

/** The canonical encoding the hash covers: every field, in a fixed order, JSON with sorted keys. */
export function canonicalEvent(e: AuditEventInput): string {
  const lower = (s: string | null) => s?.toLowerCase() ?? null;
  return JSON.stringify([
    e.at.toISOString(), e.requestId, lower(e.tenantId), lower(e.principalId), e.actorRole, e.action, e.outcome, e.reason, e.caseNumber,
    e.legalBasis, e.offenseCategory, e.galleries?.map((g) => g.toLowerCase()) ?? null, e.candidateCount, e.modelVersion, e.probeSha256, sortKeys(e.details),
  ]);
}

export const chainHash = (prev: string, seq: number, canonical: string) => createHash('sha256').update(`${prev}|${seq}|${canonical}`).digest('hex');

const EVENT = `seq::int8::float8 AS seq, at, request_id AS "requestId", tenant_id AS "tenantId", principal_id AS "principalId",
  actor_role AS "actorRole", action, outcome, reason, case_number AS "caseNumber", legal_basis AS "legalBasis",
  offense_category AS "offenseCategory", galleries, candidate_count AS "candidateCount", model_version AS "modelVersion",
  probe_sha256 AS "probeSha256", details, hash`;

/**
 * Appends one event: takes the next sequence number and the new chain hash from audit_head (its row
 * lock orders concurrent appends) and inserts.
 */
const APPEND_EVENT_SQL = `WITH h AS (
     UPDATE audit_head SET seq = seq + 1,
            hash = encode(sha256(convert_to(hash || '|' || (seq + 1)::text || '|' || $1::text, 'UTF8')), 'hex')
     RETURNING seq, hash)
   INSERT INTO audit_events (seq, at, request_id, tenant_id, principal_id, actor_role, action, outcome, reason, case_number,
                             legal_basis, offense_category, galleries, candidate_count, model_version, probe_sha256, details, hash)
   SELECT h.seq, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::uuid[], $14, $15, $16, $17::jsonb, h.hash FROM h
   RETURNING seq::int8::float8 AS seq, hash`;

export interface AuditFilter {
  tenantId?: string | null;
  action?: string | null;
  /** actions left out (the console's log leaves out its own page views' reads by default) */
  exceptActions?: string[] | null;
  outcome?: string | null;
  from?: Date | null;
  to?: Date | null;
}

export class AuditRepository {
  /** Appends one event in the caller's transaction, in one statement, and tells the transaction so (the anchor's hook). */
  async append(tx: Queryable, input: AuditEventInput): Promise<{ seq: number; hash: string }> {
    const e = storedForm(input);
    const [row] = await tx.query<{ seq: number; hash: string }>(
      APPEND_EVENT_SQL,
      [canonicalEvent(e), e.at, e.requestId, e.tenantId, e.principalId, e.actorRole, e.action, e.outcome, e.reason, e.caseNumber,
        e.legalBasis, e.offenseCategory, e.galleries?.map((g) => g.toLowerCase()) ?? null, e.candidateCount, e.modelVersion, e.probeSha256, JSON.stringify(e.details)],
    );
    tx.auditAppended?.();
    return row;
  }

  /** Newest first, keyset-paged by sequence number. */
  async list(db: Queryable, f: AuditFilter, first: number, beforeSeq?: number): Promise<AuditEventRow[]> {
    return db.query(
      `SELECT ${EVENT} FROM audit_events
        WHERE ($1::uuid IS NULL OR tenant_id = $1) AND ($2::text IS NULL OR action = $2)
          AND ($3::timestamptz IS NULL OR at >= $3) AND ($4::timestamptz IS NULL OR at < $4)
          AND ($5::bigint IS NULL OR seq < $5) AND ($7::text IS NULL OR outcome = $7)
          AND NOT (action = ANY ($8::text[]))
        ORDER BY seq DESC LIMIT $6`,
      [f.tenantId ?? null, f.action ?? null, f.from ?? null, f.to ?? null, beforeSeq ?? null, first + 1, f.outcome ?? null, f.exceptActions ?? []],
    );
  }

  /** What was done to one principal (allowed events naming it in details.principalId: created, changed, tokens issued for it), newest first, keyset-paged by sequence number. */
  async aboutPrincipal(db: Queryable, principalId: string, first: number, beforeSeq?: number): Promise<AuditEventRow[]> {
    return db.query(
      `SELECT ${EVENT} FROM audit_events
        WHERE details ? 'principalId' AND details->>'principalId' = $1 AND outcome = $4 AND ($2::bigint IS NULL OR seq < $2)
        ORDER BY seq DESC LIMIT $3`,
      [principalId.toLowerCase(), beforeSeq ?? null, first + 1, AuditOutcome.ALLOWED],
    );
  }

  /** The chain in order, from `afterSeq` on, for verification. */
  async scan(db: Queryable, afterSeq: number, limit: number): Promise<AuditEventRow[]> {
    return db.query(`SELECT ${EVENT} FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2`, [afterSeq, limit]);
  }

  /** Whether the chain's tables exist yet (before the first migration they do not). */
  async present(db: Queryable): Promise<boolean> {
    return (await db.query<{ present: boolean }>(`SELECT to_regclass('audit_head') IS NOT NULL AS present`))[0].present;
  }

  async head(db: Queryable): Promise<{ seq: number; hash: string }> {
    return (await db.query<{ seq: number; hash: string }>(`SELECT seq::int8::float8 AS seq, hash FROM audit_head`))[0];
  }
}

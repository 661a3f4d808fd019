import { randomUUID } from 'node:crypto';
import type { Cursor, Queryable } from './db.js';
import type { CandidateDisposition, DeclineReason, ExaminationConclusion, ExaminationRole, LegalBasis, OffenseCategory, ProbeEditKind, ProbeSourceKind, RequestOutcome, RequestPriority, RequestStatus } from './enums.js';

export interface ExaminationAgreementRow {
  id: string;
  /** the serving tenant: its examiners work the requests */
  tenantId: string;
  requestingTenantId: string;
  legalBases: string[];
  expiresAt: Date;
  revokedAt: Date | null;
  createdAt: Date;
}

export interface RequestRow {
  id: string;
  /** the requesting agency */
  tenantId: string;
  servingTenantId: string;
  agreementId: string | null;
  status: RequestStatus;
  caseNumber: string;
  offenseCategory: OffenseCategory | null;
  statuteText: string | null;
  legalBasis: LegalBasis;
  narrative: string | null;
  warrantNumber: string | null;
  sourceKind: ProbeSourceKind;
  howObtained: string | null;
  capturedAt: Date | null;
  requestingOfficer: string;
  approvingSupervisor: string;
  priority: RequestPriority;
  dueAt: Date | null;
  submittedBy: string | null;
  examinerId: string | null;
  verifierId: string | null;
  adjudicatorId: string | null;
  declineReason: DeclineReason | null;
  declineNote: string | null;
  leadSearchId: string | null;
  leadRank: number | null;
  leadSubjectRef: string | null;
  outcome: RequestOutcome | null;
  outcomeNote: string | null;
  attestedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  cursorKey: string;
}

export interface ProbeRow {
  id: string;
  requestId: string;
  ordinal: number;
  sha256: string;
  bytes: number;
  createdAt: Date;
}

export interface ProbeEditStepRow {
  kind: ProbeEditKind;
  x?: number | null;
  y?: number | null;
  width?: number | null;
  height?: number | null;
  degrees?: number | null;
  brightness?: number | null;
  contrast?: number | null;
}

export interface ProbeVersionRow {
  id: string;
  requestId: string;
  probeId: string;
  version: number;
  steps: ProbeEditStepRow[];
  createdBy: string | null;
  createdAt: Date;
}

export interface DispositionRow {
  searchId: string;
  rank: number;
  disposition: CandidateDisposition;
  reason: string | null;
}

export interface ExaminationRow {
  id: string;
  requestId: string;
  role: ExaminationRole;
  principalId: string;
  conclusion: ExaminationConclusion;
  dispositions: DispositionRow[];
  note: string | null;
  createdAt: Date;
}

export interface RequestStatisticsRow {
  agency: string;
  offenseCategory: string | null;
  outcome: string | null;
  status: string;
  requests: number;
  /** the sum of hours from submission to decision over the decided requests of the group */
  decidedHours: number;
  decided: number;
  /** declined ones (closed since, or not) */
  declined: number;
}

export type NewRequest = Pick<RequestRow,
  'tenantId' | 'servingTenantId' | 'agreementId' | 'caseNumber' | 'offenseCategory' | 'statuteText' | 'legalBasis' | 'narrative' | 'warrantNumber' | 'sourceKind'
  | 'howObtained' | 'capturedAt' | 'requestingOfficer' | 'approvingSupervisor' | 'priority' | 'dueAt' | 'submittedBy'>;

const AGREEMENT = `id, tenant_id AS "tenantId", requesting_tenant_id AS "requestingTenantId", legal_bases AS "legalBases",
  expires_at AS "expiresAt", revoked_at AS "revokedAt", created_at AS "createdAt"`;

const REQUEST = `id, tenant_id AS "tenantId", serving_tenant_id AS "servingTenantId", agreement_id AS "agreementId", status,
  case_number AS "caseNumber", offense_category AS "offenseCategory", statute_text AS "statuteText", legal_basis AS "legalBasis",
  narrative, warrant_number AS "warrantNumber", source_kind AS "sourceKind", how_obtained AS "howObtained", captured_at AS "capturedAt",
  requesting_officer AS "requestingOfficer", approving_supervisor AS "approvingSupervisor", priority, due_at AS "dueAt",
  submitted_by AS "submittedBy", examiner_id AS "examinerId", verifier_id AS "verifierId", adjudicator_id AS "adjudicatorId",
  decline_reason AS "declineReason", decline_note AS "declineNote", lead_search_id AS "leadSearchId", lead_rank AS "leadRank",
  lead_subject_ref AS "leadSubjectRef", outcome, outcome_note AS "outcomeNote", attested_at AS "attestedAt",
  created_at AS "createdAt", updated_at AS "updatedAt", created_at::text AS "cursorKey"`;

export const PROBE = `id, request_id AS "requestId", ordinal, sha256, bytes, created_at AS "createdAt"`;
const VERSION = `id, request_id AS "requestId", probe_id AS "probeId", version, steps, created_by AS "createdBy", created_at AS "createdAt"`;
const EXAMINATION = `id, request_id AS "requestId", role, principal_id AS "principalId", conclusion, dispositions, note, created_at AS "createdAt"`;

/** Columns a status change may set beside the status (never the request's declared facts). */
export interface StatusChange {
  examinerId?: string;
  verifierId?: string;
  adjudicatorId?: string;
  declineReason?: string;
  declineNote?: string | null;
  leadSearchId?: string;
  leadRank?: number;
  leadSubjectRef?: string;
  /** sealed by FaceCropRepository.sealLeadFace, with the key id that sealed it */
  leadFace?: Buffer | null;
  leadFaceKeyId?: string | null;
  outcome?: string;
  outcomeNote?: string | null;
}

const CHANGE_COLUMNS: Record<keyof StatusChange, string> = {
  examinerId: 'examiner_id', verifierId: 'verifier_id', adjudicatorId: 'adjudicator_id', declineReason: 'decline_reason', declineNote: 'decline_note',
  leadSearchId: 'lead_search_id', leadRank: 'lead_rank', leadSubjectRef: 'lead_subject_ref', leadFace: 'lead_face', leadFaceKeyId: 'lead_face_key_id', outcome: 'outcome', outcomeNote: 'outcome_note',
};

export class ExaminationAgreementRepository {
  async create(db: Queryable, a: { tenantId: string; requestingTenantId: string; legalBases: string[]; expiresAt: Date; createdBy: string | null }): Promise<ExaminationAgreementRow> {
    const [row] = await db.query<ExaminationAgreementRow>(
      `INSERT INTO examination_agreements (id, tenant_id, requesting_tenant_id, legal_bases, expires_at, created_by)
       VALUES ($1, $2, $3, $4::text[], $5, $6) RETURNING ${AGREEMENT}`,
      [randomUUID(), a.tenantId, a.requestingTenantId, a.legalBases, a.expiresAt, a.createdBy],
    );
    return row;
  }

  async byId(db: Queryable, id: string): Promise<ExaminationAgreementRow | undefined> {
    return (await db.query<ExaminationAgreementRow>(`SELECT ${AGREEMENT} FROM examination_agreements WHERE id = $1`, [id]))[0];
  }

  async revoke(db: Queryable, id: string): Promise<ExaminationAgreementRow> {
    return (await db.query<ExaminationAgreementRow>(`UPDATE examination_agreements SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${AGREEMENT}`, [id]))[0];
  }

  /** The agreement in force that lets `requesting` send `serving` a request under `legalBasis`, if any. */
  async inForce(db: Queryable, serving: string, requesting: string, legalBasis: string): Promise<ExaminationAgreementRow | undefined> {
    return (await db.query<ExaminationAgreementRow>(
      `SELECT ${AGREEMENT} FROM examination_agreements
        WHERE tenant_id = $1 AND requesting_tenant_id = $2 AND $3 = ANY (legal_bases) AND revoked_at IS NULL AND expires_at > now()
        ORDER BY expires_at DESC LIMIT 1`,
      [serving, requesting, legalBasis],
    ))[0];
  }

  /** Agreements a tenant serves or requests under (all, with tenantId null), newest first. */
  async list(db: Queryable, tenantId: string | null): Promise<ExaminationAgreementRow[]> {
    return db.query(
      `SELECT ${AGREEMENT} FROM examination_agreements WHERE $1::uuid IS NULL OR tenant_id = $1 OR requesting_tenant_id = $1 ORDER BY created_at DESC, id`,
      [tenantId],
    );
  }
}

export class RequestRepository {
  async insert(db: Queryable, r: NewRequest): Promise<RequestRow> {
    const [row] = await db.query<RequestRow>(
      `INSERT INTO requests (id, tenant_id, serving_tenant_id, agreement_id, status, case_number, offense_category, statute_text, legal_basis,
                             narrative, warrant_number, source_kind, how_obtained, captured_at, requesting_officer, approving_supervisor, priority, due_at, submitted_by)
       VALUES ($1, $2, $3, $4, 'SUBMITTED', $5, $6, $7, $8, $9, $18, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING ${REQUEST}`,
      [randomUUID(), r.tenantId, r.servingTenantId, r.agreementId, r.caseNumber, r.offenseCategory, r.statuteText, r.legalBasis, r.narrative,
        r.sourceKind, r.howObtained, r.capturedAt, r.requestingOfficer, r.approvingSupervisor, r.priority, r.dueAt, r.submittedBy, r.warrantNumber],
    );
    return row;
  }

  /** Any request the transaction's scope may see (its requesting or serving tenant), by id. */
  async visible(db: Queryable, id: string): Promise<RequestRow | undefined> {
    return (await db.query<RequestRow>(`SELECT ${REQUEST} FROM requests WHERE id = $1`, [id]))[0];
  }

  /**
   * Moves a request from one of `from` to `to`, setting `change` too, only while it still stands
   * there (a concurrent change waits on the row lock and re-checks): undefined when another came first.
   * `unset` names columns that must still be empty (a verifier's claim: verifier_id IS NULL).
   */
  async transition(db: Queryable, id: string, from: string[], to: string, change: StatusChange = {}, unset: (keyof StatusChange)[] = []): Promise<RequestRow | undefined> {
    const entries = Object.entries(change).filter(([, v]) => v !== undefined) as [keyof StatusChange, unknown][];
    const sets = entries.map(([k], i) => `${CHANGE_COLUMNS[k]} = $${i + 4}`);
    const empty = unset.map((k) => ` AND ${CHANGE_COLUMNS[k]} IS NULL`).join('');
    return (await db.query<RequestRow>(
      `UPDATE requests SET status = $3, updated_at = now(),
              decided_at = CASE WHEN $3 IN ('LEAD_RELEASED', 'NO_LEAD', 'DECLINED') THEN now() ELSE decided_at END${sets.map((s) => `, ${s}`).join('')}
        WHERE id = $1 AND status = ANY ($2::text[])${empty} RETURNING ${REQUEST}`,
      [id, from, to, ...entries.map(([, v]) => v)],
    ))[0];
  }

  /** Sets the attestation once (the first export after it keeps its time). */
  async attest(db: Queryable, id: string): Promise<void> {
    await db.query(`UPDATE requests SET attested_at = coalesce(attested_at, now()), updated_at = now() WHERE id = $1`, [id]);
  }

  /**
   * Newest first: a tenant's requests as requester (`side` REQUESTING), as server (SERVING) or both;
   * narrowed to a status, to one examiner's queue, or to those past their due date and still open.
   */
  async list(
    db: Queryable,
    f: { tenantId: string; side: 'REQUESTING' | 'SERVING' | 'BOTH'; status: string | null; examinerId: string | null; overdue: boolean; open: string[] },
    first: number,
    after?: Cursor,
  ): Promise<RequestRow[]> {
    return db.query(
      `SELECT ${REQUEST} FROM requests
        WHERE (($2 IN ('REQUESTING', 'BOTH') AND tenant_id = $1) OR ($2 IN ('SERVING', 'BOTH') AND serving_tenant_id = $1))
          AND ($3::text IS NULL OR status = $3) AND ($4::uuid IS NULL OR examiner_id = $4)
          AND (NOT $5 OR (due_at < now() AND status = ANY ($6::text[])))
          AND ($7::timestamptz IS NULL OR (created_at, id) < ($7::timestamptz, $8::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $9`,
      [f.tenantId, f.side, f.status, f.examinerId, f.overdue, f.open, after?.createdAt ?? null, after?.id ?? null, first + 1],
    );
  }

  async probes(db: Queryable, requestId: string): Promise<ProbeRow[]> {
    return db.query(`SELECT ${PROBE} FROM request_probes WHERE request_id = $1 ORDER BY ordinal`, [requestId]);
  }

  async addVersion(db: Queryable, v: { requestId: string; probeId: string; tenantId: string; servingTenantId: string; steps: ProbeEditStepRow[]; createdBy: string | null }): Promise<ProbeVersionRow> {
    const [row] = await db.query<ProbeVersionRow>(
      `INSERT INTO request_probe_versions (id, request_id, probe_id, tenant_id, serving_tenant_id, version, steps, created_by)
       VALUES ($1, $2, $3, $4, $5, (SELECT coalesce(max(version), 0) + 1 FROM request_probe_versions WHERE probe_id = $3), $6::jsonb, $7) RETURNING ${VERSION}`,
      [randomUUID(), v.requestId, v.probeId, v.tenantId, v.servingTenantId, JSON.stringify(v.steps), v.createdBy],
    );
    return row;
  }

  async versions(db: Queryable, requestId: string): Promise<ProbeVersionRow[]> {
    return db.query(`SELECT ${VERSION} FROM request_probe_versions WHERE request_id = $1 ORDER BY created_at, version`, [requestId]);
  }

  async addExamination(db: Queryable, e: { requestId: string; tenantId: string; servingTenantId: string; role: string; principalId: string; conclusion: string; dispositions: DispositionRow[]; note: string | null }): Promise<ExaminationRow> {
    const [row] = await db.query<ExaminationRow>(
      `INSERT INTO request_examinations (id, request_id, tenant_id, serving_tenant_id, role, principal_id, conclusion, dispositions, note)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9) RETURNING ${EXAMINATION}`,
      [randomUUID(), e.requestId, e.tenantId, e.servingTenantId, e.role, e.principalId, e.conclusion, JSON.stringify(e.dispositions), e.note],
    );
    return row;
  }

  async examinations(db: Queryable, requestId: string): Promise<ExaminationRow[]> {
    return db.query(`SELECT ${EXAMINATION} FROM request_examinations WHERE request_id = $1 ORDER BY created_at`, [requestId]);
  }

  /** The searches run for a request, oldest first, with the probe version each used. */
  async searches(db: Queryable, requestId: string): Promise<{ id: string; probeVersionId: string | null; createdAt: Date }[]> {
    return db.query(`SELECT id, probe_version_id AS "probeVersionId", created_at AS "createdAt" FROM searches WHERE request_id = $1 ORDER BY created_at, id`, [requestId]);
  }

  /** The audit chain's events of one request, in chain order (row-level security lets both parties read them). */
  async history(db: Queryable, requestId: string): Promise<{ seq: number; at: Date; action: string; outcome: string; reason: string | null; actorRole: string | null; principalId: string | null; tenantId: string | null; details: Record<string, unknown> }[]> {
    return db.query(
      `SELECT seq::int8::float8 AS seq, at, action, outcome, reason, actor_role AS "actorRole", principal_id AS "principalId", tenant_id AS "tenantId", details
         FROM audit_events WHERE details ? 'examinationRequestId' AND details->>'examinationRequestId' = $1 ORDER BY seq`,
      [requestId],
    );
  }

  /** Counts for oversight, by requesting agency, offense, outcome and status; hours from submission to decision (released, no lead, declined). */
  async statistics(db: Queryable, f: { from: Date; to: Date; tenantId: string | null }): Promise<RequestStatisticsRow[]> {
    return db.query(
      `SELECT t.slug AS agency, r.offense_category AS "offenseCategory", r.outcome, r.status, count(*)::int AS requests,
              coalesce(sum(EXTRACT(EPOCH FROM (r.decided_at - r.created_at)) / 3600) FILTER (WHERE r.decided_at IS NOT NULL), 0)::float8 AS "decidedHours",
              count(r.decided_at)::int AS decided, count(*) FILTER (WHERE r.decline_reason IS NOT NULL)::int AS declined
         FROM requests r JOIN tenants t ON t.id = r.tenant_id
        WHERE r.created_at >= $1 AND r.created_at < $2 AND ($3::uuid IS NULL OR r.tenant_id = $3)
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
      [f.from, f.to, f.tenantId],
    );
  }

}

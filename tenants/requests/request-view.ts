import type { Queryable } from '../../models/db.js';
import { AuditAction, RequestStatus } from '../../models/enums.js';
import type { FaceCropRepository } from '../../models/face-crop.repository.js';
import { FaceImageError } from '../../models/face-image-cipher.js';
import { PolicyRepository } from '../../models/policy.repository.js';
import type { ExaminationRow, ProbeRow, ProbeVersionRow, RequestRepository, RequestRow } from '../../models/request.repository.js';
import { SearchRepository } from '../../models/search.repository.js';
import { traitsOf } from '../access/ability.js';
import { resolvePolicy } from '../legal-basis/policy.service.js';
import type { Actor } from '../shared/actor.js';

export const LEAD_BANNER = 'investigative lead only — not probable cause to arrest';

export interface RequestCandidateView {
  searchId: string;
  rank: number;
  subjectRef: string;
  /** null while a blind verification runs (the serving tenant's blindVerificationScores) */
  score: number | null;
  /** JPEG bytes of the enrolled face, where the hub kept one */
  face: Buffer | null;
}

export interface HistoryEntry {
  seq: number;
  at: Date;
  action: string;
  outcome: string;
  reason: string | null;
  /** the status the event moved the request to, if it moved it */
  status: RequestStatus | null;
  actorRole: string | null;
  /** who acted: shown to the serving tenant, not to the requester */
  principalId: string | null;
}

export interface RequestView extends RequestRow {
  /** which party the caller is */
  side: 'REQUESTING' | 'SERVING';
  probes: ProbeRow[];
  probeVersions: ProbeVersionRow[];
  searches: { id: string; probeVersionId: string | null; createdAt: Date; candidates: RequestCandidateView[] }[];
  examinations: ExaminationRow[];
  lead: { subjectRef: string; face: Buffer | null; banner: string; examinerId: string | null; verifierId: string | null; adjudicatorId: string | null } | null;
  history: HistoryEntry[];
  /** to a supervisor of the serving tenant while the request awaits acceptance: the analysts it may assign (certified now) */
  examinerChoices?: { id: string; name: string; certifiedUntil: Date }[];
}

/** Whether the caller reads a request as its serving tenant (an agency's own requester reads its own requests as the requester). */
export const servingSide = (actor: Actor, r: Pick<RequestRow, 'tenantId' | 'servingTenantId'>) =>
  r.servingTenantId === actor.tenantId && (r.tenantId !== actor.tenantId || traitsOf(actor).requestSide !== 'REQUESTING');

const RELEASED = [RequestStatus.LEAD_RELEASED, RequestStatus.OUTCOME_RECORDED, RequestStatus.CLOSED] as string[];
const searches = new SearchRepository();
const policies = new PolicyRepository();

/**
 * What one party may see of a request. The requester: its own declaration, the status, the history
 * without names, and after release the lead (with the face). The serving tenant: the probes, their
 * versions, the searches and candidates; while a blind verification runs nobody but the examiner
 * sees the examiner's dispositions, nor (blindVerificationScores, on by default) the scores.
 */
export async function viewOf(tx: Queryable, actor: Actor, r: RequestRow, repo: RequestRepository, crops: FaceCropRepository, o: { history?: boolean } = {}): Promise<RequestView> {
  const serving = servingSide(actor, r);
  const released = RELEASED.includes(r.status) && r.leadSubjectRef !== null;
  const lead = released
    ? { subjectRef: r.leadSubjectRef!, face: serving ? null : await crops.leadFace(tx, r.id), banner: LEAD_BANNER, examinerId: r.examinerId, verifierId: r.verifierId, adjudicatorId: r.adjudicatorId }
    : null;
  const history = o.history === false ? [] : (await repo.history(tx, r.id)).map((e) => ({
    seq: e.seq, at: e.at, action: e.action, outcome: e.outcome, reason: e.reason, actorRole: e.actorRole,
    status: typeof e.details.to === 'string' && e.outcome === 'ALLOWED' && e.action !== AuditAction.REQUEST_VIEWED ? (e.details.to as RequestStatus) : null,
    principalId: serving ? e.principalId : null,
  }));
  if (!serving) {
    return { ...r, examinerId: null, verifierId: null, adjudicatorId: null, side: 'REQUESTING', probes: await repo.probes(tx, r.id), probeVersions: [], searches: [], examinations: [], lead, history };
  }
  const blind = r.status === RequestStatus.IN_VERIFICATION && actor.principalId !== r.examinerId;
  const policy = await policies.get(tx, r.servingTenantId);
  const hideScores = blind && resolvePolicy(policy?.preset ?? null, policy?.rules ?? null).blindVerificationScores !== false;
  const runs = await repo.searches(tx, r.id);
  const candidates = await searches.candidatesOf(tx, runs.map((s) => s.id));
  // a kept face that fails its integrity check is never shown (null, as a candidate without a kept crop)
  const faces = new Map((await crops.ofCandidates(tx, runs.map((s) => s.id))).map((c) => [`${c.searchId}/${c.rank}`, c.jpeg instanceof FaceImageError ? null : c.jpeg]));
  const examinations = (await repo.examinations(tx, r.id)).filter((e) => !blind || e.principalId === actor.principalId);
  return {
    ...r,
    side: 'SERVING',
    probes: await repo.probes(tx, r.id),
    probeVersions: await repo.versions(tx, r.id),
    searches: runs.map((s) => ({
      ...s,
      candidates: (candidates.get(s.id) ?? []).map((c) => ({ searchId: s.id, rank: c.rank, subjectRef: c.subjectRef, score: hideScores ? null : c.score, face: faces.get(`${s.id}/${c.rank}`) ?? null })),
    })),
    examinations,
    lead,
    history,
  };
}

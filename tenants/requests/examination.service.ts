import type { ScopedDb, Queryable } from '../../models/db.js';
import { AuditAction, AuditOutcome, CandidateDisposition, ExaminationConclusion, ExaminationRole, ProbeEditKind, RequestStatus } from '../../models/enums.js';
import type { FaceCropRepository } from '../../models/face-crop.repository.js';
import { FaceImageError } from '../../models/face-image-cipher.js';
import { RequestRepository, type DispositionRow, type ExaminationRow, type ProbeEditStepRow, type ProbeVersionRow, type RequestRow } from '../../models/request.repository.js';
import { SearchRepository } from '../../models/search.repository.js';
import { meaningful } from '../../models/text.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { scopeOf, type Actor } from '../shared/actor.js';
import { DomainError, notFound } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';
import type { Clock, ProbeEditor, ProbeEditStep } from '../shared/ports.js';
import { LEAD_BANNER } from './request-view.js';
import { requestEvent, wrongState, type RequestService } from './request.service.js';

export interface DispositionsInput {
  requestId: string;
  conclusion: ExaminationConclusion;
  dispositions: { searchId: string; rank: number; disposition: CandidateDisposition; reason?: string | null }[];
  note?: string | null;
}

/** The probe a request's search uses: the original or a recorded version of it, and what the request declared. */
export interface RequestProbe {
  request: RequestRow;
  image: Buffer;
  probeVersionId: string | null;
}

const WORKABLE = [RequestStatus.ACCEPTED, RequestStatus.IN_EXAMINATION];

/**
 * The examination of a request: probe edits (recorded steps, never touching the original), the
 * examiner's dispositions for every candidate, the blind verification by a second examiner, a
 * supervisor's adjudication when the two disagree, the release of an agreed lead, and the photo
 * export a requester may make only after attesting to independent evidence.
 */
export class ExaminationService {
  constructor(
    private readonly db: ScopedDb,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    private readonly requestsService: RequestService,
    private readonly editor: ProbeEditor,
    private readonly crops: FaceCropRepository,
    private readonly requests = new RequestRepository(),
    private readonly searches = new SearchRepository(),
  ) {}

  /** For a search with a requestId (inside the search's own refusal audit): only the assigned examiner, only while the request is worked. */
  async probeForSearch(tx: Queryable, actor: Actor, requestId: string, probeVersionId?: string | null): Promise<RequestProbe> {
    const request = await this.requestsService.load(tx, actor, requestId, 'examine');
    if (!WORKABLE.includes(request.status as RequestStatus)) throw wrongState(request, RequestStatus.IN_EXAMINATION);
    const { image, version } = await this.probeImage(tx, request, probeVersionId);
    return { request, image, probeVersionId: version?.id ?? null };
  }

  async editProbe(actor: Actor, input: { requestId: string; probeId?: string | null; steps: ProbeEditStep[] }): Promise<ProbeVersionRow> {
    return this.trail.refusals(actor, { action: AuditAction.REQUEST_PROBE_EDITED, details: { attemptedRequestId: isUuid(input.requestId) ? input.requestId : null } }, () =>
      this.db.scoped(scopeOf(actor), async (tx) => {
        const r = await this.requestsService.load(tx, actor, input.requestId, 'examine');
        if (!WORKABLE.includes(r.status as RequestStatus)) throw wrongState(r, RequestStatus.IN_EXAMINATION);
        if (!input.steps.length || input.steps.length > 20) throw new DomainError('BAD_USER_INPUT', 'An edit is 1 to 20 steps.');
        const probes = await this.requests.probes(tx, r.id);
        const probe = input.probeId ? probes.find((p) => p.id === input.probeId) : probes[0];
        if (!probe) throw notFound('probe', input.probeId ?? '?');
        // applied once now, so a step that cannot apply is refused before it is recorded
        await this.editor.apply((await this.crops.probeBytes(tx, probe.id))!, input.steps);
        const steps = input.steps.map((s): ProbeEditStepRow => ({ ...Object.fromEntries(Object.entries(s).filter(([, v]) => v !== null && v !== undefined)), kind: s.kind as ProbeEditKind }));
        const version = await this.requests.addVersion(tx, { requestId: r.id, probeId: probe.id, tenantId: r.tenantId, servingTenantId: r.servingTenantId, steps, createdBy: actor.principalId });
        await this.trail.append(tx, actor, {
          action: AuditAction.REQUEST_PROBE_EDITED, outcome: AuditOutcome.ALLOWED, ...requestEvent(r), probeSha256: probe.sha256,
          details: { examinationRequestId: r.id, probeId: probe.id, probeVersionId: version.id, version: version.version, steps },
        });
        return version;
      }),
    );
  }

  /** A request's probe (original, or a version) as image bytes: only its examiner, verifier and the serving tenant's supervisors; audited. */
  async probe(actor: Actor, requestId: string, probeVersionId?: string | null): Promise<{ image: Buffer; edited: boolean }> {
    return this.trail.refusals(actor, { action: AuditAction.REQUEST_PROBE_VIEWED, details: { attemptedRequestId: isUuid(requestId) ? requestId : null, probeVersionId: probeVersionId ?? null } }, () =>
      this.db.scoped(scopeOf(actor), async (tx) => {
        const r = await this.requestsService.load(tx, actor, requestId, 'probe');
        const { image, version } = await this.probeImage(tx, r, probeVersionId);
        await this.trail.append(tx, actor, { action: AuditAction.REQUEST_PROBE_VIEWED, outcome: AuditOutcome.ALLOWED, ...requestEvent(r), details: { examinationRequestId: r.id, probeVersionId: version?.id ?? null } });
        return { image, edited: !!version };
      }),
    );
  }

  /** A second examiner takes the verification: never the examiner; the first claim wins. */
  async claimVerification(actor: Actor, requestId: string): Promise<RequestRow> {
    return this.requestsService.step(actor, requestId, 'verify', [RequestStatus.IN_VERIFICATION], RequestStatus.IN_VERIFICATION, async (_tx, r) => {
      if (!actor.principalId || actor.principalId === r.examinerId) throw new DomainError('FORBIDDEN', 'A request is verified by a second examiner, never the one who examined it.');
      if (r.verifierId) throw new DomainError('CONFLICT', 'Another examiner is verifying this request already.');
      return { change: { verifierId: actor.principalId }, unset: ['verifierId'], details: { verifierId: actor.principalId }, action: AuditAction.REQUEST_VERIFICATION_CLAIMED };
    }, AuditAction.REQUEST_VERIFICATION_CLAIMED, (r) => ({ ...r, verifierId: null }));
  }

  /**
   * Dispositions for every candidate of the request's searches and a conclusion, by whoever the
   * request's state calls for: its examiner (→ verification), its verifier (→ verified when both
   * agree on a possible lead, no lead when both find none, else adjudication) or a supervisor who
   * is neither (→ verified or no lead). All three sets are kept.
   */
  async recordDispositions(actor: Actor, input: DispositionsInput): Promise<RequestRow> {
    const from = [RequestStatus.IN_EXAMINATION, RequestStatus.IN_VERIFICATION, RequestStatus.IN_ADJUDICATION];
    return this.requestsService.step(actor, input.requestId, (r) => ACTION_BY_ROLE[roleFor(r)], from, RequestStatus.IN_VERIFICATION, async (tx, r) => {
      const role = roleFor(r);
      if (!actor.principalId) throw new DomainError('FORBIDDEN', 'Dispositions are a person’s decision: sign in as a principal, not a service account.');
      if (role === ExaminationRole.VERIFIER && r.verifierId !== actor.principalId) throw new DomainError('FORBIDDEN', 'Take the verification first (claimVerification); a verifier is never the examiner.');
      if (role === ExaminationRole.ADJUDICATOR && (actor.principalId === r.examinerId || actor.principalId === r.verifierId)) {
        throw new DomainError('FORBIDDEN', 'A disagreement is adjudicated by a supervisor who neither examined nor verified the request.');
      }
      const dispositions = await this.validate(tx, r, input);
      await this.requests.addExamination(tx, { requestId: r.id, tenantId: r.tenantId, servingTenantId: r.servingTenantId, role, principalId: actor.principalId, conclusion: input.conclusion, dispositions, note: input.note?.trim() || null });
      const to = await this.next(tx, r, role, input.conclusion, dispositions);
      const change = role === ExaminationRole.ADJUDICATOR ? { adjudicatorId: actor.principalId } : {};
      return { change, details: { role, conclusion: input.conclusion, dispositions: dispositions.length, possibleLeads: leads(dispositions).length }, action: AuditAction.REQUEST_DISPOSITIONS_RECORDED, to };
    }, AuditAction.REQUEST_DISPOSITIONS_RECORDED);
  }

  /** Releases the agreed lead to the requester: its subject reference, the face, who examined and verified it. */
  async releaseLead(actor: Actor, requestId: string, searchId: string, rank: number): Promise<RequestRow> {
    // any state reaches the checks below, so a search that is not the request's is NOT_FOUND whatever the state
    return this.requestsService.step(actor, requestId, 'release', Object.values(RequestStatus), RequestStatus.LEAD_RELEASED, async (tx, r) => {
      if (!(await this.requests.searches(tx, r.id)).some((s) => s.id === searchId)) throw notFound('search', searchId);
      if (r.status !== RequestStatus.VERIFIED) throw new DomainError('CONFLICT', `This request is ${r.status}: a lead is released only once it is VERIFIED (examined, then verified blind or adjudicated).`, { status: r.status });
      const agreed = await this.agreedLeads(tx, r.id);
      if (!agreed.has(`${searchId}/${rank}`)) throw new DomainError('BAD_USER_INPUT', 'Release a candidate that both examiners (or the adjudicator) marked POSSIBLE_LEAD.');
      const candidate = (await this.searches.candidates(tx, searchId)).find((c) => c.rank === rank)!;
      const face = (await this.crops.ofCandidates(tx, [searchId])).find((c) => c.rank === rank)?.jpeg ?? null;
      // a kept face that fails its integrity check is never released
      if (face instanceof FaceImageError) throw new DomainError('FACE_IMAGE_TAMPERED', 'The enrolled face of this lead failed its integrity check (altered, or moved from another record); nothing was released. Tell the hub\'s operator.');
      return { change: { leadSearchId: searchId, leadRank: rank, leadSubjectRef: candidate.subjectRef, ...this.crops.sealLeadFace(r.id, face) }, details: { searchId, rank, subjectRef: candidate.subjectRef, banner: LEAD_BANNER } };
    });
  }

  /**
   * The lead's photo for a photo line-up: only the requester, only after release, only with an
   * attestation that independent evidence links the person to the case (kept in the audit chain).
   */
  async exportLeadPhoto(actor: Actor, requestId: string, attestation: string): Promise<{ subjectRef: string; image: Buffer; banner: string }> {
    return this.trail.refusals(actor, { action: AuditAction.LEAD_PHOTO_EXPORTED, details: { attemptedRequestId: isUuid(requestId) ? requestId : null } }, () =>
      this.db.scoped(scopeOf(actor), async (tx) => {
        const r = await this.requestsService.load(tx, actor, requestId, 'export');
        if (!r.leadSubjectRef) throw new DomainError('CONFLICT', `This request is ${r.status}: no lead has been released to export.`);
        if (!meaningful(attestation) || attestation.trim().length < 20) {
          throw new DomainError('BAD_USER_INPUT', 'Attest, in a sentence or more (attestation), to the independent evidence that links this person to the case: a face-recognition lead alone is no basis for a line-up.');
        }
        const face = await this.crops.leadFace(tx, r.id);
        if (!face) throw new DomainError('CONFLICT', 'The hub kept no photo of this lead’s face to export.');
        await this.requests.attest(tx, r.id);
        await this.trail.append(tx, actor, {
          action: AuditAction.LEAD_PHOTO_EXPORTED, outcome: AuditOutcome.ALLOWED, ...requestEvent(r),
          details: { examinationRequestId: r.id, subjectRef: r.leadSubjectRef, attestation: attestation.trim() },
        });
        return { subjectRef: r.leadSubjectRef, image: face, banner: LEAD_BANNER };
      }),
    );
  }

  private async probeImage(tx: Queryable, r: RequestRow, probeVersionId?: string | null): Promise<{ image: Buffer; version?: ProbeVersionRow }> {
    const probes = await this.requests.probes(tx, r.id);
    if (!probeVersionId) return { image: (await this.crops.probeBytes(tx, probes[0].id))! };
    const version = (await this.requests.versions(tx, r.id)).find((v) => v.id === probeVersionId);
    if (!version) throw notFound('probe version', probeVersionId);
    return { image: await this.editor.apply((await this.crops.probeBytes(tx, version.probeId))!, version.steps as ProbeEditStep[]), version };
  }

  /** Every candidate of every search of the request, once each; a POSSIBLE_LEAD says why. */
  private async validate(tx: Queryable, r: RequestRow, input: DispositionsInput): Promise<DispositionRow[]> {
    const runs = await this.requests.searches(tx, r.id);
    if (!runs.length) throw new DomainError('CONFLICT', 'No search has been run for this request yet: search first (searchFaces with requestId).');
    const candidates = await this.searches.candidatesOf(tx, runs.map((s) => s.id));
    const expected = new Set([...candidates].flatMap(([id, cs]) => cs.map((c) => `${id}/${c.rank}`)));
    const seen = new Set<string>();
    for (const d of input.dispositions) {
      const key = `${d.searchId}/${d.rank}`;
      if (!candidates.has(d.searchId)) throw notFound('search', d.searchId);
      if (!expected.has(key)) throw new DomainError('BAD_USER_INPUT', `The request's searches have no candidate ranked ${d.rank} in search ${d.searchId}.`);
      if (seen.has(key)) throw new DomainError('BAD_USER_INPUT', `Candidate ${d.rank} of search ${d.searchId} is disposed of twice.`);
      if (d.disposition === CandidateDisposition.POSSIBLE_LEAD && !meaningful(d.reason)) throw new DomainError('BAD_USER_INPUT', `A POSSIBLE_LEAD (candidate ${d.rank}) says why, in \`reason\`.`);
      seen.add(key);
    }
    const missing = [...expected].filter((k) => !seen.has(k));
    if (missing.length) throw new DomainError('BAD_USER_INPUT', `Every candidate returned needs a disposition; missing: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''} (search/rank).`);
    const dispositions = input.dispositions.map((d) => ({ searchId: d.searchId, rank: d.rank, disposition: d.disposition, reason: d.reason?.trim() || null }));
    const hasLead = leads(dispositions).length > 0;
    if ((input.conclusion === ExaminationConclusion.POSSIBLE_LEAD) !== hasLead) {
      throw new DomainError('BAD_USER_INPUT', 'A POSSIBLE_LEAD conclusion names at least one candidate POSSIBLE_LEAD, and a NO_LEAD conclusion none.');
    }
    return dispositions;
  }

  /** Where the request goes after one set of dispositions. */
  private async next(tx: Queryable, r: RequestRow, role: ExaminationRole, conclusion: ExaminationConclusion, dispositions: DispositionRow[]): Promise<RequestStatus> {
    if (role === ExaminationRole.EXAMINER) return RequestStatus.IN_VERIFICATION;
    const verdict = conclusion === ExaminationConclusion.POSSIBLE_LEAD ? RequestStatus.VERIFIED : RequestStatus.NO_LEAD;
    if (role === ExaminationRole.ADJUDICATOR) return verdict;
    const examiner = (await this.requests.examinations(tx, r.id)).find((e) => e.role === ExaminationRole.EXAMINER)!;
    const same = examiner.conclusion === conclusion && sameSet(leads(examiner.dispositions), leads(dispositions));
    return same ? verdict : RequestStatus.IN_ADJUDICATION;
  }

  /** The candidates the deciding examinations agreed are possible leads: the adjudicator's, or those examiner and verifier both marked. */
  private async agreedLeads(tx: Queryable, requestId: string): Promise<Set<string>> {
    const all = await this.requests.examinations(tx, requestId);
    const of = (role: ExaminationRole) => all.find((e: ExaminationRow) => e.role === role);
    const adjudicator = of(ExaminationRole.ADJUDICATOR);
    if (adjudicator) return new Set(leads(adjudicator.dispositions));
    const verifier = new Set(leads(of(ExaminationRole.VERIFIER)?.dispositions ?? []));
    return new Set(leads(of(ExaminationRole.EXAMINER)?.dispositions ?? []).filter((k) => verifier.has(k)));
  }
}

// a request in no examining state is checked as the examiner's (and then refused for its state)
const roleFor = (r: RequestRow) =>
  r.status === RequestStatus.IN_VERIFICATION ? ExaminationRole.VERIFIER : r.status === RequestStatus.IN_ADJUDICATION ? ExaminationRole.ADJUDICATOR : ExaminationRole.EXAMINER;
const ACTION_BY_ROLE = { [ExaminationRole.EXAMINER]: 'examine', [ExaminationRole.VERIFIER]: 'verify', [ExaminationRole.ADJUDICATOR]: 'adjudicate' } as const;
const leads = (ds: DispositionRow[]) => ds.filter((d) => d.disposition === CandidateDisposition.POSSIBLE_LEAD).map((d) => `${d.searchId}/${d.rank}`);
const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

import type { FaceCropRepository } from '../../models/face-crop.repository.js';
import { createHash } from 'node:crypto';
import type { ScopedDb, Queryable } from '../../models/db.js';
import {
  AuditAction, AuditOutcome, DeclineReason, LegalBasis, OffenseCategory, ProbeSourceKind, RequestOutcome, RequestPriority, RequestStatus, Role, TenantStatus,
} from '../../models/enums.js';
import { PolicyRepository } from '../../models/policy.repository.js';
import { ExaminationAgreementRepository, RequestRepository, type RequestRow, type StatusChange } from '../../models/request.repository.js';
import { TenantRepository } from '../../models/tenant.repository.js';
import { meaningful } from '../../models/text.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { abilityOf, authorize, traitsOf, type Action } from '../access/ability.js';
import { checkSearchPolicy } from '../legal-basis/legal-basis.js';
import { resolvePolicy } from '../legal-basis/policy.service.js';
import { scopeOf, type Actor } from '../shared/actor.js';
import { DomainError, notFound } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';
import { MAX_PAGE, pageArgs, toPage } from '../shared/paging.js';
import type { Clock, Page } from '../shared/ports.js';
import { tenantBySlug } from '../shared/tenants.js';
import { viewOf, type RequestView } from './request-view.js';

export interface NewRequestInput {
  /** the tenant asked to examine it; absent: the requester's own agency */
  servingTenantSlug?: string | null;
  caseNumber: string;
  offenseCategory?: OffenseCategory | null;
  statuteText?: string | null;
  legalBasis: LegalBasis;
  warrantNumber?: string | null;
  narrative?: string | null;
  sourceKind: ProbeSourceKind;
  howObtained?: string | null;
  capturedAt?: Date | null;
  requestingOfficer: string;
  approvingSupervisor: string;
  priority?: RequestPriority | null;
  dueAt?: Date | null;
  notForProhibitedPurpose?: boolean | null;
  images: Buffer[];
}

export const MAX_PROBES = 5;
/** Requests still being worked: a due date past for one of these makes it overdue. */
export const OPEN_STATUSES = [RequestStatus.SUBMITTED, RequestStatus.ACCEPTED, RequestStatus.IN_EXAMINATION, RequestStatus.IN_VERIFICATION, RequestStatus.IN_ADJUDICATION, RequestStatus.VERIFIED];
/** Before release the requester may withdraw. */
const WITHDRAWABLE = OPEN_STATUSES;

/** The audit fields every event about a request carries, so its history can be read back from the chain. */
export const requestEvent = (r: RequestRow) => ({ caseNumber: r.caseNumber, legalBasis: r.legalBasis, offenseCategory: r.offenseCategory });

/**
 * Requests: an agency asks, a serving tenant (itself or one that agreed to serve it) examines, a
 * verified lead comes back. This file holds submission, the steps that only move a request (accept,
 * decline, withdraw, outcome, close) and the reads; the examination itself is ExaminationService.
 */
export class RequestService {
  constructor(
    private readonly db: ScopedDb,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    private readonly crops: FaceCropRepository,
    private readonly requests = new RequestRepository(),
    private readonly agreements = new ExaminationAgreementRepository(),
    private readonly policies = new PolicyRepository(),
    private readonly tenants = new TenantRepository(),
  ) {}

  /**
   * Both agencies' policies must allow the request (the requester's own rules first: a request
   * they forbid is refused whatever the serving tenant allows), and an examination agreement in
   * force must cover its legal basis, unless the agency works its own requests.
   */
  async submit(actor: Actor, input: NewRequestInput): Promise<RequestRow> {
    const probes = input.images.map((i) => createHash('sha256').update(i).digest('hex'));
    const event = { action: AuditAction.REQUEST_SUBMITTED, caseNumber: input.caseNumber?.trim() || null, legalBasis: input.legalBasis, offenseCategory: input.offenseCategory ?? null, probeSha256: probes[0] ?? null };
    return this.trail.refusals(actor, { ...event, details: { serving: input.servingTenantSlug ?? null, probes } }, async () => {
      authorize(actor, abilityOf(actor, this.clock.now()), 'create', 'Request', { tenantId: actor.tenantId });
      validate(input, this.clock.now());
      return this.db.scoped(scopeOf(actor), async (tx) => {
        const serving = input.servingTenantSlug ? await tenantBySlug(tx, input.servingTenantSlug) : await this.tenants.byId(tx, actor.tenantId);
        if (!serving) throw notFound('tenant', input.servingTenantSlug ?? actor.tenantId);
        const declaration = { ...input, offenseDescription: input.statuteText, notForProhibitedPurpose: input.notForProhibitedPurpose !== false };
        await this.checkPolicy(tx, actor.tenantId, declaration, 'Your agency');
        let agreementId: string | null = null;
        if (serving.id !== actor.tenantId) {
          const agreement = await this.agreements.inForce(tx, serving.id, actor.tenantId, input.legalBasis);
          if (!agreement) throw new DomainError('FORBIDDEN', `No examination agreement in force lets ${serving.slug} examine your agency's ${input.legalBasis} requests; the hub operator makes them (examinationAgreements lists yours).`);
          agreementId = agreement.id;
          await this.checkPolicy(tx, serving.id, declaration, `The serving agency (${serving.slug})`);
        }
        const row = await this.requests.insert(tx, {
          tenantId: actor.tenantId, servingTenantId: serving.id, agreementId, caseNumber: input.caseNumber.trim(), offenseCategory: input.offenseCategory ?? null,
          statuteText: input.statuteText?.trim() || null, legalBasis: input.legalBasis, narrative: input.narrative?.trim() || null,
          warrantNumber: meaningful(input.warrantNumber) ? input.warrantNumber.trim() : null, sourceKind: input.sourceKind, howObtained: input.howObtained?.trim() || null,
          capturedAt: input.capturedAt ?? null, requestingOfficer: input.requestingOfficer.trim(), approvingSupervisor: input.approvingSupervisor.trim(),
          priority: input.priority ?? RequestPriority.ROUTINE, dueAt: input.dueAt ?? null, submittedBy: actor.principalId,
        });
        for (const [i, image] of input.images.entries()) {
          await this.crops.storeProbe(tx, { requestId: row.id, tenantId: row.tenantId, servingTenantId: row.servingTenantId, ordinal: i + 1, image, sha256: probes[i] });
        }
        await this.trail.append(tx, actor, {
          ...event, outcome: AuditOutcome.ALLOWED,
          details: { examinationRequestId: row.id, to: RequestStatus.SUBMITTED, serving: serving.slug, probes, priority: row.priority, dueAt: row.dueAt?.toISOString() ?? null },
        });
        return row;
      });
    });
  }

  /** A supervisor of the serving tenant assigns an examiner: a certified analyst of that tenant. */
  async accept(actor: Actor, id: string, examinerId: string): Promise<RequestRow> {
    return this.step(actor, id, 'assign', [RequestStatus.SUBMITTED], RequestStatus.ACCEPTED, async (tx, r) => {
      const examiner = isUuid(examinerId) ? await this.tenants.principal(tx, r.servingTenantId, examinerId) : undefined;
      if (!examiner) throw notFound('principal', examinerId);
      if (examiner.role !== Role.AGENCY_ANALYST || examiner.disabledAt || !examiner.certifiedUntil || examiner.certifiedUntil <= this.clock.now()) {
        throw new DomainError('BAD_USER_INPUT', 'An examiner is an enabled, certified analyst of the serving agency; choose one whose certification is current (request.examinerChoices lists them).');
      }
      return { change: { examinerId: examiner.id }, details: { examinerId: examiner.id } };
    });
  }

  async decline(actor: Actor, id: string, reason: DeclineReason, note?: string | null): Promise<RequestRow> {
    if (reason === DeclineReason.OTHER && !meaningful(note)) throw new DomainError('BAD_USER_INPUT', 'A decline for OTHER reasons says which, in `note`.');
    return this.step(actor, id, 'assign', [RequestStatus.SUBMITTED], RequestStatus.DECLINED, async () => ({
      change: { declineReason: reason, declineNote: note?.trim() || null }, details: { declineReason: reason },
    }));
  }

  /** The requester takes the request back before a lead is released. */
  async withdraw(actor: Actor, id: string, note?: string | null): Promise<RequestRow> {
    return this.step(actor, id, 'withdraw', WITHDRAWABLE, RequestStatus.WITHDRAWN, async () => ({ change: {}, details: { note: note?.trim() || null } }));
  }

  async recordOutcome(actor: Actor, id: string, outcome: RequestOutcome, note?: string | null): Promise<RequestRow> {
    return this.step(actor, id, 'report', [RequestStatus.LEAD_RELEASED, RequestStatus.NO_LEAD], RequestStatus.OUTCOME_RECORDED, async () => ({
      change: { outcome, outcomeNote: note?.trim() || null }, details: { outcome }, action: AuditAction.REQUEST_OUTCOME_RECORDED,
    }));
  }

  async close(actor: Actor, id: string): Promise<RequestRow> {
    return this.step(actor, id, 'close', [RequestStatus.OUTCOME_RECORDED, RequestStatus.DECLINED, RequestStatus.WITHDRAWN], RequestStatus.CLOSED, async () => ({ change: {}, details: {} }));
  }

  /**
   * One move of a request: loaded under row-level security, the caller's right to `action` checked,
   * then a conditional update from the states the caller saw (never two winners) and its audit event
   * in the same transaction. Refusals audited.
   */
  async step(
    actor: Actor, id: string, action: Action | ((r: RequestRow) => Action), from: RequestStatus[], to: RequestStatus,
    prepare: (tx: Queryable, r: RequestRow) => Promise<{ change: StatusChange; details: Record<string, unknown>; action?: AuditAction; unset?: (keyof StatusChange)[]; to?: RequestStatus }>,
    refusal: AuditAction = AuditAction.REQUEST_STATUS_CHANGED,
    /** the request as the right to act is judged (a claim is judged as if no one had claimed it yet: a late claimant is told CONFLICT) */
    judged?: (r: RequestRow) => RequestRow,
  ): Promise<RequestRow> {
    return this.trail.refusals(actor, { action: refusal, details: { attemptedRequestId: isUuid(id) ? id : null, to } }, () =>
      this.db.scoped(scopeOf(actor), async (tx) => {
        const seen = isUuid(id) ? await this.requests.visible(tx, id) : undefined;
        const r = await this.load(tx, actor, id, seen && typeof action === 'function' ? action(seen) : typeof action === 'function' ? 'read' : action, judged);
        if (!from.includes(r.status as RequestStatus)) throw wrongState(r, to);
        const p = await prepare(tx, r);
        to = p.to ?? to;
        // from exactly the state this caller saw: a concurrent step that moved it first wins, this one is a CONFLICT
        const moved = await this.requests.transition(tx, r.id, [r.status], to, p.change, p.unset);
        if (!moved) throw new DomainError('CONFLICT', 'Someone else moved this request on while you did; reload it to see where it stands.');
        await this.trail.append(tx, actor, {
          action: p.action ?? AuditAction.REQUEST_STATUS_CHANGED, outcome: AuditOutcome.ALLOWED, ...requestEvent(r),
          details: { examinationRequestId: r.id, from: r.status, to, ...p.details },
        });
        return moved;
      }),
    );
  }

  /** A request the caller may `action`; one it may not even read is NOT_FOUND (row-level security hides another agency's too). */
  async load(tx: Queryable, actor: Actor, id: string, action: Action, judged: (r: RequestRow) => RequestRow = (r) => r): Promise<RequestRow> {
    const r = isUuid(id) ? await this.requests.visible(tx, id) : undefined;
    if (!r) throw notFound('request', id);
    // a requester's rules name its tenant, an examiner's the serving tenant: another agency's request neither names is NOT_FOUND
    authorize(actor, abilityOf(actor, this.clock.now()), action, 'Request', judged(r) as unknown as Record<string, unknown> & { id: string; tenantId: string });
    return r;
  }

  /** The request as the caller may see it (audited: REQUEST_VIEWED), with its history from the audit chain. */
  async get(actor: Actor, id: string): Promise<RequestView> {
    return this.trail.refusals(actor, { action: AuditAction.REQUEST_VIEWED, details: { attemptedRequestId: isUuid(id) ? id : null } }, () =>
      this.db.scoped(scopeOf(actor), async (tx) => {
        const r = await this.load(tx, actor, id, 'read');
        const view = await viewOf(tx, actor, r, this.requests, this.crops);
        // the supervisor who accepts chooses the examiner: the serving tenant's analysts whose certification is current
        if (view.side === 'SERVING' && r.status === RequestStatus.SUBMITTED && abilityOf(actor, this.clock.now()).can('assign', { ...r, __caslSubjectType__: 'Request' as const })) {
          const now = this.clock.now();
          view.examinerChoices = (await this.tenants.principals(tx, r.servingTenantId))
            .filter((p) => p.role === Role.AGENCY_ANALYST && !p.disabledAt && !!p.certifiedUntil && p.certifiedUntil > now)
            .map((p) => ({ id: p.id, name: p.name, certifiedUntil: p.certifiedUntil! }));
        }
        await this.trail.append(tx, actor, { action: AuditAction.REQUEST_VIEWED, outcome: AuditOutcome.ALLOWED, ...requestEvent(r), details: { viewedRequestId: r.id, side: view.side } });
        return view;
      }),
    );
  }

  /**
   * Requests the caller may read, newest first: a requester its agency's, a supervisor those its
   * tenant serves (and sends), an analyst those it examines or verifies and those awaiting a verifier.
   */
  async list(actor: Actor, f: { status?: RequestStatus | null; overdue?: boolean | null; assignedToMe?: boolean | null; first?: number; after?: string | null }): Promise<Page<RequestView>> {
    const ability = abilityOf(actor, this.clock.now());
    const page = pageArgs(f.first, f.after);
    const side = traitsOf(actor).requestSide;
    if (!side) throw new DomainError('FORBIDDEN', `Your role ${actor.role} works no requests.`);
    return this.db.scoped(scopeOf(actor), async (tx) => {
      const filter = { tenantId: actor.tenantId, side, status: f.status ?? null, examinerId: f.assignedToMe ? actor.principalId : null, overdue: !!f.overdue, open: OPEN_STATUSES };
      // the ability decides what is readable (one definition); batches are read until the page is full,
      // so a caller who may read few of its tenant's requests still gets whole pages
      const readable: RequestRow[] = [];
      let after = page.after;
      let more = true;
      while (more && readable.length <= page.first) {
        const batch = toPage(await this.requests.list(tx, filter, MAX_PAGE, after), MAX_PAGE);
        readable.push(...batch.nodes.filter((r) => ability.can('read', { ...r, __caslSubjectType__: 'Request' as const })));
        const last = batch.nodes[batch.nodes.length - 1];
        more = batch.hasNextPage;
        after = last ? { createdAt: last.cursorKey, id: last.id } : after;
      }
      const p = toPage(readable, page.first);
      const nodes: RequestView[] = [];
      for (const r of p.nodes) nodes.push(await viewOf(tx, actor, r, this.requests, this.crops, { history: false }));
      return { ...p, hasNextPage: p.hasNextPage || (more && readable.length >= page.first), nodes };
    });
  }

  private async checkPolicy(tx: Queryable, tenantId: string, d: Parameters<typeof checkSearchPolicy>[2], whose: string): Promise<void> {
    const row = await this.policies.get(tx, tenantId);
    const tenant = await this.tenants.byId(tx, tenantId);
    try {
      checkSearchPolicy(resolvePolicy(row?.preset ?? null, row?.rules ?? null), (tenant?.status ?? TenantStatus.SUSPENDED) as TenantStatus, d);
    } catch (e) {
      // the same refusal, saying whose rules refused it
      if (e instanceof DomainError) throw new DomainError(e.code, `${whose}: ${e.message}`, e.details);
      throw e;
    }
  }
}

export const wrongState = (r: RequestRow, to: RequestStatus) =>
  new DomainError('CONFLICT', `This request is ${r.status}; it cannot move to ${to} from there.`, { status: r.status });

function validate(input: NewRequestInput, now: Date): void {
  if (!meaningful(input.caseNumber)) throw new DomainError('BAD_USER_INPUT', 'A request names its case number (caseNumber).');
  if (!meaningful(input.requestingOfficer) || !meaningful(input.approvingSupervisor)) {
    throw new DomainError('BAD_USER_INPUT', 'A request names the requesting officer and the supervisor who approved sending it (requestingOfficer, approvingSupervisor).');
  }
  if (!input.images.length || input.images.length > MAX_PROBES) throw new DomainError('BAD_USER_INPUT', `Send 1 to ${MAX_PROBES} probe photos.`);
  if (input.dueAt && !(input.dueAt > now)) throw new DomainError('BAD_USER_INPUT', 'dueAt must be in the future.');
  if (input.capturedAt && input.capturedAt > now) throw new DomainError('BAD_USER_INPUT', 'capturedAt cannot be in the future.');
}

import type { ScopedDb } from '../../models/db.js';
import { AuditAction, AuditOutcome, LegalBasis } from '../../models/enums.js';
import { ExaminationAgreementRepository, type ExaminationAgreementRow } from '../../models/request.repository.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { abilityOf, authorize } from '../access/ability.js';
import { scopeOf, type Actor } from '../shared/actor.js';
import { DomainError, notFound } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';
import type { Clock } from '../shared/ports.js';
import { refuseAcrossKinds, tenantBySlug } from '../shared/tenants.js';

export interface NewExaminationAgreement {
  /** the tenant whose examiners work the requests */
  servingTenantSlug: string;
  requestingTenantSlug: string;
  legalBases: LegalBasis[];
  expiresAt: Date;
}

/**
 * Examination agreements: a serving tenant agrees to examine another agency's requests for some
 * legal bases until a date. Made and revoked by the operator, audited, like sharing agreements.
 */
export class ExaminationAgreementService {
  constructor(
    private readonly db: ScopedDb,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    private readonly agreements = new ExaminationAgreementRepository(),
  ) {}

  async create(actor: Actor, input: NewExaminationAgreement): Promise<ExaminationAgreementRow> {
    const details = { serving: input.servingTenantSlug, requesting: input.requestingTenantSlug, legalBases: input.legalBases };
    return this.trail.refusals(actor, { action: AuditAction.EXAMINATION_AGREEMENT_CREATED, details }, async () => {
      authorize(actor, abilityOf(actor, this.clock.now()), 'create', 'ExaminationAgreement');
      if (!input.legalBases.length) throw new DomainError('BAD_USER_INPUT', 'Name at least one legal basis the agreement covers.');
      if (!(input.expiresAt > this.clock.now())) throw new DomainError('BAD_USER_INPUT', 'expiresAt must be in the future.');
      return this.db.scoped(scopeOf(actor), async (tx) => {
        const serving = await tenantBySlug(tx, input.servingTenantSlug);
        const requesting = await tenantBySlug(tx, input.requestingTenantSlug);
        if (serving.id === requesting.id) throw new DomainError('BAD_USER_INPUT', 'An agency works its own requests without an agreement; name two different tenants.');
        refuseAcrossKinds(serving, requesting);
        const row = await this.agreements.create(tx, { tenantId: serving.id, requestingTenantId: requesting.id, legalBases: [...new Set(input.legalBases)], expiresAt: input.expiresAt, createdBy: actor.principalId });
        await this.trail.append(tx, actor, {
          action: AuditAction.EXAMINATION_AGREEMENT_CREATED, outcome: AuditOutcome.ALLOWED,
          details: { ...details, agreementId: row.id, legalBases: row.legalBases, expiresAt: row.expiresAt.toISOString() },
        });
        return row;
      });
    });
  }

  /** Takes effect on the next submission: requests already accepted stay with their examiners. */
  async revoke(actor: Actor, id: string): Promise<ExaminationAgreementRow> {
    return this.trail.refusals(actor, { action: AuditAction.EXAMINATION_AGREEMENT_REVOKED, details: { agreementId: id } }, async () => {
      const ability = abilityOf(actor, this.clock.now());
      return this.db.scoped(scopeOf(actor), async (tx) => {
        const row = isUuid(id) ? await this.agreements.byId(tx, id) : undefined;
        if (!row) throw notFound('examination agreement', id);
        authorize(actor, ability, 'revoke', 'ExaminationAgreement', { ...row });
        const revoked = await this.agreements.revoke(tx, id);
        await this.trail.append(tx, actor, { action: AuditAction.EXAMINATION_AGREEMENT_REVOKED, outcome: AuditOutcome.ALLOWED, details: { agreementId: id } });
        return revoked;
      });
    });
  }

  async list(actor: Actor): Promise<ExaminationAgreementRow[]> {
    const ability = abilityOf(actor, this.clock.now());
    return this.db.scoped(scopeOf(actor), async (tx) => {
      const rows = await this.agreements.list(tx, scopeOf(actor).allTenants ? null : actor.tenantId);
      return rows.filter((r) => ability.can('read', { ...r, __caslSubjectType__: 'ExaminationAgreement' as const }));
    });
  }
}

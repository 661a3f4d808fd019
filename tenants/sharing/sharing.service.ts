import type { ScopedDb } from '../../models/db.js';
import { AuditAction, AuditOutcome, LegalBasis } from '../../models/enums.js';
import { GalleryRepository } from '../../models/gallery.repository.js';
import { SharingRepository, type SharingAgreementRow } from '../../models/sharing.repository.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { abilityOf, authorize } from '../access/ability.js';
import { scopeOf, type Actor } from '../shared/actor.js';
import { refuseAcrossKinds, tenantById, tenantBySlug } from '../shared/tenants.js';
import { DomainError, notFound } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';
import type { Clock } from '../shared/ports.js';

export interface NewAgreement {
  galleryId: string;
  /** null or absent: every tenant (e.g. the operator's booking photos for all agencies) */
  granteeTenantSlug?: string | null;
  legalBases: LegalBasis[];
  expiresAt: Date;
}

/** Sharing agreements: a gallery granted to another tenant for some legal bases until a date. */
export class SharingService {
  constructor(
    private readonly db: ScopedDb,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    private readonly agreements = new SharingRepository(),
    private readonly galleries = new GalleryRepository(),
  ) {}

  async create(actor: Actor, input: NewAgreement): Promise<SharingAgreementRow> {
    return this.trail.refusals(actor, { action: AuditAction.SHARING_CREATED, galleries: isUuid(input.galleryId) ? [input.galleryId] : null }, async () => {
      const ability = abilityOf(actor, this.clock.now());
      authorize(actor, ability, 'create', 'SharingAgreement');
      if (!input.legalBases.length) throw new DomainError('BAD_USER_INPUT', 'Name at least one legal basis the gallery is shared for.');
      if (!(input.expiresAt > this.clock.now())) throw new DomainError('BAD_USER_INPUT', 'expiresAt must be in the future.');
      return this.db.scoped(scopeOf(actor), async (tx) => {
        const gallery = isUuid(input.galleryId) ? await this.galleries.visible(tx, input.galleryId) : undefined;
        if (!gallery) throw notFound('gallery', input.galleryId);
        let granteeTenantId: string | null = null;
        const grantee = input.granteeTenantSlug ? await tenantBySlug(tx, input.granteeTenantSlug) : null;
        if (grantee) {
          if (grantee.id === gallery.tenantId) throw new DomainError('BAD_USER_INPUT', 'A tenant already searches its own galleries; share with another tenant.');
          granteeTenantId = grantee.id;
        }
        const owner = await tenantById(tx, gallery.tenantId);
        if (owner) refuseAcrossKinds(owner, grantee);
        const row = await this.agreements.create(tx, {
          tenantId: gallery.tenantId,
          galleryId: gallery.id,
          granteeTenantId,
          legalBases: [...new Set(input.legalBases)],
          expiresAt: input.expiresAt,
          createdBy: actor.principalId,
        });
        await this.trail.append(tx, actor, {
          action: AuditAction.SHARING_CREATED, outcome: AuditOutcome.ALLOWED, galleries: [gallery.id],
          details: { agreementId: row.id, grantee: input.granteeTenantSlug ?? '*', legalBases: row.legalBases, expiresAt: row.expiresAt.toISOString() },
        });
        return row;
      });
    });
  }

  /** Takes effect on the next search: searches read agreements in force at their own start. */
  async revoke(actor: Actor, id: string): Promise<SharingAgreementRow> {
    return this.trail.refusals(actor, { action: AuditAction.SHARING_REVOKED, details: { agreementId: id } }, async () => {
      const ability = abilityOf(actor, this.clock.now());
      return this.db.scoped(scopeOf(actor), async (tx) => {
        const row = isUuid(id) ? await this.agreements.byId(tx, id) : undefined;
        if (!row) throw notFound('sharing agreement', id);
        authorize(actor, ability, 'revoke', 'SharingAgreement', { ...row });
        const revoked = await this.agreements.revoke(tx, id);
        await this.trail.append(tx, actor, { action: AuditAction.SHARING_REVOKED, outcome: AuditOutcome.ALLOWED, galleries: [row.galleryId], details: { agreementId: id } });
        return revoked;
      });
    });
  }

  async list(actor: Actor): Promise<SharingAgreementRow[]> {
    const ability = abilityOf(actor, this.clock.now());
    return this.db.scoped(scopeOf(actor), async (tx) => {
      const rows = await this.agreements.list(tx, scopeOf(actor).allTenants ? null : actor.tenantId);
      return rows.filter((r) => ability.can('read', tagged(r)));
    });
  }
}

const tagged = (r: SharingAgreementRow) => ({ ...r, __caslSubjectType__: 'SharingAgreement' as const });

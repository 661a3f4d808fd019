import { AuditRepository, type AuditEventRow } from '../../models/audit.repository.js';
import type { ScopedDb } from '../../models/db.js';
import { AuditAction, AuditOutcome, Role } from '../../models/enums.js';
import { TenantRepository, type PrincipalPatch, type PrincipalRow } from '../../models/tenant.repository.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { abilityOf, authorize } from '../access/ability.js';
import { isOperatorRole, scopeOf, type Actor } from '../shared/actor.js';
import { DomainError, notFound } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';
import { MAX_PAGE } from '../shared/paging.js';
import type { Clock, Page } from '../shared/ports.js';
import { OPERATOR_SLUG } from './tenant.service.js';

export interface PrincipalUpdate {
  principalId: string;
  name?: string | null;
  role?: Role | null;
  /** null ends the certification; a date renews it (with its evidence) */
  certifiedUntil?: Date | null;
  certificationEvidence?: string | null;
}

const MAX_NAME = 200;
const MAX_EVIDENCE = 500;

/** People over time: a principal's name, role and certification change; what was done to it is its history. */
export class PrincipalService {
  constructor(
    private readonly db: ScopedDb,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    private readonly tenants = new TenantRepository(),
    private readonly audit = new AuditRepository(),
  ) {}

  /**
   * Changes a principal's display name, role or certification, under the rules of createPrincipal
   * (an agency administrator grants agency roles in its own tenant; only the operator's HUB_ADMIN
   * the operator's roles). A renewal names its evidence. Works alike for a principal who signs in
   * through the agency's identity provider. Audited with each change, from and to.
   */
  async update(actor: Actor, input: PrincipalUpdate): Promise<PrincipalRow> {
    const event = { action: AuditAction.PRINCIPAL_UPDATED, details: { principalId: input.principalId, role: input.role ?? null } };
    return this.trail.refusals(actor, event, () =>
      this.db.scoped(scopeOf(actor), async (tx) => {
        const ability = abilityOf(actor, this.clock.now());
        const p = isUuid(input.principalId) ? await this.tenants.principalAnyTenant(tx, input.principalId) : undefined;
        if (!p) throw notFound('principal', input.principalId);
        const tenant = (await this.tenants.byId(tx, p.tenantId))!;
        const role = input.role ?? p.role;
        for (const r of new Set([p.role, role])) {
          authorize(actor, ability, 'update', 'Principal', { ...p, role: r });
        }
        const patch = this.patchOf(input, p);
        if (patch.role !== undefined) {
          if (isOperatorRole(patch.role) && !tenant.isOperator) throw new DomainError('BAD_USER_INPUT', `${patch.role} principals belong to the operator tenant '${OPERATOR_SLUG}' only.`);
          // an administrator who demotes itself may leave the tenant with no one to undo it
          if (p.id === actor.principalId) throw new DomainError('FORBIDDEN', 'You cannot change your own role: another administrator of your tenant (or the hub operator) must.');
        }
        const row = await this.tenants.updatePrincipal(tx, p.id, patch);
        const iso = (d: Date | null) => d?.toISOString() ?? null;
        const changes: Record<string, unknown> = {};
        if (patch.name !== undefined) changes.name = { from: p.name, to: row.name };
        if (patch.role !== undefined) changes.role = { from: p.role, to: row.role };
        if (patch.certifiedUntil !== undefined) changes.certifiedUntil = { from: iso(p.certifiedUntil), to: iso(row.certifiedUntil) };
        if (patch.certificationEvidence !== undefined) changes.certificationEvidence = { to: row.certificationEvidence };
        await this.trail.append(tx, actor, {
          action: AuditAction.PRINCIPAL_UPDATED, outcome: AuditOutcome.ALLOWED,
          details: { principalId: p.id, tenant: tenant.slug, federated: !!p.externalSubject, changes },
        });
        return row;
      }),
    );
  }

  /** The allowed events that name the principal (created, changed, tokens issued for it), newest first; for whoever may read it. Audited. */
  async history(actor: Actor, principalId: string, first = 20, after?: string | null): Promise<Page<AuditEventRow>> {
    return this.trail.refusals(actor, { action: AuditAction.AUDIT_READ, details: { principalHistory: principalId } }, async () => {
      if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw new DomainError('BAD_USER_INPUT', `first must be between 1 and ${MAX_PAGE}, got ${first}.`);
      const before = after ? Number(after) : undefined;
      if (before !== undefined && !(Number.isInteger(before) && before > 0)) throw new DomainError('BAD_USER_INPUT', 'The cursor is not one this API issued; start again without `after`.');
      const p = await this.db.scoped(scopeOf(actor), async (tx) => {
        const found = isUuid(principalId) ? await this.tenants.principalAnyTenant(tx, principalId) : undefined;
        if (!found) throw notFound('principal', principalId);
        authorize(actor, abilityOf(actor, this.clock.now()), 'read', 'Principal', { ...found });
        return found;
      });
      // events about an agency's principal may sit in the operator's part of the chain (a HUB_ADMIN created it): read across tenants, for this principal only
      return this.db.scoped({ tenantId: actor.tenantId, allTenants: true }, async (tx) => {
        const rows = await this.audit.aboutPrincipal(tx, p.id, first, before);
        const nodes = rows.slice(0, first);
        await this.trail.append(tx, actor, { action: AuditAction.AUDIT_READ, outcome: AuditOutcome.ALLOWED, details: { principalHistory: p.id, returned: nodes.length } });
        return { nodes, hasNextPage: rows.length > first, endCursor: nodes.length ? String(nodes[nodes.length - 1].seq) : null };
      });
    });
  }

  private patchOf(input: PrincipalUpdate, p: PrincipalRow): PrincipalPatch {
    const patch: PrincipalPatch = {};
    if (input.name !== undefined && input.name !== null) {
      const name = input.name.trim();
      if (!name || name.length > MAX_NAME) throw new DomainError('BAD_USER_INPUT', `name must be 1-${MAX_NAME} characters.`);
      if (name !== p.name) patch.name = name;
    }
    if (input.role !== undefined && input.role !== null && input.role !== p.role) patch.role = input.role;
    const evidence = input.certificationEvidence?.trim() || null;
    if (input.certifiedUntil !== undefined) {
      if (input.certifiedUntil !== null) {
        if (Number.isNaN(input.certifiedUntil.getTime())) throw new DomainError('BAD_USER_INPUT', 'certifiedUntil is not a valid date.');
        if (input.certifiedUntil <= this.clock.now()) throw new DomainError('BAD_USER_INPUT', 'certifiedUntil must be in the future; to end a certification send certifiedUntil: null.');
        if (!evidence) throw new DomainError('BAD_USER_INPUT', 'A certification renewal names its evidence: send certificationEvidence (e.g. the training record or certificate number).');
      }
      patch.certifiedUntil = input.certifiedUntil;
      patch.certificationEvidence = input.certifiedUntil === null ? null : evidence;
    } else if (evidence) {
      throw new DomainError('BAD_USER_INPUT', 'certificationEvidence goes with the certifiedUntil it supports: send both.');
    }
    if (patch.certificationEvidence && patch.certificationEvidence.length > MAX_EVIDENCE) throw new DomainError('BAD_USER_INPUT', `certificationEvidence is at most ${MAX_EVIDENCE} characters.`);
    if (!Object.keys(patch).length) throw new DomainError('BAD_USER_INPUT', 'Nothing to change: send a new name, role, or certifiedUntil with certificationEvidence.');
    return patch;
  }
}

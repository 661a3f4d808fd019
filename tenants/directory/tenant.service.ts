import { Role } from '../../models/enums.js';
import type { TransactionRunner, Queryable } from '../../models/db.js';
import { TenantRepository, type PrincipalRow, type TenantRow } from '../../models/tenant.repository.js';
import { isHubAdmin, requireRole, type Actor } from '../shared/actor.js';
import { DomainError, notFound } from '../shared/errors.js';

export const OPERATOR_SLUG = 'hub';

export class TenantService {
  constructor(
    private readonly db: Queryable & TransactionRunner,
    private readonly tenants = new TenantRepository(),
  ) {}

  /** The operator tenant, created on the first start of an empty hub. Returns true when it was created. */
  async bootstrap(): Promise<boolean> {
    if (await this.tenants.bySlug(this.db, OPERATOR_SLUG)) return false;
    await this.tenants.create(this.db, { slug: OPERATOR_SLUG, name: 'Hub operator (sheriff’s office)', isOperator: true });
    return true;
  }

  async createTenant(actor: Actor, input: { slug: string; name: string }): Promise<TenantRow> {
    if (!isHubAdmin(actor)) requireRole(actor, [], 'create tenants (HUB_ADMIN of the operator only)');
    if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(input.slug)) {
      throw new DomainError('BAD_USER_INPUT', `slug '${input.slug}' must be 2-63 lowercase letters, digits or hyphens, starting with a letter or digit.`);
    }
    if (!input.name.trim()) throw new DomainError('BAD_USER_INPUT', 'name must not be empty.');
    if (await this.tenants.bySlug(this.db, input.slug)) throw new DomainError('CONFLICT', `A tenant with slug '${input.slug}' already exists.`);
    return this.tenants.create(this.db, { slug: input.slug, name: input.name.trim() });
  }

  async list(actor: Actor): Promise<TenantRow[]> {
    if (isHubAdmin(actor) || actor.role === Role.OVERSIGHT_AUDITOR) return this.tenants.list(this.db);
    return [(await this.tenants.byId(this.db, actor.tenantId))!];
  }

  async get(actor: Actor, id: string): Promise<TenantRow> {
    const t = await this.tenants.byId(this.db, id).catch(() => undefined);
    if (!t || (!isHubAdmin(actor) && actor.role !== Role.OVERSIGHT_AUDITOR && t.id !== actor.tenantId)) throw notFound('tenant', id);
    return t;
  }

  async createPrincipal(actor: Actor, input: { tenantSlug: string; name: string; role: Role; certifiedUntil?: Date | null }): Promise<PrincipalRow> {
    const tenant = await this.tenants.bySlug(this.db, input.tenantSlug);
    const mayAdminister = isHubAdmin(actor) || (actor.role === Role.AGENCY_ADMIN && tenant?.id === actor.tenantId);
    if (!tenant || !mayAdminister) {
      if (!isHubAdmin(actor) && actor.role !== Role.AGENCY_ADMIN) requireRole(actor, [Role.HUB_ADMIN, Role.AGENCY_ADMIN], 'create principals');
      throw new DomainError('NOT_FOUND', `No tenant '${input.tenantSlug}' is visible to you.`);
    }
    if (input.role === Role.HUB_ADMIN && !tenant.isOperator) throw new DomainError('BAD_USER_INPUT', 'HUB_ADMIN principals belong to the operator tenant only.');
    if (input.role === Role.HUB_ADMIN && !isHubAdmin(actor)) requireRole(actor, [Role.HUB_ADMIN], 'create HUB_ADMIN principals');
    if (!input.name.trim()) throw new DomainError('BAD_USER_INPUT', 'name must not be empty.');
    return this.tenants.createPrincipal(this.db, { tenantId: tenant.id, name: input.name.trim(), role: input.role, certifiedUntil: input.certifiedUntil ?? null });
  }

  /** For authentication: the principal a token names, in the tenant it names. */
  async resolvePrincipal(tenantSlug: string, principalId: string | null): Promise<{ tenant: TenantRow; principal: PrincipalRow | null } | undefined> {
    const tenant = await this.tenants.bySlug(this.db, tenantSlug);
    if (!tenant) return undefined;
    if (!principalId) return { tenant, principal: null };
    if (!/^[0-9a-f-]{36}$/i.test(principalId)) return undefined;
    const principal = await this.tenants.principal(this.db, tenant.id, principalId);
    return principal ? { tenant, principal } : undefined;
  }
}

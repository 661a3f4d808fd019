import type { ScopedDb, Queryable } from '../../models/db.js';
import { AuditAction, AuditOutcome, Role, TenantStatus } from '../../models/enums.js';
import { TenantRepository, type IssuerRow, type PrincipalRow, type TenantRow } from '../../models/tenant.repository.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { abilityOf, authorize } from '../access/ability.js';
import type { PolicyService } from '../legal-basis/policy.service.js';
import { DEFAULT_PRESET } from '../legal-basis/presets.js';
import type { QuotaService } from '../quotas/quota.service.js';
import { isOperatorRole, scopeOf, type Actor } from '../shared/actor.js';
import { tenantBySlug } from '../shared/tenants.js';
import { DomainError, notFound } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';
import { remoteUrlProblem } from '../shared/urls.js';
import type { Clock, TokenIssuer } from '../shared/ports.js';

export const OPERATOR_SLUG = 'hub';

export interface NewTenant {
  slug: string;
  name: string;
  /** a jurisdiction preset (default MN_DEFAULT) */
  policyPreset?: string | null;
  /** searches per month (default: the hub's configured default) */
  monthlyQuota?: number | null;
  /** an independent tester's sandbox (default false): apart from every real gallery, for good */
  sandbox?: boolean | null;
}

/** Tenants and principals: the directory, and the identities tokens speak for. */
export class TenantService {
  constructor(
    private readonly db: ScopedDb,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    private readonly policies: PolicyService,
    private readonly quotas: QuotaService,
    private readonly defaults: { monthlyQuota: number },
    private readonly tokens?: TokenIssuer,
    private readonly tenants = new TenantRepository(),
  ) {}

  /** The operator tenant, created on the first start of an empty hub. Returns true when it was created. */
  async bootstrap(): Promise<boolean> {
    if (await this.tenants.bySlug(this.db.owner('the first start looks for the operator tenant before any tenant exists'), OPERATOR_SLUG)) return false;
    await this.db.scoped({ tenantId: null, allTenants: true }, async (tx) => {
      const t = await this.tenants.create(tx, { slug: OPERATOR_SLUG, name: 'Hub operator (sheriff’s office)', isOperator: true });
      await this.policies.assign(tx, t.id, DEFAULT_PRESET);
      await this.quotas.assign(tx, t.id, this.defaults.monthlyQuota);
      await this.trail.append(tx, null, { action: AuditAction.TENANT_CREATED, outcome: AuditOutcome.ALLOWED, tenantId: t.id, details: { slug: t.slug, bootstrap: true } });
    });
    return true;
  }

  /** A new tenant always gets an explicit policy preset and quota, visible and changeable. */
  async createTenant(actor: Actor, input: NewTenant): Promise<TenantRow> {
    return this.trail.refusals(actor, { action: AuditAction.TENANT_CREATED, details: { slug: input.slug } }, async () => {
      authorize(actor, abilityOf(actor, this.clock.now()), 'create', 'Tenant');
      if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(input.slug)) {
        throw new DomainError('BAD_USER_INPUT', `slug '${input.slug}' must be 2-63 lowercase letters, digits or hyphens, starting with a letter or digit.`);
      }
      if (!input.name.trim()) throw new DomainError('BAD_USER_INPUT', 'name must not be empty.');
      const quota = input.monthlyQuota ?? this.defaults.monthlyQuota;
      if (!Number.isInteger(quota) || quota < 0) throw new DomainError('BAD_USER_INPUT', `monthlyQuota must be a whole number >= 0, got ${quota}.`);
      return this.db.scoped(scopeOf(actor), async (tx) => {
        if (await this.tenants.bySlug(tx, input.slug)) throw new DomainError('CONFLICT', `A tenant with slug '${input.slug}' already exists.`);
        const t = await this.tenants.create(tx, { slug: input.slug, name: input.name.trim(), sandbox: input.sandbox === true });
        const preset = input.policyPreset ?? DEFAULT_PRESET;
        await this.policies.assign(tx, t.id, preset);
        await this.quotas.assign(tx, t.id, quota);
        await this.trail.append(tx, actor, { action: AuditAction.TENANT_CREATED, outcome: AuditOutcome.ALLOWED, details: { slug: t.slug, tenantId: t.id, preset, monthlyQuota: quota, ...(t.sandbox ? { sandbox: true } : {}) } });
        return t;
      });
    });
  }

  /** Suspends or reinstates a tenant: a suspended tenant's searches are denied (TENANT_SUSPENDED). */
  async setStatus(actor: Actor, slug: string, status: TenantStatus): Promise<TenantRow> {
    return this.trail.refusals(actor, { action: AuditAction.TENANT_STATUS_SET, details: { slug, status } }, () =>
      this.db.scoped(scopeOf(actor), async (tx) => {
        const t = await tenantBySlug(tx, slug);
        authorize(actor, abilityOf(actor, this.clock.now()), 'update', 'Tenant', { ...t, tenantId: t.id });
        if (t.isOperator && status === TenantStatus.SUSPENDED) throw new DomainError('BAD_USER_INPUT', 'The operator tenant cannot be suspended.');
        const row = await this.tenants.setStatus(tx, t.id, status);
        await this.trail.append(tx, actor, { action: AuditAction.TENANT_STATUS_SET, outcome: AuditOutcome.ALLOWED, details: { slug, from: t.status, to: status } });
        return row;
      }),
    );
  }

  async list(actor: Actor): Promise<TenantRow[]> {
    const ability = abilityOf(actor, this.clock.now());
    const rows = await this.db.scoped(scopeOf(actor), (tx) => this.tenants.list(tx));
    return rows.filter((t) => ability.can('read', { ...t, __caslSubjectType__: 'Tenant' }));
  }

  async get(actor: Actor, id: string): Promise<TenantRow> {
    const ability = abilityOf(actor, this.clock.now());
    const t = isUuid(id) ? await this.db.scoped(scopeOf(actor), (tx) => this.tenants.byId(tx, id)) : undefined;
    if (!t) throw notFound('tenant', id);
    authorize(actor, ability, 'read', 'Tenant', { ...t, tenantId: t.id });
    return t;
  }

  /** A tenant's principals (the caller's own tenant when no slug is given), for whoever may read them. */
  async principals(actor: Actor, tenantSlug?: string | null): Promise<PrincipalRow[]> {
    return this.db.scoped(scopeOf(actor), async (tx) => {
      const t = await this.readablePrincipalsOf(actor, tx, tenantSlug);
      return this.tenants.principals(tx, t.id);
    });
  }

  /**
   * The identity provider a tenant trusts (null: none), for whoever may read its principals: the
   * issuer says which of them its tokens speak for.
   */
  async issuerOf(actor: Actor, tenantSlug?: string | null): Promise<IssuerRow | null> {
    return this.db.scoped(scopeOf(actor), async (tx) => {
      const t = await this.readablePrincipalsOf(actor, tx, tenantSlug);
      return (await this.tenants.issuerOf(tx, t.id)) ?? null;
    });
  }

  private async readablePrincipalsOf(actor: Actor, tx: Queryable, tenantSlug?: string | null): Promise<TenantRow> {
    const t = tenantSlug ? await tenantBySlug(tx, tenantSlug) : await this.tenants.byId(tx, actor.tenantId);
    if (!t) throw new DomainError('NOT_FOUND', 'Your tenant is not visible to you.');
    authorize(actor, abilityOf(actor, this.clock.now()), 'read', 'Principal', { id: t.slug, tenantId: t.id });
    return t;
  }

  async createPrincipal(actor: Actor, input: { tenantSlug: string; name: string; role: Role; certifiedUntil?: Date | null; externalSubject?: string | null }): Promise<PrincipalRow> {
    return this.trail.refusals(actor, { action: AuditAction.PRINCIPAL_CREATED, details: { tenantSlug: input.tenantSlug, role: input.role } }, () =>
      this.db.scoped(scopeOf(actor), async (tx) => {
        const ability = abilityOf(actor, this.clock.now());
        const tenant = await tenantBySlug(tx, input.tenantSlug);
        authorize(actor, ability, 'create', 'Principal', { id: input.tenantSlug, tenantId: tenant.id, role: input.role });
        if (isOperatorRole(input.role) && !tenant.isOperator) throw new DomainError('BAD_USER_INPUT', `${input.role} principals belong to the operator tenant '${OPERATOR_SLUG}' only.`);
        if (!input.name.trim()) throw new DomainError('BAD_USER_INPUT', 'name must not be empty.');
        const externalSubject = input.externalSubject?.trim() || null;
        if (externalSubject && (await this.tenants.principalByExternalSubject(tx, tenant.id, externalSubject))) {
          throw new DomainError('CONFLICT', `A principal of '${tenant.slug}' already has the external subject '${externalSubject}'.`);
        }
        const p = await this.tenants.createPrincipal(tx, { tenantId: tenant.id, name: input.name.trim(), role: input.role, certifiedUntil: input.certifiedUntil ?? null, externalSubject });
        await this.trail.append(tx, actor, {
          action: AuditAction.PRINCIPAL_CREATED, outcome: AuditOutcome.ALLOWED,
          details: { principalId: p.id, tenant: tenant.slug, role: p.role, certifiedUntil: p.certifiedUntil?.toISOString() ?? null },
        });
        return p;
      }),
    );
  }

  /** Mints a hub token for a principal of a tenant the caller administers; audited (the token itself is not stored). */
  async issueToken(actor: Actor, principalId: string, ttlMinutes = 720): Promise<{ token: string; expiresAt: Date }> {
    return this.trail.refusals(actor, { action: AuditAction.TOKEN_ISSUED, details: { principalId } }, async () => {
      if (!this.tokens) throw new DomainError('FORBIDDEN', 'This hub issues no tokens through the API.');
      if (!Number.isInteger(ttlMinutes) || ttlMinutes < 1 || ttlMinutes * 60 > MAX_TOKEN_SECONDS) throw new DomainError('BAD_USER_INPUT', 'ttlMinutes must be from 1 to 10080 (a week).');
      return this.db.scoped(scopeOf(actor), async (tx) => {
        const p = isUuid(principalId) ? await this.tenants.principalAnyTenant(tx, principalId) : undefined;
        if (!p) throw notFound('principal', principalId);
        authorize(actor, abilityOf(actor, this.clock.now()), 'create', 'Principal', { ...p });
        const tenant = (await this.tenants.byId(tx, p.tenantId))!;
        const issued = await this.tokens!.issue({ tenantSlug: tenant.slug, principalId: p.id, ttlSeconds: ttlMinutes * 60 });
        await this.trail.append(tx, actor, { action: AuditAction.TOKEN_ISSUED, outcome: AuditOutcome.ALLOWED, details: { principalId: p.id, tenant: tenant.slug, expiresAt: issued.expiresAt.toISOString() } });
        return issued;
      });
    });
  }

  /**
   * Trusts a tenant's own identity provider (HUB_ADMIN): tokens from `issuer`, verified against its
   * JWKS, speak for the tenant's principal whose externalSubject equals the `subjectClaim` claim.
   */
  async setIssuer(actor: Actor, input: { tenantSlug: string; issuer: string; jwksUrl: string; audience?: string | null; subjectClaim?: string | null; clientId?: string | null }): Promise<IssuerRow> {
    return this.trail.refusals(actor, { action: AuditAction.ISSUER_SET, details: { tenantSlug: input.tenantSlug, issuer: input.issuer } }, () =>
      this.db.scoped(scopeOf(actor), async (tx) => {
        const t = await tenantBySlug(tx, input.tenantSlug);
        authorize(actor, abilityOf(actor, this.clock.now()), 'update', 'Tenant', { ...t, tenantId: t.id });
        const issuer = input.issuer.trim();
        if (!issuer || issuer === HUB_TOKEN_ISSUER) throw new DomainError('BAD_USER_INPUT', `issuer must name the agency's identity provider (not '${HUB_TOKEN_ISSUER}').`);
        validateJwksUrl(input.jwksUrl);
        // with a client id the hub fetches the issuer's discovery document: the same rule as for the JWKS
        const issuerProblem = input.clientId?.trim() ? remoteUrlProblem(issuer) : undefined;
        if (issuerProblem) throw new DomainError('BAD_USER_INPUT', `issuer '${issuer}' ${issuerProblem}: the console's sign-in reads its discovery document there.`);
        const other = await this.tenants.issuerByName(tx, issuer);
        if (other && other.tenantId !== t.id) throw new DomainError('CONFLICT', `Another tenant already trusts the issuer '${issuer}'.`);
        const row = await this.tenants.setIssuer(tx, { tenantId: t.id, issuer, jwksUrl: input.jwksUrl, audience: input.audience?.trim() || null, subjectClaim: input.subjectClaim?.trim() || 'sub', clientId: input.clientId?.trim() || null });
        await this.trail.append(tx, actor, { action: AuditAction.ISSUER_SET, outcome: AuditOutcome.ALLOWED, details: { tenant: t.slug, issuer, jwksUrl: input.jwksUrl, audience: row.audience, clientId: row.clientId } });
        return row;
      }),
    );
  }

  /** Audits tokens minted outside the API (`frhub token`), one event each, in the tenant they name. */
  async auditIssuedTokens(tokens: { issuedAt: string; tenant: string; role: string | null; subject: string | null; expiresAt: string; tokenSha256: string }[]): Promise<void> {
    if (!tokens.length) return;
    await this.db.scoped({ tenantId: null, allTenants: true }, async (tx) => {
      for (const t of tokens) {
        const tenant = await this.tenants.bySlug(tx, t.tenant);
        await this.trail.append(tx, null, {
          action: AuditAction.TOKEN_ISSUED, outcome: AuditOutcome.ALLOWED, tenantId: tenant?.id ?? null, principalId: t.subject && isUuid(t.subject) ? t.subject : null,
          actorRole: t.role, details: { via: 'cli', tenant: t.tenant, issuedAt: t.issuedAt, expiresAt: t.expiresAt, tokenSha256: t.tokenSha256 },
        });
      }
    });
  }

  /** For authentication: the trusted issuer of that name, if a tenant has one. */
  async issuer(issuer: string): Promise<IssuerRow | undefined> {
    return this.tenants.issuerByName(this.db.owner('sign-in finds the tenant a token names before any tenant scope exists'), issuer);
  }

  /** For the console's sign-in: the identity provider of the tenant with that slug, when it has one. */
  async issuerOfTenant(tenantSlug: string): Promise<{ tenant: TenantRow; issuer: IssuerRow } | undefined> {
    const owner = this.db.owner('sign-in finds the tenant a token names before any tenant scope exists');
    const tenant = await this.tenants.bySlug(owner, tenantSlug);
    const issuer = tenant && (await this.tenants.issuerOf(owner, tenant.id));
    return tenant && issuer ? { tenant, issuer } : undefined;
  }

  /**
   * For the console's sign-in with an agency's identity provider: a hub token for the principal the
   * verified identity maps to, lasting `ttlSeconds`; audited as a token issued (via oidc), never stored.
   */
  async federatedSession(issuer: IssuerRow, subject: string, ttlSeconds: number): Promise<{ token: string; expiresAt: Date; tenant: TenantRow; principal: PrincipalRow } | undefined> {
    if (!this.tokens) throw new DomainError('FORBIDDEN', 'This hub issues no tokens.');
    const found = await this.resolveFederated(issuer, subject);
    if (!found) return undefined;
    const issued = await this.tokens.issue({ tenantSlug: found.tenant.slug, principalId: found.principal.id, ttlSeconds });
    await this.db.scoped({ tenantId: found.tenant.id }, (tx) =>
      this.trail.append(tx, null, {
        action: AuditAction.TOKEN_ISSUED, outcome: AuditOutcome.ALLOWED, tenantId: found.tenant.id, principalId: found.principal.id, actorRole: found.principal.role,
        details: { via: 'oidc', tenant: found.tenant.slug, issuer: issuer.issuer, expiresAt: issued.expiresAt.toISOString() },
      }),
    );
    return { ...issued, ...found };
  }

  /** For authentication: the tenant that trusts the issuer, and its principal with that external subject. */
  async resolveFederated(issuer: IssuerRow, subject: string): Promise<{ tenant: TenantRow; principal: PrincipalRow } | undefined> {
    const tenant = await this.tenants.byId(this.db.owner('sign-in finds the tenant a token names before any tenant scope exists'), issuer.tenantId);
    if (!tenant) return undefined;
    const principal = await this.db.scoped({ tenantId: tenant.id }, (tx) => this.tenants.principalByExternalSubject(tx, tenant.id, subject));
    return principal ? { tenant, principal } : undefined;
  }

  /** For authentication: the principal a token names, in the tenant it names. */
  async resolvePrincipal(tenantSlug: string, principalId: string | null): Promise<{ tenant: TenantRow; principal: PrincipalRow | null } | undefined> {
    const tenant = await this.tenants.bySlug(this.db.owner('sign-in finds the tenant a token names before any tenant scope exists'), tenantSlug);
    if (!tenant) return undefined;
    if (!principalId) return { tenant, principal: null };
    if (!isUuid(principalId)) return undefined;
    const principal = await this.db.scoped({ tenantId: tenant.id }, (tx) => this.tenants.principal(tx, tenant.id, principalId));
    return principal ? { tenant, principal } : undefined;
  }
}

/** The longest a hub token issued through the API may last (a week); no console session outlasts it. */
export const MAX_TOKEN_SECONDS = 7 * 24 * 3600;

/** The issuer name of the hub's own tokens, which no agency may claim. */
export const HUB_TOKEN_ISSUER = 'frhub';

function validateJwksUrl(raw: string): void {
  const problem = remoteUrlProblem(raw);
  if (problem) throw new DomainError('BAD_USER_INPUT', `jwksUrl '${raw}' ${problem}.`);
}

import type { ScopedDb, Queryable } from '../../models/db.js';
import { AuditAction, AuditOutcome, QuotaPeriod } from '../../models/enums.js';
import { QuotaRepository, type QuotaRow } from '../../models/quota.repository.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { abilityOf, authorize } from '../access/ability.js';
import { scopeOf, type Actor } from '../shared/actor.js';
import { tenantBySlug } from '../shared/tenants.js';
import { DomainError } from '../shared/errors.js';
import type { Clock } from '../shared/ports.js';

/** Per-tenant search quotas per month (and optionally per day), spent atomically with each search. */
export class QuotaService {
  constructor(
    private readonly db: ScopedDb,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    private readonly quotas = new QuotaRepository(),
  ) {}

  async status(actor: Actor, tenantSlug?: string | null): Promise<{ tenantSlug: string; periods: QuotaRow[] }> {
    const ability = abilityOf(actor, this.clock.now());
    return this.db.scoped(scopeOf(actor), async (tx) => {
      const tenant = await tenantBySlug(tx, tenantSlug ?? actor.tenantSlug);
      authorize(actor, ability, 'read', 'Quota', { id: tenant.slug, tenantId: tenant.id });
      return { tenantSlug: tenant.slug, periods: await this.quotas.status(tx, tenant.id) };
    });
  }

  async set(actor: Actor, input: { tenantSlug: string; period: QuotaPeriod; limit: number }): Promise<{ tenantSlug: string; periods: QuotaRow[] }> {
    return this.trail.refusals(actor, { action: AuditAction.QUOTA_SET, details: { ...input } }, async () => {
      const ability = abilityOf(actor, this.clock.now());
      if (!Number.isInteger(input.limit) || input.limit < 0 || input.limit > 10_000_000) throw new DomainError('BAD_USER_INPUT', `limit must be a whole number from 0 to 10000000, got ${input.limit}.`);
      return this.db.scoped(scopeOf(actor), async (tx) => {
        const tenant = await tenantBySlug(tx, input.tenantSlug);
        authorize(actor, ability, 'update', 'Quota', { id: tenant.slug, tenantId: tenant.id });
        await this.quotas.set(tx, tenant.id, input.period, input.limit);
        await this.trail.append(tx, actor, { action: AuditAction.QUOTA_SET, outcome: AuditOutcome.ALLOWED, details: { tenant: tenant.slug, period: input.period, limit: input.limit } });
        return { tenantSlug: tenant.slug, periods: await this.quotas.status(tx, tenant.id) };
      });
    });
  }

  /** At tenant creation: the default monthly quota, explicitly. */
  async assign(tx: Queryable, tenantId: string, monthlyLimit: number): Promise<void> {
    await this.quotas.set(tx, tenantId, QuotaPeriod.MONTH, monthlyLimit);
  }

  /** Spends one search in the caller's transaction, or throws QUOTA_EXCEEDED (the caller's rollback undoes any partial spend). */
  async spend(tx: Queryable, tenantId: string): Promise<void> {
    const { exhausted } = await this.quotas.consume(tx, tenantId);
    if (exhausted.length) throw quotaExceeded(exhausted);
  }
}

/** Throws QUOTA_EXCEEDED naming the used-up periods; no quota at all is no room (never an implicit allow). */
export function checkRoom(periods: { period: string; used: number; limit: number }[]): void {
  if (!periods.length) throw quotaExceeded([QuotaPeriod.MONTH]);
  const full = periods.filter((p) => p.used >= p.limit).map((p) => p.period);
  if (full.length) throw quotaExceeded(full);
}

export const quotaExceeded = (periods: string[]) =>
  new DomainError('QUOTA_EXCEEDED', `Your agency has used its ${periods.map((p) => (p === QuotaPeriod.DAY ? 'daily' : 'monthly')).join(' and ')} search quota; it resets at the start of the next period, or the hub operator can raise it (see the quota query).`);

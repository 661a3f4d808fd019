import type { ScopedDb, Queryable } from '../../models/db.js';
import { AuditAction, AuditOutcome, LegalBasis, OffenseLevel, QualityFloorAction } from '../../models/enums.js';
import { PolicyRepository } from '../../models/policy.repository.js';
import type { TenantRow } from '../../models/tenant.repository.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { scopeOf, type Actor } from '../shared/actor.js';
import { tenantBySlug } from '../shared/tenants.js';
import { DomainError } from '../shared/errors.js';
import type { Clock } from '../shared/ports.js';
import { abilityOf, authorize } from '../access/ability.js';
import { EXIGENT_BASES, LEGAL_BASIS_CATALOG, MAX_IDLE_MINUTES, MAX_LIFETIME_HOURS, SESSION_DEFAULTS, type QualityFloors, type TenantPolicy } from './legal-basis.js';
import { DEFAULT_PRESET, presetById, PRESETS, type PolicyPreset } from './presets.js';

export interface EffectivePolicy extends TenantPolicy {
  tenantId: string;
  preset: string;
  updatedAt: Date | null;
}

export type PolicyOverrides = Partial<TenantPolicy>;

const BASES = new Set<string>(Object.values(LegalBasis));

/** Tenants' legal-basis policies: a preset plus overrides, set by HUB_ADMIN, read on every search. */
export class PolicyService {
  constructor(
    private readonly db: ScopedDb,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    private readonly policies = new PolicyRepository(),
  ) {}

  presets(): PolicyPreset[] {
    return PRESETS;
  }

  /** The legal bases a search may name, what each is for, and which are exigent. */
  legalBases(): { basis: LegalBasis; description: string; exigent: boolean }[] {
    return Object.values(LegalBasis).map((basis) => ({ basis, description: LEGAL_BASIS_CATALOG[basis], exigent: EXIGENT_BASES.includes(basis) }));
  }

  /** The policy in force for a tenant, inside the caller's transaction. */
  async effective(tx: Queryable, tenantId: string): Promise<EffectivePolicy> {
    const row = await this.policies.get(tx, tenantId);
    return { tenantId, updatedAt: row?.updatedAt ?? null, ...resolvePolicy(row?.preset ?? null, row?.rules ?? null) };
  }

  async get(actor: Actor, tenantSlug: string): Promise<EffectivePolicy> {
    const ability = abilityOf(actor, this.clock.now());
    return this.db.scoped(scopeOf(actor), async (tx) => {
      const tenant = await this.tenantVisible(tx, actor, tenantSlug);
      authorize(actor, ability, 'read', 'Policy', { id: tenant.id, tenantId: tenant.id });
      return this.effective(tx, tenant.id);
    });
  }

  /** Replaces a tenant's policy with a preset plus overrides (HUB_ADMIN); audited with the before and after. */
  async set(actor: Actor, input: { tenantSlug: string; preset?: string | null; overrides: PolicyOverrides }): Promise<EffectivePolicy> {
    return this.trail.refusals(actor, { action: AuditAction.POLICY_SET, details: { tenantSlug: input.tenantSlug } }, async () => {
      const ability = abilityOf(actor, this.clock.now());
      validateOverrides(input.overrides);
      return this.db.scoped(scopeOf(actor), async (tx) => {
        const tenant = await this.tenantVisible(tx, actor, input.tenantSlug);
        authorize(actor, ability, 'update', 'Policy', { id: tenant.id, tenantId: tenant.id });
        const before = await this.effective(tx, tenant.id);
        const preset = input.preset ?? before.preset;
        if (!presetById(preset)) throw new DomainError('BAD_USER_INPUT', `Unknown policy preset '${preset}'; one of ${PRESETS.map((p) => p.id).join(', ')}.`);
        const overrides = Object.fromEntries(Object.entries(input.overrides).filter(([, v]) => v !== undefined && v !== null));
        await this.policies.set(tx, tenant.id, preset, overrides);
        const after = await this.effective(tx, tenant.id);
        await this.trail.append(tx, actor, { action: AuditAction.POLICY_SET, outcome: AuditOutcome.ALLOWED, details: { tenant: tenant.slug, before: strip(before), after: strip(after) } });
        return after;
      });
    });
  }

  /** At tenant creation: the chosen preset, explicitly (never an implicit allow). */
  async assign(tx: Queryable, tenantId: string, preset = DEFAULT_PRESET): Promise<void> {
    if (!presetById(preset)) throw new DomainError('BAD_USER_INPUT', `Unknown policy preset '${preset}'; one of ${PRESETS.map((p) => p.id).join(', ')}.`);
    await this.policies.set(tx, tenantId, preset, {});
  }

  private async tenantVisible(tx: Queryable, actor: Actor, slug: string): Promise<TenantRow> {
    const tenant = await tenantBySlug(tx, slug);
    if (tenant.id !== actor.tenantId && !scopeOf(actor).allTenants) throw new DomainError('NOT_FOUND', `No tenant '${slug}' is visible to you.`);
    return tenant;
  }
}

/** A preset with its overrides; deny by default: no policy row, or an unknown preset, permits nothing. */
export function resolvePolicy(preset: string | null, rules: Record<string, unknown> | null): TenantPolicy & { preset: string } {
  if (!preset) return { preset: 'NONE', blindVerificationScores: true, ...NO_POLICY };
  return { preset, blindVerificationScores: true, ...(presetById(preset)?.policy ?? NO_POLICY), ...((rules ?? {}) as PolicyOverrides) };
}

const NO_POLICY: TenantPolicy = {
  allowedBases: [],
  offenseRequiredFor: [],
  offenseThreshold: OffenseLevel.VIOLENT_FELONY,
  warrantRequiredFor: [],
  caseNumberRequiredFor: Object.values(LegalBasis),
  narrativeRequiredFor: [],
  exigentApprovalHours: 48,
  retentionDays: 365,
  ...SESSION_DEFAULTS,
};

const strip = ({ tenantId: _t, updatedAt: _u, ...p }: EffectivePolicy) => p;

function validateOverrides(o: PolicyOverrides): void {
  for (const key of ['allowedBases', 'offenseRequiredFor', 'warrantRequiredFor', 'caseNumberRequiredFor', 'narrativeRequiredFor'] as const) {
    const v = o[key];
    if (v && v.some((b) => !BASES.has(b))) throw new DomainError('BAD_USER_INPUT', `${key} holds an unknown legal basis.`);
  }
  if (o.exigentApprovalHours != null && !(Number.isInteger(o.exigentApprovalHours) && o.exigentApprovalHours >= 1 && o.exigentApprovalHours <= 720)) {
    throw new DomainError('BAD_USER_INPUT', 'exigentApprovalHours must be a whole number of hours from 1 to 720.');
  }
  if (o.retentionDays != null && !(Number.isInteger(o.retentionDays) && o.retentionDays >= 1 && o.retentionDays <= 36500)) {
    throw new DomainError('BAD_USER_INPUT', 'retentionDays must be a whole number of days from 1 to 36500.');
  }
  if (o.sessionIdleMinutes != null && !(Number.isInteger(o.sessionIdleMinutes) && o.sessionIdleMinutes >= 1 && o.sessionIdleMinutes <= MAX_IDLE_MINUTES)) {
    throw new DomainError('BAD_USER_INPUT', `sessionIdleMinutes must be a whole number of minutes from 1 to ${MAX_IDLE_MINUTES} (CJIS Security Policy 5.5.5).`);
  }
  if (o.qualityFloors != null) validateFloors(o.qualityFloors);
  if (o.sessionLifetimeHours != null && !(Number.isInteger(o.sessionLifetimeHours) && o.sessionLifetimeHours >= 1 && o.sessionLifetimeHours <= MAX_LIFETIME_HOURS)) {
    throw new DomainError('BAD_USER_INPUT', `sessionLifetimeHours must be a whole number of hours from 1 to ${MAX_LIFETIME_HOURS}.`);
  }
}

/** Floors within what each component can measure, each a number where given. */
function validateFloors(f: QualityFloors): void {
  if (!Object.values(QualityFloorAction).includes(f.action)) throw new DomainError('BAD_USER_INPUT', 'qualityFloors.action must be REFUSE or WARN.');
  const range: Record<string, [number, number]> = {
    minInterEyePx: [0, 10_000], maxYawDeg: [0, 90], maxPitchDeg: [0, 90], minSharpness: [0, 1e6], minExposure: [0, 1], maxExposure: [0, 1], minInFrame: [0, 1],
  };
  for (const [k, [lo, hi]] of Object.entries(range)) {
    const v = (f as unknown as Record<string, unknown>)[k];
    if (v != null && !(typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi)) throw new DomainError('BAD_USER_INPUT', `qualityFloors.${k} must be a number from ${lo} to ${hi}.`);
  }
  if (f.minExposure != null && f.maxExposure != null && f.minExposure > f.maxExposure) throw new DomainError('BAD_USER_INPUT', 'qualityFloors.minExposure is above maxExposure: no photo could pass.');
}

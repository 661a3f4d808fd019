import { Arg, Ctx, Field, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { actorOf, type GraphQLContext } from './context.js';
import { Float } from 'type-graphql';
import { LegalBasis, OffenseLevel, QualityFloorAction, QuotaPeriod } from './enums.js';

const FLOORS = {
  minInterEyePx: 'pixels between the eyes, at least',
  maxYawDeg: 'head turned left or right, degrees, at most',
  maxPitchDeg: 'head tilted up or down, degrees, at most (an estimate)',
  minSharpness: 'sharpness (variance of the Laplacian of the aligned face), at least',
  minExposure: 'brightness of the face (0-1), at least',
  maxExposure: 'brightness of the face (0-1), at most',
  minInFrame: 'share of the face inside the photo (0-1), at least',
};

@ObjectType({ description: 'Floors on a probe’s quality components (QualityComponents), each optional, and what a search does when the probe falls short.' })
@InputType('QualityFloorsInput')
export class QualityFloors {
  @Field(() => QualityFloorAction) action!: QualityFloorAction;
  @Field(() => Float, { nullable: true, description: FLOORS.minInterEyePx }) minInterEyePx?: number | null;
  @Field(() => Float, { nullable: true, description: FLOORS.maxYawDeg }) maxYawDeg?: number | null;
  @Field(() => Float, { nullable: true, description: FLOORS.maxPitchDeg }) maxPitchDeg?: number | null;
  @Field(() => Float, { nullable: true, description: FLOORS.minSharpness }) minSharpness?: number | null;
  @Field(() => Float, { nullable: true, description: FLOORS.minExposure }) minExposure?: number | null;
  @Field(() => Float, { nullable: true, description: FLOORS.maxExposure }) maxExposure?: number | null;
  @Field(() => Float, { nullable: true, description: FLOORS.minInFrame }) minInFrame?: number | null;
}


@ObjectType({ description: 'A tenant’s rules over legal bases: a jurisdiction preset plus the operator’s overrides.' })
export class TenantPolicy {
  @Field() preset!: string;
  @Field(() => [LegalBasis]) allowedBases!: LegalBasis[];
  @Field(() => [LegalBasis], { description: 'bases that must name an offense at or above offenseThreshold' }) offenseRequiredFor!: LegalBasis[];
  @Field(() => OffenseLevel) offenseThreshold!: OffenseLevel;
  @Field(() => [LegalBasis]) warrantRequiredFor!: LegalBasis[];
  @Field(() => [LegalBasis]) caseNumberRequiredFor!: LegalBasis[];
  @Field(() => [LegalBasis]) narrativeRequiredFor!: LegalBasis[];
  @Field(() => Int) exigentApprovalHours!: number;
  @Field(() => Int) retentionDays!: number;
  @Field({ description: 'console sign-in must come from the agency’s identity provider asserting multi-factor authentication (amr/acr); pasted hub tokens open no console session' }) requireMfa!: boolean;
  @Field(() => Int, { description: 'a console session with no request for this many minutes ends (1-30)' }) sessionIdleMinutes!: number;
  @Field(() => Int, { description: 'a console session ends this many hours after it opened (1-24)' }) sessionLifetimeHours!: number;
  @Field({ description: 'a request’s blind verifier sees the candidates without their scores (default true)' }) blindVerificationScores?: boolean;
  @Field(() => QualityFloors, { nullable: true, description: 'floors on a probe’s quality components; null: none' }) qualityFloors?: QualityFloors | null;
  @Field(() => Date, { nullable: true }) updatedAt!: Date | null;
}

@ObjectType({ description: 'A jurisdiction preset, with the sources of its rules.' })
export class PolicyPreset {
  @Field() id!: string;
  @Field() name!: string;
  @Field(() => TenantPolicy) policy!: TenantPolicy;
  @Field(() => [String]) sources!: string[];
}

@ObjectType({ description: 'A legal basis a search may name, from the catalog (docs/policy-notes.md).' })
export class LegalBasisInfo {
  @Field(() => LegalBasis) basis!: LegalBasis;
  @Field() description!: string;
  @Field({ description: 'allowed at once; a supervisor approves it after the fact' }) exigent!: boolean;
}

@InputType()
export class SetTenantPolicyInput {
  @Field() tenantSlug!: string;
  @Field(() => String, { nullable: true, description: 'start from this preset (default: the tenant’s current one); the fields below override it' }) preset?: string | null;
  @Field(() => [LegalBasis], { nullable: true }) allowedBases?: LegalBasis[] | null;
  @Field(() => [LegalBasis], { nullable: true }) offenseRequiredFor?: LegalBasis[] | null;
  @Field(() => OffenseLevel, { nullable: true }) offenseThreshold?: OffenseLevel | null;
  @Field(() => [LegalBasis], { nullable: true }) warrantRequiredFor?: LegalBasis[] | null;
  @Field(() => [LegalBasis], { nullable: true }) caseNumberRequiredFor?: LegalBasis[] | null;
  @Field(() => [LegalBasis], { nullable: true }) narrativeRequiredFor?: LegalBasis[] | null;
  @Field(() => Int, { nullable: true }) exigentApprovalHours?: number | null;
  @Field(() => Int, { nullable: true }) retentionDays?: number | null;
  @Field(() => Boolean, { nullable: true }) requireMfa?: boolean | null;
  @Field(() => Int, { nullable: true }) sessionIdleMinutes?: number | null;
  @Field(() => Int, { nullable: true }) sessionLifetimeHours?: number | null;
  @Field(() => Boolean, { nullable: true }) blindVerificationScores?: boolean | null;
  @Field(() => QualityFloors, { nullable: true, description: 'floors on a probe’s quality components (replaces the ones set before)' }) qualityFloors?: QualityFloors | null;
}

@ObjectType({ description: 'A tenant’s search quota for one period.' })
export class Quota {
  @Field() tenantSlug!: string;
  @Field(() => QuotaPeriod) period!: QuotaPeriod;
  @Field(() => Int) used!: number;
  @Field(() => Int) limit!: number;
  @Field(() => Int) remaining!: number;
  @Field() resetsAt!: Date;
}

@InputType()
export class SetQuotaInput {
  @Field() tenantSlug!: string;
  @Field(() => QuotaPeriod) period!: QuotaPeriod;
  @Field(() => Int) limit!: number;
}

type QuotaStatus = Awaited<ReturnType<GraphQLContext['services']['quotas']['status']>>;
const quotasOf = (s: QuotaStatus): Quota[] => s.periods.map((p) => ({ tenantSlug: s.tenantSlug, ...p, remaining: Math.max(0, p.limit - p.used) }));

@Resolver()
export class PolicyResolver {
  @Query(() => [PolicyPreset], { description: 'The jurisdiction presets a tenant policy can start from.' })
  policyPresets(@Ctx() ctx: GraphQLContext): PolicyPreset[] {
    actorOf(ctx);
    return ctx.services.policies.presets().map((p) => ({ ...p, policy: { blindVerificationScores: true, ...p.policy, preset: p.id, updatedAt: null } }));
  }

  @Query(() => [LegalBasisInfo])
  legalBases(@Ctx() ctx: GraphQLContext): LegalBasisInfo[] {
    actorOf(ctx);
    return ctx.services.policies.legalBases();
  }

  @Query(() => TenantPolicy)
  tenantPolicy(@Arg('tenantSlug', () => String, { nullable: true }) tenantSlug: string | null, @Ctx() ctx: GraphQLContext): Promise<TenantPolicy> {
    const actor = actorOf(ctx);
    return ctx.services.policies.get(actor, tenantSlug ?? actor.tenantSlug);
  }

  @Mutation(() => TenantPolicy)
  setTenantPolicy(@Arg('input') input: SetTenantPolicyInput, @Ctx() ctx: GraphQLContext): Promise<TenantPolicy> {
    const { tenantSlug, preset, ...overrides } = input;
    return ctx.services.policies.set(actorOf(ctx), { tenantSlug, preset, overrides: overrides as Record<string, never> });
  }

  @Query(() => Quota, { nullable: true, description: 'Your tenant’s quota (or, for HUB_ADMIN, any tenant’s) for one period; null when none is set for that period.' })
  async quota(
    @Arg('tenantSlug', () => String, { nullable: true }) tenantSlug: string | null,
    @Arg('period', () => QuotaPeriod, { defaultValue: QuotaPeriod.MONTH }) period: QuotaPeriod,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Quota | null> {
    return quotasOf(await ctx.services.quotas.status(actorOf(ctx), tenantSlug)).find((x) => x.period === period) ?? null;
  }

  @Query(() => [Quota], { description: 'Every quota period set for the tenant.' })
  async quotas(@Arg('tenantSlug', () => String, { nullable: true }) tenantSlug: string | null, @Ctx() ctx: GraphQLContext): Promise<Quota[]> {
    return quotasOf(await ctx.services.quotas.status(actorOf(ctx), tenantSlug));
  }

  @Mutation(() => Quota)
  async setQuota(@Arg('input') input: SetQuotaInput, @Ctx() ctx: GraphQLContext): Promise<Quota> {
    return quotasOf(await ctx.services.quotas.set(actorOf(ctx), input)).find((q) => q.period === input.period)!;
  }
}

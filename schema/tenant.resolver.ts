import { Arg, Ctx, Directive, Field, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { Role, TenantStatus } from './enums.js';
import { actorOf, type GraphQLContext } from './context.js';

@ObjectType({ description: 'An agency using the hub; the operator (sheriff’s office) is a tenant too.' })
@Directive('@key(fields: "id")')
export class Tenant {
  @Field(() => ID) id!: string;
  @Field() slug!: string;
  @Field() name!: string;
  @Field(() => TenantStatus) status!: TenantStatus;
  @Field() isOperator!: boolean;
  @Field({ description: 'an independent tester’s sandbox: its galleries are never shared with or searched by a real agency, and its searches never reach a real gallery (set at creation)' }) sandbox!: boolean;
  @Field() createdAt!: Date;
}

@ObjectType({ description: 'A user or service account of one tenant, with one role.' })
export class Principal {
  @Field(() => ID) id!: string;
  @Field(() => ID) tenantId!: string;
  @Field() name!: string;
  @Field(() => Role) role!: Role;
  @Field(() => Date, { nullable: true }) certifiedUntil!: Date | null;
  @Field(() => String, { nullable: true, description: 'the subject the agency’s own identity provider uses for this person' }) externalSubject!: string | null;
  @Field(() => Date, { nullable: true, description: 'when the principal was disabled (it cannot sign in or use any token); null: enabled' }) disabledAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'tokens issued before this moment are refused (revokeTokens, disablePrincipal)' }) tokensValidAfter!: Date | null;
  @Field(() => String, { nullable: true, description: 'what the current certification rests on (a training record or certificate number), recorded with its renewal (updatePrincipal)' }) certificationEvidence!: string | null;
  @Field(() => Date, { nullable: true, description: 'when updatePrincipal last changed it; null: never' }) updatedAt!: Date | null;
}

@ObjectType({ description: 'An agency’s own identity provider, trusted to sign its users in.' })
export class TenantIssuer {
  @Field() issuer!: string;
  @Field() jwksUrl!: string;
  @Field(() => String, { nullable: true }) audience!: string | null;
  @Field({ description: 'the claim that names the principal (matched against externalSubject)' }) subjectClaim!: string;
  @Field(() => String, { nullable: true, description: 'the hub’s client id at this provider: when set, the console offers “Sign in with your agency” (OpenID Connect, authorization code + PKCE)' }) clientId!: string | null;
  @Field() updatedAt!: Date;
}

@InputType()
export class SetTenantIssuerInput {
  @Field() tenantSlug!: string;
  @Field({ description: 'the `iss` of the agency’s tokens' }) issuer!: string;
  @Field({ description: 'https URL of its JSON Web Key Set' }) jwksUrl!: string;
  @Field(() => String, { nullable: true, description: 'required `aud`, when set' }) audience?: string | null;
  @Field(() => String, { nullable: true, description: 'default: sub' }) subjectClaim?: string | null;
  @Field(() => String, { nullable: true, description: 'the client id the provider registered for the hub’s console (a public client: PKCE, no secret; redirect URI <hub>/console/oidc/callback); null: no console sign-in' }) clientId?: string | null;
}

@ObjectType()
export class Me {
  @Field(() => Tenant) tenant!: Tenant;
  @Field(() => Role) role!: Role;
  @Field(() => ID, { nullable: true, description: 'null for a service account' }) principalId!: string | null;
}

@InputType()
export class CreateTenantInput {
  @Field() slug!: string;
  @Field() name!: string;
  @Field(() => String, { nullable: true, description: 'jurisdiction policy preset (see policyPresets); default MN_DEFAULT' }) policyPreset?: string | null;
  @Field(() => Int, { nullable: true, description: 'searches per month; default: the hub’s FRHUB_DEFAULT_MONTHLY_QUOTA' }) monthlyQuota?: number | null;
  @Field(() => Boolean, { nullable: true, description: 'true: a sandbox for an independent tester (docs/independent-testing.md), apart from every real gallery for good; default false' }) sandbox?: boolean | null;
}

@ObjectType()
export class IssuedToken {
  @Field() token!: string;
  @Field() expiresAt!: Date;
}

@InputType()
export class CreatePrincipalInput {
  @Field() tenantSlug!: string;
  @Field() name!: string;
  @Field(() => Role) role!: Role;
  @Field(() => Date, { nullable: true }) certifiedUntil?: Date | null;
  @Field(() => String, { nullable: true, description: 'links the principal to its agency identity provider’s subject' }) externalSubject?: string | null;
}

@Resolver()
export class TenantResolver {
  @Query(() => Me)
  async me(@Ctx() ctx: GraphQLContext): Promise<Me> {
    const actor = actorOf(ctx);
    return { tenant: await ctx.services.tenants.get(actor, actor.tenantId), role: actor.role, principalId: actor.principalId };
  }

  @Query(() => [Tenant])
  tenants(@Ctx() ctx: GraphQLContext): Promise<Tenant[]> {
    return ctx.services.tenants.list(actorOf(ctx));
  }

  @Query(() => Tenant)
  tenant(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Tenant> {
    return ctx.services.tenants.get(actorOf(ctx), id);
  }

  @Query(() => [Principal], { description: 'A tenant’s principals, by role then name (AGENCY_ADMIN: its own tenant; HUB_ADMIN: any). Default: your tenant.' })
  principals(@Arg('tenantSlug', () => String, { nullable: true }) tenantSlug: string | null, @Ctx() ctx: GraphQLContext): Promise<Principal[]> {
    return ctx.services.tenants.principals(actorOf(ctx), tenantSlug);
  }

  @Query(() => TenantIssuer, { nullable: true, description: 'The identity provider a tenant trusts (null: none), for whoever may read its principals. Default: your tenant.' })
  tenantIssuer(@Arg('tenantSlug', () => String, { nullable: true }) tenantSlug: string | null, @Ctx() ctx: GraphQLContext): Promise<TenantIssuer | null> {
    return ctx.services.tenants.issuerOf(actorOf(ctx), tenantSlug);
  }

  @Mutation(() => Tenant)
  createTenant(@Arg('input') input: CreateTenantInput, @Ctx() ctx: GraphQLContext): Promise<Tenant> {
    return ctx.services.tenants.createTenant(actorOf(ctx), input);
  }

  @Mutation(() => Principal)
  createPrincipal(@Arg('input') input: CreatePrincipalInput, @Ctx() ctx: GraphQLContext): Promise<Principal> {
    return ctx.services.tenants.createPrincipal(actorOf(ctx), input);
  }

  @Mutation(() => Tenant, { description: 'Suspends or reinstates a tenant (HUB_ADMIN).' })
  setTenantStatus(@Arg('slug') slug: string, @Arg('status', () => TenantStatus) status: TenantStatus, @Ctx() ctx: GraphQLContext): Promise<Tenant> {
    return ctx.services.tenants.setStatus(actorOf(ctx), slug, status);
  }

  @Mutation(() => IssuedToken, { description: 'A hub token for a principal you administer; the issue is audited.' })
  issueToken(
    @Arg('principalId', () => ID) principalId: string,
    @Arg('ttlMinutes', () => Int, { defaultValue: 720 }) ttlMinutes: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<IssuedToken> {
    return ctx.services.tenants.issueToken(actorOf(ctx), principalId, ttlMinutes);
  }

  @Mutation(() => Principal, { description: 'Disables a principal you administer: it cannot sign in or use any token, from the next request on every replica; audited.' })
  disablePrincipal(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Principal> {
    return ctx.services.sessions.disablePrincipal(actorOf(ctx), id);
  }

  @Mutation(() => Principal, { description: 'Enables a disabled principal again; tokens issued before it was disabled stay refused; audited.' })
  enablePrincipal(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Principal> {
    return ctx.services.sessions.enablePrincipal(actorOf(ctx), id);
  }

  @Mutation(() => Principal, { description: 'Refuses every token of a principal you administer issued until now, its console sessions included, from the next request on every replica; audited.' })
  revokeTokens(@Arg('principalId', () => ID) principalId: string, @Ctx() ctx: GraphQLContext): Promise<Principal> {
    return ctx.services.sessions.revokeTokens(actorOf(ctx), principalId);
  }

  @Mutation(() => TenantIssuer, { description: 'Trusts a tenant’s own identity provider (HUB_ADMIN); roles and certification stay the hub’s.' })
  setTenantIssuer(@Arg('input') input: SetTenantIssuerInput, @Ctx() ctx: GraphQLContext): Promise<TenantIssuer> {
    return ctx.services.tenants.setIssuer(actorOf(ctx), input);
  }
}

import { Arg, Ctx, Field, ID, InputType, Int, Mutation, Query, Resolver } from 'type-graphql';
import { toConnection } from './connection.js';
import { actorOf, type GraphQLContext } from './context.js';
import { Role } from './enums.js';
import { AuditEventConnection } from './oversight.resolver.js';
import { Principal } from './tenant.resolver.js';

@InputType({ description: 'What to change about a principal; a field left out stays.' })
export class UpdatePrincipalInput {
  @Field(() => ID) principalId!: string;
  @Field(() => String, { nullable: true, description: 'the display name' }) name?: string | null;
  @Field(() => Role, { nullable: true, description: 'within what you may grant: an agency administrator grants agency roles; only the operator’s HUB_ADMIN its own roles; never your own role' }) role?: Role | null;
  @Field(() => Date, { nullable: true, description: 'a future date renews the certification (with certificationEvidence); null ends it' }) certifiedUntil?: Date | null;
  @Field(() => String, { nullable: true, description: 'what the renewal rests on: a training record or certificate number (required with a certifiedUntil date)' }) certificationEvidence?: string | null;
}

@Resolver()
export class PrincipalResolver {
  @Mutation(() => Principal, {
    description: 'Changes a principal’s display name, role or certification (AGENCY_ADMIN: its own tenant’s, agency roles; HUB_ADMIN: any). Works for principals who sign in through their agency’s identity provider. Audited with each change.',
  })
  updatePrincipal(@Arg('input') input: UpdatePrincipalInput, @Ctx() ctx: GraphQLContext): Promise<Principal> {
    // a field left out of the input is undefined, which the service reads as "stays"; an explicit null clears
    return ctx.services.principals.update(actorOf(ctx), input);
  }

  @Query(() => AuditEventConnection, { description: 'What was done to a principal, newest first: created, changed, tokens issued for it (from the audit chain), for whoever may read its tenant’s principals. Audited.' })
  async principalHistory(
    @Arg('principalId', () => ID) principalId: string,
    @Arg('first', () => Int, { nullable: true }) first: number | undefined,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AuditEventConnection> {
    const page = await ctx.services.principals.history(actorOf(ctx), principalId, first ?? 20, after);
    return toConnection(page.nodes, page);
  }
}

import { Arg, Ctx, Field, Float, ID, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { PageInfo, toConnection } from './connection.js';
import { actorOf, type GraphQLContext } from './context.js';
import { AuditOutcome, StatisticsGroup } from './enums.js';

@ObjectType({ description: 'One group of usage counts; the grouping fields not asked for are null.' })
export class UsageRow {
  @Field(() => String, { nullable: true, description: 'tenant slug' }) tenant!: string | null;
  @Field(() => String, { nullable: true }) legalBasis!: string | null;
  @Field(() => String, { nullable: true }) offenseCategory!: string | null;
  @Field(() => String, { nullable: true, description: 'ALLOWED, DENIED or FAILED for searches; the review outcome for reviews' }) outcome!: string | null;
  @Field(() => String, { nullable: true }) denialReason!: string | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM (UTC)' }) month!: string | null;
  @Field(() => Int, { description: 'searches that ran' }) searches!: number;
  @Field(() => Int) denials!: number;
  @Field(() => Int, { description: 'candidates returned' }) candidates!: number;
  @Field(() => Int, { description: 'review events recorded (a confirmed POSSIBLE_LEAD has two: the first review and the second)' }) reviews!: number;
  @Field(() => Int, { description: 'searches whose review concluded, each counted once under its concluded outcome (a search awaiting its second review is not yet counted)' }) reviewedSearches!: number;
}

@ObjectType()
export class UsageStatistics {
  @Field(() => [UsageRow]) rows!: UsageRow[];
  @Field(() => Int, { description: 'exigent searches past their approval deadline, not yet approved' }) exigentApprovalsOverdue!: number;
}

@ObjectType({ description: 'Counts for the public: 1-4 are shown as "<5".' })
export class TransparencyRow {
  @Field() agency!: string;
  @Field() legalBasis!: string;
  @Field(() => String, { nullable: true }) offenseCategory!: string | null;
  @Field() searches!: string;
  @Field() denials!: string;
  @Field() candidates!: string;
  @Field({ description: 'searches whose review concluded POSSIBLE_LEAD' }) possibleLeads!: string;
}

@ObjectType()
export class TransparencyTotals {
  @Field() searches!: string;
  @Field() denials!: string;
  @Field() candidates!: string;
  @Field() possibleLeads!: string;
}

@ObjectType()
export class TransparencyReport {
  @Field(() => Int) year!: number;
  @Field() generatedAt!: Date;
  @Field(() => [TransparencyRow]) rows!: TransparencyRow[];
  @Field(() => TransparencyTotals) totals!: TransparencyTotals;
  @Field({ description: 'the same report as CSV' }) csv!: string;
}

@ObjectType({ description: 'One audited decision or access, chained by hash to the one before.' })
export class AuditEvent {
  @Field(() => Float) seq!: number;
  @Field() at!: Date;
  @Field(() => String, { nullable: true }) requestId!: string | null;
  @Field(() => ID, { nullable: true }) tenantId!: string | null;
  @Field(() => ID, { nullable: true }) principalId!: string | null;
  @Field(() => String, { nullable: true }) actorRole!: string | null;
  @Field() action!: string;
  @Field() outcome!: string;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field(() => String, { nullable: true }) caseNumber!: string | null;
  @Field(() => String, { nullable: true }) legalBasis!: string | null;
  @Field(() => String, { nullable: true }) offenseCategory!: string | null;
  @Field(() => [ID], { nullable: true }) galleries!: string[] | null;
  @Field(() => Int, { nullable: true }) candidateCount!: number | null;
  @Field(() => String, { nullable: true }) modelVersion!: string | null;
  @Field(() => String, { nullable: true }) probeSha256!: string | null;
  @Field(() => GraphQLJSONObject) details!: Record<string, unknown>;
  @Field() hash!: string;
}

@ObjectType()
export class AuditEventEdge {
  @Field(() => AuditEvent) node!: AuditEvent;
}

@ObjectType()
export class AuditEventConnection {
  @Field(() => [AuditEventEdge]) edges!: AuditEventEdge[];
  @Field(() => [AuditEvent]) nodes!: AuditEvent[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@ObjectType()
export class AuditChainVerification {
  @Field() ok!: boolean;
  @Field(() => Float, { nullable: true, description: 'the first sequence number that does not verify' }) firstBrokenSequence!: number | null;
  @Field(() => Float, { description: 'events that verified' }) checked!: number;
}

@Resolver()
export class OversightResolver {
  @Query(() => UsageStatistics, { description: 'OVERSIGHT_AUDITOR and HUB_ADMIN: every tenant; AGENCY_ADMIN: its own.' })
  usageStatistics(
    @Arg('from') from: Date,
    @Arg('to') to: Date,
    @Arg('groupBy', () => [StatisticsGroup], { defaultValue: [] }) groupBy: StatisticsGroup[],
    @Arg('tenantSlug', () => String, { nullable: true }) tenantSlug: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<UsageStatistics> {
    return ctx.services.oversight.usage(actorOf(ctx), { from, to, groupBy, tenantSlug });
  }

  @Query(() => TransparencyReport)
  transparencyReport(@Arg('year', () => Int) year: number, @Ctx() ctx: GraphQLContext): Promise<TransparencyReport> {
    return ctx.services.oversight.transparencyReport(actorOf(ctx), year);
  }

  @Query(() => AuditEventConnection, { description: 'The audit log, newest first (HUB_ADMIN); each read is itself audited.' })
  async auditEvents(
    @Arg('first', () => Int, { nullable: true }) first: number | undefined,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('tenantId', () => ID, { nullable: true }) tenantId: string | null,
    @Arg('action', () => String, { nullable: true }) action: string | null,
    @Arg('exceptActions', () => [String], { nullable: true, description: 'actions to leave out, e.g. STATISTICS_READ and AUDIT_READ (each an action the `action` filter accepts)' }) exceptActions: string[] | null,
    @Arg('outcome', () => AuditOutcome, { nullable: true }) outcome: AuditOutcome | null,
    @Arg('from', () => Date, { nullable: true }) from: Date | null,
    @Arg('to', () => Date, { nullable: true }) to: Date | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AuditEventConnection> {
    const page = await ctx.services.audit.events(actorOf(ctx), { first, after, tenantId, action, exceptActions, outcome, from, to });
    return toConnection(page.nodes, page);
  }

  @Query(() => AuditChainVerification, { description: 'Recomputes the whole chain (OVERSIGHT_AUDITOR, HUB_ADMIN).' })
  verifyAuditChain(@Ctx() ctx: GraphQLContext): Promise<AuditChainVerification> {
    return ctx.services.audit.verify(actorOf(ctx));
  }
}


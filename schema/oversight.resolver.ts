import { Arg, Ctx, Field, Float, ID, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { PageInfo, toConnection } from './connection.js';
import { actorOf, type GraphQLContext } from './context.js';
import { AuditOutcome, StatisticsGroup, Statute } from './enums.js';

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

@ObjectType({ description: 'One table of a statutory report: counts as text ("<5", or a range where a figure includes one).' })
export class StatutorySection {
  @Field() title!: string;
  @Field(() => [String]) columns!: string[];
  @Field(() => [[String]]) rows!: string[][];
}

@ObjectType({ description: 'A statute’s yearly report, computed from the audit chain: counts only, small cells suppressed jointly with every other report.' })
export class StatutoryReport {
  @Field(() => Statute) statute!: Statute;
  @Field() title!: string;
  @Field({ description: 'the statute, by its citation' }) citation!: string;
  @Field(() => Int) year!: number;
  @Field() periodStart!: Date;
  @Field({ description: 'exclusive' }) periodEnd!: Date;
  @Field() generatedAt!: Date;
  @Field(() => [StatutorySection]) sections!: StatutorySection[];
  @Field(() => [String]) notes!: string[];
  @Field(() => [String], { description: 'what the hub cannot know (outcomes it does not record, among others)' }) cannotKnow!: string[];
  @Field({ description: 'the report as CSV' }) csv!: string;
  @Field({ description: 'the report as a PDF, base64' }) pdfBase64!: string;
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

@ObjectType()
export class RequestCount {
  @Field() key!: string;
  @Field({ description: 'a count; 1-4 shown as "<5"' }) requests!: string;
}

@ObjectType({ description: 'Requests for oversight: counts only, never cases, probes or candidates.' })
export class RequestStatistics {
  @Field() requests!: string;
  @Field(() => [RequestCount], { description: 'by requesting agency (slug)' }) byAgency!: RequestCount[];
  @Field(() => [RequestCount]) byOffense!: RequestCount[];
  @Field(() => [RequestCount], { description: 'by reported outcome (NOT_RECORDED: none yet)' }) byOutcome!: RequestCount[];
  @Field() declined!: string;
  @Field(() => Float, { nullable: true, description: 'null under 5 requests or with 1-4 declined' }) declinedShare!: number | null;
  @Field(() => Float, { nullable: true, description: 'mean hours from submission to release, no lead or decline; null under 5 decided' }) meanTurnaroundHours!: number | null;
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

  @Query(() => RequestStatistics, { description: 'Requests by requesting agency, offense and outcome, the share declined and the mean turnaround: counts only, 1-4 shown as "<5" (HUB_ADMIN and OVERSIGHT_AUDITOR: every agency; AGENCY_ADMIN: its own). Audited.' })
  requestStatistics(@Arg('from') from: Date, @Arg('to') to: Date, @Ctx() ctx: GraphQLContext): Promise<RequestStatistics> {
    return ctx.services.oversight.requestStatistics(actorOf(ctx), { from, to });
  }

  @Query(() => TransparencyReport)
  transparencyReport(@Arg('year', () => Int) year: number, @Ctx() ctx: GraphQLContext): Promise<TransparencyReport> {
    return ctx.services.oversight.transparencyReport(actorOf(ctx), year);
  }

  @Query(() => StatutoryReport, { description: 'A statute’s report for one calendar year (UTC): OVERSIGHT_AUDITOR and HUB_ADMIN; audited.' })
  async statutoryReport(@Arg('statute', () => Statute) statute: Statute, @Arg('year', () => Int) year: number, @Ctx() ctx: GraphQLContext): Promise<StatutoryReport> {
    const r = await ctx.services.oversight.statutoryReport(actorOf(ctx), statute, year);
    return { ...r, pdfBase64: Buffer.from(r.pdf).toString('base64') };
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


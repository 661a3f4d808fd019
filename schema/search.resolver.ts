import { Arg, Ctx, Directive, Field, Float, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { PageInfo, toConnection } from './connection.js';
import { actorOf, loaderOf, type GraphQLContext } from './context.js';
import { CandidateDecision, LegalBasis, OffenseCategory, ReviewOutcome, ReviewStatus, ThresholdSource } from './enums.js';
import { GraphQLUpload, imageBytes, type FileUpload } from './upload.js';

const LEADS_NOTICE = 'Investigative leads only: a candidate is not an identification and is no basis for arrest without independent evidence.';

@ObjectType({ description: 'A ranked template returned by a search: an investigative lead, never an identification.' })
export class Candidate {
  @Field(() => Int) rank!: number;
  @Field(() => Float, { description: 'cosine similarity' }) score!: number;
  @Field() subjectRef!: string;
  @Field(() => ID) galleryId!: string;
  @Field(() => ID) templateId!: string;
  @Field(() => Float, {
    nullable: true,
    description: 'the share of comparisons between two different people that score this high or higher, measured by the model pack’s calibration (about 1e-4: one stranger in 10,000 reaches this score); null when the pack has no calibration for the search’s model version',
  })
  estimatedFalseMatchRate!: number | null;
  @Field({ description: 'true when the score is above every different-person pair the calibration measured: the rate is then at most estimatedFalseMatchRate, the data cannot say how much lower' })
  falseMatchRateAtLimit!: boolean;
}

@ObjectType({ description: 'How a search’s threshold was derived (README, “What a score means”).' })
export class ThresholdBasis {
  @Field(() => Float) threshold!: number;
  @Field(() => ThresholdSource) source!: ThresholdSource;
  @Field(() => Int, { description: 'templates in the galleries searched' }) templatesSearched!: number;
  @Field(() => Float, { nullable: true, description: 'the target false-positive identification rate (FRHUB_TARGET_FPIR); null when the caller set minScore' }) targetFpir!: number | null;
  @Field(() => Float, { nullable: true, description: 'false-match rate of one comparison at the threshold; null without a calibration' }) falseMatchRate!: number | null;
  @Field(() => Float, { nullable: true, description: 'strangers expected above the threshold in this search: falseMatchRate × templatesSearched' }) expectedFalseCandidates!: number | null;
  @Field({ description: 'the threshold is above every different-person pair the calibration measured: both rates are upper bounds' }) beyondCalibration!: boolean;
}

@ObjectType()
@Directive('@key(fields: "id")')
export class Search {
  @Field(() => ID) id!: string;
  @Field() status!: string;
  @Field() createdAt!: Date;
  @Field(() => String, { nullable: true }) caseNumber!: string | null;
  @Field(() => LegalBasis) legalBasis!: LegalBasis;
  @Field(() => OffenseCategory, { nullable: true }) offenseCategory!: OffenseCategory | null;
  @Field() modelVersion!: string;
  @Field(() => Float) threshold!: number;
  @Field(() => ThresholdBasis, { nullable: true, description: 'how the threshold was derived; on the searchFaces response (later reads: null, the search’s audit event records it)' })
  thresholdBasis!: ThresholdBasis | null;
  @Field(() => Float) probeQuality!: number;
  @Field(() => [ID]) galleriesSearched!: string[];
  @Field(() => [Candidate]) candidates!: Candidate[];
  @Field() notice!: string;
  @Field(() => ReviewStatus) reviewStatus!: ReviewStatus;
  @Field(() => ReviewOutcome, { nullable: true }) reviewOutcome!: ReviewOutcome | null;
  @Field(() => Date, { nullable: true, description: 'exigent searches: supervisor approval due by' }) exigentDueAt!: Date | null;
  @Field(() => Date, { nullable: true }) approvedAt!: Date | null;
  @Field() legalHold!: boolean;
}

@ObjectType({ description: 'One reviewer’s decision on a search’s candidates.' })
export class Review {
  @Field(() => ID) id!: string;
  @Field(() => ID) reviewerId!: string;
  @Field(() => ReviewOutcome) outcome!: ReviewOutcome;
  @Field(() => [CandidateReview]) decisions!: CandidateReview[];
  @Field(() => String, { nullable: true }) note!: string | null;
  @Field() createdAt!: Date;
}

@ObjectType()
@InputType('CandidateReviewInput')
export class CandidateReview {
  @Field(() => Int) rank!: number;
  @Field(() => CandidateDecision) decision!: CandidateDecision;
}

@InputType()
export class ReviewSearchInput {
  @Field(() => ID) searchId!: string;
  @Field(() => ReviewOutcome) outcome!: ReviewOutcome;
  @Field(() => [CandidateReview]) decisions!: CandidateReview[];
  @Field(() => String, { nullable: true }) note?: string | null;
}

@ObjectType()
export class SearchEdge {
  @Field(() => Search) node!: Search;
}

@ObjectType()
export class SearchConnection {
  @Field(() => [SearchEdge]) edges!: SearchEdge[];
  @Field(() => [Search]) nodes!: Search[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@InputType()
export class SearchFacesInput {
  @Field(() => GraphQLUpload, { nullable: true }) image?: Promise<FileUpload>;
  @Field(() => String, { nullable: true }) imageBase64?: string | null;
  @Field(() => String, { nullable: true }) caseNumber?: string | null;
  @Field(() => LegalBasis) legalBasis!: LegalBasis;
  @Field(() => OffenseCategory, { nullable: true }) offenseCategory?: OffenseCategory | null;
  @Field(() => String, { nullable: true }) warrantNumber?: string | null;
  @Field(() => String, { nullable: true, description: 'the specific crime, in words (required by some policies)' }) offenseDescription?: string | null;
  @Field(() => String, { nullable: true, description: 'the facts that justify the search (required by some policies)' }) narrative?: string | null;
  @Field(() => Boolean, {
    defaultValue: true,
    description: 'Your declaration that this search is not for live or continuous surveillance, First Amendment activity, immigration enforcement, or a protected class as its basis. false is refused.',
  })
  notForProhibitedPurpose!: boolean;
  @Field(() => [ID], { nullable: true, description: 'default: every gallery you may search for this legal basis (yours and those shared with you)' }) galleryIds?: string[] | null;
  @Field(() => Int, { nullable: true, description: '1-50, default 20' }) maxCandidates?: number | null;
  @Field(() => Float, { nullable: true, description: 'cosine similarity floor; default: the score at which the strangers expected above it over the templates searched meet the target false-positive identification rate (FRHUB_TARGET_FPIR), never below the model’s verification threshold' }) minScore?: number | null;
}

type Row = Omit<Search, 'candidates' | 'notice' | 'thresholdBasis'> & { candidates?: Candidate[]; thresholdBasis?: ThresholdBasis | null };
export const toSearch = (r: Row, candidates: Candidate[]): Search => ({ ...r, thresholdBasis: r.thresholdBasis ?? null, candidates, notice: LEADS_NOTICE }) as Search;

@Resolver(() => Search)
export class SearchResolver {
  @Mutation(() => Search)
  async searchFaces(@Arg('input') input: SearchFacesInput, @Ctx() ctx: GraphQLContext): Promise<Search> {
    const actor = actorOf(ctx);
    const image = await imageBytes(input.image, input.imageBase64, ctx.maxImageBytes);
    const r = await ctx.services.searches.search(actor, { ...input, image });
    return toSearch(r as unknown as Row, r.candidates);
  }

  @Query(() => Search)
  async search(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Search> {
    const r = await ctx.services.searches.get(actorOf(ctx), id);
    return toSearch(r as unknown as Row, r.candidates);
  }

  @Query(() => SearchConnection)
  async searches(
    @Arg('first', () => Int, { nullable: true }) first: number | undefined,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SearchConnection> {
    const page = await ctx.services.searches.list(actorOf(ctx), first, after);
    const nodes = page.nodes.map((r) => toSearch(r as unknown as Row, r.candidates));
    return toConnection(nodes, page);
  }

  @FieldResolver(() => [Review])
  reviews(@Root() search: Search, @Ctx() ctx: GraphQLContext): Promise<Review[]> {
    const actor = actorOf(ctx);
    // a page of searches asks once: one query for all their reviews
    return loaderOf(ctx, 'reviews', (ids) => ctx.services.reviews.reviewsOf(actor, ids))(search.id) as Promise<Review[]>;
  }

  @Mutation(() => Search, { description: 'A POSSIBLE_LEAD stands once a second, different reviewer has reviewed it too.' })
  async reviewSearch(@Arg('input') input: ReviewSearchInput, @Ctx() ctx: GraphQLContext): Promise<Search> {
    const actor = actorOf(ctx);
    await ctx.services.reviews.review(actor, input);
    return this.search(input.searchId, ctx);
  }

  @Mutation(() => Search, { description: 'A supervisor’s after-the-fact approval of an exigent (IMMINENT_THREAT) search.' })
  async approveExigentSearch(@Arg('searchId', () => ID) searchId: string, @Arg('note', () => String, { nullable: true }) note: string | null, @Ctx() ctx: GraphQLContext): Promise<Search> {
    await ctx.services.reviews.approveExigent(actorOf(ctx), searchId, note);
    return this.search(searchId, ctx);
  }

  @Mutation(() => Search, { description: 'Keeps a search past its retention period (or releases it).' })
  async setLegalHold(
    @Arg('searchId', () => ID) searchId: string,
    @Arg('hold') hold: boolean,
    @Arg('reason', () => String, { nullable: true }) reason: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Search> {
    const row = await ctx.services.reviews.setLegalHold(actorOf(ctx), { searchId, hold, reason });
    return toSearch(row as unknown as Row, []);
  }

  @Query(() => [Search], { description: 'Exigent searches of your tenant awaiting a supervisor’s approval (supervisors).' })
  async exigentSearchesAwaitingApproval(@Arg('overdueOnly', { defaultValue: false }) overdueOnly: boolean, @Ctx() ctx: GraphQLContext): Promise<Search[]> {
    const rows = await ctx.services.reviews.awaitingApproval(actorOf(ctx), overdueOnly);
    return rows.map((r) => toSearch(r as unknown as Row, []));
  }
}

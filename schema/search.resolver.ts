import { Arg, Ctx, Field, Float, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { PageInfo } from './connection.js';
import { actorOf, type GraphQLContext } from './context.js';
import { LegalBasis, OffenseCategory } from './enums.js';
import { GraphQLUpload, imageBytes, type FileUpload } from './upload.js';

const LEADS_NOTICE = 'Investigative leads only: a candidate is not an identification and is no basis for arrest without independent evidence.';

@ObjectType({ description: 'A ranked template returned by a search: an investigative lead, never an identification.' })
export class Candidate {
  @Field(() => Int) rank!: number;
  @Field(() => Float, { description: 'cosine similarity' }) score!: number;
  @Field() subjectRef!: string;
  @Field(() => ID) galleryId!: string;
  @Field(() => ID) templateId!: string;
}

@ObjectType()
export class Search {
  @Field(() => ID) id!: string;
  @Field() status!: string;
  @Field() createdAt!: Date;
  @Field(() => String, { nullable: true }) caseNumber!: string | null;
  @Field(() => LegalBasis) legalBasis!: LegalBasis;
  @Field(() => OffenseCategory, { nullable: true }) offenseCategory!: OffenseCategory | null;
  @Field() modelVersion!: string;
  @Field(() => Float) threshold!: number;
  @Field(() => Float) probeQuality!: number;
  @Field(() => [ID]) galleriesSearched!: string[];
  @Field(() => [Candidate]) candidates!: Candidate[];
  @Field() notice!: string;
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
  @Field(() => [ID], { nullable: true, description: 'default: every gallery you may search' }) galleryIds?: string[] | null;
  @Field(() => Int, { nullable: true, description: '1-50, default 20' }) maxCandidates?: number | null;
  @Field(() => Float, { nullable: true, description: 'cosine similarity floor; default: the model’s calibrated threshold' }) minScore?: number | null;
}

type Row = Omit<Search, 'candidates' | 'notice'> & { candidates?: Candidate[] };
const toSearch = (r: Row, candidates: Candidate[]): Search => ({ ...r, candidates, notice: LEADS_NOTICE }) as Search;

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
    const nodes = await Promise.all(page.nodes.map(async (r) => toSearch(r as unknown as Row, await ctx.services.searches.candidates(r.id))));
    return { nodes, edges: nodes.map((node) => ({ node })), pageInfo: { endCursor: page.endCursor, hasNextPage: page.hasNextPage } };
  }
}

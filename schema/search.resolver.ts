import { Arg, Ctx, Directive, Field, Float, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { PageInfo, toConnection } from './connection.js';
import { actorOf, loaderOf, type GraphQLContext } from './context.js';
import { CandidateDecision, LegalBasis, OffenseCategory, RemovalReason, ReviewOutcome, ReviewStatus, ThresholdSource } from './enums.js';
import { DomainError } from '../tenants/shared/errors.js';
import { GraphQLUpload, imageBytes, type FileUpload } from './upload.js';

const LEADS_NOTICE = 'Investigative leads only: a candidate is not an identification and is no basis for arrest without independent evidence.';

@ObjectType({ description: 'The 95% interval of a false-match rate, from the pairs of different people the model pack’s calibration measured (README, “What a score means”).' })
export class RateInterval {
  @Field(() => Float, { description: '0 when no different-person pair measured reached the score' }) low!: number;
  @Field(() => Float, { description: 'beyond every different-person pair measured: the one-sided 95% bound (“fewer than 1 in 1/high”)' }) high!: number;
}

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
  @Field({ description: 'true when the score is above every different-person pair the calibration measured: estimatedFalseMatchRate is then only the smallest rate the data can show (1 / pairs measured), not a bound; what is known is falseMatchRateInterval.high' })
  falseMatchRateAtLimit!: boolean;
  @Field(() => RateInterval, { nullable: true, description: 'the 95% interval of estimatedFalseMatchRate; null when it is null' })
  falseMatchRateInterval!: RateInterval | null;
  /** the search it ranks in (not a field: the faceImage resolver's access check needs it) */
  searchId!: string;
  /** the subject it belongs to (not a field: `subject` resolves it with what the searcher may see) */
  subjectId!: string;
}

@ObjectType({ description: 'A candidate whose subject or photo the gallery’s owner has since removed: its rank and score stay for the record; nothing that names the person does.' })
export class RemovedCandidate {
  @Field(() => Int) rank!: number;
  @Field(() => Float) score!: number;
  @Field(() => RemovalReason) reason!: RemovalReason;
}

@ObjectType({ description: 'A face’s box in a photo, in the photo’s pixels (after its EXIF orientation).' })
export class FaceBox {
  @Field(() => Float) x!: number;
  @Field(() => Float) y!: number;
  @Field(() => Float) width!: number;
  @Field(() => Float) height!: number;
}

@ObjectType({ description: 'A face’s image quality in the parts an examiner can act on (after ISO/IEC 29794-5’s components), as the inference module measures them; null where an answer did not measure one.' })
export class QualityComponents {
  @Field(() => Float, { nullable: true, description: 'pixels between the eyes’ centres (40 or more is a good face size)' }) interEyePx!: number | null;
  @Field(() => Float, { nullable: true, description: 'head turned left or right, degrees (0: frontal)' }) yawDeg!: number | null;
  @Field(() => Float, { nullable: true, description: 'head tilted down (+) or up (−), degrees: an estimate from five points, a guide rather than a measurement' }) pitchDeg!: number | null;
  @Field(() => Float, { nullable: true, description: 'head leaning sideways, degrees' }) rollDeg!: number | null;
  @Field(() => Float, { nullable: true, description: 'variance of the Laplacian of the aligned face: higher is sharper (under about 50 is blurred)' }) sharpness!: number | null;
  @Field(() => Float, { nullable: true, description: 'mean brightness of the face, 0 (black) to 1 (white)' }) exposure!: number | null;
  @Field(() => Float, { nullable: true, description: 'share of the face’s pixels crushed to black or burnt to white' }) clipped!: number | null;
  @Field(() => Float, { nullable: true, description: 'share of the face’s box inside the photo (under 1: the face runs off the edge)' }) inFrame!: number | null;
}

@ObjectType({ description: 'The face a search of this photo would use, found before searching.' })
export class ProbeFace {
  @Field(() => FaceBox) box!: FaceBox;
  @Field(() => Float, { description: 'the face’s quality score (0-1); a search refuses faces below the hub’s floor' }) quality!: number;
  @Field(() => QualityComponents, { description: 'the score’s parts an examiner can act on' }) components!: QualityComponents;
}

@ObjectType({ description: 'What previewProbe found: the photo’s size and the face(s) a search would use.' })
export class ProbePreview {
  @Field(() => Int) width!: number;
  @Field(() => Int) height!: number;
  @Field(() => [ProbeFace], { description: 'the face a search would use, chosen by the same rule (one dominant face)' }) faces!: ProbeFace[];
}

@InputType()
export class PreviewProbeInput {
  @Field(() => GraphQLUpload, { nullable: true }) image?: Promise<FileUpload>;
  @Field(() => String, { nullable: true }) imageBase64?: string | null;
}

@ObjectType({ description: 'How a search’s threshold was derived (README, “What a score means”).' })
export class ThresholdBasis {
  @Field(() => Float) threshold!: number;
  @Field(() => ThresholdSource) source!: ThresholdSource;
  @Field(() => Int, { description: 'templates in the galleries searched' }) templatesSearched!: number;
  @Field(() => Float, { nullable: true, description: 'the target false-positive identification rate (FRHUB_TARGET_FPIR); null when the caller set minScore' }) targetFpir!: number | null;
  @Field(() => Float, { nullable: true, description: 'false-match rate of one comparison at the threshold; null without a calibration' }) falseMatchRate!: number | null;
  @Field(() => Float, { nullable: true, description: 'strangers expected above the threshold in this search: falseMatchRate × templatesSearched' }) expectedFalseCandidates!: number | null;
  @Field(() => RateInterval, { nullable: true, description: 'the 95% interval of falseMatchRate; null without a calibration' }) falseMatchRateInterval!: RateInterval | null;
  @Field({ description: 'the threshold is above every different-person pair the calibration measured: falseMatchRate is then only the smallest rate the data can show, not a bound; falseMatchRateInterval.high is the 95% bound' }) beyondCalibration!: boolean;
}

@ObjectType({ description: 'One gallery as a search found it.' })
export class GalleryDigest {
  @Field(() => ID) galleryId!: string;
  @Field(() => Int, { description: 'templates in it when the search ran' }) templates!: number;
  @Field({ description: 'sha256 (hex) over its templates’ lines "<template id> <photo sha256> <model version>", sorted by id, joined by newlines' }) digest!: string;
}

@ObjectType({ description: 'What the galleries searched held when the search ran (never a photo): kept with the search, its digest also in the search’s audit event.' })
export class GalleryReceipt {
  @Field({ description: 'sha256 (hex) over the lines "<gallery id> <templates> <gallery digest>", sorted by gallery id, joined by newlines' }) digest!: string;
  @Field(() => Int) templates!: number;
  @Field(() => [GalleryDigest]) galleries!: GalleryDigest[];
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
  @Field(() => QualityComponents, { nullable: true, description: 'the probe’s quality in its components; on the searchFaces response (later reads: null, the search’s audit event records them)' })
  probeQualityComponents!: QualityComponents | null;
  @Field(() => [String], { nullable: true, description: 'the agency’s quality floors (TenantPolicy.qualityFloors, WARN) this probe fell short of, in words; on the searchFaces response (later reads: null, the search’s audit event records them)' })
  qualityWarnings!: string[] | null;
  @Field(() => [ID]) galleriesSearched!: string[];
  @Field(() => ID, { nullable: true, description: 'the stored score calibration its candidates’ false-match rates come from (calibrations; null: searched before the hub recorded one, the pack’s own)' }) calibrationId!: string | null;
  @Field(() => [Candidate], { description: 'one per enrolled photo that scored at or above the threshold, best first; see candidatesBySubject for them grouped by person' }) candidates!: Candidate[];
  @Field(() => [RemovedCandidate], { description: 'candidates whose subject or photo was removed since the search (expunged, dismissed, ...): rank, score and reason only' }) removedCandidates!: RemovedCandidate[];
  @Field() notice!: string;
  @Field(() => ReviewStatus) reviewStatus!: ReviewStatus;
  @Field(() => ReviewOutcome, { nullable: true }) reviewOutcome!: ReviewOutcome | null;
  @Field(() => Date, { nullable: true, description: 'exigent searches: supervisor approval due by' }) exigentDueAt!: Date | null;
  @Field(() => Date, { nullable: true }) approvedAt!: Date | null;
  @Field() legalHold!: boolean;
  @Field(() => ID, { nullable: true, description: 'the request this search examined' }) requestId!: string | null;
  @Field(() => ID, { nullable: true, description: 'the request’s probe version it used (null: the original)' }) probeVersionId!: string | null;
  @Field(() => GalleryReceipt, { nullable: true, description: 'the receipt of the galleries searched; null for searches made before the hub kept receipts' }) galleryReceipt!: GalleryReceipt | null;
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
  @Field(() => LegalBasis, { nullable: true, description: 'required, except with requestId (the request’s own basis applies; if sent it must be the same)' }) legalBasis?: LegalBasis | null;
  @Field(() => ID, { nullable: true, description: 'the request this search examines (its assigned examiner only): the probe, case, legal basis and offense come from the request, and the search counts against the requesting agency’s quota' }) requestId?: string | null;
  @Field(() => ID, { nullable: true, description: 'with requestId: the probe version to search (default: the original photo)' }) probeVersionId?: string | null;
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

type Row = Omit<Search, 'candidates' | 'removedCandidates' | 'notice' | 'thresholdBasis' | 'probeQualityComponents' | 'qualityWarnings' | 'calibrationId'> & { calibrationId?: string | null; thresholdBasis?: ThresholdBasis | null; probeQualityComponents?: QualityComponents | null; qualityWarnings?: string[] | null };
type CandidateIn = Omit<Candidate, 'searchId' | 'subjectId'> & { subjectId?: string | null; removedReason?: string | null };
export const toSearch = (r: Row, candidates: CandidateIn[]): Search =>
  ({
    ...r,
    thresholdBasis: r.thresholdBasis ?? null,
    calibrationId: r.calibrationId ?? null,
    probeQualityComponents: r.probeQualityComponents ?? null,
    qualityWarnings: r.qualityWarnings ?? null,
    candidates: candidates.filter((c) => !c.removedReason).map((c) => ({ ...c, searchId: r.id })),
    removedCandidates: candidates.filter((c) => c.removedReason).map((c) => ({ rank: c.rank, score: c.score, reason: c.removedReason as RemovalReason })),
    notice: LEADS_NOTICE,
  }) as Search;

@Resolver(() => Search)
export class SearchResolver {
  @Mutation(() => Search)
  async searchFaces(@Arg('input') input: SearchFacesInput, @Ctx() ctx: GraphQLContext): Promise<Search> {
    const actor = actorOf(ctx);
    if (input.requestId) {
      if (input.image || input.imageBase64) throw new DomainError('BAD_USER_INPUT', 'A request’s search uses the request’s probe: send requestId without a photo.');
    } else if (!input.legalBasis) {
      throw new DomainError('BAD_USER_INPUT', 'A search declares its legal basis (legalBasis).');
    }
    const image = input.requestId ? null : await imageBytes(input.image, input.imageBase64, ctx.maxImageBytes);
    const r = await ctx.services.searches.search(actor, { ...input, legalBasis: input.legalBasis as LegalBasis, image });
    return toSearch(r, r.candidates);
  }

  @Query(() => ProbePreview, {
    description: 'The face a search of this photo would use, outlined before searching: the same access check, face choice and refusals (NO_FACE_FOUND, MULTIPLE_FACES, LOW_QUALITY, IMAGE_TOO_LARGE, ...) as searchFaces. Not a search: nothing is compared, kept or counted against the quota. Audited (PROBE_PREVIEWED, refusals too): the photo’s sha256 and size, and the faces found or the refusal’s code.',
  })
  async previewProbe(@Arg('input') input: PreviewProbeInput, @Ctx() ctx: GraphQLContext): Promise<ProbePreview> {
    const actor = actorOf(ctx);
    const image = await imageBytes(input.image, input.imageBase64, ctx.maxImageBytes);
    const f = await ctx.services.searches.previewProbe(actor, image);
    return { width: f.width, height: f.height, faces: [{ box: f.box, quality: f.quality, components: f.qualityComponents }] };
  }

  @Query(() => Search)
  async search(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Search> {
    const r = await ctx.services.searches.get(actorOf(ctx), id);
    return toSearch(r, r.candidates);
  }

  @Query(() => SearchConnection)
  async searches(
    @Arg('first', () => Int, { nullable: true }) first: number | undefined,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('legalHold', () => Boolean, { nullable: true, description: 'true: only searches on legal hold; false: only those not on hold; absent: all' }) legalHold: boolean | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SearchConnection> {
    const page = await ctx.services.searches.list(actorOf(ctx), first, after, legalHold ?? null);
    const nodes = page.nodes.map((r) => toSearch(r, r.candidates));
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
    return toSearch(row, []);
  }

  @Query(() => [Search], { description: 'Exigent searches of your tenant awaiting a supervisor’s approval (supervisors).' })
  async exigentSearchesAwaitingApproval(@Arg('overdueOnly', { defaultValue: false }) overdueOnly: boolean, @Ctx() ctx: GraphQLContext): Promise<Search[]> {
    const rows = await ctx.services.reviews.awaitingApproval(actorOf(ctx), overdueOnly);
    return rows.map((r) => toSearch(r, []));
  }
}

@Resolver(() => Candidate)
export class CandidateResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description: 'The candidate’s enrolled face (the crop kept at enrollment) as a data:image/jpeg;base64 URL, to compare with the probe. Only for a caller who may review the search (FORBIDDEN otherwise, NOT_FOUND for another tenant’s); null where the hub kept no crop (enrolled before crops were kept) or the face is in another agency’s gallery shared for searching only. Audited: CANDIDATE_FACES_VIEWED, once per search and response, refusals too (with their code).',
  })
  async faceImage(@Root() candidate: Candidate, @Ctx() ctx: GraphQLContext): Promise<string | null> {
    const actor = actorOf(ctx);
    // a page of searches asks once: one query, and one audit event per search (shown or refused), in the service
    const faces = await loaderOf<Map<number, Buffer>>(ctx, 'candidateFaces', (ids) => ctx.services.searches.candidateFaces(actor, ids))(candidate.searchId);
    const jpeg = faces.get(candidate.rank);
    return jpeg ? `data:image/jpeg;base64,${jpeg.toString('base64')}` : null;
  }
}

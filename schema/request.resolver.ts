import { Arg, Ctx, Field, Float, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { RequestView } from '../tenants/requests/request-view.js';
import { PageInfo, toConnection } from './connection.js';
import { actorOf, type GraphQLContext } from './context.js';
import {
  CandidateDisposition, DeclineReason, ExaminationConclusion, ExaminationRole, LegalBasis, OffenseCategory, ProbeEditKind, ProbeSourceKind, RequestOutcome,
  RequestPriority, RequestStatus,
} from './enums.js';
import { GraphQLUpload, imageBytes, type FileUpload } from './upload.js';

const dataUrl = (b: Buffer | null, type = 'image/jpeg') => (b ? `data:${type};base64,${b.toString('base64')}` : null);

@ObjectType({ description: 'A serving tenant agrees to examine another agency’s requests for some legal bases until a date (made by the operator).' })
export class ExaminationAgreement {
  @Field(() => ID) id!: string;
  @Field(() => ID, { description: 'the serving tenant' }) tenantId!: string;
  @Field(() => ID) requestingTenantId!: string;
  @Field(() => [LegalBasis]) legalBases!: LegalBasis[];
  @Field() expiresAt!: Date;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;
  @Field() createdAt!: Date;
}

@InputType()
export class CreateExaminationAgreementInput {
  @Field() servingTenantSlug!: string;
  @Field() requestingTenantSlug!: string;
  @Field(() => [LegalBasis]) legalBases!: LegalBasis[];
  @Field() expiresAt!: Date;
}

@ObjectType({ description: 'One probe photo as submitted (never changed); its bytes: requestProbe.' })
export class RequestProbe {
  @Field(() => ID) id!: string;
  @Field(() => Int) ordinal!: number;
  @Field() sha256!: string;
  @Field(() => Int) bytes!: number;
}

@ObjectType('ProbeEditStep')
@InputType('ProbeEditStepInput')
export class ProbeEditStep {
  @Field(() => ProbeEditKind) kind!: ProbeEditKind;
  @Field(() => Float, { nullable: true, description: 'CROP, FACE_BOX: the box, in pixels of the image the step applies to' }) x?: number | null;
  @Field(() => Float, { nullable: true }) y?: number | null;
  @Field(() => Float, { nullable: true }) width?: number | null;
  @Field(() => Float, { nullable: true }) height?: number | null;
  @Field(() => Float, { nullable: true, description: 'ROTATE: degrees clockwise' }) degrees?: number | null;
  @Field(() => Float, { nullable: true, description: 'BRIGHTNESS_CONTRAST: factors from 0.2 to 5, 1 unchanged' }) brightness?: number | null;
  @Field(() => Float, { nullable: true }) contrast?: number | null;
}

@ObjectType({ description: 'An edit of a probe: the recorded steps applied to the original, which never changes.' })
export class ProbeVersion {
  @Field(() => ID) id!: string;
  @Field(() => ID) probeId!: string;
  @Field(() => Int) version!: number;
  @Field(() => [ProbeEditStep]) steps!: ProbeEditStep[];
  @Field(() => ID, { nullable: true }) createdBy!: string | null;
  @Field() createdAt!: Date;
}

@ObjectType({ description: 'A candidate of a request’s search, as the serving tenant’s examiners see it.' })
export class RequestCandidate {
  @Field(() => ID) searchId!: string;
  @Field(() => Int) rank!: number;
  @Field() subjectRef!: string;
  @Field(() => Float, { nullable: true, description: 'null while a blind verification runs (the serving tenant’s blindVerificationScores)' }) score!: number | null;
  @Field(() => String, { nullable: true, description: 'the enrolled face as a data:image/jpeg;base64 URL; null where the hub kept none' }) faceImage!: string | null;
}

@ObjectType()
export class RequestSearch {
  @Field(() => ID) id!: string;
  @Field(() => ID, { nullable: true, description: 'the probe version searched; null: the original' }) probeVersionId!: string | null;
  @Field() createdAt!: Date;
  @Field(() => [RequestCandidate]) candidates!: RequestCandidate[];
}

@ObjectType('CandidateDispositionEntry')
@InputType('CandidateDispositionInput')
export class CandidateDispositionEntry {
  @Field(() => ID) searchId!: string;
  @Field(() => Int) rank!: number;
  @Field(() => CandidateDisposition) disposition!: CandidateDisposition;
  @Field(() => String, { nullable: true, description: 'required for POSSIBLE_LEAD' }) reason?: string | null;
}

@ObjectType({ description: 'One examiner’s dispositions and conclusion (examiner, verifier or adjudicator): all three are kept.' })
export class Examination {
  @Field(() => ExaminationRole) role!: ExaminationRole;
  @Field(() => ID) principalId!: string;
  @Field(() => ExaminationConclusion) conclusion!: ExaminationConclusion;
  @Field(() => [CandidateDispositionEntry]) dispositions!: CandidateDispositionEntry[];
  @Field(() => String, { nullable: true }) note!: string | null;
  @Field() createdAt!: Date;
}

@ObjectType({ description: 'The candidate released to the requester: an investigative lead, never an identification.' })
export class ReleasedLead {
  @Field() subjectRef!: string;
  @Field(() => String, { nullable: true, description: 'the face, as a data:image/jpeg;base64 URL: to the requesting agency only' }) faceImage!: string | null;
  @Field() banner!: string;
  @Field(() => ID, { nullable: true }) examinerId!: string | null;
  @Field(() => ID, { nullable: true }) verifierId!: string | null;
  @Field(() => ID, { nullable: true }) adjudicatorId!: string | null;
}

@ObjectType({ description: 'One event of the audit chain about this request (the history is read from the chain, never kept apart).' })
export class RequestHistoryEntry {
  @Field(() => Float, { description: 'the event’s sequence number in the audit chain' }) seq!: number;
  @Field() at!: Date;
  @Field() action!: string;
  @Field() outcome!: string;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field(() => RequestStatus, { nullable: true, description: 'the status this event moved the request to' }) status!: RequestStatus | null;
  @Field(() => String, { nullable: true }) actorRole!: string | null;
  @Field(() => ID, { nullable: true, description: 'who acted: shown to the serving tenant only' }) principalId!: string | null;
}

@ObjectType({ description: 'An analyst of the serving tenant a supervisor may assign as a request’s examiner.' })
export class ExaminerChoice {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() certifiedUntil!: Date;
}

@ObjectType({ description: 'An agency’s request for an examination, as the caller’s part in it allows.' })
export class Request {
  @Field(() => ID) id!: string;
  @Field(() => RequestStatus) status!: RequestStatus;
  @Field(() => ID, { description: 'the requesting agency' }) tenantId!: string;
  @Field(() => ID) servingTenantId!: string;
  @Field() caseNumber!: string;
  @Field(() => OffenseCategory, { nullable: true }) offenseCategory!: OffenseCategory | null;
  @Field(() => String, { nullable: true }) statuteText!: string | null;
  @Field(() => LegalBasis) legalBasis!: LegalBasis;
  @Field(() => String, { nullable: true }) narrative!: string | null;
  @Field(() => ProbeSourceKind) sourceKind!: ProbeSourceKind;
  @Field(() => String, { nullable: true }) howObtained!: string | null;
  @Field(() => Date, { nullable: true }) capturedAt!: Date | null;
  @Field() requestingOfficer!: string;
  @Field() approvingSupervisor!: string;
  @Field(() => RequestPriority) priority!: RequestPriority;
  @Field(() => Date, { nullable: true }) dueAt!: Date | null;
  @Field() overdue!: boolean;
  @Field(() => ID, { nullable: true, description: 'serving tenant only' }) examinerId!: string | null;
  @Field(() => ID, { nullable: true, description: 'serving tenant only' }) verifierId!: string | null;
  @Field(() => ID, { nullable: true, description: 'serving tenant only' }) adjudicatorId!: string | null;
  @Field(() => DeclineReason, { nullable: true }) declineReason!: DeclineReason | null;
  @Field(() => String, { nullable: true }) declineNote!: string | null;
  @Field(() => RequestOutcome, { nullable: true }) outcome!: RequestOutcome | null;
  @Field(() => String, { nullable: true }) outcomeNote!: string | null;
  @Field(() => Date, { nullable: true, description: 'when the requester attested to independent evidence (before a line-up export)' }) attestedAt!: Date | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
  @Field(() => [RequestProbe]) probes!: RequestProbe[];
  @Field(() => [ProbeVersion], { description: 'serving tenant only' }) probeVersions!: ProbeVersion[];
  @Field(() => [RequestSearch], { description: 'serving tenant only' }) searches!: RequestSearch[];
  @Field(() => [Examination], { description: 'serving tenant only; while a blind verification runs, only the examiner sees the examiner’s' }) examinations!: Examination[];
  @Field(() => ReleasedLead, { nullable: true }) lead!: ReleasedLead | null;
  @Field(() => [RequestHistoryEntry], { description: 'the request’s events in the audit chain, in order (on request(id); empty in a list)' }) history!: RequestHistoryEntry[];
  @Field(() => [ExaminerChoice], { description: 'on request(id), to a supervisor of the serving tenant while the request awaits acceptance: its analysts certified now, to assign as examiner; empty otherwise' })
  examinerChoices!: ExaminerChoice[];
}

@ObjectType()
export class RequestEdge {
  @Field(() => Request) node!: Request;
}

@ObjectType()
export class RequestConnection {
  @Field(() => [RequestEdge]) edges!: RequestEdge[];
  @Field(() => [Request]) nodes!: Request[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@InputType()
export class SubmitRequestInput {
  @Field(() => GraphQLUpload, { nullable: true }) image?: Promise<FileUpload>;
  @Field(() => String, { nullable: true }) imageBase64?: string | null;
  @Field(() => [String], { nullable: true, description: 'further probe photos (base64), up to 5 photos in all' }) moreImagesBase64?: string[] | null;
  @Field(() => String, { nullable: true, description: 'the tenant asked to examine it (under an examination agreement); absent: your own agency' }) servingTenantSlug?: string | null;
  @Field() caseNumber!: string;
  @Field(() => OffenseCategory, { nullable: true }) offenseCategory?: OffenseCategory | null;
  @Field(() => String, { nullable: true, description: 'the statute, in words' }) statuteText?: string | null;
  @Field(() => LegalBasis) legalBasis!: LegalBasis;
  @Field(() => String, { nullable: true }) warrantNumber?: string | null;
  @Field(() => String, { nullable: true }) narrative?: string | null;
  @Field(() => ProbeSourceKind) sourceKind!: ProbeSourceKind;
  @Field(() => String, { nullable: true, description: 'how the probe was obtained' }) howObtained?: string | null;
  @Field(() => Date, { nullable: true, description: 'when the probe was captured, when known' }) capturedAt?: Date | null;
  @Field() requestingOfficer!: string;
  @Field({ description: 'the supervisor who approved sending the request' }) approvingSupervisor!: string;
  @Field(() => RequestPriority, { nullable: true }) priority?: RequestPriority | null;
  @Field(() => Date, { nullable: true }) dueAt?: Date | null;
  @Field(() => Boolean, { defaultValue: true, description: 'Your declaration that the request is not for a prohibited purpose; false is refused.' }) notForProhibitedPurpose!: boolean;
}

@InputType()
export class EditRequestProbeInput {
  @Field(() => ID) requestId!: string;
  @Field(() => ID, { nullable: true, description: 'default: the first probe' }) probeId?: string | null;
  @Field(() => [ProbeEditStep]) steps!: ProbeEditStep[];
}

@InputType()
export class RecordDispositionsInput {
  @Field(() => ID) requestId!: string;
  @Field(() => ExaminationConclusion) conclusion!: ExaminationConclusion;
  @Field(() => [CandidateDispositionEntry], { description: 'one for every candidate of every search of the request' }) dispositions!: CandidateDispositionEntry[];
  @Field(() => String, { nullable: true }) note?: string | null;
}

@ObjectType({ description: 'A released lead’s photo for a photo line-up, after the requester’s attestation of independent evidence.' })
export class LeadPhotoExport {
  @Field() subjectRef!: string;
  @Field({ description: 'data:image/jpeg;base64 URL' }) image!: string;
  @Field() banner!: string;
}

const toRequest = (v: RequestView, now = new Date()): Request =>
  ({
    ...v,
    overdue: !!v.dueAt && v.dueAt < now && !['DECLINED', 'LEAD_RELEASED', 'NO_LEAD', 'OUTCOME_RECORDED', 'CLOSED', 'WITHDRAWN'].includes(v.status),
    searches: v.searches.map((s) => ({ ...s, candidates: s.candidates.map(({ face, ...c }) => ({ ...c, faceImage: dataUrl(face) })) })),
    lead: v.lead ? { ...v.lead, faceImage: dataUrl(v.lead.face) } : null,
    examinerChoices: v.examinerChoices ?? [],
  });

@Resolver()
export class RequestResolver {
  @Query(() => [ExaminationAgreement], { description: 'Agreements your tenant serves or requests under (all of them for HUB_ADMIN).' })
  examinationAgreements(@Ctx() ctx: GraphQLContext): Promise<ExaminationAgreement[]> {
    return ctx.services.examinationAgreements.list(actorOf(ctx)) as Promise<ExaminationAgreement[]>;
  }

  @Mutation(() => ExaminationAgreement, { description: 'HUB_ADMIN: a serving tenant agrees to examine another agency’s requests.' })
  createExaminationAgreement(@Arg('input') input: CreateExaminationAgreementInput, @Ctx() ctx: GraphQLContext): Promise<ExaminationAgreement> {
    return ctx.services.examinationAgreements.create(actorOf(ctx), input) as Promise<ExaminationAgreement>;
  }

  @Mutation(() => ExaminationAgreement, { description: 'Takes effect on the next submission.' })
  revokeExaminationAgreement(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ExaminationAgreement> {
    return ctx.services.examinationAgreements.revoke(actorOf(ctx), id) as Promise<ExaminationAgreement>;
  }

  @Mutation(() => Request, { description: 'AGENCY_REQUESTER: a request for an examination, with its probe(s) and their provenance. Both agencies’ policies must allow it, and an examination agreement must cover it unless your own agency examines it.' })
  async submitRequest(@Arg('input') input: SubmitRequestInput, @Ctx() ctx: GraphQLContext): Promise<Request> {
    const actor = actorOf(ctx);
    const images = [await imageBytes(input.image, input.imageBase64, ctx.maxImageBytes)];
    for (const more of input.moreImagesBase64 ?? []) images.push(await imageBytes(undefined, more, ctx.maxImageBytes));
    const { image: _i, imageBase64: _b, moreImagesBase64: _m, ...rest } = input;
    const row = await ctx.services.requests.submit(actor, { ...rest, images });
    return this.request(row.id, ctx);
  }

  @Mutation(() => Request, { description: 'A supervisor of the serving tenant accepts a request and assigns its examiner (a certified analyst).' })
  async acceptRequest(@Arg('requestId', () => ID) requestId: string, @Arg('examinerId', () => ID) examinerId: string, @Ctx() ctx: GraphQLContext): Promise<Request> {
    await ctx.services.requests.accept(actorOf(ctx), requestId, examinerId);
    return this.request(requestId, ctx);
  }

  @Mutation(() => Request)
  async declineRequest(
    @Arg('requestId', () => ID) requestId: string,
    @Arg('reason', () => DeclineReason) reason: DeclineReason,
    @Arg('note', () => String, { nullable: true, description: 'required for OTHER' }) note: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Request> {
    await ctx.services.requests.decline(actorOf(ctx), requestId, reason, note);
    return this.request(requestId, ctx);
  }

  @Mutation(() => Request, { description: 'The requester takes a request back before a lead is released.' })
  async withdrawRequest(@Arg('requestId', () => ID) requestId: string, @Arg('note', () => String, { nullable: true }) note: string | null, @Ctx() ctx: GraphQLContext): Promise<Request> {
    await ctx.services.requests.withdraw(actorOf(ctx), requestId, note);
    return this.request(requestId, ctx);
  }

  @Mutation(() => ProbeVersion, { description: 'The examiner records an edit of a probe as steps from the original (crop, rotate, brightness/contrast, a hand-placed face box).' })
  editRequestProbe(@Arg('input') input: EditRequestProbeInput, @Ctx() ctx: GraphQLContext): Promise<ProbeVersion> {
    return ctx.services.examinations.editProbe(actorOf(ctx), input);
  }

  @Query(() => String, { description: 'A request’s probe (the original, or a version) as a data:image URL: its examiner, its verifier and the serving tenant’s supervisors only. Audited.' })
  async requestProbe(@Arg('requestId', () => ID) requestId: string, @Arg('probeVersionId', () => ID, { nullable: true }) probeVersionId: string | null, @Ctx() ctx: GraphQLContext): Promise<string> {
    const p = await ctx.services.examinations.probe(actorOf(ctx), requestId, probeVersionId);
    return dataUrl(p.image, p.edited ? 'image/png' : 'image/jpeg')!;
  }

  @Mutation(() => Request, { description: 'A second examiner (never the examiner) takes the blind verification; the first to claim it has it.' })
  async claimVerification(@Arg('requestId', () => ID) requestId: string, @Ctx() ctx: GraphQLContext): Promise<Request> {
    await ctx.services.examinations.claimVerification(actorOf(ctx), requestId);
    return this.request(requestId, ctx);
  }

  @Mutation(() => Request, { description: 'Dispositions for every candidate and a conclusion: by the examiner, then the verifier, then (on disagreement) a supervisor who adjudicates.' })
  async recordDispositions(@Arg('input') input: RecordDispositionsInput, @Ctx() ctx: GraphQLContext): Promise<Request> {
    await ctx.services.examinations.recordDispositions(actorOf(ctx), input);
    return this.request(input.requestId, ctx);
  }

  @Mutation(() => Request, { description: 'Releases a verified lead to the requester (a candidate both examiners, or the adjudicator, marked POSSIBLE_LEAD).' })
  async releaseLead(@Arg('requestId', () => ID) requestId: string, @Arg('searchId', () => ID) searchId: string, @Arg('rank', () => Int) rank: number, @Ctx() ctx: GraphQLContext): Promise<Request> {
    await ctx.services.examinations.releaseLead(actorOf(ctx), requestId, searchId, rank);
    return this.request(requestId, ctx);
  }

  @Mutation(() => Request, { description: 'The requester reports what came of a lead (or of no lead).' })
  async recordOutcome(
    @Arg('requestId', () => ID) requestId: string,
    @Arg('outcome', () => RequestOutcome) outcome: RequestOutcome,
    @Arg('note', () => String, { nullable: true }) note: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Request> {
    await ctx.services.requests.recordOutcome(actorOf(ctx), requestId, outcome, note);
    return this.request(requestId, ctx);
  }

  @Mutation(() => LeadPhotoExport, { description: 'The requester exports a released lead’s photo for a photo line-up, attesting to independent evidence first. Audited with the attestation.' })
  async exportLeadPhoto(@Arg('requestId', () => ID) requestId: string, @Arg('attestation') attestation: string, @Ctx() ctx: GraphQLContext): Promise<LeadPhotoExport> {
    const e = await ctx.services.examinations.exportLeadPhoto(actorOf(ctx), requestId, attestation);
    return { subjectRef: e.subjectRef, image: dataUrl(e.image)!, banner: e.banner };
  }

  @Mutation(() => Request, { description: 'A supervisor of the serving tenant closes a request whose outcome is recorded (or one declined or withdrawn).' })
  async closeRequest(@Arg('requestId', () => ID) requestId: string, @Ctx() ctx: GraphQLContext): Promise<Request> {
    await ctx.services.requests.close(actorOf(ctx), requestId);
    return this.request(requestId, ctx);
  }

  @Query(() => Request, { description: 'One request, as your part in it allows (audited).' })
  async request(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Request> {
    return toRequest(await ctx.services.requests.get(actorOf(ctx), id));
  }

  @Query(() => RequestConnection, { description: 'Requests you may read, newest first: a requester its agency’s; a supervisor those its tenant serves or sends; an analyst those it examines or verifies and those awaiting a verifier.' })
  async requests(
    @Arg('status', () => RequestStatus, { nullable: true }) status: RequestStatus | null,
    @Arg('overdue', () => Boolean, { nullable: true, description: 'only open requests past their due date' }) overdue: boolean | null,
    @Arg('assignedToMe', () => Boolean, { nullable: true, description: 'an examiner’s queue' }) assignedToMe: boolean | null,
    @Arg('first', () => Int, { nullable: true }) first: number | undefined,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RequestConnection> {
    const page = await ctx.services.requests.list(actorOf(ctx), { status, overdue, assignedToMe, first, after });
    return toConnection(page.nodes.map((v) => toRequest(v)), page);
  }
}

import { Arg, Ctx, Directive, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { PageInfo, toConnection } from './connection.js';
import { actorOf, type GraphQLContext } from './context.js';
import { GraphQLUpload, imageBytes, type FileUpload } from './upload.js';
import { AgeBand, DemographicField, SubjectEthnicity, SubjectRace, SubjectSex } from './enums.js';

@ObjectType({ description: 'A tenant’s collection of enrolled faces, e.g. booking photos.' })
@Directive('@key(fields: "id")')
export class Gallery {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => ID) tenantId!: string;
  @Field(() => Int) templateCount!: number;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true, description: 'when it was archived (updateGallery): an archived gallery is not searched and takes no enrollment until brought back; null while in use' }) archivedAt!: Date | null;
  @Field(() => [DemographicField], { description: 'the demographic fields its owner chose to keep on its subjects (updateGallery; none by default)' }) demographicFields!: DemographicField[];
}

@ObjectType({ description: 'How many of a gallery’s templates one model version has: a move to a new model pack (`frhub reembed`) is complete when the new version has one for every enrolled photo.' })
export class ModelTemplateCount {
  @Field() modelVersion!: string;
  @Field(() => Int) templates!: number;
  @Field(() => Int, { description: 'of them, those whose enrolled photo has a kept face crop, so can be re-embedded with another pack (counted for the gallery’s own tenant; 0 for a gallery shared with the caller)' }) withCrop!: number;
}

@ObjectType({ description: 'A person in a gallery, known by the owner’s reference (e.g. a booking number).' })
export class Subject {
  @Field(() => ID) id!: string;
  @Field(() => ID) galleryId!: string;
  @Field({ description: 'the owner’s reference, e.g. a booking number' }) subjectRef!: string;
  @Field(() => Int) templateCount!: number;
  @Field() createdAt!: Date;
  @Field(() => String, { nullable: true, description: 'the person’s name, as the gallery owner keeps it (updateSubject)' }) name!: string | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD' }) dateOfBirth!: string | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD' }) bookingDate!: string | null;
  @Field(() => String, { nullable: true }) bookingNumber!: string | null;
  @Field(() => String, { nullable: true, description: 'free text or the owner’s codes' }) charges!: string | null;
  @Field(() => String, { nullable: true, description: 'the case’s disposition, free text or the owner’s codes' }) disposition!: string | null;
  @Field(() => SubjectSex, { nullable: true, description: 'kept only where the gallery keeps SEX' }) sex!: SubjectSex | null;
  @Field(() => SubjectRace, { nullable: true, description: 'kept only where the gallery keeps RACE' }) race!: SubjectRace | null;
  @Field(() => SubjectEthnicity, { nullable: true, description: 'kept only where the gallery keeps ETHNICITY' }) ethnicity!: SubjectEthnicity | null;
  @Field(() => AgeBand, { nullable: true, description: 'kept only where the gallery keeps AGE_BAND' }) ageBand!: AgeBand | null;
  @Field({ description: 'false for a subject of another agency’s gallery shared with the caller: its details are that agency’s, and are null here' }) detailsVisible!: boolean;
}

@ObjectType()
export class SubjectEdge {
  @Field(() => Subject) node!: Subject;
}

@ObjectType()
export class SubjectConnection {
  @Field(() => [SubjectEdge]) edges!: SubjectEdge[];
  @Field(() => [Subject]) nodes!: Subject[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@ObjectType()
export class Enrollment {
  @Field(() => ID) templateId!: string;
  @Field(() => ID) subjectId!: string;
  @Field(() => ID) galleryId!: string;
  @Field() subjectRef!: string;
  @Field({ description: 'false when this image was already enrolled in the gallery (idempotent)' }) created!: boolean;
  @Field() quality!: number;
  @Field() modelVersion!: string;
}

@InputType()
export class CreateGalleryInput {
  @Field() name!: string;
}

@InputType()
export class EnrollFaceInput {
  @Field(() => ID) galleryId!: string;
  @Field() subjectRef!: string;
  @Field(() => GraphQLUpload, { nullable: true }) image?: Promise<FileUpload>;
  @Field(() => String, { nullable: true }) imageBase64?: string | null;
  @Field(() => SubjectSex, { nullable: true, description: 'only where the gallery keeps SEX (else FIELD_NOT_KEPT)' }) sex?: SubjectSex | null;
  @Field(() => SubjectRace, { nullable: true, description: 'only where the gallery keeps RACE' }) race?: SubjectRace | null;
  @Field(() => SubjectEthnicity, { nullable: true, description: 'only where the gallery keeps ETHNICITY' }) ethnicity?: SubjectEthnicity | null;
  @Field(() => AgeBand, { nullable: true, description: 'only where the gallery keeps AGE_BAND' }) ageBand?: AgeBand | null;
}

@Resolver(() => Gallery)
export class GalleryResolver {
  @Query(() => [Gallery])
  galleries(@Ctx() ctx: GraphQLContext): Promise<Gallery[]> {
    return ctx.services.galleries.list(actorOf(ctx));
  }

  @Query(() => Gallery)
  gallery(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Gallery> {
    return ctx.services.galleries.get(actorOf(ctx), id);
  }

  @Query(() => SubjectConnection)
  async subjects(
    @Arg('galleryId', () => ID) galleryId: string,
    @Arg('first', () => Int, { nullable: true }) first: number | undefined,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SubjectConnection> {
    const page = await ctx.services.galleries.subjects(actorOf(ctx), galleryId, first, after);
    const nodes = page.nodes.map((s) => ({ ...s, subjectRef: s.externalRef, detailsVisible: true }));
    return toConnection(nodes, page);
  }

  @FieldResolver(() => [ModelTemplateCount], { description: 'templates per model version (two during a move to a new model pack)' })
  templateCounts(@Root() gallery: Gallery, @Ctx() ctx: GraphQLContext): Promise<ModelTemplateCount[]> {
    return ctx.services.galleries.templateCounts(actorOf(ctx), gallery.id);
  }

  @Mutation(() => Gallery)
  createGallery(@Arg('input') input: CreateGalleryInput, @Ctx() ctx: GraphQLContext): Promise<Gallery> {
    return ctx.services.galleries.create(actorOf(ctx), input.name);
  }

  @Mutation(() => Enrollment)
  async enrollFace(@Arg('input') input: EnrollFaceInput, @Ctx() ctx: GraphQLContext): Promise<Enrollment> {
    const actor = actorOf(ctx);
    const image = await imageBytes(input.image, input.imageBase64, ctx.maxImageBytes);
    const { sex, race, ethnicity, ageBand } = input;
    return ctx.services.galleries.enroll(actor, { galleryId: input.galleryId, subjectRef: input.subjectRef, image, demographics: { sex, race, ethnicity, ageBand } });
  }
}

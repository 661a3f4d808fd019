import { Arg, Ctx, Field, FieldResolver, Float, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { SubjectView } from '../tenants/galleries/records.service.js';
import { actorOf, loaderOf, type GraphQLContext } from './context.js';
import { AgeBand, DemographicField, RemovalReason, SubjectEthnicity, SubjectRace, SubjectSex } from './enums.js';
import { Gallery, Subject } from './gallery.resolver.js';
import { Candidate, Search } from './search.resolver.js';

@InputType({ description: 'Details a gallery owner keeps about a subject: each optional; absent stays, null (or blank) clears.' })
export class UpdateSubjectInput {
  @Field(() => ID) subjectId!: string;
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD' }) dateOfBirth?: string | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD' }) bookingDate?: string | null;
  @Field(() => String, { nullable: true }) bookingNumber?: string | null;
  @Field(() => String, { nullable: true, description: 'free text or codes' }) charges?: string | null;
  @Field(() => String, { nullable: true, description: 'free text or codes' }) disposition?: string | null;
  @Field(() => SubjectSex, { nullable: true, description: 'only where the gallery keeps SEX (else FIELD_NOT_KEPT); null clears' }) sex?: SubjectSex | null;
  @Field(() => SubjectRace, { nullable: true, description: 'only where the gallery keeps RACE; null clears' }) race?: SubjectRace | null;
  @Field(() => SubjectEthnicity, { nullable: true, description: 'only where the gallery keeps ETHNICITY; null clears' }) ethnicity?: SubjectEthnicity | null;
  @Field(() => AgeBand, { nullable: true, description: 'only where the gallery keeps AGE_BAND; null clears' }) ageBand?: AgeBand | null;
}

@InputType()
export class RemoveSubjectInput {
  @Field(() => ID) subjectId!: string;
  @Field(() => RemovalReason) reason!: RemovalReason;
}

@InputType()
export class RemovePhotoInput {
  @Field(() => ID, { description: 'the enrolled photo, by the id of one of its templates (enrollFace’s templateId, a candidate’s templateId)' }) templateId!: string;
  @Field(() => RemovalReason) reason!: RemovalReason;
}

@InputType()
export class UpdateGalleryInput {
  @Field(() => ID) galleryId!: string;
  @Field(() => String, { nullable: true, description: 'a new name (1-200 characters, unique in your agency)' }) name?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'true: archive (not searched, takes no enrollment); false: bring back' }) archived?: boolean | null;
  @Field(() => [DemographicField], { nullable: true, description: 'the demographic fields to keep on its subjects from now on (replaces the list; [] keeps none): a field left out is cleared on every subject' }) demographicFields?: DemographicField[] | null;
}

@ObjectType({ description: 'What a removal took away (the same as its audit event records): ids, counts and the reason, never a face.' })
export class SubjectRemoval {
  @Field(() => ID) subjectId!: string;
  @Field(() => ID) galleryId!: string;
  @Field() subjectRef!: string;
  @Field(() => RemovalReason) reason!: RemovalReason;
  @Field({ description: 'false for removePhoto: the subject and its other photos stay' }) subjectRemoved!: boolean;
  @Field(() => [ID], { description: 'the templates deleted (every model version of each photo)' }) templateIds!: string[];
  @Field(() => Int, { description: 'face crops deleted' }) crops!: number;
  @Field(() => Int, { description: 'past searches’ candidate rows redacted (rank, score and the reason stay)' }) candidateRows!: number;
  @Field(() => Int, { description: 'past searches those rows belong to' }) searches!: number;
}

@ObjectType({ description: 'Rows in one table that still hold something of a subject.' })
export class TableRemnant {
  @Field() table!: string;
  @Field(() => Int) rows!: number;
}

@ObjectType({ description: 'The proof of a removal: rows still tied to the subject, its templates or its photos, table by table.' })
export class SubjectRemnants {
  @Field(() => ID) subjectId!: string;
  @Field({ description: 'the subject itself is gone' }) removed!: boolean;
  @Field(() => RemovalReason, { nullable: true }) reason!: RemovalReason | null;
  @Field(() => Date, { nullable: true }) removedAt!: Date | null;
  @Field(() => [TableRemnant], { description: 'subjects, face_templates, face_crops, search_candidates' }) tables!: TableRemnant[];
  @Field({ description: 'true when every count is 0: nothing of the subject is left outside the audit chain (which records ids and counts, never a face)' }) clean!: boolean;
}

@ObjectType({ description: 'One person among a search’s candidates: the best photo’s score and rank, and every photo of theirs that scored.' })
export class CandidateGroup {
  @Field(() => Float, { description: 'the best photo’s score' }) bestScore!: number;
  @Field(() => Int, { description: 'the best photo’s rank among the candidates' }) bestRank!: number;
  @Field() subjectRef!: string;
  @Field(() => ID) galleryId!: string;
  @Field(() => [Candidate], { description: 'this person’s candidates, best first (the first is the best photo)' }) candidates!: Candidate[];
  subjectId!: string;
  searchId!: string;
}

const TABLES = { subjects: 'subjects', faceTemplates: 'face_templates', faceCrops: 'face_crops', searchCandidates: 'search_candidates' } as const;

/** The subject of a candidate, as the caller may see it; one query per response. */
function subjectOf(ctx: GraphQLContext, subjectId: string): Promise<Subject | null> {
  const actor = actorOf(ctx);
  const load = loaderOf<{ view: SubjectView | null }>(ctx, 'candidateSubjects', async (ids) => {
    const found = await ctx.services.records.ofCandidates(actor, ids);
    return new Map(ids.map((id) => [id, { view: found.get(id) ?? null }]));
  });
  return load(subjectId).then(({ view }) => (view ? { ...view, subjectRef: view.externalRef } : null));
}

@Resolver()
export class RecordsResolver {
  @Mutation(() => Subject, { description: 'Corrects a subject’s details (the gallery’s own agency: AGENCY_ADMIN, or HUB_ADMIN for the operator’s galleries). Audited with the fields changed.' })
  async updateSubject(@Arg('input') input: UpdateSubjectInput, @Ctx() ctx: GraphQLContext): Promise<Subject> {
    const s = await ctx.services.records.updateSubject(actorOf(ctx), input);
    return { ...s, subjectRef: s.externalRef, detailsVisible: true };
  }

  @Mutation(() => SubjectRemoval, {
    description: 'Removes a subject at once, with its reason: every template, face crop and past candidate row made from its photos goes in one transaction with the audit event (ids, counts, reason; never a face). Prove it with subjectRemnants.',
  })
  removeSubject(@Arg('input') input: RemoveSubjectInput, @Ctx() ctx: GraphQLContext): Promise<SubjectRemoval> {
    return ctx.services.records.removeSubject(actorOf(ctx), input).then(removal);
  }

  @Mutation(() => SubjectRemoval, { description: 'Removes one enrolled photo (its templates of every model version, its crop, its candidate rows); the subject keeps its other photos.' })
  removePhoto(@Arg('input') input: RemovePhotoInput, @Ctx() ctx: GraphQLContext): Promise<SubjectRemoval> {
    return ctx.services.records.removePhoto(actorOf(ctx), input).then(removal);
  }

  @Mutation(() => Gallery, { description: 'Renames a gallery, or archives it (not searched, takes no enrollment) or brings it back. Audited.' })
  updateGallery(@Arg('input') input: UpdateGalleryInput, @Ctx() ctx: GraphQLContext): Promise<Gallery> {
    return ctx.services.records.updateGallery(actorOf(ctx), input);
  }

  @Query(() => SubjectRemnants, { description: 'Counts, table by table, what the hub still holds of a subject (removed or not) of your agency. Audited.' })
  async subjectRemnants(@Arg('subjectId', () => ID) subjectId: string, @Ctx() ctx: GraphQLContext): Promise<SubjectRemnants> {
    const r = await ctx.services.records.remnants(actorOf(ctx), subjectId);
    const tables = (Object.keys(TABLES) as (keyof typeof TABLES)[]).map((k) => ({ table: TABLES[k], rows: r.remnants[k] }));
    return { ...r, tables };
  }

  @Query(() => [Subject], { description: 'Your agency’s subjects whose booking number (or reference) is this one, for a disposition feed (who may change your records).' })
  async subjectsByBookingNumber(@Arg('bookingNumber') bookingNumber: string, @Ctx() ctx: GraphQLContext): Promise<Subject[]> {
    const rows = await ctx.services.records.byBookingNumber(actorOf(ctx), bookingNumber);
    return rows.map((s) => ({ ...s, subjectRef: s.externalRef, detailsVisible: true }));
  }
}

const removal = (r: { subjectId: string; galleryId: string; subjectRef: string; reason: RemovalReason; subjectRemoved: boolean; templateIds: string[]; crops: number; candidateRows: number; searches: string[] }): SubjectRemoval => ({
  ...r,
  searches: r.searches.length,
});

@Resolver(() => Candidate)
export class CandidateSubjectResolver {
  @FieldResolver(() => Subject, {
    nullable: true,
    description: 'The person this candidate’s photo belongs to: the details for your own agency’s galleries; only the reference for another agency’s gallery shared with you (detailsVisible false); null where it is no longer visible to you.',
  })
  subject(@Root() candidate: Candidate, @Ctx() ctx: GraphQLContext): Promise<Subject | null> {
    return subjectOf(ctx, candidate.subjectId);
  }
}

@Resolver(() => CandidateGroup)
export class CandidateGroupResolver {
  @FieldResolver(() => Subject, { nullable: true, description: 'the person, as Candidate.subject shows it' })
  subject(@Root() group: CandidateGroup, @Ctx() ctx: GraphQLContext): Promise<Subject | null> {
    return subjectOf(ctx, group.subjectId);
  }
}

@Resolver(() => Search)
export class SearchGroupsResolver {
  @FieldResolver(() => [CandidateGroup], { description: 'The candidates grouped by person, best first: a person with two photos that scored is one group, not two rows.' })
  candidatesBySubject(@Root() search: Search): CandidateGroup[] {
    const groups = new Map<string, CandidateGroup>();
    for (const c of [...search.candidates].sort((a, b) => a.rank - b.rank)) {
      const g = groups.get(c.subjectId);
      if (g) g.candidates.push(c);
      else groups.set(c.subjectId, { bestScore: c.score, bestRank: c.rank, subjectRef: c.subjectRef, galleryId: c.galleryId, candidates: [c], subjectId: c.subjectId, searchId: c.searchId });
    }
    return [...groups.values()];
  }
}

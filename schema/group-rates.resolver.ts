import { Arg, Ctx, Field, Float, ID, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { actorOf, type GraphQLContext } from './context.js';
import { DemographicField } from './enums.js';
import { RateInterval } from './search.resolver.js';

@ObjectType({ description: 'The pack’s error rates on one group of a gallery’s people (counts and rates only). A group of 1-4 people shows its people as "<5", and no photo count, pairs or rate.' })
export class GroupRates {
  @Field({ description: 'the value of the demographic field (e.g. FEMALE)' }) group!: string;
  @Field({ description: 'people (subjects) of the group sampled; "<5" for 1-4' }) people!: string;
  @Field(() => String, { nullable: true, description: 'their photos (templates); null for a suppressed group' }) photos!: string | null;
  @Field(() => Int, { description: 'pairs of photos of two different people of the group' }) impostorPairs!: number;
  @Field(() => Int, { description: 'of them, at or above the threshold' }) falseMatches!: number;
  @Field(() => Float, { nullable: true, description: 'falseMatches / impostorPairs; null for fewer than two people or a suppressed group' }) falseMatchRate!: number | null;
  @Field(() => RateInterval, { nullable: true, description: '95% interval, from a bootstrap over people (exact binomial on independent pairs in the tail)' }) falseMatchRateInterval!: RateInterval | null;
  @Field(() => Int, { description: 'pairs of photos of one person of the group' }) genuinePairs!: number;
  @Field({ description: 'people of the group with two or more photos' }) genuinePeople!: string;
  @Field(() => Int, { description: 'of the genuine pairs, below the threshold' }) falseNonMatches!: number;
  @Field(() => Float, { nullable: true, description: 'falseNonMatches / genuinePairs; null where no one has two photos' }) falseNonMatchRate!: number | null;
  @Field(() => RateInterval, { nullable: true, description: '95% interval, from a bootstrap over the people with several photos' }) falseNonMatchRateInterval!: RateInterval | null;
  @Field({ description: 'under 10 people (or 10 people with two photos): the rates say nothing of the group' }) tooSmall!: boolean;
  @Field(() => String, { nullable: true, description: 'why the group is too small, in words' }) warning!: string | null;
  @Field({ description: 'true for 1-4 people: counts shown as "<5", no rate' }) suppressed!: boolean;
}

@ObjectType({ description: 'A gallery’s people measured by one demographic field its owner keeps, at the active pack’s operating threshold.' })
export class GalleryGroupRates {
  @Field(() => ID) galleryId!: string;
  @Field(() => DemographicField) by!: DemographicField;
  @Field({ description: 'false: the gallery’s owner does not keep this field, so nothing was read and there are no groups' }) kept!: boolean;
  @Field() modelVersion!: string;
  @Field(() => Float, { description: 'the operating threshold: the pack’s verification threshold, the lowest score a search reports' }) threshold!: number;
  @Field(() => Int, { description: 'templates read (at most 4000, whole subjects at a time)' }) templatesRead!: number;
  @Field(() => Int, { description: 'of them, of subjects with no value recorded for the field: in no group' }) unrecorded!: number;
  @Field(() => [GroupRates]) groups!: GroupRates[];
}

@Resolver()
export class GroupRatesResolver {
  @Query(() => GalleryGroupRates, {
    description: 'The false-match rate at the operating threshold (pairs of different people within a group) and the false non-match rate (pairs of one person’s photos) per group of a demographic field the gallery keeps, with 95% intervals and sample sizes. HUB_ADMIN and OVERSIGHT_AUDITOR for any gallery, and a sandbox tenant’s AGENCY_ADMIN (an independent tester) for its own; counts and rates only, small groups suppressed. Audited.',
  })
  async galleryRatesByGroup(@Arg('galleryId', () => ID) galleryId: string, @Arg('by', () => DemographicField) by: DemographicField, @Ctx() ctx: GraphQLContext): Promise<GalleryGroupRates> {
    const r = await ctx.services.groupRates.measure(actorOf(ctx), { galleryId, by });
    return { galleryId: r.gallery.id, by: r.field, kept: r.kept, modelVersion: r.modelVersion, threshold: r.threshold, templatesRead: r.templatesRead, unrecorded: r.unrecorded, groups: r.groups };
  }
}

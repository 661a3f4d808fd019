import { Arg, Ctx, Field, Float, ID, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { actorOf, type GraphQLContext } from './context.js';
import { CalibrationJobState, CalibrationSource } from './enums.js';
import { StatutorySection } from './oversight.resolver.js';

@ObjectType({ description: 'The accountability report: the model pack and its file hashes, the calibration in use and where it came from, the measured false-match rates with their 95% intervals (by group where measured), the quality of the probes searched, and what the hub cannot know. Figures only.' })
export class AccountabilityReport {
  @Field(() => Int) year!: number;
  @Field() title!: string;
  @Field() periodStart!: Date;
  @Field({ description: 'exclusive' }) periodEnd!: Date;
  @Field() generatedAt!: Date;
  @Field(() => ID, { nullable: true, description: 'the calibration in use when the report was made' }) calibrationId!: string | null;
  @Field(() => CalibrationSource, { nullable: true }) calibrationSource!: CalibrationSource | null;
  @Field(() => [StatutorySection]) sections!: StatutorySection[];
  @Field(() => [String]) notes!: string[];
  @Field(() => [String], { description: 'what the hub cannot know' }) cannotKnow!: string[];
  @Field({ description: 'the report as a PDF, base64' }) pdfBase64!: string;
}

@ObjectType({ description: 'What a calibration says at one threshold: the false-match rate of one comparison with its 95% interval.' })
export class RateAtThreshold {
  @Field(() => Float) threshold!: number;
  @Field(() => Float, { description: 'the share of different-person pairs measured at or above the threshold; beyond every pair measured, only the smallest rate the data can show' }) falseMatchRate!: number;
  @Field(() => Float, { description: '95% interval, low end (0: no different-person pair measured reached it)' }) low!: number;
  @Field(() => Float, { description: '95% interval, high end: beyond the data, the one-sided bound (“fewer than 1 in 1/high”)' }) high!: number;
  @Field({ description: 'the threshold is above every different-person pair measured: only `high` is known' }) beyondData!: boolean;
}

@ObjectType({ description: 'A stored score calibration: the shipped one or one measured on a gallery. Score distributions only, nothing of a face.' })
export class ScoreCalibration {
  @Field(() => ID) id!: string;
  @Field(() => Int, { description: 'numbered in the order stored' }) version!: number;
  @Field(() => CalibrationSource) source!: CalibrationSource;
  @Field() modelVersion!: string;
  @Field(() => ID, { nullable: true, description: 'the gallery it was measured on (null: shipped with the pack)' }) galleryId!: string | null;
  @Field({ description: 'what it was measured on, in words' }) measuredOn!: string;
  @Field({ description: 'who measured it: the pack’s maker, the operator’s command line, or the measuring job' }) measuredBy!: string;
  @Field() measuredAt!: Date;
  @Field(() => Int, { description: 'templates (photos) measured' }) templates!: number;
  @Field(() => Int, { description: 'people (subjects) measured' }) people!: number;
  @Field(() => Float, { description: 'pairs of templates of two different people' }) impostorPairs!: number;
  @Field(() => Float, { description: 'pairs of templates of one person' }) genuinePairs!: number;
  @Field({ description: 'the one every search of its model version reads its false-match rates from now' }) current!: boolean;
  @Field(() => RateAtThreshold, { description: 'at the pack’s verification threshold (the lowest a search uses)' }) atThreshold!: RateAtThreshold;
  @Field(() => Float, { nullable: true, description: 'its false-match rate at the threshold over the shipped calibration’s (null where either is beyond its data)' }) rateRatioToShipped!: number | null;
  @Field({ description: 'whether its 95% interval at the threshold and the shipped calibration’s share any rate (false: they differ beyond what chance explains)' }) overlapsShipped!: boolean;
}

@ObjectType({ description: 'The hub’s score calibrations for the model it runs, each beside the shipped one.' })
export class CalibrationOverview {
  @Field() modelVersion!: string;
  @Field(() => Float, { description: 'the threshold the rates are compared at: the pack’s verification threshold' }) operatingThreshold!: number;
  @Field(() => ScoreCalibration, { nullable: true, description: 'the one in force (null: the pack has no calibration and none was adopted)' }) current!: ScoreCalibration | null;
  @Field(() => ScoreCalibration, { nullable: true }) shipped!: ScoreCalibration | null;
  @Field(() => [ScoreCalibration], { description: 'newest first' }) calibrations!: ScoreCalibration[];
}

@ObjectType({ description: 'The job that measures the galleries’ score calibrations (FRHUB_CALIBRATION_INTERVAL_MINUTES): its last run, or the one running, on the replica that answers.' })
export class CalibrationJobStatus {
  @Field(() => CalibrationJobState) state!: CalibrationJobState;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
  @Field(() => ID, { nullable: true, description: 'the gallery being (or last) measured' }) galleryId!: string | null;
  @Field(() => Float, { description: 'pairs of templates scored so far in that gallery' }) pairsScored!: number;
  @Field(() => Float, { description: 'pairs of templates its sample makes' }) pairsTotal!: number;
  @Field(() => [ID], { description: 'the calibrations this run stored; none is adopted by the job' }) stored!: string[];
  @Field() message!: string;
}

@Resolver()
export class CalibrationResolver {
  @Query(() => CalibrationJobStatus, { description: 'Where the calibration job stands on the replica that answers (HUB_ADMIN, OVERSIGHT_AUDITOR); only the replica holding the scheduler lock runs it.' })
  calibrationJob(@Ctx() ctx: GraphQLContext): Promise<CalibrationJobStatus> {
    return ctx.services.calibrationJob.status(actorOf(ctx)) as Promise<CalibrationJobStatus>;
  }

  @Query(() => AccountabilityReport, { description: 'The accountability report for one calendar year (UTC): OVERSIGHT_AUDITOR and HUB_ADMIN; audited.' })
  async accountabilityReport(@Arg('year', () => Int) year: number, @Ctx() ctx: GraphQLContext): Promise<AccountabilityReport> {
    const r = await ctx.services.accountability.report(actorOf(ctx), year);
    return { ...r, pdfBase64: Buffer.from(r.pdf).toString('base64') };
  }

  @Query(() => CalibrationOverview, { description: 'The stored score calibrations of the model the hub runs, the one in force and how far each is from the shipped one (HUB_ADMIN, OVERSIGHT_AUDITOR).' })
  calibrations(@Ctx() ctx: GraphQLContext): Promise<CalibrationOverview> {
    return ctx.services.calibrations.overview(actorOf(ctx)) as Promise<CalibrationOverview>;
  }

  @Mutation(() => ScoreCalibration, { description: 'Makes a stored calibration the one every later search reads its false-match rates from (HUB_ADMIN); the shipped one is adopted again the same way. Audited (CALIBRATION_ADOPTED).' })
  adoptCalibration(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ScoreCalibration> {
    return ctx.services.calibrations.adopt(actorOf(ctx), id) as Promise<ScoreCalibration>;
  }
}

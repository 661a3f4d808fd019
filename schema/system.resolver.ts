import { Ctx, Field, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { actorOf, type GraphQLContext } from './context.js';

@ObjectType({ description: 'The inference module: which model pack runs where.' })
export class InferenceStatus {
  @Field() pack!: string;
  @Field() packVersion!: string;
  @Field(() => Int) embeddingDim!: number;
  @Field() detector!: string;
  @Field({ description: 'cuda or cpu' }) provider!: string;
  @Field(() => String, { nullable: true }) fallbackReason!: string | null;
  @Field(() => Int) queueDepth!: number;
  @Field(() => Int) batches!: number;
  @Field(() => Int) facesEmbedded!: number;
  @Field() matchThreshold!: number;
}

@Resolver()
export class SystemResolver {
  @Query(() => InferenceStatus)
  inferenceStatus(@Ctx() ctx: GraphQLContext): InferenceStatus {
    actorOf(ctx);
    return ctx.services.inferenceStatus();
  }
}

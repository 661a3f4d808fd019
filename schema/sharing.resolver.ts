import { Arg, Ctx, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { actorOf, type GraphQLContext } from './context.js';
import { LegalBasis } from './enums.js';

@ObjectType({ description: 'A gallery granted to another tenant (or every tenant) for some legal bases until a date.' })
export class SharingAgreement {
  @Field(() => ID) id!: string;
  @Field(() => ID) galleryId!: string;
  @Field(() => ID, { description: 'the grantor: the gallery’s owner' }) tenantId!: string;
  @Field(() => ID, { nullable: true, description: 'null: every tenant' }) granteeTenantId!: string | null;
  @Field(() => [LegalBasis]) legalBases!: LegalBasis[];
  @Field() expiresAt!: Date;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;
  @Field() createdAt!: Date;
}

@InputType()
export class CreateSharingAgreementInput {
  @Field(() => ID) galleryId!: string;
  @Field(() => String, { nullable: true, description: 'omit to share with every tenant' }) granteeTenantSlug?: string | null;
  @Field(() => [LegalBasis]) legalBases!: LegalBasis[];
  @Field() expiresAt!: Date;
}

@Resolver()
export class SharingResolver {
  @Query(() => [SharingAgreement], { description: 'Agreements your tenant grants or receives (all of them for HUB_ADMIN).' })
  sharingAgreements(@Ctx() ctx: GraphQLContext): Promise<SharingAgreement[]> {
    return ctx.services.sharing.list(actorOf(ctx)) as Promise<SharingAgreement[]>;
  }

  @Mutation(() => SharingAgreement)
  createSharingAgreement(@Arg('input') input: CreateSharingAgreementInput, @Ctx() ctx: GraphQLContext): Promise<SharingAgreement> {
    return ctx.services.sharing.create(actorOf(ctx), input) as Promise<SharingAgreement>;
  }

  @Mutation(() => SharingAgreement, { description: 'Takes effect on the next search.' })
  revokeSharingAgreement(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<SharingAgreement> {
    return ctx.services.sharing.revoke(actorOf(ctx), id) as Promise<SharingAgreement>;
  }
}

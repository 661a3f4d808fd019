import { Arg, Ctx, Field, Float, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { actorOf, type GraphQLContext } from './context.js';
import { SigningKeyStatus } from './enums.js';
import { GraphQLUpload, imageBytes, type FileUpload } from './upload.js';

@ObjectType({ description: 'Whether a lead report file (PDF, JSON or discovery ZIP) is as the hub produced it, and its audit events still in the chain.' })
export class ReportVerification {
  @Field({ description: 'signature, content and audit events all hold' }) intact!: boolean;
  @Field({ description: 'PDF, JSON, ZIP, or UNKNOWN' }) kind!: string;
  @Field(() => String, { nullable: true }) reportId!: string | null;
  @Field(() => String, { nullable: true, description: 'what the report is of: "SEARCH <id>"' }) subject!: string | null;
  @Field(() => String, { nullable: true, description: 'the id (kid) of the hub key that signed it, when the signature verified' }) signedBy!: string | null;
  @Field(() => SigningKeyStatus, { nullable: true, description: 'how the key that signed it stands now: CURRENT, PREVIOUS (rotated, still verifying tokens) or RETIRED (kept only to verify what it signed)' })
  signingKeyStatus!: SigningKeyStatus | null;
  @Field(() => Date, { nullable: true, description: 'when the signing key stopped verifying tokens, for a retired key' }) signingKeyRetiredAt!: Date | null;
  @Field() signatureValid!: boolean;
  @Field({ description: 'every byte is the hub’s for the signed content' }) contentIntact!: boolean;
  @Field(() => Int) auditEventsChecked!: number;
  @Field(() => [Float], { description: 'sequence numbers of the events the report names that are not in the chain as it recorded them' }) auditEventsNotHeld!: number[];
  @Field(() => [String], { description: 'what failed, in words' }) problems!: string[];
}

@Resolver()
export class ReportResolver {
  @Query(() => ReportVerification, { description: 'Checks an uploaded lead report (`file`, multipart, or `fileBase64`): any signed-in caller; audited.' })
  async verifyReport(
    @Arg('file', () => GraphQLUpload, { nullable: true }) file: Promise<FileUpload> | null,
    @Arg('fileBase64', () => String, { nullable: true }) fileBase64: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ReportVerification> {
    const actor = actorOf(ctx);
    return ctx.services.reports.verify(actor, await imageBytes(file, fileBase64, ctx.maxImageBytes));
  }
}

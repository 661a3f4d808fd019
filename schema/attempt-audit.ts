import type { GraphQLSchema } from 'graphql';
import { AuditAction } from '../models/enums.js';
import type { GraphQLContext } from './context.js';

// Every mutation (and every audited read) names the audit action of its attempts. Services audit their
// own refusals; this net audits what fails before a service saw the attempt (the input guard, upload
// limits, a resolver's own checks). An error a service audited is marked and not recorded twice.
const ACTIONS: Record<string, Record<string, AuditAction>> = {
  Mutation: {
    createGallery: AuditAction.GALLERY_CREATED,
    enrollFace: AuditAction.ENROLL,
    setTenantPolicy: AuditAction.POLICY_SET,
    setQuota: AuditAction.QUOTA_SET,
    searchFaces: AuditAction.SEARCH,
    reviewSearch: AuditAction.SEARCH_REVIEW,
    approveExigentSearch: AuditAction.EXIGENT_APPROVED,
    setLegalHold: AuditAction.LEGAL_HOLD_SET,
    createSharingAgreement: AuditAction.SHARING_CREATED,
    revokeSharingAgreement: AuditAction.SHARING_REVOKED,
    createTenant: AuditAction.TENANT_CREATED,
    createPrincipal: AuditAction.PRINCIPAL_CREATED,
    setTenantStatus: AuditAction.TENANT_STATUS_SET,
    issueToken: AuditAction.TOKEN_ISSUED,
    setTenantIssuer: AuditAction.ISSUER_SET,
    createExaminationAgreement: AuditAction.EXAMINATION_AGREEMENT_CREATED,
    revokeExaminationAgreement: AuditAction.EXAMINATION_AGREEMENT_REVOKED,
    submitRequest: AuditAction.REQUEST_SUBMITTED,
    acceptRequest: AuditAction.REQUEST_STATUS_CHANGED,
    declineRequest: AuditAction.REQUEST_STATUS_CHANGED,
    withdrawRequest: AuditAction.REQUEST_STATUS_CHANGED,
    closeRequest: AuditAction.REQUEST_STATUS_CHANGED,
    releaseLead: AuditAction.REQUEST_STATUS_CHANGED,
    recordOutcome: AuditAction.REQUEST_OUTCOME_RECORDED,
    editRequestProbe: AuditAction.REQUEST_PROBE_EDITED,
    claimVerification: AuditAction.REQUEST_VERIFICATION_CLAIMED,
    recordDispositions: AuditAction.REQUEST_DISPOSITIONS_RECORDED,
    exportLeadPhoto: AuditAction.LEAD_PHOTO_EXPORTED,
  },
  Query: {
    auditEvents: AuditAction.AUDIT_READ,
    verifyAuditChain: AuditAction.AUDIT_VERIFY,
    usageStatistics: AuditAction.STATISTICS_READ,
    requestStatistics: AuditAction.STATISTICS_READ,
    // reading a candidate list is audited when allowed (SEARCH_VIEWED); probing for one is audited too
    search: AuditAction.SEARCH_VIEWED,
    // a photo located before searching: refused uploads (too large, unreadable) audited too
    previewProbe: AuditAction.PROBE_PREVIEWED,
    request: AuditAction.REQUEST_VIEWED,
    requestProbe: AuditAction.REQUEST_PROBE_VIEWED,
  },
};

type Resolve = (source: unknown, args: Record<string, unknown>, ctx: GraphQLContext, info: unknown) => unknown;

// what an event may say about a refused search: the declared basis and offense (coerced enum values), never the refused text
const declared = (args: Record<string, unknown>) => {
  const input = (args.input ?? {}) as { legalBasis?: string; offenseCategory?: string };
  return { legalBasis: input.legalBasis ?? null, offenseCategory: input.offenseCategory ?? null };
};

/** Wraps the resolvers of audited operations (outermost, around the input guard); a mutation without an action fails the build. */
export function auditAttempts(schema: GraphQLSchema, resolvers: Record<string, Record<string, unknown>>): void {
  const unnamed = Object.keys(schema.getMutationType()?.getFields() ?? {}).filter((m) => !ACTIONS.Mutation[m]);
  if (unnamed.length) throw new Error(`Every mutation's attempts are audited: name the AuditAction of ${unnamed.join(', ')} in schema/attempt-audit.ts.`);
  for (const [type, fields] of Object.entries(ACTIONS)) {
    for (const [field, action] of Object.entries(fields)) {
      const resolve = resolvers[type]?.[field] as Resolve | undefined;
      if (typeof resolve !== 'function') throw new Error(`schema/attempt-audit.ts names ${type}.${field}, which the schema does not have.`);
      resolvers[type][field] = async (source: unknown, args: Record<string, unknown>, ctx: GraphQLContext, info: unknown) => {
        try {
          return await resolve(source, args, ctx, info);
        } catch (e) {
          // an anonymous caller is refused before anything happens, and cannot be attributed
          if (ctx.actor) await ctx.services.audit.recordRefusal(ctx.actor, { action, ...declared(args), details: { operation: field } }, e);
          throw e;
        }
      };
    }
  }
}

import { defaultFieldResolver, getNamedType, isListType, isNonNullType, isUnionType, type GraphQLObjectType, type GraphQLSchema, type GraphQLType } from 'graphql';
import { AuditAction } from '../models/enums.js';
import { isUuid } from '../tenants/shared/ids.js';
import type { GraphQLContext } from './context.js';

// The one refusal path of the API. Every root field and every federation entity lookup of the built
// schema runs as an audited attempt (AuditTrail.refusals): whatever refuses or fails in it — the
// input guard, an upload limit, a resolver's own check, a service — writes exactly one audit event in
// the caller's tenant, with the outcome and code of the one error map. It wraps the executable
// schema, after @apollo/subgraph added `_entities`, so no entry point is left out: a new query or
// entity type gets it without a line here, a new mutation with its action named below. A service
// describes its attempts itself (action, case number, legal basis, probe hash); the net's description
// is used when the refusal came before any service did.

// The audit action of each operation's attempts. A mutation must name one (its service audits what it
// allows under the same action), or the schema does not build; a query without one is READ.
const ACTIONS: Record<string, Record<string, AuditAction>> = {
  Mutation: {
    createGallery: AuditAction.GALLERY_CREATED,
    enrollFace: AuditAction.ENROLL,
    setTenantPolicy: AuditAction.POLICY_SET,
    setQuota: AuditAction.QUOTA_SET,
    adoptCalibration: AuditAction.CALIBRATION_ADOPTED,
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
    disablePrincipal: AuditAction.PRINCIPAL_DISABLED,
    enablePrincipal: AuditAction.PRINCIPAL_ENABLED,
    revokeTokens: AuditAction.TOKENS_REVOKED,
    updatePrincipal: AuditAction.PRINCIPAL_UPDATED,
    updateGallery: AuditAction.GALLERY_UPDATED,
    updateSubject: AuditAction.SUBJECT_UPDATED,
    removeSubject: AuditAction.SUBJECT_REMOVED,
    removePhoto: AuditAction.PHOTO_REMOVED,
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
    principalHistory: AuditAction.AUDIT_READ,
    subjectRemnants: AuditAction.SUBJECT_REMNANTS_CHECKED,
    request: AuditAction.REQUEST_VIEWED,
    requestProbe: AuditAction.REQUEST_PROBE_VIEWED,
  },
};

type Args = Record<string, unknown>;
type Described = { action: AuditAction; legalBasis?: string | null; offenseCategory?: string | null; details: Record<string, unknown> };

// what an event may say about a refused attempt: the declared basis and offense (coerced enum values) and the ids it named, never free text
const declared = (args: Args) => {
  const input = (args.input ?? {}) as { legalBasis?: string; offenseCategory?: string };
  return { legalBasis: input.legalBasis ?? null, offenseCategory: input.offenseCategory ?? null };
};
const namedIds = (args: Args, names: string[]) => Object.fromEntries(names.filter((n) => typeof args[n] === 'string' && isUuid(args[n] as string)).map((n) => [n, args[n]]));
const single = (t: GraphQLType) => !isListType(isNonNullType(t) ? t.ofType : t);

/** `work` as an attempt of the request's actor (an anonymous request is refused before anything happens, and cannot be attributed). */
const attempt = (ctx: GraphQLContext, about: Described, work: () => unknown) => ctx.services.audit.refusals(ctx.actor, about, async () => work());

/** Where @apollo/subgraph keeps an entity type's `__resolveReference`. */
type EntityExtensions = { apollo?: { subgraph?: { resolveReference?: (ref: Args, ctx: GraphQLContext, info: unknown) => unknown } } };

/** Puts every root field and entity type of `schema` behind the one refusal path; throws for a mutation without an action or an entity without an access check. */
export function auditAttempts(schema: GraphQLSchema): void {
  const roots: Record<string, GraphQLObjectType | null | undefined> = { Query: schema.getQueryType(), Mutation: schema.getMutationType() };
  const unnamed = Object.keys(roots.Mutation?.getFields() ?? {}).filter((m) => !ACTIONS.Mutation[m]);
  if (unnamed.length) throw new Error(`Every mutation's attempts are audited under its action: name the AuditAction of ${unnamed.join(', ')} in schema/attempt-audit.ts.`);
  for (const [type, fields] of Object.entries(ACTIONS)) {
    for (const field of Object.keys(fields)) if (!roots[type]?.getFields()[field]) throw new Error(`schema/attempt-audit.ts names ${type}.${field}, which the schema does not have.`);
  }
  for (const root of [roots.Query, roots.Mutation, schema.getSubscriptionType()].filter((r): r is GraphQLObjectType => !!r)) {
    for (const field of Object.values(root.getFields())) {
      const action = ACTIONS[root.name]?.[field.name] ?? AuditAction.READ;
      const ids = field.args.filter((a) => getNamedType(a.type).name === 'ID' && single(a.type)).map((a) => a.name);
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args: Args, ctx: GraphQLContext, info) =>
        attempt(ctx, { action, ...declared(args), details: { operation: field.name, ...namedIds(args, ids) } }, () => resolve(source, args, ctx, info));
    }
  }
  // `_entities` resolves each representation through its type's reference resolver: each lookup is an
  // attempt of its own, audited as the query that reads the same object by id (a Search as `search`)
  const entities = schema.getType('_Entity');
  for (const type of isUnionType(entities) ? entities.getTypes() : []) {
    const subgraph = (type.extensions as EntityExtensions).apollo?.subgraph;
    const resolveReference = subgraph?.resolveReference;
    if (!subgraph || !resolveReference) throw new Error(`The entity ${type.name} has no __resolveReference: _entities would answer its representations unchecked. Resolve it through its service in schema/build-schema.ts.`);
    const reader = Object.values(roots.Query?.getFields() ?? {}).find((f) => getNamedType(f.type) === type && single(f.type) && f.args.some((a) => a.name === 'id'));
    const action = (reader && ACTIONS.Query[reader.name]) ?? AuditAction.READ;
    subgraph.resolveReference = (ref, ctx, info) =>
      attempt(ctx, { action, details: { operation: '_entities', entity: type.name, ...namedIds(ref, ['id']) } }, () => resolveReference(ref, ctx, info));
  }
}

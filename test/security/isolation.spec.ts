import { randomUUID } from 'node:crypto';
import type { QueryRunner } from 'typeorm';
import { Role } from '../../models/enums';
import { TenantRowSecurity1764570000000 } from '../../migrations/1764570000000-tenant-row-security';
import { portrait } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';
import { entityTypes, schemaOperations } from '../support/operations';

// Written as an attacker would: an agency (metro-pd) sends another agency's (river-pd) ids and slug
// to every operation that takes one, over real HTTP against a real hub. Each gets NOT_FOUND or
// FORBIDDEN and no data, exactly as it would for an id or slug that exists nowhere, with no other
// tenant's name in the answer. The operations and their id arguments come from the built schema:
// a new operation taking an id or a slug without a case here fails the suite.

type Answer = { data?: any; errors?: { message: string; extensions: { code: string } }[] };

interface Victim {
  tenantId: string;
  slug: string;
  galleryId: string;
  searchId: string;
  principalId: string;
  agreementId: string;
  subjectId: string;
  templateId: string;
  /** a request river-pd's requester sent to river-pd itself, and an examination agreement river-pd serves */
  requestId: string;
  examAgreementId: string;
}

/** metro-pd's own requests the attacks name another's objects within: one SUBMITTED, one in examination by metro's analyst (searched once). */
const own = { submitted: '', worked: '', analystId: '' };

/** The caller's role (metro-pd) that may do the operation on its own tenant, so a refusal is the tenancy's, not the role's. */
type Attacker = 'analyst' | 'supervisor' | 'admin' | 'requester';

interface Case {
  as: Attacker;
  /** the victim's value for the argument, or a ghost's (exists nowhere) */
  value: (v: Victim) => string;
  ghost: () => string;
  run: (t: TestHub, token: string, value: string) => Promise<Answer>;
}

const REQUEST_INPUT = { caseNumber: 'I-9', legalBasis: 'VICTIM_ID', sourceKind: 'CCTV', requestingOfficer: 'Det. A', approvingSupervisor: 'Sgt. B' };
const RIVER_NAME = 'Riverbend Confidential Narcotics Unit';
const uuid = () => randomUUID();
const ghostSlug = () => `ghost-${Math.random().toString(36).slice(2, 8)}`;
const FROM_TO = `from: "2020-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z"`;

let image = '';
let ownGallery = '';

// keyed `operation(argument path)`, the way schemaOperations() names them
const CASES: Record<string, Case> = {
  'gallery(id)': { as: 'admin', value: (v) => v.galleryId, ghost: uuid, run: (t, k, id) => t.gql(k, `query($id: ID!) { gallery(id: $id) { id name } }`, { id }) },
  'subjects(galleryId)': { as: 'admin', value: (v) => v.galleryId, ghost: uuid, run: (t, k, id) => t.gql(k, `query($id: ID!) { subjects(galleryId: $id) { nodes { subjectRef } } }`, { id }) },
  'usageStatistics(tenantSlug)': { as: 'admin', value: (v) => v.slug, ghost: ghostSlug, run: (t, k, s) => t.gql(k, `query($s: String) { usageStatistics(${FROM_TO}, tenantSlug: $s) { rows { searches } } }`, { s }) },
  'auditEvents(tenantId)': { as: 'admin', value: (v) => v.tenantId, ghost: uuid, run: (t, k, id) => t.gql(k, `query($id: ID) { auditEvents(tenantId: $id) { nodes { seq } } }`, { id }) },
  'tenantPolicy(tenantSlug)': { as: 'admin', value: (v) => v.slug, ghost: ghostSlug, run: (t, k, s) => t.gql(k, `query($s: String) { tenantPolicy(tenantSlug: $s) { preset } }`, { s }) },
  'quota(tenantSlug)': { as: 'admin', value: (v) => v.slug, ghost: ghostSlug, run: (t, k, s) => t.gql(k, `query($s: String) { quota(tenantSlug: $s) { used limit } }`, { s }) },
  'principals(tenantSlug)': { as: 'admin', value: (v) => v.slug, ghost: ghostSlug, run: (t, k, s) => t.gql(k, `query($s: String) { principals(tenantSlug: $s) { id name } }`, { s }) },
  'tenantIssuer(tenantSlug)': { as: 'admin', value: (v) => v.slug, ghost: ghostSlug, run: (t, k, s) => t.gql(k, `query($s: String) { tenantIssuer(tenantSlug: $s) { issuer } }`, { s }) },
  'quotas(tenantSlug)': { as: 'admin', value: (v) => v.slug, ghost: ghostSlug, run: (t, k, s) => t.gql(k, `query($s: String) { quotas(tenantSlug: $s) { used limit } }`, { s }) },
  'search(id)': { as: 'supervisor', value: (v) => v.searchId, ghost: uuid, run: (t, k, id) => t.gql(k, `query($id: ID!) { search(id: $id) { id caseNumber candidates { subjectRef } } }`, { id }) },
  'tenant(id)': { as: 'admin', value: (v) => v.tenantId, ghost: uuid, run: (t, k, id) => t.gql(k, `query($id: ID!) { tenant(id: $id) { slug name } }`, { id }) },
  'enrollFace(input.galleryId)': {
    as: 'admin', value: (v) => v.galleryId, ghost: uuid,
    run: (t, k, id) => t.gql(k, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId } }`, { i: { galleryId: id, subjectRef: 'PLANTED-1', imageBase64: image } }),
  },
  'setTenantPolicy(input.tenantSlug)': { as: 'admin', value: (v) => v.slug, ghost: ghostSlug, run: (t, k, s) => t.gql(k, `mutation($s: String!) { setTenantPolicy(input: { tenantSlug: $s, retentionDays: 1 }) { retentionDays } }`, { s }) },
  'setQuota(input.tenantSlug)': { as: 'admin', value: (v) => v.slug, ghost: ghostSlug, run: (t, k, s) => t.gql(k, `mutation($s: String!) { setQuota(input: { tenantSlug: $s, period: MONTH, limit: 0 }) { limit } }`, { s }) },
  'searchFaces(input.galleryIds)': {
    as: 'analyst', value: (v) => v.galleryId, ghost: uuid,
    run: (t, k, id) => t.gql(k, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id candidates { subjectRef } } }`, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'I-1', galleryIds: [id], minScore: -1 } }),
  },
  'reviewSearch(input.searchId)': {
    as: 'supervisor', value: (v) => v.searchId, ghost: uuid,
    run: (t, k, id) => t.gql(k, `mutation($i: ReviewSearchInput!) { reviewSearch(input: $i) { reviewStatus } }`, { i: { searchId: id, outcome: 'NO_LEAD', decisions: [] } }),
  },
  'approveExigentSearch(searchId)': { as: 'supervisor', value: (v) => v.searchId, ghost: uuid, run: (t, k, id) => t.gql(k, `mutation($id: ID!) { approveExigentSearch(searchId: $id, note: "ok") { approvedAt } }`, { id }) },
  'setLegalHold(searchId)': { as: 'supervisor', value: (v) => v.searchId, ghost: uuid, run: (t, k, id) => t.gql(k, `mutation($id: ID!) { setLegalHold(searchId: $id, hold: true, reason: "x") { legalHold } }`, { id }) },
  'createSharingAgreement(input.galleryId)': {
    as: 'admin', value: (v) => v.galleryId, ghost: uuid,
    run: (t, k, id) => t.gql(k, `mutation($i: CreateSharingAgreementInput!) { createSharingAgreement(input: $i) { id } }`, { i: { galleryId: id, granteeTenantSlug: 'metro-pd', legalBases: ['VICTIM_ID'], expiresAt: '2099-01-01T00:00:00Z' } }),
  },
  'createSharingAgreement(input.granteeTenantSlug)': {
    as: 'admin', value: (v) => v.slug, ghost: ghostSlug,
    run: (t, k, s) => t.gql(k, `mutation($i: CreateSharingAgreementInput!) { createSharingAgreement(input: $i) { id } }`, { i: { galleryId: ownGallery, granteeTenantSlug: s, legalBases: ['VICTIM_ID'], expiresAt: '2099-01-01T00:00:00Z' } }),
  },
  'revokeSharingAgreement(id)': { as: 'admin', value: (v) => v.agreementId, ghost: uuid, run: (t, k, id) => t.gql(k, `mutation($id: ID!) { revokeSharingAgreement(id: $id) { revokedAt } }`, { id }) },
  'createPrincipal(input.tenantSlug)': {
    as: 'admin', value: (v) => v.slug, ghost: ghostSlug,
    run: (t, k, s) => t.gql(k, `mutation($i: CreatePrincipalInput!) { createPrincipal(input: $i) { id } }`, { i: { tenantSlug: s, name: 'Planted analyst', role: 'AGENCY_ANALYST', certifiedUntil: '2099-01-01T00:00:00Z' } }),
  },
  // only the operator creates tenants; an agency must not learn from the refusal whether a slug is taken
  'createTenant(input.slug)': { as: 'admin', value: (v) => v.slug, ghost: ghostSlug, run: (t, k, s) => t.gql(k, `mutation($s: String!) { createTenant(input: { slug: $s, name: "Look-alike" }) { id } }`, { s }) },
  'setTenantStatus(slug)': { as: 'admin', value: (v) => v.slug, ghost: ghostSlug, run: (t, k, s) => t.gql(k, `mutation($s: String!) { setTenantStatus(slug: $s, status: SUSPENDED) { status } }`, { s }) },
  'issueToken(principalId)': { as: 'admin', value: (v) => v.principalId, ghost: uuid, run: (t, k, id) => t.gql(k, `mutation($id: ID!) { issueToken(principalId: $id) { token } }`, { id }) },
  'setTenantIssuer(input.tenantSlug)': {
    as: 'admin', value: (v) => v.slug, ghost: ghostSlug,
    run: (t, k, s) => t.gql(k, `mutation($s: String!) { setTenantIssuer(input: { tenantSlug: $s, issuer: "https://planted.example", jwksUrl: "https://planted.example/jwks" }) { issuer } }`, { s }),
  },
  'updatePrincipal(input.principalId)': {
    as: 'admin', value: (v) => v.principalId, ghost: uuid,
    run: (t, k, id) => t.gql(k, `mutation($i: UpdatePrincipalInput!) { updatePrincipal(input: $i) { id } }`, { i: { principalId: id, role: 'AGENCY_ADMIN', certifiedUntil: null } }),
  },
  'disablePrincipal(id)': { as: 'admin', value: (v) => v.principalId, ghost: uuid, run: (t, k, id) => t.gql(k, `mutation($id: ID!) { disablePrincipal(id: $id) { id } }`, { id }) },
  'enablePrincipal(id)': { as: 'admin', value: (v) => v.principalId, ghost: uuid, run: (t, k, id) => t.gql(k, `mutation($id: ID!) { enablePrincipal(id: $id) { id } }`, { id }) },
  'revokeTokens(principalId)': { as: 'admin', value: (v) => v.principalId, ghost: uuid, run: (t, k, id) => t.gql(k, `mutation($id: ID!) { revokeTokens(principalId: $id) { id } }`, { id }) },
  'principalHistory(principalId)': { as: 'admin', value: (v) => v.principalId, ghost: uuid, run: (t, k, id) => t.gql(k, `query($id: ID!) { principalHistory(principalId: $id) { nodes { action details } } }`, { id }) },
  'updateSubject(input.subjectId)': {
    as: 'admin', value: (v) => v.subjectId, ghost: uuid,
    run: (t, k, id) => t.gql(k, `mutation($i: UpdateSubjectInput!) { updateSubject(input: $i) { id name } }`, { i: { subjectId: id, name: 'Planted' } }),
  },
  'removeSubject(input.subjectId)': {
    as: 'admin', value: (v) => v.subjectId, ghost: uuid,
    run: (t, k, id) => t.gql(k, `mutation($i: RemoveSubjectInput!) { removeSubject(input: $i) { subjectId subjectRef } }`, { i: { subjectId: id, reason: 'EXPUNGED' } }),
  },
  'removePhoto(input.templateId)': {
    as: 'admin', value: (v) => v.templateId, ghost: uuid,
    run: (t, k, id) => t.gql(k, `mutation($i: RemovePhotoInput!) { removePhoto(input: $i) { subjectId subjectRef } }`, { i: { templateId: id, reason: 'ERROR' } }),
  },
  'updateGallery(input.galleryId)': {
    as: 'admin', value: (v) => v.galleryId, ghost: uuid,
    run: (t, k, id) => t.gql(k, `mutation($i: UpdateGalleryInput!) { updateGallery(input: $i) { id name } }`, { i: { galleryId: id, name: 'Planted', archived: true } }),
  },
  // a calibration is the operator's: an agency's administrator naming any id is refused alike
  'adoptCalibration(id)': { as: 'admin', value: (v) => v.galleryId, ghost: uuid, run: (t, k, id) => t.gql(k, `mutation($id: ID!) { adoptCalibration(id: $id) { id } }`, { id }) },
  'galleryRatesByGroup(galleryId)': { as: 'admin', value: (v) => v.galleryId, ghost: uuid, run: (t, k, id) => t.gql(k, `query($id: ID!) { galleryRatesByGroup(galleryId: $id, by: SEX) { kept groups { group } } }`, { id }) },
  'subjectRemnants(subjectId)': { as: 'admin', value: (v) => v.subjectId, ghost: uuid, run: (t, k, id) => t.gql(k, `query($id: ID!) { subjectRemnants(subjectId: $id) { clean tables { table rows } } }`, { id }) },
  // requests: another agency's request, and other objects named within one's own request
  'submitRequest(input.servingTenantSlug)': {
    as: 'requester', value: (v) => v.slug, ghost: ghostSlug,
    run: (t, k, s) => t.gql(k, `mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { id } }`, { i: { ...REQUEST_INPUT, imageBase64: image, servingTenantSlug: s } }),
  },
  'request(id)': { as: 'supervisor', value: (v) => v.requestId, ghost: uuid, run: (t, k, id) => t.gql(k, `query($id: ID!) { request(id: $id) { id caseNumber } }`, { id }) },
  'requestProbe(requestId)': { as: 'supervisor', value: (v) => v.requestId, ghost: uuid, run: (t, k, id) => t.gql(k, `query($id: ID!) { requestProbe(requestId: $id) }`, { id }) },
  'requestProbe(probeVersionId)': { as: 'supervisor', value: (v) => v.requestId, ghost: uuid, run: (t, k, id) => t.gql(k, `query($r: ID!, $id: ID!) { requestProbe(requestId: $r, probeVersionId: $id) }`, { r: own.worked, id }) },
  'acceptRequest(requestId)': { as: 'supervisor', value: (v) => v.requestId, ghost: uuid, run: (t, k, id) => t.gql(k, `mutation($id: ID!, $e: ID!) { acceptRequest(requestId: $id, examinerId: $e) { status } }`, { id, e: own.analystId }) },
  'acceptRequest(examinerId)': { as: 'supervisor', value: (v) => v.principalId, ghost: uuid, run: (t, k, id) => t.gql(k, `mutation($r: ID!, $id: ID!) { acceptRequest(requestId: $r, examinerId: $id) { status } }`, { r: own.submitted, id }) },
  'declineRequest(requestId)': { as: 'supervisor', value: (v) => v.requestId, ghost: uuid, run: (t, k, id) => t.gql(k, `mutation($id: ID!) { declineRequest(requestId: $id, reason: DUPLICATE) { status } }`, { id }) },
  'closeRequest(requestId)': { as: 'supervisor', value: (v) => v.requestId, ghost: uuid, run: (t, k, id) => t.gql(k, `mutation($id: ID!) { closeRequest(requestId: $id) { status } }`, { id }) },
  'withdrawRequest(requestId)': { as: 'requester', value: (v) => v.requestId, ghost: uuid, run: (t, k, id) => t.gql(k, `mutation($id: ID!) { withdrawRequest(requestId: $id) { status } }`, { id }) },
  'recordOutcome(requestId)': { as: 'requester', value: (v) => v.requestId, ghost: uuid, run: (t, k, id) => t.gql(k, `mutation($id: ID!) { recordOutcome(requestId: $id, outcome: ARREST) { status } }`, { id }) },
  'exportLeadPhoto(requestId)': { as: 'requester', value: (v) => v.requestId, ghost: uuid, run: (t, k, id) => t.gql(k, `mutation($id: ID!) { exportLeadPhoto(requestId: $id, attestation: "a fingerprint on the weapon matched") { image } }`, { id }) },
  'claimVerification(requestId)': { as: 'analyst', value: (v) => v.requestId, ghost: uuid, run: (t, k, id) => t.gql(k, `mutation($id: ID!) { claimVerification(requestId: $id) { status } }`, { id }) },
  'editRequestProbe(input.requestId)': {
    as: 'analyst', value: (v) => v.requestId, ghost: uuid,
    run: (t, k, id) => t.gql(k, `mutation($i: EditRequestProbeInput!) { editRequestProbe(input: $i) { id } }`, { i: { requestId: id, steps: [{ kind: 'ROTATE', degrees: 90 }] } }),
  },
  'editRequestProbe(input.probeId)': {
    as: 'analyst', value: (v) => v.requestId, ghost: uuid,
    run: (t, k, id) => t.gql(k, `mutation($i: EditRequestProbeInput!) { editRequestProbe(input: $i) { id } }`, { i: { requestId: own.worked, probeId: id, steps: [{ kind: 'ROTATE', degrees: 90 }] } }),
  },
  'searchFaces(input.requestId)': { as: 'analyst', value: (v) => v.requestId, ghost: uuid, run: (t, k, id) => t.gql(k, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`, { i: { requestId: id, minScore: -1 } }) },
  'searchFaces(input.probeVersionId)': {
    as: 'analyst', value: (v) => v.requestId, ghost: uuid,
    run: (t, k, id) => t.gql(k, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`, { i: { requestId: own.worked, probeVersionId: id, minScore: -1 } }),
  },
  'recordDispositions(input.requestId)': {
    as: 'analyst', value: (v) => v.requestId, ghost: uuid,
    run: (t, k, id) => t.gql(k, `mutation($i: RecordDispositionsInput!) { recordDispositions(input: $i) { status } }`, { i: { requestId: id, conclusion: 'NO_LEAD', dispositions: [] } }),
  },
  'recordDispositions(input.dispositions.searchId)': {
    as: 'analyst', value: (v) => v.searchId, ghost: uuid,
    run: (t, k, id) => t.gql(k, `mutation($i: RecordDispositionsInput!) { recordDispositions(input: $i) { status } }`, { i: { requestId: own.worked, conclusion: 'NO_LEAD', dispositions: [{ searchId: id, rank: 1, disposition: 'EXCLUDED' }] } }),
  },
  'releaseLead(requestId)': { as: 'supervisor', value: (v) => v.requestId, ghost: uuid, run: (t, k, id) => t.gql(k, `mutation($id: ID!, $s: ID!) { releaseLead(requestId: $id, searchId: $s, rank: 1) { status } }`, { id, s: uuid() }) },
  'releaseLead(searchId)': { as: 'supervisor', value: (v) => v.searchId, ghost: uuid, run: (t, k, id) => t.gql(k, `mutation($r: ID!, $id: ID!) { releaseLead(requestId: $r, searchId: $id, rank: 1) { status } }`, { r: own.worked, id }) },
  // only the operator makes examination agreements
  'createExaminationAgreement(input.servingTenantSlug)': {
    as: 'admin', value: (v) => v.slug, ghost: ghostSlug,
    run: (t, k, s) => t.gql(k, `mutation($i: CreateExaminationAgreementInput!) { createExaminationAgreement(input: $i) { id } }`, { i: { servingTenantSlug: s, requestingTenantSlug: 'metro-pd', legalBases: ['VICTIM_ID'], expiresAt: '2099-01-01T00:00:00Z' } }),
  },
  'createExaminationAgreement(input.requestingTenantSlug)': {
    as: 'admin', value: (v) => v.slug, ghost: ghostSlug,
    run: (t, k, s) => t.gql(k, `mutation($i: CreateExaminationAgreementInput!) { createExaminationAgreement(input: $i) { id } }`, { i: { servingTenantSlug: 'metro-pd', requestingTenantSlug: s, legalBases: ['VICTIM_ID'], expiresAt: '2099-01-01T00:00:00Z' } }),
  },
  'revokeExaminationAgreement(id)': { as: 'admin', value: (v) => v.examAgreementId, ghost: uuid, run: (t, k, id) => t.gql(k, `mutation($id: ID!) { revokeExaminationAgreement(id: $id) { revokedAt } }`, { id }) },
};

const ENTITY_FIELDS = `... on Gallery { id name } ... on Tenant { id slug name } ... on Search { id caseNumber }`;
const ENTITY_CASES: [typename: string, value: (v: Victim) => string, as: Attacker][] = [
  ['Tenant', (v) => v.tenantId, 'admin'],
  ['Gallery', (v) => v.galleryId, 'admin'],
  ['Search', (v) => v.searchId, 'supervisor'],
];

describe('tenant isolation attacks', () => {
  let t: TestHub;
  let hubAdmin: string;
  let victim: Victim;
  const tokens = {} as Record<Attacker, string>;

  const entities = (token: string, typename: string, id: string) =>
    t.gql(token, `query($r: [_Any!]!) { _entities(representations: $r) { __typename ${ENTITY_FIELDS} } }`, { r: [{ __typename: typename, id }] });

  /** What the victim has, read as the operator: nothing an attack does may change it. */
  async function victimState() {
    const riverAdmin = await t.token('river-pd', Role.AGENCY_ADMIN);
    const riverSupervisor = await t.token('river-pd', Role.AGENCY_SUPERVISOR);
    const q = (k: string, query: string, variables?: Record<string, unknown>) => t.gql(k, query, variables).then((r) => r.data);
    return {
      tenant: await q(hubAdmin, `query($id: ID!) { tenant(id: $id) { slug name status } }`, { id: victim.tenantId }),
      policy: await q(hubAdmin, `{ tenantPolicy(tenantSlug: "river-pd") { preset retentionDays updatedAt } }`),
      quotas: await q(hubAdmin, `{ quotas(tenantSlug: "river-pd") { period limit used } }`),
      galleries: await q(riverAdmin, `{ galleries { id name templateCount } }`),
      subjects: await q(riverAdmin, `query($id: ID!) { subjects(galleryId: $id) { nodes { subjectRef templateCount name } } }`, { id: victim.galleryId }),
      galleryArchived: await q(riverAdmin, `query($id: ID!) { gallery(id: $id) { name archivedAt } }`, { id: victim.galleryId }),
      searches: await q(riverSupervisor, `{ searches(first: 50) { nodes { id reviewStatus approvedAt legalHold } } }`),
      agreements: await q(hubAdmin, `{ sharingAgreements { id revokedAt granteeTenantId } }`),
      principals: (await t.hub.database.db.scoped({ tenantId: victim.tenantId }, (tx) => tx.query(`SELECT id, role, certified_until FROM principals ORDER BY id`))) as unknown,
      issuers: (await t.hub.database.db.scoped({ tenantId: null, allTenants: true }, (tx) => tx.query(`SELECT issuer FROM tenant_issuers ORDER BY issuer`))) as unknown,
    };
  }
  let before: Awaited<ReturnType<typeof victimState>>;

  beforeAll(async () => {
    t = await startHub();
    image = (await portrait()).toString('base64');
    hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    await t.createTenant('metro-pd');
    await t.createTenant('river-pd', { name: RIVER_NAME });
    const riverAdmin = await t.token('river-pd', Role.AGENCY_ADMIN);
    const tenantId = (await t.gql(riverAdmin, `{ me { tenant { id } } }`)).data.me.tenant.id;
    const galleryId = (await t.gql(riverAdmin, `mutation { createGallery(input: { name: "River informants" }) { id } }`)).data.createGallery.id;
    const enrolled = (await t.gql(riverAdmin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId subjectId } }`, { i: { galleryId, subjectRef: 'RIVER-SECRET-1', imageBase64: image } })).data.enrollFace;
    const riverAnalyst = await t.principal('river-pd', Role.AGENCY_ANALYST);
    const s = await t.gql(riverAnalyst.token, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`, { i: { imageBase64: image, legalBasis: 'IMMINENT_THREAT', caseNumber: 'RIVER-CASE-7', minScore: -1 } });
    const agreement = await t.gql(hubAdmin, `mutation($i: CreateSharingAgreementInput!) { createSharingAgreement(input: $i) { id } }`, {
      i: { galleryId, granteeTenantSlug: 'hub', legalBases: ['VICTIM_ID'], expiresAt: '2099-01-01T00:00:00Z' },
    });
    const riverRequester = await t.principal('river-pd', Role.AGENCY_REQUESTER);
    const riverRequest = await t.gql(riverRequester.token, `mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { id } }`, { i: { ...REQUEST_INPUT, caseNumber: 'RIVER-CASE-8', imageBase64: image } });
    const examAgreement = await t.gql(hubAdmin, `mutation($i: CreateExaminationAgreementInput!) { createExaminationAgreement(input: $i) { id } }`, {
      i: { servingTenantSlug: 'river-pd', requestingTenantSlug: 'hub', legalBases: ['VICTIM_ID'], expiresAt: '2099-01-01T00:00:00Z' },
    });
    victim = {
      tenantId, slug: 'river-pd', galleryId, searchId: s.data.searchFaces.id, principalId: riverAnalyst.id, agreementId: agreement.data.createSharingAgreement.id,
      requestId: riverRequest.data.submitRequest.id, examAgreementId: examAgreement.data.createExaminationAgreement.id, subjectId: enrolled.subjectId, templateId: enrolled.templateId,
    };

    const metroAdmin = await t.principal('metro-pd', Role.AGENCY_ADMIN);
    tokens.admin = metroAdmin.token;
    const metroAnalyst = await t.principal('metro-pd', Role.AGENCY_ANALYST);
    tokens.analyst = metroAnalyst.token;
    tokens.supervisor = (await t.principal('metro-pd', Role.AGENCY_SUPERVISOR)).token;
    tokens.requester = (await t.principal('metro-pd', Role.AGENCY_REQUESTER)).token;
    const submit = async () => (await t.gql(tokens.requester, `mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { id } }`, { i: { ...REQUEST_INPUT, imageBase64: image } })).data.submitRequest.id as string;
    own.analystId = metroAnalyst.id;
    own.submitted = await submit();
    own.worked = await submit();
    await t.gql(tokens.supervisor, `mutation($r: ID!, $e: ID!) { acceptRequest(requestId: $r, examinerId: $e) { status } }`, { r: own.worked, e: metroAnalyst.id });
    const worked = await t.gql(tokens.analyst, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`, { i: { requestId: own.worked, minScore: -1 } });
    if (worked.errors) throw new Error(JSON.stringify(worked.errors));
    ownGallery = (await t.gql(tokens.admin, `mutation { createGallery(input: { name: "Metro bookings" }) { id } }`)).data.createGallery.id;
    before = await victimState();
  });
  afterAll(() => t?.close());

  it('has a case for every argument of the schema that names an object or a tenant', async () => {
    const wanted = (await schemaOperations()).flatMap((o) => o.idArgs.map((a) => `${o.name}(${a})`));
    expect(wanted.length).toBeGreaterThan(15);
    expect(Object.keys(CASES).sort()).toEqual(wanted.sort());
  });

  it('has a case for every federation entity type', async () => {
    const types = await entityTypes();
    expect(types.length).toBeGreaterThan(0);
    expect(ENTITY_CASES.map(([typename]) => typename).sort()).toEqual(types.sort());
  });

  /** The answer with the value it was asked about replaced, so two answers compare as text. */
  const shape = (r: Answer, value: string) => JSON.stringify(r.errors?.map((e) => ({ code: e.extensions.code, message: e.message.split(value).join('<value>') })) ?? r.data);

  it.each(Object.keys(CASES))('%s with another tenant’s value: refused, no data, and the same answer as for a value that exists nowhere', async (name) => {
    const c = CASES[name];
    const value = c.value(victim);
    const ghost = c.ghost();
    const r = await c.run(t, tokens[c.as], value);
    const g = await c.run(t, tokens[c.as], ghost);
    expect(r.errors?.[0]?.extensions.code).toMatch(/^(NOT_FOUND|FORBIDDEN)$/);
    expect(Object.values(r.data ?? {}).every((x) => x === null)).toBe(true);
    expect(shape(r, value)).toBe(shape(g, ghost));
    const text = JSON.stringify(r);
    expect(text).not.toContain(RIVER_NAME);
    if (value !== victim.slug) expect(text).not.toContain(victim.slug);
  });

  it.each(Object.keys(CASES))('%s with a malformed or injected value: a refusal with a code, nothing internal', async (name) => {
    const c = CASES[name];
    // the operator too, whom no tenancy check stops before the value is used
    for (const token of [tokens[c.as], hubAdmin]) {
      for (const value of ["' OR '1'='1", '00000000-0000-0000-0000-00000000000G', 'x'.repeat(300)]) {
        const r = await c.run(t, token, value);
        expect({ value, code: r.errors?.[0]?.extensions.code }).toEqual({ value, code: expect.stringMatching(/^(NOT_FOUND|FORBIDDEN|BAD_USER_INPUT)$/) });
        // no SQL, driver or stack text
        expect(JSON.stringify(r.errors)).not.toMatch(/syntax error|invalid input syntax|violates|SELECT |INSERT |UPDATE |\.[tj]s:\d/);
      }
    }
  });

  it.each(ENTITY_CASES)('_entities for another tenant’s %s: NOT_FOUND, null, as for an id that exists nowhere', async (typename, value, as) => {
    const id = value(victim);
    const ghost = uuid();
    const r = await entities(tokens[as], typename, id);
    const g = await entities(tokens[as], typename, ghost);
    expect(r.data?._entities).toEqual([null]);
    expect(r.errors?.map((e) => e.extensions.code)).toEqual(['NOT_FOUND']);
    expect(shape(r, id)).toBe(shape(g, ghost));
    expect(JSON.stringify(r)).not.toContain(RIVER_NAME);
    expect(JSON.stringify(r)).not.toContain(victim.slug);
  });

  it('lists show no other tenant’s tenants, galleries, searches or agreements', async () => {
    const text = JSON.stringify([
      await t.gql(tokens.admin, `{ tenants { id slug name } galleries { id name tenantId } sharingAgreements { id galleryId tenantId granteeTenantId } }`),
      await t.gql(tokens.supervisor, `{ searches(first: 100) { nodes { id caseNumber galleriesSearched } } exigentSearchesAwaitingApproval { id } }`),
      await t.gql(tokens.admin, `{ usageStatistics(${FROM_TO}, groupBy: [TENANT]) { rows { tenant searches } } }`),
    ]);
    for (const secret of [victim.tenantId, victim.slug, RIVER_NAME, victim.galleryId, victim.searchId, victim.agreementId, 'RIVER-CASE-7']) expect(text).not.toContain(secret);
  });

  it('after every attack the victim tenant is exactly as it was', async () => {
    expect(await victimState()).toEqual(before);
  });

  describe('row-level security on tenants and tenant_issuers (as the application role)', () => {
    const scoped = <T>(scope: { tenantId: string | null; allTenants?: boolean }, sql: string, params?: unknown[]) =>
      t.hub.database.db.scoped(scope, (tx) => tx.query(sql, params)) as Promise<T>;
    let metroId: string;
    beforeAll(async () => {
      metroId = (await t.gql(tokens.admin, `{ me { tenant { id } } }`)).data.me.tenant.id;
      await t.gql(hubAdmin, `mutation { setTenantIssuer(input: { tenantSlug: "river-pd", issuer: "https://idp.river.example", jwksUrl: "https://idp.river.example/jwks" }) { issuer } }`);
      before = await victimState();
    });

    it('a tenant’s transaction sees its own tenant row and issuer only; the all-tenants scope sees every one', async () => {
      expect(await scoped<{ slug: string }[]>({ tenantId: metroId }, `SELECT slug FROM tenants ORDER BY slug`)).toEqual([{ slug: 'metro-pd' }]);
      expect(await scoped<unknown[]>({ tenantId: metroId }, `SELECT * FROM tenant_issuers`)).toEqual([]);
      expect(await scoped<unknown[]>({ tenantId: null }, `SELECT * FROM tenants`)).toEqual([]);
      const all = await scoped<{ slug: string }[]>({ tenantId: null, allTenants: true }, `SELECT slug FROM tenants ORDER BY slug`);
      expect(all.map((r) => r.slug)).toEqual(['hub', 'metro-pd', 'river-pd']);
      expect(await scoped<unknown[]>({ tenantId: victim.tenantId }, `SELECT issuer FROM tenant_issuers`)).toEqual([{ issuer: 'https://idp.river.example' }]);
    });

    it('a tenant’s transaction changes no tenant row or issuer, not even its own', async () => {
      expect(await scoped<unknown[]>({ tenantId: metroId }, `UPDATE tenants SET status = 'SUSPENDED' RETURNING id`)).toEqual([]);
      expect(await scoped<unknown[]>({ tenantId: victim.tenantId }, `UPDATE tenant_issuers SET jwks_url = 'https://evil.example/jwks' RETURNING tenant_id`)).toEqual([]);
      expect(await scoped<unknown[]>({ tenantId: metroId }, `DELETE FROM tenant_issuers RETURNING tenant_id`)).toEqual([]);
      await expect(scoped({ tenantId: metroId }, `INSERT INTO tenants (id, slug, name) VALUES ($1, 'rogue-pd', 'Rogue')`, [randomUUID()])).rejects.toThrow(/row-level security/);
      await expect(scoped({ tenantId: metroId }, `INSERT INTO tenant_issuers (tenant_id, issuer, jwks_url) VALUES ($1, 'https://rogue.example', 'https://rogue.example/j')`, [metroId])).rejects.toThrow(/row-level security/);
      expect(await victimState()).toEqual(before);
    });

    it('not even the all-tenants scope makes a tenant the operator or renames it: the application may change a tenant’s status only', async () => {
      await expect(scoped({ tenantId: null, allTenants: true }, `UPDATE tenants SET is_operator = true WHERE slug = 'metro-pd'`)).rejects.toThrow(/permission denied/);
      await expect(scoped({ tenantId: null, allTenants: true }, `UPDATE tenants SET slug = 'hub2' WHERE slug = 'metro-pd'`)).rejects.toThrow(/permission denied/);
    });

    it('the migration’s down() removes the policies and up() puts them back', async () => {
      const security = () =>
        t.hub.database.db.query(`SELECT relname, relrowsecurity FROM pg_class WHERE relname IN ('tenants', 'tenant_issuers') ORDER BY relname`) as Promise<unknown[]>;
      const migration = new TenantRowSecurity1764570000000();
      // a runner of its own, released before the next query: the embedded database has one connection
      const withRunner = async (work: (runner: QueryRunner) => Promise<void>) => {
        const runner = t.hub.database.dataSource.createQueryRunner();
        try {
          await work(runner);
        } finally {
          await runner.release();
        }
      };
      await withRunner((r) => migration.down(r));
      expect(await security()).toEqual([{ relname: 'tenant_issuers', relrowsecurity: false }, { relname: 'tenants', relrowsecurity: false }]);
      expect((await scoped<unknown[]>({ tenantId: metroId }, `SELECT slug FROM tenants`)).length).toBe(3);
      await withRunner((r) => migration.up(r));
      expect(await security()).toEqual([{ relname: 'tenant_issuers', relrowsecurity: true }, { relname: 'tenants', relrowsecurity: true }]);
      expect(await scoped<unknown[]>({ tenantId: metroId }, `SELECT slug FROM tenants`)).toEqual([{ slug: 'metro-pd' }]);
    });
  });
});

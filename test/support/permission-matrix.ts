import { randomUUID } from 'node:crypto';
import { Role } from '../../models/enums';
import { OPERATOR_ROLES } from '../../tenants/shared/actor';
import sharp from 'sharp';
import { portrait, SAMPLE_GROUP } from './fixtures';
import type { TestHub } from './hub';

// Every role x every operation x own tenant / other tenant, from one table. 'ok' is allowed;
// FORBIDDEN is a refusal the caller may know about; NOT_FOUND is what another tenant's object looks
// like to a caller who may not see it (forbidden and missing look the same). For a list, NOT_FOUND
// means the target tenant's object is absent from the answer. The operations come from the built
// schema: a new query or mutation without a row here fails test/governance/permission-matrix.spec.ts,
// and test/security/refusal-audit.spec.ts checks that each refusal of the table is audited once.
export type Want = 'ok' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT';
export type Row = Record<'A' | 'S' | 'AD' | 'H' | 'O' | 'R', [own: Want, other: Want] | Want>;
export const ok = 'ok', F = 'FORBIDDEN', NF = 'NOT_FOUND', C = 'CONFLICT';

export const MATRIX: Record<string, Row> = {
  tenant: { A: [ok, NF], S: [ok, NF], AD: [ok, NF], H: [ok, ok], O: [ok, ok], R: [ok, NF] },
  createPrincipal: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF], R: [F, NF] },
  gallery: { A: [ok, NF], S: [ok, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF], R: [F, NF] },
  subjects: { A: [ok, NF], S: [ok, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF], R: [F, NF] },
  enrollFace: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, F], O: [F, NF], R: [F, NF] },
  createGallery: { A: F, S: F, AD: ok, H: ok, O: F, R: F },
  searchFaces: { A: [ok, NF], S: [F, F], AD: [F, F], H: [F, F], O: [F, F], R: [F, F] },
  previewProbe: { A: ok, S: F, AD: F, H: F, O: F, R: F },
  search: { A: [F, NF], S: [ok, NF], AD: [F, NF], H: [F, NF], O: [F, NF], R: [F, NF] },
  reviewSearch: { A: [F, NF], S: [ok, NF], AD: [F, NF], H: [F, NF], O: [F, NF], R: [F, NF] },
  approveExigentSearch: { A: [F, NF], S: [ok, NF], AD: [F, NF], H: [F, NF], O: [F, NF], R: [F, NF] },
  setLegalHold: { A: [F, NF], S: [ok, NF], AD: [F, NF], H: [ok, ok], O: [F, NF], R: [F, NF] },
  setTenantPolicy: { A: [F, NF], S: [F, NF], AD: [F, NF], H: [ok, ok], O: [F, NF], R: [F, NF] },
  tenantPolicy: { A: [ok, NF], S: [ok, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF], R: [F, NF] },
  setQuota: { A: [F, NF], S: [F, NF], AD: [F, NF], H: [ok, ok], O: [F, NF], R: [F, NF] },
  quota: { A: [ok, NF], S: [ok, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF], R: [F, NF] },
  createSharingAgreement: { A: [F, F], S: [F, F], AD: [F, F], H: [ok, ok], O: [F, F], R: [F, F] },
  usageStatistics: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, ok], O: [ok, ok], R: [F, NF] },
  auditEvents: { A: F, S: F, AD: F, H: ok, O: F, R: F },
  verifyAuditChain: { A: F, S: F, AD: F, H: ok, O: ok, R: F },
  transparencyReport: { A: ok, S: ok, AD: ok, H: ok, O: ok, R: ok },
  statutoryReport: { A: F, S: F, AD: F, H: ok, O: ok, R: F },
  verifyReport: { A: ok, S: ok, AD: ok, H: ok, O: ok, R: ok },
  createTenant: { A: F, S: F, AD: F, H: ok, O: F, R: F },
  setTenantStatus: { A: [F, NF], S: [F, NF], AD: [F, NF], H: [ok, ok], O: [F, F], R: [F, NF] },
  issueToken: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF], R: [F, NF] },
  setTenantIssuer: { A: [F, NF], S: [F, NF], AD: [F, NF], H: [ok, ok], O: [F, F], R: [F, NF] },
  revokeSharingAgreement: { A: [F, NF], S: [F, NF], AD: [F, NF], H: [ok, ok], O: [F, NF], R: [F, NF] },
  quotas: { A: [ok, NF], S: [ok, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF], R: [F, NF] },
  tenants: { A: [ok, NF], S: [ok, NF], AD: [ok, NF], H: [ok, ok], O: [ok, ok], R: [ok, NF] },
  galleries: { A: [ok, NF], S: [ok, NF], AD: [ok, NF], H: [ok, ok], O: [NF, NF], R: [NF, NF] },
  searches: { A: [NF, NF], S: [ok, NF], AD: [F, F], H: [F, F], O: [F, F], R: [F, F] },
  exigentSearchesAwaitingApproval: { A: [F, F], S: [ok, NF], AD: [F, F], H: [F, F], O: [F, F], R: [F, F] },
  sharingAgreements: { A: [NF, NF], S: [NF, NF], AD: [ok, NF], H: [ok, ok], O: [NF, NF], R: [NF, NF] },
  me: { A: ok, S: ok, AD: ok, H: ok, O: ok, R: ok },
  policyPresets: { A: ok, S: ok, AD: ok, H: ok, O: ok, R: ok },
  legalBases: { A: ok, S: ok, AD: ok, H: ok, O: ok, R: ok },
  inferenceStatus: { A: ok, S: ok, AD: ok, H: ok, O: ok, R: ok },
  principals: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF], R: [F, NF] },
  tenantIssuer: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF], R: [F, NF] },
  // requests: a fresh SUBMITTED request of the target tenant, which serves itself; CONFLICT: the role may, the request's state may not yet
  examinationAgreements: { A: [NF, NF], S: [NF, NF], AD: [ok, NF], H: [ok, ok], O: [NF, NF], R: [NF, NF] },
  createExaminationAgreement: { A: [F, F], S: [F, F], AD: [F, F], H: [ok, ok], O: [F, F], R: [F, F] },
  revokeExaminationAgreement: { A: [F, NF], S: [F, NF], AD: [F, NF], H: [ok, ok], O: [F, NF], R: [F, NF] },
  submitRequest: { A: [F, F], S: [F, F], AD: [F, F], H: [F, F], O: [F, F], R: [ok, NF] },
  acceptRequest: { A: [F, NF], S: [ok, NF], AD: [F, NF], H: [F, NF], O: [F, NF], R: [F, NF] },
  declineRequest: { A: [F, NF], S: [ok, NF], AD: [F, NF], H: [F, NF], O: [F, NF], R: [F, NF] },
  withdrawRequest: { A: [F, NF], S: [F, NF], AD: [F, NF], H: [F, NF], O: [F, NF], R: [ok, NF] },
  closeRequest: { A: [F, NF], S: [C, NF], AD: [F, NF], H: [F, NF], O: [F, NF], R: [F, NF] },
  editRequestProbe: { A: [F, NF], S: [F, NF], AD: [F, NF], H: [F, NF], O: [F, NF], R: [F, NF] },
  requestProbe: { A: [F, NF], S: [ok, NF], AD: [F, NF], H: [F, NF], O: [F, NF], R: [F, NF] },
  claimVerification: { A: [F, NF], S: [C, NF], AD: [F, NF], H: [F, NF], O: [F, NF], R: [F, NF] },
  recordDispositions: { A: [F, NF], S: [F, NF], AD: [F, NF], H: [F, NF], O: [F, NF], R: [F, NF] },
  // a search that is not the request's: NOT_FOUND whatever the request's state
  releaseLead: { A: [F, NF], S: [NF, NF], AD: [F, NF], H: [F, NF], O: [F, NF], R: [F, NF] },
  recordOutcome: { A: [F, NF], S: [F, NF], AD: [F, NF], H: [F, NF], O: [F, NF], R: [C, NF] },
  exportLeadPhoto: { A: [F, NF], S: [F, NF], AD: [F, NF], H: [F, NF], O: [F, NF], R: [C, NF] },
  request: { A: [F, NF], S: [ok, NF], AD: [F, NF], H: [F, NF], O: [F, NF], R: [ok, NF] },
  requests: { A: [NF, NF], S: [ok, NF], AD: [F, F], H: [F, F], O: [F, F], R: [ok, NF] },
  requestStatistics: { A: F, S: F, AD: ok, H: ok, O: ok, R: F },
  disablePrincipal: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF], R: [F, NF] },
  enablePrincipal: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF], R: [F, NF] },
  revokeTokens: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF], R: [F, NF] },
  updatePrincipal: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF], R: [F, NF] },
  principalHistory: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF], R: [F, NF] },
  // a tenant's records are its own to change: the operator's HUB_ADMIN changes the operator's galleries only
  updateSubject: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, NF], O: [F, NF], R: [F, NF] },
  removeSubject: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, NF], O: [F, NF], R: [F, NF] },
  removePhoto: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, NF], O: [F, NF], R: [F, NF] },
  updateGallery: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, NF], O: [F, NF], R: [F, NF] },
  // every tenant's figures: an agency's role finds no such statistics, as for another tenant's
  galleryRatesByGroup: { A: [NF, NF], S: [NF, NF], AD: [NF, NF], H: [ok, ok], O: [ok, ok], R: [NF, NF] },
  subjectRemnants: { A: [F, F], S: [F, F], AD: [ok, NF], H: [ok, NF], O: [F, F], R: [F, F] },
  subjectsByBookingNumber: { A: [F, F], S: [F, F], AD: [ok, NF], H: [ok, NF], O: [F, F], R: [F, F] },
  // the hub's score calibrations belong to no tenant: the operator adopts, oversight reads
  calibrations: { A: F, S: F, AD: F, H: ok, O: ok, R: F },
  adoptCalibration: { A: F, S: F, AD: F, H: ok, O: F, R: F },
  calibrationJob: { A: F, S: F, AD: F, H: ok, O: ok, R: F },
  accountabilityReport: { A: F, S: F, AD: F, H: ok, O: ok, R: F },
};

// root fields with no row, each with its reason
export const NOT_IN_MATRIX: Record<string, string> = {
  _service: 'federation plumbing: the SDL, the same for every caller',
  _entities: 'federation plumbing: resolves through tenant/gallery/search, attacked in test/security/isolation.spec.ts, its refusals audited in test/security/refusal-audit.spec.ts',
};

export const ROLES = { A: Role.AGENCY_ANALYST, S: Role.AGENCY_SUPERVISOR, AD: Role.AGENCY_ADMIN, H: Role.HUB_ADMIN, O: Role.OVERSIGHT_AUDITOR, R: Role.AGENCY_REQUESTER } as const;

export interface Target {
  slug: string;
  tenantId: string;
  galleryId: string;
  /** the subject enrolled in galleryId at the start */
  subjectId: string;
  /** a fresh subject with one photo in galleryId (a removal takes one each time) */
  fresh(): Promise<{ subjectId: string; templateId: string }>;
  /** a fresh analyst of the target tenant, to disable, enable or revoke */
  freshAnalyst(): Promise<string>;
  /** an analyst of the target tenant (not the caller) */
  colleagueId: string;
  /** an agreement granting the target tenant's gallery to a third tenant (never metro-pd, the callers' own) */
  agreementId: string;
  /** a fresh exigent search of the target tenant, run by one of its analysts (not the caller) */
  search(): Promise<string>;
  /** a fresh agreement like agreementId, to revoke */
  agreement(): Promise<string>;
  /** an examination agreement the target tenant serves (for a third tenant, never metro-pd) */
  examAgreementId: string;
  examAgreement(): Promise<string>;
  /** a fresh SUBMITTED request of the target tenant's requester, served by the tenant itself */
  request(): Promise<string>;
  /** the shipped score calibration (hub-wide: adopting it again changes nothing for the rows after) */
  calibrationId: string;
}

export type Answer = { data?: any; errors?: { extensions: { code: string } }[]; visible?: boolean };
/** A list's answer, marked with whether it holds the target's object. */
const listing = (r: Answer, ids: (data: any) => string[], id: string): Answer => (r.errors ? r : { ...r, visible: ids(r.data).includes(id) });

const REQUEST_INPUT = { caseNumber: 'M-7', legalBasis: 'VICTIM_ID', sourceKind: 'CCTV', requestingOfficer: 'Det. A', approvingSupervisor: 'Sgt. B' };

export const cases = Object.entries(MATRIX).flatMap(([op, row]) =>
  (Object.keys(row) as (keyof Row)[]).flatMap((r) => {
    const want = row[r];
    return Array.isArray(want) ? [[op, r, 'own', want[0]], [op, r, 'other', want[1]]] : [[op, r, 'own', want]];
  }),
) as [string, keyof Row, 'own' | 'other', Want][];

/** How an operation is called: a hub's gql, or one that marks its request (test/security/refusal-audit.spec.ts). */
export type Gql = (token: string, query: string, variables?: Record<string, unknown>) => Promise<Answer>;
export type Operation = (gql: Gql, token: string, x: Target) => Promise<Answer>;

/** One call of each operation of the matrix, on a target tenant's objects. */
export function matrixOperations(image: string): Record<string, Operation> {
  let n = 0;
  return {
    tenant: (gql, k, x) => gql(k, `query($id: ID!) { tenant(id: $id) { slug } }`, { id: x.tenantId }),
    createPrincipal: (gql, k, x) => gql(k, `mutation($i: CreatePrincipalInput!) { createPrincipal(input: $i) { id } }`, { i: { tenantSlug: x.slug, name: `p${n++}`, role: 'AGENCY_ANALYST' } }),
    gallery: (gql, k, x) => gql(k, `query($id: ID!) { gallery(id: $id) { id } }`, { id: x.galleryId }),
    subjects: (gql, k, x) => gql(k, `query($id: ID!) { subjects(galleryId: $id) { nodes { subjectRef } } }`, { id: x.galleryId }),
    enrollFace: (gql, k, x) => gql(k, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId } }`, { i: { galleryId: x.galleryId, subjectRef: `s${n++}`, imageBase64: image } }),
    createGallery: (gql, k) => gql(k, `mutation($i: CreateGalleryInput!) { createGallery(input: $i) { id } }`, { i: { name: `g${n++}` } }),
    searchFaces: (gql, k, x) => gql(k, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`, {
      i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'M-1', ...(x.slug === 'river-pd' ? { galleryIds: [x.galleryId] } : {}) },
    }),
    previewProbe: (gql, k) => gql(k, `query($i: PreviewProbeInput!) { previewProbe(input: $i) { width faces { quality } } }`, { i: { imageBase64: image } }),
    search: async (gql, k, x) => gql(k, `query($id: ID!) { search(id: $id) { id } }`, { id: await x.search() }),
    reviewSearch: async (gql, k, x) => gql(k, `mutation($i: ReviewSearchInput!) { reviewSearch(input: $i) { reviewStatus } }`, { i: { searchId: await x.search(), outcome: 'NO_LEAD', decisions: [] } }),
    approveExigentSearch: async (gql, k, x) => gql(k, `mutation($id: ID!) { approveExigentSearch(searchId: $id) { approvedAt } }`, { id: await x.search() }),
    setLegalHold: async (gql, k, x) => gql(k, `mutation($id: ID!) { setLegalHold(searchId: $id, hold: true, reason: "litigation") { legalHold } }`, { id: await x.search() }),
    setTenantPolicy: (gql, k, x) => gql(k, `mutation($s: String!) { setTenantPolicy(input: { tenantSlug: $s, retentionDays: 400 }) { retentionDays } }`, { s: x.slug }),
    tenantPolicy: (gql, k, x) => gql(k, `query($s: String!) { tenantPolicy(tenantSlug: $s) { preset } }`, { s: x.slug }),
    setQuota: (gql, k, x) => gql(k, `mutation($s: String!) { setQuota(input: { tenantSlug: $s, period: MONTH, limit: 1000 }) { limit } }`, { s: x.slug }),
    quota: (gql, k, x) => gql(k, `query($s: String!) { quota(tenantSlug: $s) { used limit } }`, { s: x.slug }),
    // never granted to metro-pd: a grant to the callers' tenant would change what later rows may see
    createSharingAgreement: (gql, k, x) => gql(k, `mutation($i: CreateSharingAgreementInput!) { createSharingAgreement(input: $i) { id } }`, {
      i: { galleryId: x.galleryId, granteeTenantSlug: x.slug === 'hub' ? 'river-pd' : 'hub', legalBases: ['VICTIM_ID'], expiresAt: '2099-01-01T00:00:00Z' },
    }),
    usageStatistics: (gql, k, x) => gql(k, `query($s: String) { usageStatistics(from: "2020-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z", groupBy: [TENANT], tenantSlug: $s) { rows { searches } } }`, { s: x.slug }),
    auditEvents: (gql, k) => gql(k, `{ auditEvents(first: 1) { nodes { seq } } }`),
    verifyAuditChain: (gql, k) => gql(k, `{ verifyAuditChain { ok } }`),
    transparencyReport: (gql, k) => gql(k, `{ transparencyReport(year: 2026) { year } }`),
    statutoryReport: (gql, k) => gql(k, `{ statutoryReport(statute: MD_2_510, year: 2026) { year } }`),
    verifyReport: (gql, k) => gql(k, `query($f: String!) { verifyReport(fileBase64: $f) { intact } }`, { f: Buffer.from('{}').toString('base64') }),
    createTenant: (gql, k) => gql(k, `mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }`, { i: { slug: `t${n++}-pd`, name: 'New' } }),
    // ACTIVE: a reinstatement that changes nothing, so every row after this one still runs against active tenants
    setTenantStatus: (gql, k, x) => gql(k, `mutation($s: String!) { setTenantStatus(slug: $s, status: ACTIVE) { status } }`, { s: x.slug }),
    issueToken: (gql, k, x) => gql(k, `mutation($id: ID!) { issueToken(principalId: $id, ttlMinutes: 5) { token } }`, { id: x.colleagueId }),
    // each on a principal of its own: the colleague's tokens must keep working for the rows after
    disablePrincipal: async (gql, k, x) => gql(k, `mutation($id: ID!) { disablePrincipal(id: $id) { disabledAt } }`, { id: await x.freshAnalyst() }),
    enablePrincipal: async (gql, k, x) => gql(k, `mutation($id: ID!) { enablePrincipal(id: $id) { disabledAt } }`, { id: await x.freshAnalyst() }),
    examinationAgreements: async (gql, k, x) => listing(await gql(k, `{ examinationAgreements { id } }`), (d) => d.examinationAgreements.map((v: { id: string }) => v.id), x.examAgreementId),
    createExaminationAgreement: (gql, k, x) => gql(k, `mutation($i: CreateExaminationAgreementInput!) { createExaminationAgreement(input: $i) { id } }`, {
      i: { servingTenantSlug: x.slug, requestingTenantSlug: x.slug === 'hub' ? 'river-pd' : 'hub', legalBases: ['VICTIM_ID'], expiresAt: '2099-01-01T00:00:00Z' },
    }),
    revokeExaminationAgreement: async (gql, k, x) => gql(k, `mutation($id: ID!) { revokeExaminationAgreement(id: $id) { revokedAt } }`, { id: await x.examAgreement() }),
    submitRequest: (gql, k, x) => gql(k, `mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { id } }`, { i: { ...REQUEST_INPUT, imageBase64: image, servingTenantSlug: x.slug } }),
    acceptRequest: async (gql, k, x) => gql(k, `mutation($r: ID!, $e: ID!) { acceptRequest(requestId: $r, examinerId: $e) { status } }`, { r: await x.request(), e: x.colleagueId }),
    declineRequest: async (gql, k, x) => gql(k, `mutation($r: ID!) { declineRequest(requestId: $r, reason: DUPLICATE) { status } }`, { r: await x.request() }),
    withdrawRequest: async (gql, k, x) => gql(k, `mutation($r: ID!) { withdrawRequest(requestId: $r) { status } }`, { r: await x.request() }),
    closeRequest: async (gql, k, x) => gql(k, `mutation($r: ID!) { closeRequest(requestId: $r) { status } }`, { r: await x.request() }),
    editRequestProbe: async (gql, k, x) => gql(k, `mutation($i: EditRequestProbeInput!) { editRequestProbe(input: $i) { id } }`, { i: { requestId: await x.request(), steps: [{ kind: 'ROTATE', degrees: 90 }] } }),
    requestProbe: async (gql, k, x) => gql(k, `query($r: ID!) { requestProbe(requestId: $r) }`, { r: await x.request() }),
    claimVerification: async (gql, k, x) => gql(k, `mutation($r: ID!) { claimVerification(requestId: $r) { status } }`, { r: await x.request() }),
    recordDispositions: async (gql, k, x) => gql(k, `mutation($i: RecordDispositionsInput!) { recordDispositions(input: $i) { status } }`, { i: { requestId: await x.request(), conclusion: 'NO_LEAD', dispositions: [] } }),
    releaseLead: async (gql, k, x) => gql(k, `mutation($r: ID!, $s: ID!) { releaseLead(requestId: $r, searchId: $s, rank: 1) { status } }`, { r: await x.request(), s: randomUUID() }),
    recordOutcome: async (gql, k, x) => gql(k, `mutation($r: ID!) { recordOutcome(requestId: $r, outcome: UNKNOWN) { status } }`, { r: await x.request() }),
    exportLeadPhoto: async (gql, k, x) => gql(k, `mutation($r: ID!) { exportLeadPhoto(requestId: $r, attestation: "a fingerprint on the weapon matched him") { subjectRef } }`, { r: await x.request() }),
    requestStatistics: (gql, k) => gql(k, `{ requestStatistics(from: "2020-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z") { requests byAgency { key requests } } }`),
    request: async (gql, k, x) => gql(k, `query($id: ID!) { request(id: $id) { id status } }`, { id: await x.request() }),
    requests: async (gql, k, x) => {
      const id = await x.request();
      return listing(await gql(k, `{ requests(first: 100) { nodes { id } } }`), (d) => d.requests.nodes.map((v: { id: string }) => v.id), id);
    },
    revokeTokens: async (gql, k, x) => gql(k, `mutation($id: ID!) { revokeTokens(principalId: $id) { tokensValidAfter } }`, { id: await x.freshAnalyst() }),
    setTenantIssuer: (gql, k, x) => gql(k, `mutation($i: SetTenantIssuerInput!) { setTenantIssuer(input: $i) { issuer } }`, {
      i: { tenantSlug: x.slug, issuer: `https://idp-${n++}.example.test`, jwksUrl: 'https://idp.example.test/jwks.json' },
    }),
    revokeSharingAgreement: async (gql, k, x) => gql(k, `mutation($id: ID!) { revokeSharingAgreement(id: $id) { revokedAt } }`, { id: await x.agreement() }),
    quotas: (gql, k, x) => gql(k, `query($s: String) { quotas(tenantSlug: $s) { period limit } }`, { s: x.slug }),
    tenants: async (gql, k, x) => listing(await gql(k, `{ tenants { id } }`), (d) => d.tenants.map((v: { id: string }) => v.id), x.tenantId),
    galleries: async (gql, k, x) => listing(await gql(k, `{ galleries { id } }`), (d) => d.galleries.map((v: { id: string }) => v.id), x.galleryId),
    searches: async (gql, k, x) => {
      const id = await x.search();
      return listing(await gql(k, `{ searches(first: 100) { nodes { id } } }`), (d) => d.searches.nodes.map((v: { id: string }) => v.id), id);
    },
    exigentSearchesAwaitingApproval: async (gql, k, x) => {
      const id = await x.search();
      return listing(await gql(k, `{ exigentSearchesAwaitingApproval { id } }`), (d) => d.exigentSearchesAwaitingApproval.map((v: { id: string }) => v.id), id);
    },
    sharingAgreements: async (gql, k, x) => listing(await gql(k, `{ sharingAgreements { id } }`), (d) => d.sharingAgreements.map((v: { id: string }) => v.id), x.agreementId),
    me: (gql, k) => gql(k, `{ me { role tenant { slug } } }`),
    policyPresets: (gql, k) => gql(k, `{ policyPresets { id } }`),
    legalBases: (gql, k) => gql(k, `{ legalBases { basis } }`),
    inferenceStatus: (gql, k) => gql(k, `{ inferenceStatus { pack } }`),
    principals: (gql, k, x) => gql(k, `query($s: String) { principals(tenantSlug: $s) { id role } }`, { s: x.slug }),
    tenantIssuer: (gql, k, x) => gql(k, `query($s: String) { tenantIssuer(tenantSlug: $s) { issuer } }`, { s: x.slug }),
    updatePrincipal: (gql, k, x) => gql(k, `mutation($i: UpdatePrincipalInput!) { updatePrincipal(input: $i) { id } }`, { i: { principalId: x.colleagueId, name: `colleague ${n++}` } }),
    principalHistory: (gql, k, x) => gql(k, `query($p: ID!) { principalHistory(principalId: $p, first: 5) { nodes { action } } }`, { p: x.colleagueId }),
    updateSubject: (gql, k, x) => gql(k, `mutation($i: UpdateSubjectInput!) { updateSubject(input: $i) { id } }`, { i: { subjectId: x.subjectId, disposition: `d${n++}` } }),
    removeSubject: async (gql, k, x) => gql(k, `mutation($i: RemoveSubjectInput!) { removeSubject(input: $i) { subjectId } }`, { i: { subjectId: (await x.fresh()).subjectId, reason: 'EXPUNGED' } }),
    removePhoto: async (gql, k, x) => gql(k, `mutation($i: RemovePhotoInput!) { removePhoto(input: $i) { subjectId } }`, { i: { templateId: (await x.fresh()).templateId, reason: 'ERROR' } }),
    // archived: false, a return to use that changes nothing, so every row after this one still searches and enrolls into it
    updateGallery: (gql, k, x) => gql(k, `mutation($i: UpdateGalleryInput!) { updateGallery(input: $i) { id } }`, { i: { galleryId: x.galleryId, archived: false } }),
    galleryRatesByGroup: (gql, k, x) => gql(k, `query($g: ID!) { galleryRatesByGroup(galleryId: $g, by: SEX) { kept groups { group people } } }`, { g: x.galleryId }),
    subjectRemnants: (gql, k, x) => gql(k, `query($s: ID!) { subjectRemnants(subjectId: $s) { clean } }`, { s: x.subjectId }),
    calibrations: (gql, k) => gql(k, `{ calibrations { modelVersion current { id } } }`),
    calibrationJob: (gql, k) => gql(k, `{ calibrationJob { state message } }`),
    accountabilityReport: (gql, k) => gql(k, `{ accountabilityReport(year: 2026) { year calibrationSource } }`),
    adoptCalibration: (gql, k, x) => gql(k, `mutation($id: ID!) { adoptCalibration(id: $id) { id current } }`, { id: x.calibrationId }),
    subjectsByBookingNumber: async (gql, k, x) =>
      listing(await gql(k, `{ subjectsByBookingNumber(bookingNumber: "B-1") { id } }`), (d) => d.subjectsByBookingNumber.map((v: { id: string }) => v.id), x.subjectId),
  };
}

/**
 * The matrix's world on a running hub: the operator (hub), metro-pd (the callers' tenant) and river-pd
 * (another tenant), each with a gallery, an enrolled face, a quota, a colleague analyst and an
 * agreement; a caller of each role.
 */
export async function matrixWorld(t: TestHub): Promise<{ targets: Record<string, Target>; actors: Record<keyof Row, { token: string; tenant: string }>; ops: Record<string, Operation> }> {
  const targets: Record<string, Target> = {};
  const actors = {} as Record<keyof Row, { token: string; tenant: string }>;
  const image = (await portrait()).toString('base64');
  const hubAdmin = await t.token('hub', Role.HUB_ADMIN);
  let photos = 0;
  const calibrationId = (await t.gql(hubAdmin, `{ calibrations { shipped { id } } }`)).data.calibrations.shipped.id as string;
  for (const slug of ['hub', 'metro-pd', 'river-pd']) {
    if (slug !== 'hub') await t.createTenant(slug);
    const admin = slug === 'hub' ? hubAdmin : await t.token(slug, Role.AGENCY_ADMIN);
    const tenantId = (await t.gql(admin, `{ me { tenant { id } } }`)).data.me.tenant.id;
    const galleryId = (await t.gql(admin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
    const enrolled = await t.gql(admin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId subjectId } }`, { i: { galleryId, subjectRef: 'B-1', imageBase64: image } });
    const subjectId = enrolled.data.enrollFace.subjectId as string;
    const fresh = async () => {
      // a photo no gallery holds yet (enrollment is idempotent by checksum): the portrait, shifted by a pixel or more
      const k = photos++;
      const photo = await sharp(SAMPLE_GROUP).extract({ left: 290 + (k % 20), top: 175 + Math.floor(k / 20), width: 480, height: 560 }).jpeg().toBuffer();
      const r = await t.gql(admin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId subjectId created } }`, { i: { galleryId, subjectRef: `F-${k}`, imageBase64: photo.toString('base64') } });
      if (r.errors || !r.data.enrollFace.created) throw new Error(`fresh subject: ${JSON.stringify(r)}`);
      return r.data.enrollFace as { subjectId: string; templateId: string };
    };
    // each disable/enable/revoke on a principal of its own: the colleague's tokens must keep working for the rows after
    const freshAnalyst = async () => (await t.principal(slug, Role.AGENCY_ANALYST)).id;
    await t.gql(hubAdmin, `mutation($s: String!) { setQuota(input: { tenantSlug: $s, period: MONTH, limit: 100000 }) { limit } }`, { s: slug });
    const colleague = await t.principal(slug, Role.AGENCY_ANALYST, { name: 'colleague' });
    const agreement = async () => {
      const r = await t.gql(hubAdmin, `mutation($i: CreateSharingAgreementInput!) { createSharingAgreement(input: $i) { id } }`, {
        i: { galleryId, granteeTenantSlug: slug === 'hub' ? 'river-pd' : 'hub', legalBases: ['MISSING_PERSON'], expiresAt: '2099-01-01T00:00:00Z' },
      });
      if (r.errors) throw new Error(JSON.stringify(r.errors));
      return r.data.createSharingAgreement.id as string;
    };
    const requester = await t.principal(slug, Role.AGENCY_REQUESTER, { name: 'requester' });
    const examAgreement = async () => {
      const r = await t.gql(hubAdmin, `mutation($i: CreateExaminationAgreementInput!) { createExaminationAgreement(input: $i) { id } }`, {
        i: { servingTenantSlug: slug, requestingTenantSlug: slug === 'hub' ? 'river-pd' : 'hub', legalBases: ['MISSING_PERSON'], expiresAt: '2099-01-01T00:00:00Z' },
      });
      if (r.errors) throw new Error(JSON.stringify(r.errors));
      return r.data.createExaminationAgreement.id as string;
    };
    targets[slug] = {
      slug, tenantId, galleryId, subjectId, calibrationId, fresh, freshAnalyst, colleagueId: colleague.id, agreementId: '', agreement, examAgreementId: '', examAgreement,
      async request() {
        const r = await t.gql(requester.token, `mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { id } }`, { i: { ...REQUEST_INPUT, imageBase64: image } });
        if (r.errors) throw new Error(JSON.stringify(r.errors));
        return r.data.submitRequest.id;
      },
      async search() {
        const r = await t.gql(colleague.token, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`, { i: { imageBase64: image, legalBasis: 'IMMINENT_THREAT', caseNumber: 'X-1', minScore: -1 } });
        if (r.errors) throw new Error(JSON.stringify(r.errors));
        return r.data.searchFaces.id;
      },
    };
  }
  // once every tenant exists, as grantees
  for (const x of Object.values(targets)) {
    x.agreementId = await x.agreement();
    x.examAgreementId = await x.examAgreement();
  }
  for (const [key, role] of Object.entries(ROLES) as [keyof Row, Role][]) {
    // the operator's roles exist only in the operator tenant
    const tenant = OPERATOR_ROLES.includes(role) ? 'hub' : 'metro-pd';
    actors[key] = { tenant, token: role === Role.HUB_ADMIN ? hubAdmin : (await t.principal(tenant, role)).token };
  }
  return { targets, actors, ops: matrixOperations(image) };
}

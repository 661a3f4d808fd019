import { Role } from '../../models/enums';
import { OPERATOR_ROLES } from '../../tenants/shared/actor';
import { portrait } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';
import { schemaOperations } from '../support/operations';

// Every role x every operation x own tenant / other tenant, from one table. 'ok' is allowed;
// FORBIDDEN is a refusal the caller may know about; NOT_FOUND is what another tenant's object looks
// like to a caller who may not see it (forbidden and missing look the same). For a list, NOT_FOUND
// means the target tenant's object is absent from the answer. The operations come from the built
// schema: a new query or mutation without a row here fails the suite.
type Want = 'ok' | 'FORBIDDEN' | 'NOT_FOUND';
type Row = Record<'A' | 'S' | 'AD' | 'H' | 'O', [own: Want, other: Want] | Want>;
const ok = 'ok', F = 'FORBIDDEN', NF = 'NOT_FOUND';

const MATRIX: Record<string, Row> = {
  tenant: { A: [ok, NF], S: [ok, NF], AD: [ok, NF], H: [ok, ok], O: [ok, ok] },
  createPrincipal: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF] },
  gallery: { A: [ok, NF], S: [ok, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF] },
  subjects: { A: [ok, NF], S: [ok, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF] },
  enrollFace: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, F], O: [F, NF] },
  createGallery: { A: F, S: F, AD: ok, H: ok, O: F },
  searchFaces: { A: [ok, NF], S: [F, F], AD: [F, F], H: [F, F], O: [F, F] },
  previewProbe: { A: ok, S: F, AD: F, H: F, O: F },
  search: { A: [F, NF], S: [ok, NF], AD: [F, NF], H: [F, NF], O: [F, NF] },
  reviewSearch: { A: [F, NF], S: [ok, NF], AD: [F, NF], H: [F, NF], O: [F, NF] },
  approveExigentSearch: { A: [F, NF], S: [ok, NF], AD: [F, NF], H: [F, NF], O: [F, NF] },
  setLegalHold: { A: [F, NF], S: [ok, NF], AD: [F, NF], H: [ok, ok], O: [F, NF] },
  setTenantPolicy: { A: [F, NF], S: [F, NF], AD: [F, NF], H: [ok, ok], O: [F, NF] },
  tenantPolicy: { A: [ok, NF], S: [ok, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF] },
  setQuota: { A: [F, NF], S: [F, NF], AD: [F, NF], H: [ok, ok], O: [F, NF] },
  quota: { A: [ok, NF], S: [ok, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF] },
  createSharingAgreement: { A: [F, F], S: [F, F], AD: [F, F], H: [ok, ok], O: [F, F] },
  usageStatistics: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, ok], O: [ok, ok] },
  auditEvents: { A: F, S: F, AD: F, H: ok, O: F },
  verifyAuditChain: { A: F, S: F, AD: F, H: ok, O: ok },
  transparencyReport: { A: ok, S: ok, AD: ok, H: ok, O: ok },
  statutoryReport: { A: F, S: F, AD: F, H: ok, O: ok },
  verifyReport: { A: ok, S: ok, AD: ok, H: ok, O: ok },
  createTenant: { A: F, S: F, AD: F, H: ok, O: F },
  setTenantStatus: { A: [F, NF], S: [F, NF], AD: [F, NF], H: [ok, ok], O: [F, F] },
  issueToken: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF] },
  setTenantIssuer: { A: [F, NF], S: [F, NF], AD: [F, NF], H: [ok, ok], O: [F, F] },
  revokeSharingAgreement: { A: [F, NF], S: [F, NF], AD: [F, NF], H: [ok, ok], O: [F, NF] },
  quotas: { A: [ok, NF], S: [ok, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF] },
  tenants: { A: [ok, NF], S: [ok, NF], AD: [ok, NF], H: [ok, ok], O: [ok, ok] },
  galleries: { A: [ok, NF], S: [ok, NF], AD: [ok, NF], H: [ok, ok], O: [NF, NF] },
  searches: { A: [NF, NF], S: [ok, NF], AD: [F, F], H: [F, F], O: [F, F] },
  exigentSearchesAwaitingApproval: { A: [F, F], S: [ok, NF], AD: [F, F], H: [F, F], O: [F, F] },
  sharingAgreements: { A: [NF, NF], S: [NF, NF], AD: [ok, NF], H: [ok, ok], O: [NF, NF] },
  me: { A: ok, S: ok, AD: ok, H: ok, O: ok },
  policyPresets: { A: ok, S: ok, AD: ok, H: ok, O: ok },
  legalBases: { A: ok, S: ok, AD: ok, H: ok, O: ok },
  inferenceStatus: { A: ok, S: ok, AD: ok, H: ok, O: ok },
  principals: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF] },
  tenantIssuer: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF] },
};

// root fields with no row, each with its reason
const NOT_IN_MATRIX: Record<string, string> = {
  _service: 'federation plumbing: the SDL, the same for every caller',
  _entities: 'federation plumbing: resolves through tenant/gallery/search, attacked in test/security/isolation.spec.ts',
};

const ROLES = { A: Role.AGENCY_ANALYST, S: Role.AGENCY_SUPERVISOR, AD: Role.AGENCY_ADMIN, H: Role.HUB_ADMIN, O: Role.OVERSIGHT_AUDITOR } as const;

interface Target {
  slug: string;
  tenantId: string;
  galleryId: string;
  /** an analyst of the target tenant (not the caller) */
  colleagueId: string;
  /** an agreement granting the target tenant's gallery to a third tenant (never metro-pd, the callers' own) */
  agreementId: string;
  /** a fresh exigent search of the target tenant, run by one of its analysts (not the caller) */
  search(): Promise<string>;
  /** a fresh agreement like agreementId, to revoke */
  agreement(): Promise<string>;
}

type Answer = { data?: any; errors?: { extensions: { code: string } }[]; visible?: boolean };
/** A list's answer, marked with whether it holds the target's object. */
const listing = (r: Answer, ids: (data: any) => string[], id: string): Answer => (r.errors ? r : { ...r, visible: ids(r.data).includes(id) });

const cases = Object.entries(MATRIX).flatMap(([op, row]) =>
  (Object.keys(row) as (keyof Row)[]).flatMap((r) => {
    const want = row[r];
    return Array.isArray(want) ? [[op, r, 'own', want[0]], [op, r, 'other', want[1]]] : [[op, r, 'own', want]];
  }),
) as [string, keyof Row, 'own' | 'other', Want][];

describe('permission matrix', () => {
  let t: TestHub;
  let image: string;
  const targets: Record<string, Target> = {};
  const actors = {} as Record<keyof Row, { token: string; tenant: string }>;
  let n = 0;

  const OPS: Record<string, (token: string, x: Target) => Promise<Answer>> = {
    tenant: (k, x) => t.gql(k, `query($id: ID!) { tenant(id: $id) { slug } }`, { id: x.tenantId }),
    createPrincipal: (k, x) => t.gql(k, `mutation($i: CreatePrincipalInput!) { createPrincipal(input: $i) { id } }`, { i: { tenantSlug: x.slug, name: `p${n++}`, role: 'AGENCY_ANALYST' } }),
    gallery: (k, x) => t.gql(k, `query($id: ID!) { gallery(id: $id) { id } }`, { id: x.galleryId }),
    subjects: (k, x) => t.gql(k, `query($id: ID!) { subjects(galleryId: $id) { nodes { subjectRef } } }`, { id: x.galleryId }),
    enrollFace: (k, x) => t.gql(k, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId } }`, { i: { galleryId: x.galleryId, subjectRef: `s${n++}`, imageBase64: image } }),
    createGallery: (k) => t.gql(k, `mutation($i: CreateGalleryInput!) { createGallery(input: $i) { id } }`, { i: { name: `g${n++}` } }),
    searchFaces: (k, x) => t.gql(k, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`, {
      i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'M-1', ...(x.slug === 'river-pd' ? { galleryIds: [x.galleryId] } : {}) },
    }),
    previewProbe: (k) => t.gql(k, `query($i: PreviewProbeInput!) { previewProbe(input: $i) { width faces { quality } } }`, { i: { imageBase64: image } }),
    search: async (k, x) => t.gql(k, `query($id: ID!) { search(id: $id) { id } }`, { id: await x.search() }),
    reviewSearch: async (k, x) => t.gql(k, `mutation($i: ReviewSearchInput!) { reviewSearch(input: $i) { reviewStatus } }`, { i: { searchId: await x.search(), outcome: 'NO_LEAD', decisions: [] } }),
    approveExigentSearch: async (k, x) => t.gql(k, `mutation($id: ID!) { approveExigentSearch(searchId: $id) { approvedAt } }`, { id: await x.search() }),
    setLegalHold: async (k, x) => t.gql(k, `mutation($id: ID!) { setLegalHold(searchId: $id, hold: true, reason: "litigation") { legalHold } }`, { id: await x.search() }),
    setTenantPolicy: (k, x) => t.gql(k, `mutation($s: String!) { setTenantPolicy(input: { tenantSlug: $s, retentionDays: 400 }) { retentionDays } }`, { s: x.slug }),
    tenantPolicy: (k, x) => t.gql(k, `query($s: String!) { tenantPolicy(tenantSlug: $s) { preset } }`, { s: x.slug }),
    setQuota: (k, x) => t.gql(k, `mutation($s: String!) { setQuota(input: { tenantSlug: $s, period: MONTH, limit: 1000 }) { limit } }`, { s: x.slug }),
    quota: (k, x) => t.gql(k, `query($s: String!) { quota(tenantSlug: $s) { used limit } }`, { s: x.slug }),
    // never granted to metro-pd: a grant to the callers' tenant would change what later rows may see
    createSharingAgreement: (k, x) => t.gql(k, `mutation($i: CreateSharingAgreementInput!) { createSharingAgreement(input: $i) { id } }`, {
      i: { galleryId: x.galleryId, granteeTenantSlug: x.slug === 'hub' ? 'river-pd' : 'hub', legalBases: ['VICTIM_ID'], expiresAt: '2099-01-01T00:00:00Z' },
    }),
    usageStatistics: (k, x) => t.gql(k, `query($s: String) { usageStatistics(from: "2020-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z", groupBy: [TENANT], tenantSlug: $s) { rows { searches } } }`, { s: x.slug }),
    auditEvents: (k) => t.gql(k, `{ auditEvents(first: 1) { nodes { seq } } }`),
    verifyAuditChain: (k) => t.gql(k, `{ verifyAuditChain { ok } }`),
    transparencyReport: (k) => t.gql(k, `{ transparencyReport(year: 2026) { year } }`),
    statutoryReport: (k) => t.gql(k, `{ statutoryReport(statute: MD_2_510, year: 2026) { year } }`),
    // anyone may check a report they hold; a file that is no report answers intact: false, not an error
    verifyReport: (k) => t.gql(k, `query($f: String!) { verifyReport(fileBase64: $f) { intact } }`, { f: Buffer.from('{}').toString('base64') }),
    createTenant: (k) => t.gql(k, `mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }`, { i: { slug: `t${n++}-pd`, name: 'New' } }),
    // ACTIVE: a reinstatement that changes nothing, so every row after this one still runs against active tenants
    setTenantStatus: (k, x) => t.gql(k, `mutation($s: String!) { setTenantStatus(slug: $s, status: ACTIVE) { status } }`, { s: x.slug }),
    issueToken: (k, x) => t.gql(k, `mutation($id: ID!) { issueToken(principalId: $id, ttlMinutes: 5) { token } }`, { id: x.colleagueId }),
    setTenantIssuer: (k, x) => t.gql(k, `mutation($i: SetTenantIssuerInput!) { setTenantIssuer(input: $i) { issuer } }`, {
      i: { tenantSlug: x.slug, issuer: `https://idp-${n++}.example.test`, jwksUrl: 'https://idp.example.test/jwks.json' },
    }),
    revokeSharingAgreement: async (k, x) => t.gql(k, `mutation($id: ID!) { revokeSharingAgreement(id: $id) { revokedAt } }`, { id: await x.agreement() }),
    quotas: (k, x) => t.gql(k, `query($s: String) { quotas(tenantSlug: $s) { period limit } }`, { s: x.slug }),
    tenants: async (k, x) => listing(await t.gql(k, `{ tenants { id } }`), (d) => d.tenants.map((v: { id: string }) => v.id), x.tenantId),
    galleries: async (k, x) => listing(await t.gql(k, `{ galleries { id } }`), (d) => d.galleries.map((v: { id: string }) => v.id), x.galleryId),
    searches: async (k, x) => {
      const id = await x.search();
      return listing(await t.gql(k, `{ searches(first: 100) { nodes { id } } }`), (d) => d.searches.nodes.map((v: { id: string }) => v.id), id);
    },
    exigentSearchesAwaitingApproval: async (k, x) => {
      const id = await x.search();
      return listing(await t.gql(k, `{ exigentSearchesAwaitingApproval { id } }`), (d) => d.exigentSearchesAwaitingApproval.map((v: { id: string }) => v.id), id);
    },
    sharingAgreements: async (k, x) => listing(await t.gql(k, `{ sharingAgreements { id } }`), (d) => d.sharingAgreements.map((v: { id: string }) => v.id), x.agreementId),
    me: (k) => t.gql(k, `{ me { role tenant { slug } } }`),
    policyPresets: (k) => t.gql(k, `{ policyPresets { id } }`),
    legalBases: (k) => t.gql(k, `{ legalBases { basis } }`),
    inferenceStatus: (k) => t.gql(k, `{ inferenceStatus { pack } }`),
    principals: (k, x) => t.gql(k, `query($s: String) { principals(tenantSlug: $s) { id role } }`, { s: x.slug }),
    tenantIssuer: (k, x) => t.gql(k, `query($s: String) { tenantIssuer(tenantSlug: $s) { issuer } }`, { s: x.slug }),
  };

  beforeAll(async () => {
    t = await startHub();
    image = (await portrait()).toString('base64');
    const hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    for (const slug of ['hub', 'metro-pd', 'river-pd']) {
      if (slug !== 'hub') await t.createTenant(slug);
      const admin = slug === 'hub' ? hubAdmin : await t.token(slug, Role.AGENCY_ADMIN);
      const tenantId = (await t.gql(admin, `{ me { tenant { id } } }`)).data.me.tenant.id;
      const galleryId = (await t.gql(admin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
      await t.gql(admin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId } }`, { i: { galleryId, subjectRef: 'B-1', imageBase64: image } });
      await t.gql(hubAdmin, `mutation($s: String!) { setQuota(input: { tenantSlug: $s, period: MONTH, limit: 100000 }) { limit } }`, { s: slug });
      const colleague = await t.principal(slug, Role.AGENCY_ANALYST, { name: 'colleague' });
      const agreement = async () => {
        const r = await t.gql(hubAdmin, `mutation($i: CreateSharingAgreementInput!) { createSharingAgreement(input: $i) { id } }`, {
          i: { galleryId, granteeTenantSlug: slug === 'hub' ? 'river-pd' : 'hub', legalBases: ['MISSING_PERSON'], expiresAt: '2099-01-01T00:00:00Z' },
        });
        if (r.errors) throw new Error(JSON.stringify(r.errors));
        return r.data.createSharingAgreement.id as string;
      };
      targets[slug] = {
        slug, tenantId, galleryId, colleagueId: colleague.id, agreementId: '', agreement,
        async search() {
          const r = await t.gql(colleague.token, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`, { i: { imageBase64: image, legalBasis: 'IMMINENT_THREAT', caseNumber: 'X-1', minScore: -1 } });
          if (r.errors) throw new Error(JSON.stringify(r.errors));
          return r.data.searchFaces.id;
        },
      };
    }
    // once every tenant exists, as grantees
    for (const x of Object.values(targets)) x.agreementId = await x.agreement();
    for (const [key, role] of Object.entries(ROLES) as [keyof Row, Role][]) {
      // the operator's roles exist only in the operator tenant
      const tenant = OPERATOR_ROLES.includes(role) ? 'hub' : 'metro-pd';
      actors[key] = { tenant, token: role === Role.HUB_ADMIN ? hubAdmin : (await t.principal(tenant, role)).token };
    }
  });
  afterAll(() => t?.close());

  it('covers every role and every operation of the schema', async () => {
    const operations = (await schemaOperations()).map((o) => o.name).filter((name) => !(name in NOT_IN_MATRIX));
    expect(Object.keys(MATRIX).sort()).toEqual(operations.sort());
    expect(Object.keys(OPS).sort()).toEqual(Object.keys(MATRIX).sort());
    expect(cases.length).toBeGreaterThan(250);
  });

  it.each(cases)('%s by %s on the %s tenant: %s', async (op, role, where, want) => {
    const actor = actors[role];
    const target = targets[where === 'own' ? actor.tenant : 'river-pd'];
    const r = await OPS[op](actor.token, target);
    expect(r.errors?.[0]?.extensions.code ?? (r.visible === false ? NF : ok)).toBe(want);
    // a refusal carries no data
    if (r.errors) expect(r.data?.[op] ?? null).toBeNull();
  });
});

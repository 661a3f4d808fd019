import { Role } from '../../models/enums';
import { portrait } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';

// Every role x every operation x own tenant / other tenant, from one table. 'ok' is allowed;
// FORBIDDEN is a refusal the caller may know about; NOT_FOUND is what another tenant's object looks
// like to a caller who may not see it (forbidden and missing look the same).
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
  search: { A: [F, NF], S: [ok, NF], AD: [F, NF], H: [F, NF], O: [F, NF] },
  reviewSearch: { A: [F, NF], S: [ok, NF], AD: [F, NF], H: [F, NF], O: [F, NF] },
  approveExigentSearch: { A: [F, NF], S: [ok, NF], AD: [F, NF], H: [F, NF], O: [F, NF] },
  setLegalHold: { A: [F, NF], S: [ok, NF], AD: [F, NF], H: [ok, ok], O: [F, NF] },
  setTenantPolicy: { A: [F, NF], S: [F, NF], AD: [F, NF], H: [ok, ok], O: [F, NF] },
  tenantPolicy: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF] },
  setQuota: { A: [F, NF], S: [F, NF], AD: [F, NF], H: [ok, ok], O: [F, NF] },
  quota: { A: [ok, NF], S: [ok, NF], AD: [ok, NF], H: [ok, ok], O: [F, NF] },
  createSharingAgreement: { A: [F, F], S: [F, F], AD: [F, F], H: [ok, ok], O: [F, F] },
  usageStatistics: { A: [F, NF], S: [F, NF], AD: [ok, NF], H: [ok, ok], O: [ok, ok] },
  auditEvents: { A: F, S: F, AD: F, H: ok, O: F },
  verifyAuditChain: { A: F, S: F, AD: F, H: ok, O: ok },
  transparencyReport: { A: ok, S: ok, AD: ok, H: ok, O: ok },
  createTenant: { A: F, S: F, AD: F, H: ok, O: F },
};

const ROLES = { A: Role.AGENCY_ANALYST, S: Role.AGENCY_SUPERVISOR, AD: Role.AGENCY_ADMIN, H: Role.HUB_ADMIN, O: Role.OVERSIGHT_AUDITOR } as const;

interface Target {
  slug: string;
  tenantId: string;
  galleryId: string;
  /** a fresh exigent search of the target tenant, run by one of its analysts (not the caller) */
  search(): Promise<string>;
}

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

  const OPS: Record<string, (token: string, x: Target) => Promise<{ errors?: { extensions: { code: string } }[] }>> = {
    tenant: (k, x) => t.gql(k, `query($id: ID!) { tenant(id: $id) { slug } }`, { id: x.tenantId }),
    createPrincipal: (k, x) => t.gql(k, `mutation($i: CreatePrincipalInput!) { createPrincipal(input: $i) { id } }`, { i: { tenantSlug: x.slug, name: `p${n++}`, role: 'AGENCY_ANALYST' } }),
    gallery: (k, x) => t.gql(k, `query($id: ID!) { gallery(id: $id) { id } }`, { id: x.galleryId }),
    subjects: (k, x) => t.gql(k, `query($id: ID!) { subjects(galleryId: $id) { nodes { subjectRef } } }`, { id: x.galleryId }),
    enrollFace: (k, x) => t.gql(k, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId } }`, { i: { galleryId: x.galleryId, subjectRef: `s${n++}`, imageBase64: image } }),
    createGallery: (k) => t.gql(k, `mutation($i: CreateGalleryInput!) { createGallery(input: $i) { id } }`, { i: { name: `g${n++}` } }),
    searchFaces: (k, x) => t.gql(k, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`, {
      i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'M-1', ...(x.slug === 'river-pd' ? { galleryIds: [x.galleryId] } : {}) },
    }),
    search: async (k, x) => t.gql(k, `query($id: ID!) { search(id: $id) { id } }`, { id: await x.search() }),
    reviewSearch: async (k, x) => t.gql(k, `mutation($i: ReviewSearchInput!) { reviewSearch(input: $i) { reviewStatus } }`, { i: { searchId: await x.search(), outcome: 'NO_LEAD', decisions: [] } }),
    approveExigentSearch: async (k, x) => t.gql(k, `mutation($id: ID!) { approveExigentSearch(searchId: $id) { approvedAt } }`, { id: await x.search() }),
    setLegalHold: async (k, x) => t.gql(k, `mutation($id: ID!) { setLegalHold(searchId: $id, hold: true, reason: "litigation") { legalHold } }`, { id: await x.search() }),
    setTenantPolicy: (k, x) => t.gql(k, `mutation($s: String!) { setTenantPolicy(input: { tenantSlug: $s, retentionDays: 400 }) { retentionDays } }`, { s: x.slug }),
    tenantPolicy: (k, x) => t.gql(k, `query($s: String!) { tenantPolicy(tenantSlug: $s) { preset } }`, { s: x.slug }),
    setQuota: (k, x) => t.gql(k, `mutation($s: String!) { setQuota(input: { tenantSlug: $s, period: MONTH, limit: 1000 }) { limit } }`, { s: x.slug }),
    quota: (k, x) => t.gql(k, `query($s: String!) { quota(tenantSlug: $s) { used limit } }`, { s: x.slug }),
    createSharingAgreement: (k, x) => t.gql(k, `mutation($i: CreateSharingAgreementInput!) { createSharingAgreement(input: $i) { id } }`, {
      i: { galleryId: x.galleryId, granteeTenantSlug: x.slug === 'metro-pd' ? 'river-pd' : 'metro-pd', legalBases: ['VICTIM_ID'], expiresAt: '2099-01-01T00:00:00Z' },
    }),
    usageStatistics: (k, x) => t.gql(k, `query($s: String) { usageStatistics(from: "2020-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z", groupBy: [TENANT], tenantSlug: $s) { rows { searches } } }`, { s: x.slug }),
    auditEvents: (k) => t.gql(k, `{ auditEvents(first: 1) { nodes { seq } } }`),
    verifyAuditChain: (k) => t.gql(k, `{ verifyAuditChain { ok } }`),
    transparencyReport: (k) => t.gql(k, `{ transparencyReport(year: 2026) { year } }`),
    createTenant: (k) => t.gql(k, `mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }`, { i: { slug: `t${n++}-pd`, name: 'New' } }),
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
      targets[slug] = {
        slug, tenantId, galleryId,
        async search() {
          const r = await t.gql(colleague.token, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`, { i: { imageBase64: image, legalBasis: 'IMMINENT_THREAT', caseNumber: 'X-1', minScore: -1 } });
          if (r.errors) throw new Error(JSON.stringify(r.errors));
          return r.data.searchFaces.id;
        },
      };
    }
    for (const [key, role] of Object.entries(ROLES) as [keyof Row, Role][]) {
      const tenant = role === Role.HUB_ADMIN ? 'hub' : 'metro-pd';
      actors[key] = { tenant, token: role === Role.HUB_ADMIN ? hubAdmin : (await t.principal(tenant, role)).token };
    }
  });
  afterAll(() => t?.close());

  it('covers every role and every operation', () => {
    expect(Object.keys(OPS).sort()).toEqual(Object.keys(MATRIX).sort());
    expect(cases.length).toBeGreaterThan(150);
  });

  it.each(cases)('%s by %s on the %s tenant: %s', async (op, role, where, want) => {
    const actor = actors[role];
    const target = targets[where === 'own' ? actor.tenant : 'river-pd'];
    const r = await OPS[op](actor.token, target);
    expect(r.errors?.[0]?.extensions.code ?? 'ok').toBe(want);
  });
});

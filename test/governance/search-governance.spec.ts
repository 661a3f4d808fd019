import { Role } from '../../models/enums';
import { portrait } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';

const SEARCH = `mutation($input: SearchFacesInput!) { searchFaces(input: $input) { id galleriesSearched candidates { galleryId subjectRef } exigentDueAt reviewStatus } }`;
const ENROLL = `mutation($input: EnrollFaceInput!) { enrollFace(input: $input) { templateId } }`;

describe('search governance: legal bases, quotas, sharing, review (over HTTP)', () => {
  let t: TestHub;
  let hubAdmin: string;
  let analyst: { id: string; token: string };
  let image: string;
  const search = (token: string, input: Record<string, unknown>) => t.gql(token, SEARCH, { input: { imageBase64: image, ...input } });
  const codeOf = (r: { errors?: { extensions: { code: string } }[] }) => r.errors?.[0].extensions.code;
  const auditOf = async (action: string) =>
    (await t.gql(hubAdmin, `query($a: String) { auditEvents(action: $a, first: 200) { nodes { seq action outcome reason tenantId caseNumber legalBasis galleries candidateCount probeSha256 modelVersion } } }`, { a: action })).data.auditEvents.nodes;

  beforeAll(async () => {
    // 50 concurrent searches test the quota, not the inference backpressure: room for all of them in flight
    t = await startHub({ FRHUB_INFLIGHT_PHOTOS: '64' });
    hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    image = (await portrait()).toString('base64');
    await t.createTenant('metro-pd');
    analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST);
    const metroAdmin = await t.token('metro-pd', Role.AGENCY_ADMIN);
    const own = (await t.gql(metroAdmin, `mutation { createGallery(input: { name: "Metro bookings" }) { id } }`)).data.createGallery.id;
    expect((await t.gql(metroAdmin, ENROLL, { input: { galleryId: own, subjectRef: 'M-1', imageBase64: image } })).errors).toBeUndefined();
  });
  afterAll(() => t?.close());

  describe('legal-basis policy (MN_DEFAULT preset unless set)', () => {
    const suspect = { legalBasis: 'CRIMINAL_SUSPECT_ID', caseNumber: '26-001', offenseCategory: 'ROBBERY' };
    it.each([
      ['a missing case number', { ...suspect, caseNumber: null }, 'CASE_NUMBER_REQUIRED'],
      ['a blank case number', { ...suspect, caseNumber: '   ' }, 'CASE_NUMBER_REQUIRED'],
      ['no offense for a suspect search', { ...suspect, offenseCategory: null }, 'OFFENSE_BELOW_THRESHOLD'],
      ['a misdemeanor under a felony threshold', { ...suspect, offenseCategory: 'MISDEMEANOR' }, 'OFFENSE_BELOW_THRESHOLD'],
      ['a declaration withheld', { ...suspect, notForProhibitedPurpose: false }, 'PROHIBITED_PURPOSE'],
      ['immigration enforcement as the stated purpose', { ...suspect, narrative: 'Subject wanted for deportation proceedings' }, 'PROHIBITED_PURPOSE'],
      ['identifying protesters', { legalBasis: 'WITNESS_ID', caseNumber: '26-2', narrative: 'identify the protesters at the city hall rally' }, 'PROHIBITED_PURPOSE'],
      ['live surveillance', { ...suspect, narrative: 'ongoing real-time monitoring of the plaza camera' }, 'PROHIBITED_PURPOSE'],
    ])('denies %s with its reason, audited, spending nothing', async (_label, input, code) => {
      const before = (await t.gql(analyst.token, `{ quota { used } }`)).data.quota.used;
      const r = await search(analyst.token, input);
      expect(codeOf(r)).toBe(code);
      expect(r.errors![0].message.length).toBeGreaterThan(20);
      // in words a person reads in the console: no enum value as a raw code (MISDEMEANOR, CRIMINAL_SUSPECT_ID)
      expect(r.errors![0].message).not.toMatch(/\b[A-Z]{2,}(?:_[A-Z]+)*\b/);
      expect((await t.gql(analyst.token, `{ quota { used } }`)).data.quota.used).toBe(before);
      const [last] = await auditOf('SEARCH');
      expect(last).toMatchObject({ outcome: 'DENIED', reason: code, legalBasis: input.legalBasis });
      expect(last.probeSha256).toMatch(/^[0-9a-f]{64}$/);
    });

    it('allows a felony suspect search with a case number, and audits it with what it searched', async () => {
      const r = await search(analyst.token, suspect);
      expect(r.errors).toBeUndefined();
      const [last] = await auditOf('SEARCH');
      expect(last).toMatchObject({ outcome: 'ALLOWED', caseNumber: '26-001', legalBasis: 'CRIMINAL_SUSPECT_ID', candidateCount: r.data.searchFaces.candidates.length });
      expect(last.galleries).toEqual(r.data.searchFaces.galleriesSearched);
      expect(last.modelVersion).toBe(t.hub.engine.modelVersion);
    });

    it('applies a jurisdiction preset: Montana needs a warrant and a serious felony; Utah a narrative', async () => {
      const set = await t.gql(hubAdmin, `mutation { setTenantPolicy(input: { tenantSlug: "metro-pd", preset: "MT_44_15" }) { preset warrantRequiredFor offenseThreshold } }`);
      expect(set.data.setTenantPolicy).toEqual({ preset: 'MT_44_15', warrantRequiredFor: ['CRIMINAL_SUSPECT_ID'], offenseThreshold: 'SERIOUS_FELONY' });
      expect(codeOf(await search(analyst.token, suspect))).toBe('WARRANT_REQUIRED');
      expect(codeOf(await search(analyst.token, { ...suspect, offenseCategory: 'FRAUD', warrantNumber: 'W-1' }))).toBe('OFFENSE_BELOW_THRESHOLD');
      expect(codeOf(await search(analyst.token, { legalBasis: 'DETAINEE_NO_ID', caseNumber: '26-3' }))).toBe('LEGAL_BASIS_NOT_PERMITTED');
      expect((await search(analyst.token, { ...suspect, warrantNumber: 'W-1' })).errors).toBeUndefined();
      await t.gql(hubAdmin, `mutation { setTenantPolicy(input: { tenantSlug: "metro-pd", preset: "UT_77_23E" }) { preset } }`);
      expect(codeOf(await search(analyst.token, suspect))).toBe('NARRATIVE_REQUIRED');
      expect((await search(analyst.token, { ...suspect, offenseDescription: 'Armed robbery of a pharmacy', narrative: 'Clerk threatened with a handgun; store camera still.' })).errors).toBeUndefined();
      await t.gql(hubAdmin, `mutation { setTenantPolicy(input: { tenantSlug: "metro-pd", preset: "MN_DEFAULT" }) { preset } }`);
    });

    it('denies an uncertified analyst, a service account, and a suspended tenant', async () => {
      const lapsed = await t.principal('metro-pd', Role.AGENCY_ANALYST, { certifiedUntil: '2020-01-01T00:00:00Z' });
      expect(codeOf(await search(lapsed.token, suspect))).toBe('CERTIFICATION_REQUIRED');
      expect(codeOf(await search(await t.token('metro-pd', Role.AGENCY_ANALYST), suspect))).toBe('CERTIFICATION_REQUIRED');
      await t.gql(hubAdmin, `mutation { setTenantStatus(slug: "metro-pd", status: SUSPENDED) { status } }`);
      expect(codeOf(await search(analyst.token, suspect))).toBe('TENANT_SUSPENDED');
      await t.gql(hubAdmin, `mutation { setTenantStatus(slug: "metro-pd", status: ACTIVE) { status } }`);
    });
  });

  describe('quotas', () => {
    it('50 concurrent searches against a limit of 10: exactly 10 run, 40 get QUOTA_EXCEEDED', async () => {
      await t.createTenant('quota-pd');
      const a = await t.principal('quota-pd', Role.AGENCY_ANALYST);
      const set = await t.gql(hubAdmin, `mutation { setQuota(input: { tenantSlug: "quota-pd", period: MONTH, limit: 10 }) { used limit remaining resetsAt } }`);
      expect(set.data.setQuota).toMatchObject({ used: 0, limit: 10, remaining: 10 });
      expect(new Date(set.data.setQuota.resetsAt).getUTCDate()).toBe(1);
      const results = await Promise.all(Array.from({ length: 50 }, () => search(a.token, { legalBasis: 'VICTIM_ID', caseNumber: 'Q-1' })));
      const codes = results.map(codeOf);
      expect(codes.filter((c) => c === undefined)).toHaveLength(10);
      expect(codes.filter((c) => c === 'QUOTA_EXCEEDED')).toHaveLength(40);
      expect((await t.gql(a.token, `{ quota { used limit remaining } }`)).data.quota).toEqual({ used: 10, limit: 10, remaining: 0 });
      const denied = (await auditOf('SEARCH')).filter((e: { reason: string }) => e.reason === 'QUOTA_EXCEEDED');
      expect(denied.length).toBeGreaterThanOrEqual(40);
    });

    it('a daily limit applies alongside the monthly one; a failed search spends nothing', async () => {
      await t.createTenant('daily-pd', { monthlyQuota: 100 });
      const a = await t.principal('daily-pd', Role.AGENCY_ANALYST);
      await t.gql(hubAdmin, `mutation { setQuota(input: { tenantSlug: "daily-pd", period: DAY, limit: 1 }) { limit } }`);
      const noFace = Buffer.from('not an image').toString('base64');
      expect(codeOf(await t.gql(a.token, SEARCH, { input: { imageBase64: noFace, legalBasis: 'VICTIM_ID', caseNumber: 'D' } }))).toBe('UNSUPPORTED_IMAGE');
      expect((await search(a.token, { legalBasis: 'VICTIM_ID', caseNumber: 'D' })).errors).toBeUndefined();
      const r = await search(a.token, { legalBasis: 'VICTIM_ID', caseNumber: 'D' });
      expect(codeOf(r)).toBe('QUOTA_EXCEEDED');
      expect(r.errors![0].message).toMatch(/daily/);
      const q = (await t.gql(a.token, `{ quotas { period used limit } }`)).data.quotas;
      expect(q).toEqual([{ period: 'DAY', used: 1, limit: 1 }, { period: 'MONTH', used: 1, limit: 100 }]);
    });
  });

  describe('sharing agreements', () => {
    let bookings: string;
    let grant: string;
    beforeAll(async () => {
      bookings = (await t.gql(hubAdmin, `mutation { createGallery(input: { name: "Booking photos" }) { id } }`)).data.createGallery.id;
      expect((await t.gql(hubAdmin, ENROLL, { input: { galleryId: bookings, subjectRef: 'BK-77', imageBase64: image } })).errors).toBeUndefined();
    });

    it('a search spans the caller’s galleries plus those granted for its legal basis, and records them', async () => {
      const before = await search(analyst.token, { legalBasis: 'VICTIM_ID', caseNumber: 'S-1', minScore: 0.5 });
      expect(before.data.searchFaces.galleriesSearched).not.toContain(bookings);
      const g = await t.gql(hubAdmin, `mutation($i: CreateSharingAgreementInput!) { createSharingAgreement(input: $i) { id legalBases granteeTenantId } }`, {
        i: { galleryId: bookings, granteeTenantSlug: 'metro-pd', legalBases: ['VICTIM_ID'], expiresAt: '2099-01-01T00:00:00Z' },
      });
      expect(g.errors).toBeUndefined();
      grant = g.data.createSharingAgreement.id;
      const shared = await search(analyst.token, { legalBasis: 'VICTIM_ID', caseNumber: 'S-1', minScore: 0.5 });
      expect(shared.data.searchFaces.galleriesSearched).toContain(bookings);
      expect(shared.data.searchFaces.candidates).toContainEqual({ galleryId: bookings, subjectRef: 'BK-77' });
      // granted for VICTIM_ID only
      const other = await search(analyst.token, { legalBasis: 'WITNESS_ID', caseNumber: 'S-1', minScore: 0.5 });
      expect(other.data.searchFaces.galleriesSearched).not.toContain(bookings);
      // searchable, not browsable
      expect(codeOf(await t.gql(analyst.token, `query($g: ID!) { subjects(galleryId: $g) { nodes { subjectRef } } }`, { g: bookings }))).toBe('NOT_FOUND');
    });

    it('revoking takes effect on the next search', async () => {
      expect((await t.gql(hubAdmin, `mutation($id: ID!) { revokeSharingAgreement(id: $id) { revokedAt } }`, { id: grant })).data.revokeSharingAgreement.revokedAt).toBeTruthy();
      const after = await search(analyst.token, { legalBasis: 'VICTIM_ID', caseNumber: 'S-1', minScore: 0.5 });
      expect(after.data.searchFaces.galleriesSearched).not.toContain(bookings);
      expect(codeOf(await search(analyst.token, { legalBasis: 'VICTIM_ID', caseNumber: 'S-1', galleryIds: [bookings] }))).toBe('NOT_FOUND');
      expect((await auditOf('SHARING_REVOKED'))[0]).toMatchObject({ outcome: 'ALLOWED', galleries: [bookings] });
    });
  });

  describe('review: leads, not identifications', () => {
    const REVIEW = `mutation($i: ReviewSearchInput!) { reviewSearch(input: $i) { reviewStatus reviewOutcome reviews { reviewerId outcome decisions { rank decision } } } }`;
    it('a POSSIBLE_LEAD needs a second reviewer who is a different principal', async () => {
      const s = await search(analyst.token, { legalBasis: 'VICTIM_ID', caseNumber: 'R-1', minScore: -1 });
      const id = s.data.searchFaces.id;
      expect(s.data.searchFaces.reviewStatus).toBe('PENDING');
      const supervisor = await t.principal('metro-pd', Role.AGENCY_SUPERVISOR);
      const input = { searchId: id, outcome: 'POSSIBLE_LEAD', decisions: [{ rank: 1, decision: 'POSSIBLE_MATCH' }] };
      const first = await t.gql(analyst.token, REVIEW, { i: input });
      expect(first.data.reviewSearch).toMatchObject({ reviewStatus: 'AWAITING_SECOND_REVIEW', reviewOutcome: 'POSSIBLE_LEAD' });
      expect(codeOf(await t.gql(analyst.token, REVIEW, { i: input }))).toBe('CONFLICT');
      const second = await t.gql(supervisor.token, REVIEW, { i: input });
      expect(second.data.reviewSearch.reviewStatus).toBe('REVIEWED');
      expect(second.data.reviewSearch.reviews.map((r: { reviewerId: string }) => r.reviewerId)).toEqual([analyst.id, supervisor.id]);
      expect(codeOf(await t.gql(supervisor.token, REVIEW, { i: input }))).toBe('CONFLICT');
      expect(codeOf(await t.gql(supervisor.token, REVIEW, { i: { ...input, decisions: [{ rank: 99, decision: 'POSSIBLE_MATCH' }] } }))).toBe('CONFLICT');
    });

    it('an exigent search is allowed now, due for approval, visible while overdue, approved by another supervisor', async () => {
      await t.gql(hubAdmin, `mutation { setTenantPolicy(input: { tenantSlug: "metro-pd", exigentApprovalHours: 1 }) { exigentApprovalHours } }`);
      const s = await search(analyst.token, { legalBasis: 'IMMINENT_THREAT', caseNumber: 'X-1' });
      expect(s.errors).toBeUndefined();
      const due = new Date(s.data.searchFaces.exigentDueAt).getTime();
      expect(Math.abs(due - Date.now() - 3600_000)).toBeLessThan(60_000);
      const supervisor = await t.principal('metro-pd', Role.AGENCY_SUPERVISOR);
      const pending = await t.gql(supervisor.token, `{ exigentSearchesAwaitingApproval { id } }`);
      expect(pending.data.exigentSearchesAwaitingApproval.map((x: { id: string }) => x.id)).toContain(s.data.searchFaces.id);
      expect(codeOf(await t.gql(analyst.token, `{ exigentSearchesAwaitingApproval { id } }`))).toBe('FORBIDDEN');
      const ok = await t.gql(supervisor.token, `mutation($id: ID!) { approveExigentSearch(searchId: $id, note: "threat confirmed") { approvedAt } }`, { id: s.data.searchFaces.id });
      expect(ok.data.approveExigentSearch.approvedAt).toBeTruthy();
      expect(codeOf(await t.gql(supervisor.token, `mutation($id: ID!) { approveExigentSearch(searchId: $id) { approvedAt } }`, { id: s.data.searchFaces.id }))).toBe('CONFLICT');
    });
  });
});

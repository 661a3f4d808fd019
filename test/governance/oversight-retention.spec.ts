import { Role } from '../../models/enums';
import { portrait } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';

const SEARCH = `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`;
const STATS = `query($g: [StatisticsGroup!], $s: String) { usageStatistics(from: "2020-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z", groupBy: $g, tenantSlug: $s) {
  exigentApprovalsOverdue rows { tenant legalBasis offenseCategory outcome denialReason month searches denials candidates reviews reviewedSearches } } }`;

describe('oversight statistics, transparency report, retention', () => {
  const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
  let t: TestHub;
  let hubAdmin: string;
  let auditor: string;
  let image: string;
  const metroSearches: string[] = [];

  beforeAll(async () => {
    t = await startHub({}, { clock });
    hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    auditor = (await t.principal('hub', Role.OVERSIGHT_AUDITOR)).token;
    image = (await portrait()).toString('base64');
    for (const slug of ['metro-pd', 'river-pd']) {
      await t.createTenant(slug);
      const admin = await t.token(slug, Role.AGENCY_ADMIN);
      const g = (await t.gql(admin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
      await t.gql(admin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId } }`, { i: { galleryId: g, subjectRef: `${slug}-1`, imageBase64: image } });
    }
    const metro = await t.principal('metro-pd', Role.AGENCY_ANALYST);
    const river = await t.principal('river-pd', Role.AGENCY_ANALYST);
    for (let i = 0; i < 6; i++) metroSearches.push((await t.gql(metro.token, SEARCH, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: `V-${i}`, minScore: -1 } })).data.searchFaces.id);
    for (let i = 0; i < 2; i++) await t.gql(metro.token, SEARCH, { i: { imageBase64: image, legalBasis: 'VICTIM_ID' } });
    for (let i = 0; i < 2; i++) await t.gql(river.token, SEARCH, { i: { imageBase64: image, legalBasis: 'CRIMINAL_SUSPECT_ID', offenseCategory: 'ROBBERY', caseNumber: `R-${i}`, minScore: -1 } });
    const supervisor = await t.principal('metro-pd', Role.AGENCY_SUPERVISOR);
    const review = { searchId: metroSearches[0], outcome: 'POSSIBLE_LEAD', decisions: [{ rank: 1, decision: 'POSSIBLE_MATCH' }] };
    for (const who of [metro.token, supervisor.token]) {
      const r = await t.gql(who, `mutation($i: ReviewSearchInput!) { reviewSearch(input: $i) { reviewStatus } }`, { i: review });
      expect(r.errors).toBeUndefined();
    }
  });
  afterAll(() => t?.close());

  it('groups searches, denials, candidates and reviews by tenant for oversight; ungrouped fields are null', async () => {
    const rows = (await t.gql(auditor, STATS, { g: ['TENANT'] })).data.usageStatistics.rows;
    const metro = rows.find((r: { tenant: string }) => r.tenant === 'metro-pd');
    expect(metro).toEqual({ tenant: 'metro-pd', legalBasis: null, offenseCategory: null, outcome: null, denialReason: null, month: null, searches: 6, denials: 2, candidates: 6, reviews: 2, reviewedSearches: 1 });
    expect(rows.find((r: { tenant: string }) => r.tenant === 'river-pd')).toMatchObject({ searches: 2, denials: 0, candidates: 2 });
  });

  it('breaks denials down by reason and reviews by outcome', async () => {
    const byReason = (await t.gql(auditor, STATS, { g: ['DENIAL_REASON'] })).data.usageStatistics.rows;
    expect(byReason).toContainEqual(expect.objectContaining({ denialReason: 'CASE_NUMBER_REQUIRED', denials: 2 }));
    const byOutcome = (await t.gql(auditor, STATS, { g: ['OUTCOME', 'LEGAL_BASIS', 'MONTH'] })).data.usageStatistics.rows;
    expect(byOutcome).toContainEqual(expect.objectContaining({ outcome: 'POSSIBLE_LEAD', legalBasis: 'VICTIM_ID', reviews: 2, month: clock.now().toISOString().slice(0, 7) }));
    expect(byOutcome).toContainEqual(expect.objectContaining({ outcome: 'ALLOWED', legalBasis: 'CRIMINAL_SUSPECT_ID', searches: 2 }));
  });

  it('counts review outcomes by search: a confirmed lead (two reviews) once, a search awaiting its second review not yet', async () => {
    // metroSearches[1] stays on legal hold below, so its review changes nothing the purge counts
    const supervisor = await t.principal('metro-pd', Role.AGENCY_SUPERVISOR);
    const first = await t.gql(supervisor.token, `mutation($i: ReviewSearchInput!) { reviewSearch(input: $i) { reviewStatus } }`, { i: { searchId: metroSearches[1], outcome: 'POSSIBLE_LEAD', decisions: [{ rank: 1, decision: 'POSSIBLE_MATCH' }] } });
    expect(first.data.reviewSearch.reviewStatus).toBe('AWAITING_SECOND_REVIEW');
    const byOutcome = (await t.gql(auditor, STATS, { g: ['OUTCOME'] })).data.usageStatistics.rows;
    expect(byOutcome).toContainEqual(expect.objectContaining({ outcome: 'POSSIBLE_LEAD', reviews: 3, reviewedSearches: 1 }));
  });

  it('shows an agency administrator its own tenant only, and never anything identifying', async () => {
    const admin = await t.token('metro-pd', Role.AGENCY_ADMIN);
    const rows = (await t.gql(admin, STATS, { g: ['TENANT'] })).data.usageStatistics.rows;
    expect(rows.map((r: { tenant: string }) => r.tenant)).toEqual(['metro-pd']);
    expect((await t.gql(admin, STATS, { g: ['TENANT'], s: 'river-pd' })).errors?.[0].extensions.code).toBe('NOT_FOUND');
    const fields = (await t.gql(auditor, `{ __type(name: "UsageRow") { fields { name } } }`)).data.__type.fields.map((f: { name: string }) => f.name);
    expect(fields.sort()).toEqual(['candidates', 'denialReason', 'denials', 'legalBasis', 'month', 'offenseCategory', 'outcome', 'reviewedSearches', 'reviews', 'searches', 'tenant']);
  });

  it('publishes a transparency report with counts of 1-4 shown as <5, also as CSV', async () => {
    const r = (await t.gql(auditor, `query($y: Int!) { transparencyReport(year: $y) { rows { agency legalBasis searches denials candidates possibleLeads } totals { searches } csv } }`, { y: clock.now().getUTCFullYear() })).data.transparencyReport;
    expect(r.rows).toContainEqual({ agency: 'metro-pd agency', legalBasis: 'VICTIM_ID', searches: '6', denials: '<5', candidates: '6', possibleLeads: '<5' });
    expect(r.rows).toContainEqual(expect.objectContaining({ agency: 'river-pd agency', searches: '<5' }));
    // metro's 6 and river's <5: an exact 8 would give river's 2 away
    expect(r.totals.searches).toBe('7 to 10');
    expect(r.csv.split('\n')[0]).toBe('year,agency,legal_basis,offense_category,searches,denials,candidates_returned,possible_leads_after_review');
    expect(r.csv).toContain('river-pd agency,CRIMINAL_SUSPECT_ID,ROBBERY,<5,0,<5,0');
  });

  it('publishes no total from which a reader could work a suppressed count out (complementary suppression)', async () => {
    // a third agency with 5 searches: its row shows, and its total with metro's must still not give river's away
    await t.createTenant('lake-pd');
    const lake = await t.principal('lake-pd', Role.AGENCY_ANALYST);
    for (let i = 0; i < 5; i++) expect((await t.gql(lake.token, SEARCH, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: `L-${i}` } })).errors).toBeUndefined();
    const r = (await t.gql(auditor, `query($y: Int!) { transparencyReport(year: $y) { rows { searches denials candidates possibleLeads } totals { searches denials candidates possibleLeads } csv } }`, { y: clock.now().getUTCFullYear() })).data.transparencyReport;
    for (const column of ['searches', 'denials', 'candidates', 'possibleLeads'] as const) {
      const cells: string[] = r.rows.map((row: Record<string, string>) => row[column]);
      const total: string = r.totals[column];
      const small = cells.filter((c) => c === '<5').length;
      const shown = cells.filter((c) => c !== '<5').reduce((a, c) => a + Number(c), 0);
      // each suppressed cell is 1-4; the values it could take, given the total, must be more than one
      for (let k = 0; k < small; k++) {
        const [lo, hi] = /^\d+$/.test(total) ? [Number(total), Number(total)] : total === '<5' ? [1, 4] : total.split(' to ').map(Number);
        const possible = [1, 2, 3, 4].filter((v) => lo - shown - v <= 4 * (small - 1) && hi - shown - v >= small - 1);
        expect({ column, possible: possible.length > 1 }).toEqual({ column, possible: true });
      }
      if (!small) expect(total).toBe(String(shown));
    }
    expect(r.totals.searches).toBe('12 to 15');
    expect(r.csv.trim().split('\n').pop()).toMatch(/ALL AGENCIES,,,12 to 15,/);
  });

  it('writes the Utah 77-23e-106 report: requests by crime type, matches and image sources', async () => {
    const csv = await t.hub.services.oversight.utahReport(clock.now().getUTCFullYear());
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('reporting_year,crime_type,requests,requests_with_candidates,candidates_returned,probable_matches_after_review,probable_matches_per_request,image_sources');
    expect(lines.find((l) => l.includes(',ROBBERY,'))).toMatch(/,<5,<5,<5,0,<5 requests,river-pd\/Bookings: <5$/);
    // 11 requests and 1 match: a ratio of 0.09 would give the suppressed match count away
    expect(lines.find((l) => l.includes(',NOT_STATED,'))).toMatch(/,11,6,6,<5,<5 matches,metro-pd\/Bookings: 6$/);
  });

  it('counts exigent approvals overdue', async () => {
    await t.gql(hubAdmin, `mutation { setTenantPolicy(input: { tenantSlug: "river-pd", exigentApprovalHours: 1 }) { exigentApprovalHours } }`);
    const river = await t.principal('river-pd', Role.AGENCY_ANALYST);
    clock.offsetMs = -2 * 3600_000;
    expect((await t.gql(river.token, SEARCH, { i: { imageBase64: image, legalBasis: 'IMMINENT_THREAT', caseNumber: 'X' } })).errors).toBeUndefined();
    clock.offsetMs = 0;
    expect((await t.gql(auditor, STATS, { g: [] })).data.usageStatistics.exigentApprovalsOverdue).toBe(1);
    const supervisor = await t.principal('river-pd', Role.AGENCY_SUPERVISOR);
    expect((await t.gql(supervisor.token, `{ exigentSearchesAwaitingApproval(overdueOnly: true) { legalBasis } }`)).data.exigentSearchesAwaitingApproval).toEqual([{ legalBasis: 'IMMINENT_THREAT' }]);
  });

  it('purges searches past retention except those on legal hold; the purge is audited and statistics keep counting', async () => {
    await t.gql(hubAdmin, `mutation { setTenantPolicy(input: { tenantSlug: "metro-pd", retentionDays: 30 }) { retentionDays } }`);
    const supervisor = await t.principal('metro-pd', Role.AGENCY_SUPERVISOR);
    const held = await t.gql(supervisor.token, `mutation($id: ID!) { setLegalHold(searchId: $id, hold: true, reason: "Court order 26-CV-1") { legalHold } }`, { id: metroSearches[1] });
    expect(held.data.setLegalHold.legalHold).toBe(true);
    expect((await t.hub.retention.purge()).searches).toBe(0);
    clock.offsetMs = 31 * 24 * 3600_000;
    try {
      const dry = await t.hub.retention.purge({ dryRun: true });
      expect(dry.searches).toBe(5);
      const done = await t.hub.retention.purge();
      expect(done).toMatchObject({ dryRun: false, searches: 5 });
      // a month on, by the hub's clock, the tokens minted before have expired: fresh ones, minted on that clock
      const [supervisorLater, hubAdminLater, auditorLater] = [(await t.principal('metro-pd', Role.AGENCY_SUPERVISOR)).token, await t.token('hub', Role.HUB_ADMIN), await t.token('hub', Role.OVERSIGHT_AUDITOR)];
      const left = (await t.gql(supervisorLater, `{ searches(first: 50) { nodes { id legalHold } } }`)).data.searches.nodes;
      expect(left).toEqual([{ id: metroSearches[1], legalHold: true }]);
      const [purge] = (await t.gql(hubAdminLater, `{ auditEvents(action: "PURGE", first: 5) { nodes { outcome details } } }`)).data.auditEvents.nodes;
      expect(purge).toMatchObject({ outcome: 'ALLOWED', details: { searches: 5 } });
      const metro = (await t.gql(auditorLater, STATS, { g: ['TENANT'] })).data.usageStatistics.rows.find((r: { tenant: string }) => r.tenant === 'metro-pd');
      expect(metro.searches).toBe(6);
      expect((await t.gql(auditorLater, `{ verifyAuditChain { ok } }`)).data.verifyAuditChain.ok).toBe(true);
    } finally {
      clock.offsetMs = 0;
    }
  });
});

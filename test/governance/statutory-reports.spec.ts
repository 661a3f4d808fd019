import { AuditAction, AuditOutcome, LegalBasis, OffenseCategory, RequestOutcome, RequestStatus, ReviewOutcome, Role } from '../../models/enums';
import { AuditTrail } from '../../tenants/audit/audit-trail';
import type { Actor } from '../../tenants/shared/actor';
import { startHub, type TestHub } from '../support/hub';
import { pdfText } from '../support/pdf';

// Statutory reports computed by SQL from the audit chain, on PGlite and PostgreSQL (DATABASE_URL),
// checked against counts worked out by hand from a fixture chain written for the year 2025.
//
// The fixture's finest cells (agency x legal basis x offense), 2025 only:
//   metro / CRIMINAL_SUSPECT_ID / ROBBERY: 6 searches (3 with 3 candidates each, 3 with none: 9 candidates,
//       3 searches with candidates), 1 refused search, reviews: 1 first-round POSSIBLE_LEAD (not final),
//       2 final POSSIBLE_LEAD, 1 final NO_LEAD (3 concluded)
//   metro / VICTIM_ID / (no offense): 5 searches, no candidates
//   river / CRIMINAL_SUSPECT_ID / ROBBERY: 2 searches with 1 candidate each
// plus one metro search on 2024-12-31T23:59:59Z and one on 2026-01-01T00:00:00Z, outside the year.
// Outcomes reported back on requests (REQUEST_OUTCOME_RECORDED), 2025 only, in the same cells:
//   metro / CRIMINAL_SUSPECT_ID / ROBBERY: 5 ARREST and 1 CHARGED on released leads; not counted: 1 ARREST after
//       NO_LEAD (no match to act on), 1 NO_ACTION on a released lead, 1 refused (DENIED) ARREST
//   river / CRIMINAL_SUSPECT_ID / ROBBERY: 2 CHARGED on released leads
// plus metro ARRESTs on released leads on 2024-12-31T23:59:59Z and 2026-01-01T00:00:00Z, outside the year.
//   arrests by agency: metro [5, 0] -> "5"; river [0] -> "0"; all [5, 0, 0] -> "5"
//   charges by agency: metro [1, 0] -> one small, hi 4 -> "<5"; river [2] -> "<5";
//     all [1, 0, 2] -> two small hiding 3, which is above 2 and under 8 (no cell pinned) -> exact 3 -> "<5"
//   matches that led to action = arrests and charges, each cell's two counts as separate parts:
//     ROBBERY [5, 1, 0, 2] -> two small hiding 3 -> exact 8 -> "8"; NOT_STATED [0, 0] -> "0"; all -> "8"
//   (summed per cell as one part, ROBBERY would be [6, 2] and with metro's arrests exact could give charges away)
//
// Every published figure is suppressTotal(its cells): exact when no cell is 1-4, or when k >= 2 small
// cells hide a sum strictly between k and 4k (no cell is pinned by it); else "lo to hi" with
// lo = shown + k and hi = shown + 4k (k small cells), "<5" when hi < 5.
//   searches, all: [6, 5, 2] -> 11 shown + one small (2) -> "12 to 15"
//   searches, ROBBERY: [6, 2] -> "7 to 10";  NOT_STATED: [5] -> "5"
//   refusals, ROBBERY: [1, 0] -> 0 shown + one small -> hi 4 -> "<5";  all: "<5";  NOT_STATED: "0"
//   possible leads, ROBBERY: [2, 0] -> "<5";  all: "<5";  NOT_STATED: "0"
//   by agency: metro [6, 5] -> "11" (refusals [1, 0] "<5", leads "<5"); river [2] -> "<5" (refusals "0", leads "0")
//   by purpose: CRIMINAL_SUSPECT_ID [6, 2] -> "7 to 10" (refusals "<5"); VICTIM_ID [5] -> "5" (refusals "0")
//   searches with candidates [3, 0, 2] -> two small hiding 5, between 2 and 8 -> exact "5"
//   candidates [9, 0, 2] -> 9 shown + one small -> "10 to 13"
//   reviews concluded [3, 0, 0] -> "<5"; agencies that searched: metro, river -> 2
//   Utah, ROBBERY: requests "7 to 10", with candidates "5", candidates by source [9, 2] -> "10 to 13",
//     matches "<5", per request "<5 requests" (requests not exact), sources "metro-pd/Bookings: 9; river-pd/Bookings: <5"
//   Utah, NOT_STATED: 5 requests, 0, 0, 0, ratio 0/5 = "0.00", no source
// Jointly: Montana's exact 11 for metro minus Maryland's exact 5 (NOT_STATED) gives metro's ROBBERY 6,
// which is publishable; river's 2 stays inside "7 to 10" - 6 = 1 to 4.
describe('statutory reports from the audit chain', () => {
  let t: TestHub;
  let auditor: string;
  const galleries: Record<string, string> = {};
  const tenants: Record<string, string> = {};
  const Q = `query($s: Statute!, $y: Int!) { statutoryReport(statute: $s, year: $y) { statute citation year periodStart periodEnd sections { title columns rows } cannotKnow csv pdfBase64 } }`;

  beforeAll(async () => {
    t = await startHub();
    auditor = (await t.principal('hub', Role.OVERSIGHT_AUDITOR)).token;
    for (const slug of ['metro-pd', 'river-pd']) {
      await t.createTenant(slug);
      const admin = await t.token(slug, Role.AGENCY_ADMIN);
      tenants[slug] = (await t.gql(admin, `{ me { tenant { id } } }`)).data.me.tenant.id;
      galleries[slug] = (await t.gql(admin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
    }
    const db = t.hub.database.db;
    const write = async (slug: string, at: string, f: Parameters<AuditTrail['append']>[2]) => {
      const actor: Actor = { requestId: 'fixture', tenantId: tenants[slug], tenantSlug: slug, isOperator: false, principalId: null, role: Role.AGENCY_ANALYST, certifiedUntil: null, tenantSuspended: false };
      await db.scoped({ tenantId: tenants[slug], allTenants: true }, (tx) => new AuditTrail(db, { now: () => new Date(at) }).append(tx, actor, f));
    };
    const search = (slug: string, at: string, basis: LegalBasis, offense: OffenseCategory | null, candidates: number) =>
      write(slug, at, {
        action: AuditAction.SEARCH, outcome: AuditOutcome.ALLOWED, legalBasis: basis, offenseCategory: offense, candidateCount: candidates,
        details: { searchId: 'fixture', candidatesByGallery: candidates ? { [galleries[slug]]: candidates } : {} },
      });
    const review = (slug: string, at: string, outcome: ReviewOutcome, final: boolean) =>
      write(slug, at, { action: AuditAction.SEARCH_REVIEW, outcome, legalBasis: LegalBasis.CRIMINAL_SUSPECT_ID, offenseCategory: OffenseCategory.ROBBERY, details: { searchId: 'fixture', final } });
    const [CSI, ROBBERY] = [LegalBasis.CRIMINAL_SUSPECT_ID, OffenseCategory.ROBBERY];
    for (const n of [3, 3, 3, 0, 0, 0]) await search('metro-pd', '2025-03-01T10:00:00Z', CSI, ROBBERY, n);
    await write('metro-pd', '2025-03-02T10:00:00Z', { action: AuditAction.SEARCH, outcome: AuditOutcome.DENIED, reason: 'CASE_NUMBER_REQUIRED', legalBasis: CSI, offenseCategory: ROBBERY });
    await review('metro-pd', '2025-03-03T10:00:00Z', ReviewOutcome.POSSIBLE_LEAD, false);
    await review('metro-pd', '2025-03-03T11:00:00Z', ReviewOutcome.POSSIBLE_LEAD, true);
    await review('metro-pd', '2025-03-04T11:00:00Z', ReviewOutcome.POSSIBLE_LEAD, true);
    await review('metro-pd', '2025-03-05T11:00:00Z', ReviewOutcome.NO_LEAD, true);
    for (let i = 0; i < 5; i++) await search('metro-pd', '2025-06-01T10:00:00Z', LegalBasis.VICTIM_ID, null, 0);
    for (let i = 0; i < 2; i++) await search('river-pd', '2025-07-01T10:00:00Z', CSI, ROBBERY, 1);
    const outcome = (slug: string, at: string, o: RequestOutcome, from = RequestStatus.LEAD_RELEASED, allowed = AuditOutcome.ALLOWED) =>
      write(slug, at, {
        action: AuditAction.REQUEST_OUTCOME_RECORDED, outcome: allowed, ...(allowed === AuditOutcome.DENIED ? { reason: 'CONFLICT' } : {}), legalBasis: CSI, offenseCategory: ROBBERY,
        details: { examinationRequestId: 'fixture', from, to: RequestStatus.OUTCOME_RECORDED, outcome: o },
      });
    for (let i = 0; i < 5; i++) await outcome('metro-pd', '2025-09-01T10:00:00Z', RequestOutcome.ARREST);
    await outcome('metro-pd', '2025-09-02T10:00:00Z', RequestOutcome.CHARGED);
    await outcome('metro-pd', '2025-09-03T10:00:00Z', RequestOutcome.ARREST, RequestStatus.NO_LEAD);
    await outcome('metro-pd', '2025-09-04T10:00:00Z', RequestOutcome.NO_ACTION);
    await outcome('metro-pd', '2025-09-05T10:00:00Z', RequestOutcome.ARREST, RequestStatus.LEAD_RELEASED, AuditOutcome.DENIED);
    for (let i = 0; i < 2; i++) await outcome('river-pd', '2025-10-01T10:00:00Z', RequestOutcome.CHARGED);
    await outcome('metro-pd', '2024-12-31T23:59:59Z', RequestOutcome.ARREST);
    await outcome('metro-pd', '2026-01-01T00:00:00Z', RequestOutcome.ARREST);
    await search('metro-pd', '2024-12-31T23:59:59Z', CSI, ROBBERY, 3);
    await search('metro-pd', '2026-01-01T00:00:00Z', CSI, ROBBERY, 3);
  });
  afterAll(() => t?.close());

  const report = async (statute: string) => {
    const r = await t.gql(auditor, Q, { s: statute, y: 2025 });
    expect(r.errors).toBeUndefined();
    return r.data.statutoryReport;
  };

  it('Maryland 2-510: searches by crime type, and matches that led to action from the outcomes reported back', async () => {
    const r = await report('MD_2_510');
    expect(r).toMatchObject({ citation: 'Maryland Code, Criminal Procedure 2-510', year: 2025, periodStart: '2025-01-01T00:00:00.000Z', periodEnd: '2026-01-01T00:00:00.000Z' });
    expect(r.sections[0].rows).toEqual([
      ['NOT_STATED', '5', '0', '0', '0'],
      ['ROBBERY', '7 to 10', '<5', '<5', '8'],
      ['ALL', '12 to 15', '<5', '<5', '8'],
    ]);
    expect(r.csv.split('\n')[0]).toBe('statute,year,section,crime_type,searches,requests_refused,possible_leads_after_review,matches_that_led_to_action');
    expect(r.csv).toContain('MD_2_510,2025,Searches by crime type,ROBBERY,7 to 10,<5,<5,8');
    expect(r.cannotKnow.join(' ')).toMatch(/convictions/);
    // the PDF says the same, read back by pdf.js
    const text = (await pdfText(Buffer.from(r.pdfBase64, 'base64'))).join('\n').replace(/[ \t]+/g, ' ');
    expect(text).toContain('Maryland Code, Criminal Procedure 2-510');
    expect(text).toMatch(/ROBBERY 7 to 10 <5 <5 8/);
    expect(text).toMatch(/ALL 12 to 15 <5 <5 8/);
  });

  it('Montana 44-15-111: by agency with arrests and charges reported back, convictions not recorded, and by purpose', async () => {
    const r = await report('MT_44_15_111');
    const NR = 'not recorded by the hub';
    expect(r.sections[0].columns).toEqual(['agency', 'searches', 'requests_refused', 'possible_leads_after_review', 'arrests', 'charges', 'convictions']);
    expect(r.sections[0].rows).toEqual([
      ['metro-pd agency', '11', '<5', '<5', '5', '<5', NR],
      ['river-pd agency', '<5', '0', '0', '0', '<5', NR],
      ['ALL', '12 to 15', '<5', '<5', '5', '<5', NR],
    ]);
    // a cell too wide for its column wraps onto the next line
    const text = (await pdfText(Buffer.from(r.pdfBase64, 'base64'))).join('\n').replace(/[ \t]+/g, ' ');
    expect(text).toMatch(/metro-pd agency 11 <5 <5 5 <5 not\s+recorded\s+by\s+the\s+hub/);
    expect(r.sections[1].rows).toEqual([['CRIMINAL_SUSPECT_ID', '7 to 10', '<5'], ['VICTIM_ID', '5', '0'], ['ALL', '12 to 15', '<5']]);
    expect(r.cannotKnow.join(' ')).toMatch(/convictions are never reported/);
  });

  it('Washington 43.386.020: extent of use, the algorithm, its measured false-match rates, compliance', async () => {
    const r = await report('WA_43_386');
    const section = (title: string) => r.sections.find((s: { title: string }) => s.title.startsWith(title));
    expect(section('Extent of use').rows).toEqual([
      ['agencies that searched', '2'], ['searches', '12 to 15'], ['searches returning candidates', '5'], ['candidates returned', '10 to 13'], ['possible leads after review', '<5'],
      ['released leads reported to have led to an arrest or a charge', '8'],
    ]);
    expect(section('Compliance').rows).toEqual([['searches refused by policy or role', '<5'], ['searches whose review concluded', '<5'], ['searches', '12 to 15']]);
    const pack = (await t.gql(auditor, `{ inferenceStatus { pack } }`)).data.inferenceStatus.pack;
    expect(section('The algorithm').rows[0][1]).toBe(String(pack).split('@')[0]);
    expect(section('Measured accuracy').rows.length).toBeGreaterThan(0);
  });

  it('Utah 77-23e-106: the same cells, image sources, and the CSV frhub report writes', async () => {
    const r = await report('UT_77_23E');
    expect(r.sections[0].rows).toEqual([
      ['2025', 'ROBBERY', '7 to 10', '5', '10 to 13', '<5', '<5 requests', 'metro-pd/Bookings: 9; river-pd/Bookings: <5'],
      ['2025', 'NOT_STATED', '5', '0', '0', '0', '0.00', ''],
    ]);
    expect(r.csv).toBe(await t.hub.services.oversight.utahReport(2025));
  });

  it('is for oversight and the hub\'s administrators only, and every read is audited', async () => {
    const admin = await t.token('metro-pd', Role.AGENCY_ADMIN);
    expect((await t.gql(admin, Q, { s: 'MD_2_510', y: 2025 })).errors?.[0].extensions.code).toBe('FORBIDDEN');
    const hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    const events = (await t.gql(hubAdmin, `{ auditEvents(first: 50, action: "STATUTORY_REPORT_READ") { nodes { outcome details } } }`)).data.auditEvents.nodes;
    expect(events.filter((e: { outcome: string }) => e.outcome === 'ALLOWED').length).toBeGreaterThanOrEqual(4);
    expect(events).toContainEqual({ outcome: 'DENIED', details: { statute: 'MD_2_510', year: 2025 } });
  });
});

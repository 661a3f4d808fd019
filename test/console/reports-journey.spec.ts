import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { Role } from '../../models/enums';
import { readZip } from '../../tenants/reports/discovery';
import { pdfAttachments } from '../../tenants/reports/lead-report.pdf';
import { accessibilityProblems, describeInBrowser, launchConsoleBrowser, screenshot, watchPage } from '../support/browser';
import { bookingPhoto } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';
import { pdfImages, pdfText } from '../support/pdf';
import { DISPOSE, examinationCast, SEARCH, SUBMIT, submission } from '../support/requests';

const VERIFY = `query($f: String!) { verifyReport(fileBase64: $f) { intact kind signedBy signingKeyStatus problems } }`;
const STATUTORY = `query($y: Int!) { statutoryReport(statute: MD_2_510, year: $y) { sections { title columns rows } csv pdfBase64 } }`;

// The lead report in the console, in chromium against a real hub: the walk-through's request worked
// through the API up to an arrest; its examiners download the report and the discovery package from
// the request's page, anyone checks a file on "Verify a report", and oversight reads the statutory
// reports (counts, charts, CSV and PDF) without ever seeing a face.
describeInBrowser('console: lead reports, verifying them, and the statutory reports', () => {
  let t: TestHub;
  let browser: Browser;
  let requester: { id: string; token: string };
  let examiner: { id: string; token: string };
  let supervisor: { id: string; token: string };
  let auditor: string;
  let requestId: string;
  let pdf: Buffer;
  const problems: string[] = [];
  const year = new Date().getUTCFullYear();

  beforeAll(async () => {
    t = await startHub();
    browser = await launchConsoleBrowser();
    let verifier: { id: string; token: string };
    ({ requester, examiner, verifier, supervisor } = await examinationCast(t));
    auditor = await t.token('hub', Role.OVERSIGHT_AUDITOR);
    const probe = await sharp(await bookingPhoto('BK-1002', true)).rotate(-90).jpeg().toBuffer();
    const submitted = await t.gql(requester.token, SUBMIT, { input: { ...submission, servingTenantSlug: 'hub', imageBase64: probe.toString('base64') } });
    expect(submitted.errors).toBeUndefined();
    requestId = submitted.data.submitRequest.id;
    await t.gql(supervisor.token, `mutation($r: ID!, $e: ID!) { acceptRequest(requestId: $r, examinerId: $e) { status } }`, { r: requestId, e: examiner.id });
    const edit = await t.gql(examiner.token, `mutation($i: EditRequestProbeInput!) { editRequestProbe(input: $i) { id } }`, { i: { requestId, steps: [{ kind: 'ROTATE', degrees: 90 }] } });
    const search = (await t.gql(examiner.token, SEARCH, { i: { requestId, probeVersionId: edit.data.editRequestProbe.id, minScore: -1, maxCandidates: 3 } })).data.searchFaces;
    const all = search.candidates.map((c: { rank: number }) => ({ searchId: search.id, rank: c.rank, disposition: c.rank === 1 ? 'POSSIBLE_LEAD' : 'EXCLUDED', reason: c.rank === 1 ? 'ear shape and brow agree' : null }));
    expect((await t.gql(examiner.token, DISPOSE, { i: { requestId, conclusion: 'POSSIBLE_LEAD', dispositions: all } })).errors).toBeUndefined();
    await t.gql(verifier.token, `mutation($r: ID!) { claimVerification(requestId: $r) { status } }`, { r: requestId });
    expect((await t.gql(verifier.token, DISPOSE, { i: { requestId, conclusion: 'POSSIBLE_LEAD', dispositions: all } })).data.recordDispositions.status).toBe('VERIFIED');
    expect((await t.gql(examiner.token, `mutation($r: ID!, $s: ID!) { releaseLead(requestId: $r, searchId: $s, rank: 1) { status } }`, { r: requestId, s: search.id })).errors).toBeUndefined();
    expect((await t.gql(requester.token, `mutation($r: ID!) { recordOutcome(requestId: $r, outcome: ARREST) { status } }`, { r: requestId })).errors).toBeUndefined();
    // five searches of the operator's own for robbery: a cell large enough to be published exactly, and charted
    for (let i = 0; i < 5; i++) {
      const s = await t.gql(examiner.token, SEARCH, { i: { imageBase64: (await bookingPhoto('BK-1001')).toString('base64'), legalBasis: 'CRIMINAL_SUSPECT_ID', offenseCategory: 'ROBBERY', caseNumber: `HUB-2026-${i}` } });
      expect(s.errors).toBeUndefined();
    }
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function signedIn(token: string, path: string, heading: string): Promise<Page> {
    const page = await (await browser.newContext({ acceptDownloads: true })).newPage();
    watchPage(page, problems, t.url);
    await page.goto(`${t.url}/sign-in?next=${path}#token=${token}`);
    await page.getByRole('heading', { name: heading, exact: true }).waitFor();
    return page;
  }
  async function check(page: Page, name: string) {
    await screenshot(page, name);
    expect(await accessibilityProblems(page)).toEqual([]);
  }
  /** Clicks a download link and gives the file's bytes as the browser saved them. */
  async function download(page: Page, link: string): Promise<{ name: string; bytes: Buffer }> {
    const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: link }).click()]);
    return { name: d.suggestedFilename(), bytes: readFileSync((await d.path())!) };
  }
  const verify = async (bytes: Buffer) => (await t.gql(supervisor.token, VERIFY, { f: bytes.toString('base64') })).data.verifyReport;

  it('the serving supervisor downloads the lead report (PDF, JSON), its oversight version and the discovery package from the request, and each verifies', async () => {
    const page = await signedIn(supervisor.token, `/requests/${requestId}`, 'Request VC-2026-77');
    await page.getByRole('heading', { name: 'Lead report' }).waitFor();
    await check(page, 'request-reports');
    const got = await download(page, 'Lead report (PDF)');
    expect(got.name).toMatch(/^lead-report-[0-9a-f-]{36}\.pdf$/);
    pdf = got.bytes;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(await verify(pdf)).toMatchObject({ intact: true, kind: 'PDF', signingKeyStatus: 'CURRENT', problems: [] });
    // the probe as received, its edited version and the candidates' faces are drawn
    expect((await pdfImages(pdf)).length).toBeGreaterThanOrEqual(3);
    expect((await pdfText(pdf)).join(' ')).toContain('VC-2026-77');

    const json = (await download(page, 'Lead report (JSON)')).bytes;
    expect(JSON.parse(json.toString()).request.id).toBe(requestId);
    expect(await verify(json)).toMatchObject({ intact: true, kind: 'JSON' });

    const forOversight = await download(page, 'Oversight version, without faces (PDF)');
    expect(forOversight.name).toMatch(/^lead-report-oversight-[0-9a-f-]{36}\.pdf$/);
    const oversight = forOversight.bytes;
    expect(await verify(oversight)).toMatchObject({ intact: true, kind: 'PDF' });
    expect(await pdfImages(oversight)).toEqual([]);
    expect([...(await pdfAttachments(oversight)).keys()]).toEqual(['lead-report.json']);

    const zip = await download(page, 'Discovery package for the defence (ZIP)');
    expect(zip.name).toMatch(/^discovery-[0-9a-f-]{36}\.zip$/);
    expect(Object.keys(readZip(zip.bytes)).sort()).toEqual(['README.txt', 'candidates.csv', 'lead-report.json', 'lead-report.pdf', 'probe-1-original.jpg', 'probe-1-version-1.jpg']);
    expect(await verify(zip.bytes)).toMatchObject({ intact: true, kind: 'ZIP' });
    // each download was a report produced, audited for the supervisor
    const produced = (await t.gql(await t.token('hub', Role.HUB_ADMIN), `{ auditEvents(first: 50, action: "REPORT_PRODUCED") { nodes { outcome principalId details } } }`)).data.auditEvents.nodes
      .filter((e: any) => e.principalId === supervisor.id && e.details.requestId === requestId && e.outcome === 'ALLOWED');
    expect(produced.map((e: any) => `${e.details.format} ${e.details.audience}`).sort()).toEqual(['JSON AGENCY', 'PDF AGENCY', 'PDF OVERSIGHT', 'ZIP AGENCY']);
  }, 180_000);

  it('the requesting officer gets the report but no discovery package', async () => {
    const page = await signedIn(requester.token, `/requests/${requestId}`, 'Request VC-2026-77');
    await page.getByRole('heading', { name: 'Lead report' }).waitFor();
    expect(await page.getByTestId('report-downloads').getByRole('link').allTextContents()).toEqual(['Lead report (PDF)', 'Lead report (JSON)', 'Oversight version, without faces (PDF)']);
    expect(await verify((await download(page, 'Lead report (JSON)')).bytes)).toMatchObject({ intact: true });
  }, 120_000);

  it('"Verify a report" says intact for the downloaded file and which key signed it, and altered for a copy changed by one byte', async () => {
    const page = await signedIn(requester.token, '/requests', 'Requests');
    // the hub serves the page at its own address, as for a bookmark
    await page.goto(`${t.url}/verify`);
    await page.getByRole('heading', { name: 'Verify a report' }).waitFor();
    await page.getByLabel('Report file (PDF, JSON or ZIP)').setInputFiles({ name: 'lead-report.pdf', mimeType: 'application/pdf', buffer: pdf });
    await page.getByTestId('verdict').filter({ hasText: /^Intact: lead-report\.pdf/ }).waitFor({ timeout: 60_000 });
    const kid = JSON.parse(Buffer.from((await pdfAttachments(pdf)).get('lead-report.json')!).toString()).signature.kid;
    expect(await page.getByTestId('signature').textContent()).toBe(`valid: hub key ${kid}, the key that signs now`);
    expect(await page.getByTestId('content').textContent()).toBe('every byte as the hub produced it');
    expect(await page.getByTestId('audit-events').textContent()).toMatch(/^(\d+) of \1 still in the chain as recorded$/);
    await check(page, 'verify-intact');

    const altered = Buffer.from(pdf);
    const at = Math.floor(altered.length / 2);
    altered[at] = altered[at] ^ 0x01;
    await page.getByLabel('Report file (PDF, JSON or ZIP)').setInputFiles({ name: 'altered.pdf', mimeType: 'application/pdf', buffer: altered });
    await page.getByTestId('verdict').filter({ hasText: /^Altered: altered\.pdf/ }).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('problems').textContent()).toMatch(/not byte for byte|differs|cannot be read/);
    await check(page, 'verify-altered');
    const events = (await t.gql(await t.token('hub', Role.HUB_ADMIN), `{ auditEvents(first: 10, action: "REPORT_VERIFIED") { nodes { principalId details } } }`)).data.auditEvents.nodes
      .filter((e: any) => e.principalId === requester.id);
    expect(events.map((e: any) => e.details.intact).sort()).toEqual([false, true]);
  }, 120_000);

  it('oversight reads a statute\'s counts as tables and charts that are the API\'s, downloads CSV and PDF, and sees no face anywhere', async () => {
    const page = await signedIn(auditor, '/statutory', 'Statutory reports');
    const api = (await t.gql(auditor, STATUTORY, { y: year })).data.statutoryReport;
    // what the page itself was given, to compare its downloads with byte for byte (each report carries the moment it was made)
    await page.getByLabel('Statute').selectOption('MT_44_15_111');
    await page.getByTestId('section-0').locator('caption').filter({ hasText: 'Use by agency' }).waitFor();
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/graphql') && (r.request().postData() ?? '').includes('statutoryReport')),
      page.getByLabel('Statute').selectOption('MD_2_510'),
    ]);
    const shown = ((await answer.json()) as any).data.statutoryReport;
    expect(shown.sections).toEqual(api.sections);
    const table = page.getByTestId('section-0');
    await table.getByRole('row').filter({ hasText: 'ROBBERY' }).waitFor();
    const [section] = api.sections;
    const robbery = section.rows.find((r: string[]) => r[0] === 'ROBBERY');
    // the table is the API's, cell for cell
    expect(await table.getByRole('row').filter({ hasText: 'ROBBERY' }).getByRole('cell').allTextContents()).toEqual(robbery.slice(1));
    expect(Number(robbery[1])).toBeGreaterThanOrEqual(5);
    // the chart draws the exact counts, in its text alternative too
    const desc = await page.getByTestId('section-0-chart').locator('desc').textContent();
    expect(desc).toContain(`robbery: ${robbery[1]}`);
    expect(await page.getByTestId('section-0-chart').locator('rect').count()).toBeGreaterThanOrEqual(1);
    await check(page, 'statutory-md');

    const csv = await download(page, 'Download as CSV');
    expect(csv.name).toBe(`frhub-md_2_510-${year}.csv`);
    expect(csv.bytes.toString()).toBe(shown.csv);
    const statutoryPdf = await download(page, 'Download as PDF');
    expect(statutoryPdf.name).toBe(`frhub-md_2_510-${year}.pdf`);
    expect(statutoryPdf.bytes.equals(Buffer.from(shown.pdfBase64, 'base64'))).toBe(true);
    expect((await pdfText(statutoryPdf.bytes)).join(' ')).toContain('2-510');

    // another statute, by its own citation; never an image, a subject reference or a case number on these pages
    await page.getByLabel('Statute').selectOption('MT_44_15_111');
    await page.getByTestId('section-0').locator('caption').filter({ hasText: 'Use by agency' }).waitFor();
    expect(await page.getByTestId('section-0').getByRole('columnheader').allTextContents()).toEqual(['agency', 'searches', 'requests refused', 'possible leads after review', 'arrests', 'charges', 'convictions']);
    await check(page, 'statutory-mt');
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.content()).not.toMatch(/BK-100|VC-2026|HUB-2026/);
    // and oversight has no request page to open, nor the report's faces through the API
    await page.goto(`${t.url}/requests/${requestId}`);
    await page.getByRole('heading', { name: 'Not available' }).waitFor();
    const refused = await fetch(`${t.url}/reports/requests/${requestId}.pdf`, { headers: { authorization: `Bearer ${auditor}` } });
    expect([403, 404]).toContain(refused.status);
    expect(problems).toEqual([]);
  }, 180_000);
});

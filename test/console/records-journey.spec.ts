import type { Browser, Page } from 'playwright-core';
import { Role } from '../../models/enums';
import { accessibilityProblems, describeInBrowser, launchConsoleBrowser, screenshot, watchPage } from '../support/browser';
import { bookingPhoto } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';

// People and records over time in the agency administrator's console, in chromium against a real
// hub, on photos an npm package ships: a lapsed certification renewed with its evidence (and its
// history shown), an expunged booking removed with its reason and the check that nothing is left.
describeInBrowser('console: renew a certification, remove an expunged booking, archive a gallery', () => {
  let t: TestHub;
  let browser: Browser;
  let admin: { id: string; token: string };
  let analyst: { id: string; token: string };
  let galleryId: string;
  const problems: string[] = [];
  const subjects: Record<string, string> = {};

  beforeAll(async () => {
    t = await startHub();
    browser = await launchConsoleBrowser();
    await t.createTenant('metro-pd');
    admin = await t.principal('metro-pd', Role.AGENCY_ADMIN, { name: 'Ada Admin' });
    analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST, { name: 'Lee Analyst', certifiedUntil: '2021-01-01T00:00:00Z' });
    galleryId = (await t.gql(admin.token, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
    for (const ref of ['BK-1001', 'BK-1002']) {
      const e = await t.gql(admin.token, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { subjectId } }`, { i: { galleryId, subjectRef: ref, imageBase64: (await bookingPhoto(ref)).toString('base64') } });
      subjects[ref] = e.data.enrollFace.subjectId;
    }
    await t.gql(admin.token, `mutation($i: UpdateSubjectInput!) { updateSubject(input: $i) { id } }`, { i: { subjectId: subjects['BK-1001'], name: 'Pat Example', bookingNumber: 'BN-1', disposition: 'expunged 2026-11-30' } });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function signedIn(token: string, heading = 'Agency administration'): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    watchPage(page, problems, t.url);
    await page.goto(`${t.url}/sign-in#token=${token}`);
    await page.getByRole('heading', { name: heading, exact: true }).waitFor();
    return page;
  }

  it('renews a lapsed certification with its evidence, shows the history, and the analyst may search again', async () => {
    const page = await signedIn(admin.token);
    await page.getByRole('row').filter({ hasText: 'Lee Analyst' }).filter({ hasText: 'expired' }).waitFor();
    await page.getByRole('button', { name: 'Change or renew a principal' }).click();
    await page.getByLabel('Principal', { exact: true }).selectOption({ label: 'Lee Analyst (agency analyst)' });
    await page.getByLabel(/^Renew certification until/).fill('2099-06-30');
    await page.getByLabel(/^Evidence for the renewal/).fill('POST course 2026-114');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved Lee Analyst: agency analyst, certified until 2099-06-30.' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'Lee Analyst' }).filter({ hasText: '2099-06-30' }).waitFor();
    await page.getByRole('button', { name: 'History of Lee Analyst' }).click();
    const history = page.getByTestId('principal-history');
    await history.waitFor();
    const rows = await history.getByRole('row').allTextContents();
    expect(rows[1]).toContain('principal updated');
    expect(rows[1]).toContain('certified until: 2021-01-01 → 2099-06-30');
    expect(rows[1]).toContain('certification evidence: POST course 2026-114');
    expect(rows[2]).toContain('created as agency analyst');
    await screenshot(page, 'principal-renewed');
    expect(await accessibilityProblems(page)).toEqual([]);
    // the analyst searches in the console: the candidate shows the person's details its agency keeps
    const searcher = await signedIn(analyst.token, 'New search');
    await searcher.getByLabel('Probe photo').setInputFiles({ name: 'probe.jpg', mimeType: 'image/jpeg', buffer: await bookingPhoto('BK-1001', true) });
    await searcher.getByTestId('probe-outline').waitFor({ timeout: 60_000 });
    await searcher.getByLabel('Legal basis').selectOption('VICTIM_ID');
    await searcher.getByLabel(/^Case number/).fill('C-1');
    await searcher.getByRole('button', { name: 'Search' }).click();
    await searcher.getByRole('heading', { name: 'Candidates', exact: true }).waitFor({ timeout: 60_000 });
    expect(await searcher.getByRole('region', { name: 'Candidates' }).getByRole('row').nth(1).textContent()).toMatch(/BK-1001 Pat Example, booking BN-1, expunged 2026-11-30/);
    await screenshot(searcher, 'candidate-details');
    expect(await accessibilityProblems(searcher)).toEqual([]);
  });

  it('removes an expunged booking with its reason and shows the check that nothing of it is left', async () => {
    const page = await signedIn(admin.token);
    const table = page.getByTestId('subjects');
    await table.getByRole('row').filter({ hasText: 'Pat Example' }).waitFor();
    await page.getByLabel('Subject', { exact: true }).selectOption({ label: 'BK-1001 (Pat Example)' });
    await page.getByLabel('Reason', { exact: true }).selectOption('EXPUNGED');
    await page.getByRole('button', { name: 'Remove BK-1001' }).click();
    const removal = page.getByTestId('removal');
    await removal.waitFor();
    expect(await removal.textContent()).toMatch(/^Removed BK-1001 \(expunged\): 1 templates, 1 face crops, 1 rows of 1 past searches\.Checked: nothing of it is left \(subjects 0, face_templates 0, face_crops 0, search_candidates 0\)\.$/);
    await table.getByRole('row').filter({ hasText: 'BK-1001' }).waitFor({ state: 'detached' });
    expect(await table.textContent()).toContain('BK-1002');
    await screenshot(page, 'subject-removed');
    expect(await accessibilityProblems(page)).toEqual([]);
    // what the page did is what the API holds
    const proof = (await t.gql(admin.token, `query($s: ID!) { subjectRemnants(subjectId: $s) { clean reason } }`, { s: subjects['BK-1001'] })).data.subjectRemnants;
    expect(proof).toEqual({ clean: true, reason: 'EXPUNGED' });
    expect(problems).toEqual([]);
  });

  it('archives a gallery (no longer searched) and brings it back', async () => {
    const page = await signedIn(admin.token);
    const row = page.getByTestId('galleries').getByRole('row').filter({ hasText: 'Bookings' });
    await page.getByRole('button', { name: 'Archive Bookings' }).click();
    await row.filter({ hasText: /archived \d{4}-\d\d-\d\d/ }).waitFor();
    expect((await t.gql(admin.token, `query($g: ID!) { gallery(id: $g) { archivedAt } }`, { g: galleryId })).data.gallery.archivedAt).not.toBeNull();
    await page.getByRole('button', { name: 'Bring back Bookings' }).click();
    await page.getByRole('button', { name: 'Archive Bookings' }).waitFor();
    expect((await t.gql(admin.token, `query($g: ID!) { gallery(id: $g) { archivedAt } }`, { g: galleryId })).data.gallery.archivedAt).toBeNull();
    expect(problems).toEqual([]);
  });
});

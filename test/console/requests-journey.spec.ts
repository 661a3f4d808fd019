import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { accessibilityProblems, describeInBrowser, launchConsoleBrowser, screenshot, watchPage } from '../support/browser';
import { bookingPhoto } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';
import { DISPOSE, examinationCast, SEARCH, SUBMIT, submission } from '../support/requests';

// A request's whole journey in the console, in chromium against a real hub, on photos an npm package
// ships: an agency with no examiners of its own asks the operator, an operator examiner turns the
// probe upright, crops it and finds the person, a second examiner verifies blind, the operator's
// supervisor releases the lead, the requesting officer records an arrest; oversight's counts move.
describeInBrowser('console: a request from submission to an arrest recorded', () => {
  let t: TestHub;
  let browser: Browser;
  let admin: string;
  let requester: { id: string; token: string };
  let examiner: { id: string; token: string };
  let verifier: { id: string; token: string };
  let supervisor: { id: string; token: string };
  let requestId: string;
  const problems: string[] = [];
  const statistics = async () => (await t.gql(admin, `{ requestStatistics(from: "2020-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z") { requests byAgency { key requests } byOutcome { key requests } } }`)).data.requestStatistics;

  beforeAll(async () => {
    t = await startHub();
    browser = await launchConsoleBrowser();
    ({ admin, requester, examiner, verifier, supervisor } = await examinationCast(t));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function signedIn(token: string, path: string, heading: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    watchPage(page, problems, t.url);
    await page.goto(`${t.url}/sign-in?next=${path}#token=${token}`);
    await page.getByRole('heading', { name: heading, exact: true }).waitFor();
    return page;
  }
  async function check(page: Page, name: string) {
    await screenshot(page, name);
    expect(await accessibilityProblems(page)).toEqual([]);
  }
  const status = (page: Page, words: string) => page.getByTestId('request-status').filter({ hasText: new RegExp(`^${words}`) }).waitFor({ timeout: 60_000 });

  it('the officer submits a request with its probe and provenance to the operator', async () => {
    expect((await statistics()).requests).toBe('0');
    const page = await signedIn(requester.token, '/requests', 'Requests');
    // a store camera's photo of BK-1002, turned a quarter turn
    const probe = await sharp(await bookingPhoto('BK-1002', true)).rotate(-90).jpeg().toBuffer();
    await page.getByLabel('Probe photo').setInputFiles({ name: 'store-camera.jpg', mimeType: 'image/jpeg', buffer: probe });
    await page.getByRole('img', { name: 'The probe photo you chose' }).waitFor();
    await page.getByLabel('Examining agency (its short name)').fill('hub');
    await page.getByLabel('Case number').fill('VC-2026-77');
    await page.getByLabel('Offense').selectOption('ROBBERY');
    await page.getByLabel('Statute, in words').fill('Penal Code 211, robbery');
    await page.getByLabel('Legal basis').selectOption('CRIMINAL_SUSPECT_ID');
    await page.getByLabel(/^Narrative/).fill('Store clerk robbed at knife point; the store camera filmed the suspect.');
    await page.getByLabel('Source').selectOption('CCTV');
    await page.getByLabel('How it was obtained').fill('Exported from the store DVR by the owner');
    await page.getByLabel('Capture date (when known)').fill('2026-11-30');
    await page.getByLabel('Requesting officer').fill('Det. Ana Ruiz');
    await page.getByLabel('Supervisor who approved sending it').fill('Sgt. Lee Park');
    await page.getByLabel('Priority').selectOption('URGENT');
    await page.getByLabel('Due date').fill('2099-01-01');
    await check(page, 'request-form');
    // by keyboard: the submit button is reached and pressed without a mouse
    await page.getByRole('button', { name: 'Submit request' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Request VC-2026-77' }).waitFor({ timeout: 60_000 });
    requestId = new URL(page.url()).pathname.split('/')[2];
    await status(page, 'submitted');
    expect(await page.getByTestId('request-facts').textContent()).toContain('cctv: Exported from the store DVR by the owner');
    expect(await page.getByTestId('history').textContent()).toContain('request submitted');
    await check(page, 'request-submitted');
    await page.getByRole('link', { name: 'Requests' }).click();
    await page.getByTestId('all-requests').getByRole('row').filter({ hasText: 'VC-2026-77' }).filter({ hasText: 'submitted' }).waitFor();
  }, 120_000);

  it('the operator’s supervisor accepts it and assigns the examiner', async () => {
    const page = await signedIn(supervisor.token, '/requests', 'Requests');
    await page.getByTestId('to-accept').getByRole('link', { name: 'VC-2026-77' }).click();
    await page.getByRole('heading', { name: 'Accept or decline' }).waitFor();
    // the supervisor sees the original probe, not the requester's case alone
    await page.getByRole('img', { name: 'The original probe, as submitted' }).waitFor();
    await check(page, 'request-accept-form');
    // the choice: the operator's certified analysts by name
    expect(await page.getByLabel('Examiner', { exact: true }).locator('option').allTextContents()).toEqual(['Choose an examiner…', expect.stringMatching(/^Examiner Kim \(certified until \d{4}-\d\d-\d\d\)$/), expect.stringMatching(/^Examiner Osei /)]);
    await page.getByLabel('Examiner', { exact: true }).selectOption({ label: (await page.getByRole('option', { name: /^Examiner Kim/ }).textContent())! });
    await page.getByRole('button', { name: 'Accept and assign' }).click();
    await status(page, 'accepted');
    expect(await page.getByTestId('request-facts').textContent()).toContain(`Examinerprincipal ${examiner.id.slice(0, 8)}`);
    await check(page, 'request-accepted');
  }, 60_000);

  it('the examiner edits the probe beside the original, searches and records a disposition for every candidate', async () => {
    const page = await signedIn(examiner.token, '/requests', 'Requests');
    await page.getByTestId('my-queue').getByRole('link', { name: 'VC-2026-77' }).click();
    await page.getByRole('img', { name: 'The original probe, as submitted' }).waitFor();
    await page.getByLabel('Degrees clockwise').fill('90');
    await page.getByLabel('Left (pixels)').fill('16');
    await page.getByLabel('Top (pixels)').fill('16');
    await page.getByLabel('Width (pixels)').fill('360');
    await page.getByLabel('Height (pixels)').fill('360');
    await page.getByRole('button', { name: 'Save edited version' }).click();
    await page.getByRole('status').filter({ hasText: 'Edited version 1 saved.' }).waitFor();
    await page.getByRole('img', { name: 'Edited version 1 of the probe' }).waitFor();
    expect(await page.getByTestId('probes').textContent()).toContain('Edited version 1: rotate 90°, then crop at 16,16 size 360×360');
    await page.getByLabel('Probe to search').selectOption({ label: 'Edited version 1' });
    await page.getByRole('button', { name: 'Search for this request' }).click();
    await page.getByRole('status').filter({ hasText: /^Search done/ }).waitFor({ timeout: 60_000 });
    await status(page, 'in examination');
    const rows = page.getByTestId('request-candidates').getByRole('row');
    expect(await rows.nth(1).textContent()).toMatch(/^1BK-1002\d\.\d{3}/);
    const candidates = await rows.count() - 1;
    for (let rank = 1; rank <= candidates; rank++) {
      const ref = (await rows.nth(rank).getByRole('cell').nth(1).textContent())!;
      await page.getByLabel(`Disposition for candidate ${rank} (${ref})`).selectOption(rank === 1 ? 'POSSIBLE_LEAD' : 'EXCLUDED');
      if (rank === 1) await page.getByLabel(`Reason for candidate 1 (${ref}) (required for a possible lead)`).fill('ear shape, brow and jaw line agree');
    }
    await page.getByLabel('Your conclusion').selectOption('POSSIBLE_LEAD');
    await check(page, 'request-examination');
    await page.getByRole('button', { name: 'Record my dispositions' }).click();
    await status(page, 'in verification');
    expect(await page.getByTestId('examinations').textContent()).toContain('BK-1002: possible lead (ear shape, brow and jaw line agree)');
  }, 120_000);

  it('a second examiner verifies blind: no first dispositions, no scores', async () => {
    const page = await signedIn(verifier.token, '/requests', 'Requests');
    await page.getByTestId('verify-queue').getByRole('link', { name: 'VC-2026-77' }).click();
    await page.getByRole('button', { name: 'Claim verification' }).click();
    await page.getByRole('status').filter({ hasText: /^You are this request’s verifier/ }).waitFor();
    await page.getByTestId('blind').filter({ hasText: 'nor the scores' }).waitFor();
    await page.getByRole('img', { name: 'The original probe, as submitted' }).waitFor();
    const table = page.getByTestId('request-candidates');
    // the probe the search used beside each candidate's enrolled face
    await table.getByRole('img', { name: 'The probe searched (edited version 1)' }).first().waitFor();
    expect(await table.textContent()).toContain('hidden (blind)');
    expect(await table.textContent()).not.toMatch(/\d\.\d{3}/);
    expect(await page.getByTestId('examinations').count()).toBe(0);
    expect(await page.content()).not.toContain('ear shape');
    await check(page, 'request-blind-verification');
    const rows = table.getByRole('row');
    for (let rank = 1; rank < await rows.count(); rank++) {
      const ref = (await rows.nth(rank).getByRole('cell').nth(1).textContent())!;
      await page.getByLabel(`Disposition for candidate ${rank} (${ref})`).selectOption(rank === 1 ? 'POSSIBLE_LEAD' : 'EXCLUDED');
      if (rank === 1) await page.getByLabel(/^Reason for candidate 1/).fill('same nose bridge and hairline');
    }
    await page.getByLabel('Your conclusion').selectOption('POSSIBLE_LEAD');
    await page.getByRole('button', { name: 'Record my dispositions' }).click();
    await status(page, 'verified');
  }, 120_000);

  it('the supervisor releases the lead; the officer reads it with its banner and records an arrest', async () => {
    const page = await signedIn(supervisor.token, '/requests', 'Requests');
    await page.getByTestId('to-release').getByRole('link', { name: 'VC-2026-77' }).click();
    // both examinations, seen by the supervisor once the verification is over
    await page.getByTestId('examinations').getByRole('row').filter({ hasText: 'verifier' }).waitFor();
    expect(await page.getByTestId('examinations').getByRole('row').count()).toBe(3);
    await page.getByLabel(/^Candidate both examiners marked/).selectOption({ label: 'BK-1002 (rank 1)' });
    await page.getByRole('button', { name: 'Release lead' }).click();
    await status(page, 'lead released');
    await check(page, 'request-released');

    const officer = await signedIn(requester.token, `/requests/${requestId}`, 'Request VC-2026-77');
    await status(officer, 'lead released');
    expect(await officer.getByTestId('lead-banner').textContent()).toContain('investigative lead only — not probable cause to arrest');
    const lead = (await officer.getByTestId('lead').textContent())!;
    expect(lead).toContain('BK-1002');
    expect(lead).toContain(`Examined byprincipal ${examiner.id.slice(0, 8)}`);
    expect(lead).toContain(`Verified byprincipal ${verifier.id.slice(0, 8)}`);
    await officer.getByRole('img', { name: 'Enrolled face of BK-1002, the lead' }).waitFor();
    await check(officer, 'request-lead');
    await officer.getByLabel('What came of it').selectOption('ARREST');
    await officer.getByLabel('Note (optional)').fill('Arrested after a fingerprint on the knife matched');
    await officer.getByRole('button', { name: 'Record outcome' }).click();
    await status(officer, 'outcome recorded');
    expect(await officer.getByTestId('request-outcome').textContent()).toBe('arrest: Arrested after a fingerprint on the knife matched');
    expect(await officer.getByTestId('history').textContent()).toContain('request outcome recorded');
    // the line-up photo only after attesting to independent evidence
    await officer.getByLabel(/^Independent evidence/).fill('A fingerprint on the knife matched the arrested man.');
    await officer.getByRole('button', { name: 'Attest and export the photo' }).click();
    await officer.getByRole('link', { name: 'Download the photo of BK-1002' }).waitFor();
    await check(officer, 'request-outcome');
    const exported = (await t.gql(admin, `{ auditEvents(action: "LEAD_PHOTO_EXPORTED", first: 1) { nodes { outcome } } }`)).data.auditEvents.nodes;
    expect(exported).toEqual([{ outcome: 'ALLOWED' }]);

    // oversight's counts moved (counts only, 1-4 shown as <5)
    const after = await statistics();
    expect(after.requests).toBe('<5');
    expect(after.byOutcome).toContainEqual({ key: 'ARREST', requests: '<5' });
    expect(after.byAgency).toContainEqual({ key: 'valley-pd', requests: '<5' });
    expect(problems).toEqual([]);
  }, 120_000);

  it('a supervisor adjudicates a disagreement with both examinations shown, and declines a duplicate with its reason', async () => {
    // a second request worked through the API up to the examiners' disagreement, and a third to decline
    const submit = async (caseNumber: string, ref: string) => {
      const r = await t.gql(requester.token, SUBMIT, { input: { ...submission, caseNumber, servingTenantSlug: 'hub', imageBase64: (await bookingPhoto(ref, true)).toString('base64') } });
      expect(r.errors).toBeUndefined();
      return r.data.submitRequest.id as string;
    };
    const id = await submit('VC-2026-78', 'BK-1003');
    const duplicate = await submit('VC-2026-79', 'BK-1001');
    await t.gql(supervisor.token, `mutation($r: ID!, $e: ID!) { acceptRequest(requestId: $r, examinerId: $e) { status } }`, { r: id, e: examiner.id });
    const search = (await t.gql(examiner.token, SEARCH, { i: { requestId: id, minScore: -1, maxCandidates: 2 } })).data.searchFaces;
    const all = (d: string) => search.candidates.map((c: { rank: number }) => ({ searchId: search.id, rank: c.rank, disposition: c.rank === 1 ? d : 'EXCLUDED', reason: d === 'POSSIBLE_LEAD' && c.rank === 1 ? 'same nose bridge' : null }));
    await t.gql(examiner.token, DISPOSE, { i: { requestId: id, conclusion: 'POSSIBLE_LEAD', dispositions: all('POSSIBLE_LEAD') } });
    await t.gql(verifier.token, `mutation($r: ID!) { claimVerification(requestId: $r) { status } }`, { r: id });
    expect((await t.gql(verifier.token, DISPOSE, { i: { requestId: id, conclusion: 'NO_LEAD', dispositions: all('INCONCLUSIVE') } })).data.recordDispositions.status).toBe('IN_ADJUDICATION');

    const page = await signedIn(supervisor.token, '/requests', 'Requests');
    await page.getByTestId('to-adjudicate').getByRole('link', { name: 'VC-2026-78' }).click();
    await page.getByRole('heading', { name: 'Candidates and your dispositions as adjudicator' }).waitFor();
    const examinations = page.getByTestId('examinations');
    expect(await examinations.getByRole('row').allTextContents()).toEqual([
      expect.stringMatching(/^RoleWho/),
      expect.stringMatching(/^examinerprincipal \w{8}possible lead.*same nose bridge/),
      expect.stringMatching(/^verifierprincipal \w{8}no lead.*inconclusive/),
    ]);
    await check(page, 'request-adjudication');
    for (const c of search.candidates as { rank: number; subjectRef: string }[]) {
      await page.getByLabel(`Disposition for candidate ${c.rank} (${c.subjectRef})`).selectOption(c.rank === 1 ? 'POSSIBLE_LEAD' : 'EXCLUDED');
    }
    await page.getByLabel(/^Reason for candidate 1/).fill('nose bridge and hairline agree on the original probe');
    await page.getByLabel('Your conclusion').selectOption('POSSIBLE_LEAD');
    await page.getByRole('button', { name: 'Record my dispositions' }).click();
    await status(page, 'verified');
    expect(await examinations.getByRole('row').count()).toBe(4);
    // all three kept in the API too
    expect((await t.gql(supervisor.token, `query($r: ID!) { request(id: $r) { examinations { role conclusion } } }`, { r: id })).data.request.examinations)
      .toEqual([{ role: 'EXAMINER', conclusion: 'POSSIBLE_LEAD' }, { role: 'VERIFIER', conclusion: 'NO_LEAD' }, { role: 'ADJUDICATOR', conclusion: 'POSSIBLE_LEAD' }]);

    await page.getByRole('link', { name: 'Requests' }).click();
    await page.getByTestId('to-accept').getByRole('link', { name: 'VC-2026-79' }).click();
    await page.getByLabel('Reason to decline').selectOption('DUPLICATE');
    await page.getByLabel(/^Note/).fill('Same robbery as VC-2026-77');
    await page.getByRole('button', { name: 'Decline' }).click();
    await status(page, 'declined');
    const seen = (await t.gql(requester.token, `query($r: ID!) { request(id: $r) { status declineReason declineNote } }`, { r: duplicate })).data.request;
    expect(seen).toEqual({ status: 'DECLINED', declineReason: 'DUPLICATE', declineNote: 'Same robbery as VC-2026-77' });
    expect(problems).toEqual([]);
  }, 120_000);
});

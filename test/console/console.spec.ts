import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { request } from 'node:http';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { mintToken } from '../../server/auth/hub-tokens';
import { Role } from '../../models/enums';
import { portrait } from '../support/fixtures';
import { movableClock, startHub, type TestHub } from '../support/hub';
import { accessibilityProblems, describeInBrowser, launchConsoleBrowser, screenshot, watchPage } from '../support/browser';
import { until } from '../support/until';

// The web console in a real browser (Debian's chromium, driven by playwright-core) against a real hub.
const ROOT = resolve(__dirname, '../..');

/** Runs `frhub token … --console` as a user does and gives the link it prints. */
function consoleLink(t: TestHub, args: string[]): Promise<string> {
  const env = { ...process.env, FRHUB_DATA_DIR: t.dataDir, DATABASE_URL: t.databaseUrl, PORT: new URL(t.url).port, LOG_LEVEL: 'warn' };
  return new Promise((ok, fail) => {
    const child = spawn('node', [join(ROOT, 'cli/frhub.cjs'), 'token', ...args, '--console'], { cwd: ROOT, env });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => (code === 0 ? ok(out.trim()) : fail(new Error(`frhub token exited ${code}: ${out}`))));
  });
}

describeInBrowser('web console', () => {
  let t: TestHub;
  const clock = movableClock();
  let browser: Browser;
  const problems: string[] = [];

  beforeAll(async () => {
    t = await startHub({}, { clock });
    browser = await launchConsoleBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function open(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    watchPage(page, problems);
    return { context, page };
  }

  /** A screenshot, then no serious accessibility violation, CSP violation or script error. */
  async function check(page: Page, name: string) {
    await screenshot(page, name);
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(problems).toEqual([]);
  }

  /** The id of county-pd's search for a case, as a supervisor of it reads it through the API. */
  async function countySearch(token: string, caseNumber: string): Promise<string> {
    const r = await t.gql(token, '{ searches(first: 50) { nodes { id caseNumber } } }');
    const found = r.data.searches.nodes.find((n: { caseNumber: string }) => n.caseNumber === caseNumber);
    if (!found) throw new Error(`no search of case ${caseNumber}: ${JSON.stringify(r)}`);
    return found.id;
  }

  async function signInByPaste(page: Page, token: string, next = '') {
    await page.goto(`${t.url}/sign-in${next}`);
    await page.getByLabel('Hub token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('serves the sign-in page with a strict CSP, and sends a stranger at /graphiql to sign in', async () => {
    const { context, page } = await open();
    const res = await page.goto(`${t.url}/`);
    const csp = res!.headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    await page.getByRole('heading', { name: 'Sign in to the frhub console', exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await check(page, 'sign-in');
    await page.goto(`${t.url}/graphiql`);
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/sign-in?next=/graphiql');
    await context.close();
  });

  it('operator: the --console link signs in (HttpOnly, SameSite=Strict cookie; nothing in the URL or storage) and creates a tenant', async () => {
    const link = await consoleLink(t, ['--tenant', 'hub', '--role', 'HUB_ADMIN']);
    expect(link).toMatch(new RegExp(`^http://localhost:${new URL(t.url).port}/sign-in#token=[\\w.-]+$`));
    const { context, page } = await open();
    await page.goto(link.replace('localhost', '127.0.0.1'));
    await page.getByRole('heading', { name: 'Tenants', exact: true }).waitFor();
    expect(page.url()).toBe(`${t.url}/operator`);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'frhub_session', httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate('localStorage.length + sessionStorage.length + document.cookie.length')).toBe(0);

    await page.getByLabel('Slug').fill('county-pd');
    await page.getByLabel('Name').fill('County Police Department');
    await page.getByLabel(/Monthly quota/).fill('40');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await page.getByRole('status').filter({ hasText: 'Created tenant county-pd' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'county-pd' });
    await row.filter({ hasText: '0 / 40' }).waitFor();
    expect(await row.textContent()).toContain('ACTIVE');
    const admin = await t.token('hub', Role.HUB_ADMIN);
    expect((await t.gql(admin, '{ tenants { slug } }')).data.tenants.map((x: { slug: string }) => x.slug)).toContain('county-pd');
    await t.createTenant('idle-pd');
    await page.reload();
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Suspend idle-pd' }).click();
    await page.getByRole('row').filter({ hasText: 'idle-pd' }).filter({ hasText: 'SUSPENDED' }).waitFor();
    expect((await t.gql(admin, '{ tenants { slug status } }')).data.tenants).toContainEqual({ slug: 'idle-pd', status: 'SUSPENDED' });
    await check(page, 'operator');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the frhub console', exact: true }).waitFor();
    expect(await context.cookies()).toEqual([]);
    await page.goto(`${t.url}/operator`);
    await page.getByRole('heading', { name: 'Sign in to the frhub console', exact: true }).waitFor();
    await context.close();
  });

  it('analyst: a pasted token, a search on a photo, the right person first under the "investigative lead only" notice', async () => {
    const admin = await t.token('county-pd', Role.AGENCY_ADMIN);
    const gallery = (await t.gql(admin, 'mutation { createGallery(input: { name: "Bookings" }) { id } }')).data.createGallery.id;
    const photo = await portrait();
    const enrolled = await t.gql(admin, 'mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { subjectRef } }', { i: { galleryId: gallery, subjectRef: 'BK-2026-17', imageBase64: photo.toString('base64') } });
    expect(enrolled.errors).toBeUndefined();
    const analyst = await t.principal('county-pd', Role.AGENCY_ANALYST);

    const { context, page } = await open();
    await signInByPaste(page, analyst.token);
    await page.getByRole('heading', { name: 'New search', exact: true }).waitFor();
    await page.getByLabel('Probe photo').setInputFiles({ name: 'probe.jpg', mimeType: 'image/jpeg', buffer: photo });
    // the hub outlines the face it will search before anything is searched
    const outline = page.getByTestId('probe-outline');
    await outline.waitFor({ timeout: 60_000 });
    const box = { x: Number(await outline.getAttribute('x')), width: Number(await outline.getAttribute('width')) };
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual((await sharp(photo).metadata()).width!);
    expect(await page.getByTestId('probe-caption').textContent()).toContain('the one the hub will search');
    // the quality in parts an examiner can act on, beside the probe, as the hub measured them
    const parts = await page.getByTestId('probe-quality').textContent();
    expect(parts).toMatch(/Pixels between the eyes\d+ \(40 or more/);
    expect(parts).toMatch(/Face inside the photo\d+%/);
    await page.getByLabel('Legal basis').selectOption('CRIMINAL_SUSPECT_ID');
    // the tenant's rules for that basis, read through the API, before submitting
    const rules = page.getByTestId('rules');
    expect(await rules.textContent()).toMatch(/Case number: required.*Warrant number: not required.*Narrative: not required.*Offense: required, at least a felony/);
    await page.getByLabel(/^Case number/).fill('26-0117');
    // a denial shows the policy's reason in words
    await page.getByLabel(/^Offense/).selectOption('MISDEMEANOR');
    await page.getByRole('button', { name: 'Search' }).click();
    const denial = page.getByRole('alert');
    await denial.waitFor({ timeout: 60_000 });
    // in words, with the policy's own reason and the stable code
    expect(await denial.textContent()).toMatch(/^The offense is not serious enough for this legal basis \(OFFENSE_BELOW_THRESHOLD\).*felony/i);
    await page.getByLabel(/^Offense/).selectOption('ROBBERY');
    await page.getByLabel(/^Case number/).fill('26-0117');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('heading', { name: 'Candidates', exact: true }).waitFor({ timeout: 60_000 });
    await expectVisible(page.getByRole('note').filter({ hasText: 'Investigative lead only' }));
    const first = page.getByRole('region', { name: 'Candidates' }).getByRole('row').nth(1);
    expect(await first.textContent()).toContain('BK-2026-17');
    // the pack's calibration beside the score: how many different-person pairs score this high
    expect(await first.textContent()).toMatch(/fewer than 1 in [\d,]+ comparisons of two different people score this high, with 95% confidence|about 1 in [\d,]+ comparisons of two different people score this high \(95% interval: (1 in [\d,]+ to 1 in [\d,]+|at most 1 in [\d,]+)\)/);
    // the candidate's enrolled face, kept at enrollment, beside the probe's face
    const face = first.getByRole('img', { name: 'Enrolled face of BK-2026-17' });
    expect(await face.getAttribute('src')).toMatch(/^data:image\/jpeg;base64,/);
    expect(await face.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).complete && (img as unknown as { naturalWidth: number }).naturalWidth > 0)).toBe(true);
    await expectVisible(first.getByRole('img', { name: 'The probe’s face' }));
    await check(page, 'analyst');

    await page.goto(`${t.url}/operator`);
    await page.getByRole('heading', { name: 'Not available', exact: true }).waitFor();
    await context.close();
  });

  it('analyst: a 50-megapixel photo is refused in words (IMAGE_TOO_LARGE) as soon as it is chosen', async () => {
    const analyst = await t.principal('county-pd', Role.AGENCY_ANALYST);
    const huge = await sharp({ create: { width: 8200, height: 6200, channels: 3, background: '#8a8a8a' } }).jpeg({ quality: 50 }).toBuffer();
    const { context, page } = await open();
    await signInByPaste(page, analyst.token);
    await page.getByRole('heading', { name: 'New search', exact: true }).waitFor();
    await page.getByLabel('Probe photo').setInputFiles({ name: 'huge.jpg', mimeType: 'image/jpeg', buffer: huge });
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 60_000 });
    const text = (await alert.textContent()) ?? '';
    expect(text).toContain('The photo is too large');
    expect(text).toContain('IMAGE_TOO_LARGE');
    expect(text).toMatch(/8200x6200 pixels \(50\.8 MP\); the limit is 50 MP/);
    expect(await page.getByTestId('probe-outline').count()).toBe(0);
    await check(page, 'analyst-photo-too-large');
    await context.close();
  });

  it('supervisor: the tenant’s searches, exigent ones awaiting approval, a review per candidate under the second-reviewer rule, a legal hold', async () => {
    const analyst = await t.principal('county-pd', Role.AGENCY_ANALYST);
    const exigent = await t.gql(analyst.token, 'mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }', {
      i: { imageBase64: (await portrait()).toString('base64'), legalBasis: 'IMMINENT_THREAT', caseNumber: '26-0999' },
    });
    expect(exigent.errors).toBeUndefined();
    const first = await t.principal('county-pd', Role.AGENCY_SUPERVISOR, { name: 'Sgt. First' });
    const second = await t.principal('county-pd', Role.AGENCY_SUPERVISOR, { name: 'Sgt. Second' });
    const robbery = await countySearch(first.token, '26-0117');

    const { context, page } = await open();
    await signInByPaste(page, first.token);
    await page.getByRole('heading', { name: 'Searches', exact: true }).waitFor();
    expect(page.url()).toBe(`${t.url}/searches`);
    const awaiting = page.getByTestId('exigent');
    await awaiting.waitFor();
    expect(await awaiting.textContent()).toMatch(/26-0999.*imminent threat/);
    expect(await page.getByRole('row').filter({ hasText: '26-0117' }).textContent()).toMatch(/Awaiting review/);
    await page.getByText('No search is on legal hold.').waitFor();
    await check(page, 'searches');

    // review: a decision per candidate; a possible lead waits for a second, different reviewer
    await page.getByRole('row').filter({ hasText: '26-0117' }).getByRole('link').click();
    await page.getByRole('heading', { name: /^Search of / }).waitFor();
    expect(page.url()).toBe(`${t.url}/searches/${robbery}`);
    await expectVisible(page.getByRole('note').filter({ hasText: 'Investigative lead only' }));
    const face = page.getByRole('img', { name: 'Enrolled face of BK-2026-17' });
    expect(await face.getAttribute('src')).toMatch(/^data:image\/jpeg;base64,/);
    expect(await page.textContent('body')).toContain('a review that concludes “possible lead” stands only once a second reviewer, a different person');
    await page.getByLabel('Decision for candidate 1 (BK-2026-17)').selectOption('POSSIBLE_MATCH');
    await page.getByLabel('Outcome of your review').selectOption('POSSIBLE_LEAD');
    await page.getByRole('button', { name: 'Save review' }).click();
    await page.getByTestId('review-status').filter({ hasText: 'Possible lead: awaiting a second reviewer' }).waitFor();
    expect(await page.getByTestId('review-blocked').textContent()).toContain('must be made by a different reviewer');
    expect(await page.getByLabel('Outcome of your review').count()).toBe(0);
    // the hub enforces it too, whatever the page shows
    const again = await t.gql(first.token, 'mutation($i: ReviewSearchInput!) { reviewSearch(input: $i) { id } }', { i: { searchId: robbery, outcome: 'NO_LEAD', decisions: [] } });
    expect(again.errors?.[0].extensions.code).toBe('CONFLICT');
    await check(page, 'search-review');

    await page.getByLabel('Reason for the hold').fill('Civil suit 26-CV-31');
    await page.getByRole('button', { name: 'Place legal hold' }).click();
    await page.getByTestId('hold-status').filter({ hasText: 'On legal hold' }).waitFor();

    // the exigent search: approved by a supervisor, its deadline shown until then
    await page.goto(`${t.url}/searches/${exigent.data.searchFaces.id}`);
    expect(await page.getByTestId('exigent-status').textContent()).toMatch(/awaiting a supervisor’s approval, due /);
    await page.getByRole('button', { name: 'Approve exigent search' }).click();
    await page.getByTestId('exigent-status').filter({ hasText: /^approved / }).waitFor();
    await page.goto(`${t.url}/searches`);
    await page.getByText('None awaiting approval.').waitFor();
    const all = page.getByRole('region', { name: 'All searches' });
    expect(await all.getByRole('row').filter({ hasText: '26-0117' }).textContent()).toMatch(/Awaiting a second reviewer.*On hold/);
    // the section of held searches lists it (from the hub's legalHold filter, not the page above), with a link to it
    const holds = page.getByTestId('legal-holds');
    await holds.waitFor();
    const heldRows = holds.getByRole('row').filter({ hasText: '26-0117' });
    expect(await heldRows.count()).toBe(1);
    expect(await heldRows.textContent()).toMatch(/26-0117.*Awaiting a second reviewer/);
    expect(await heldRows.getByRole('link').getAttribute('href')).toBe(`/searches/${robbery}`);
    expect(await holds.getByRole('row').filter({ hasText: '26-0999' }).count()).toBe(0);
    await check(page, 'searches-on-legal-hold');
    await context.close();

    // the second reviewer concludes it
    const other = await open();
    await signInByPaste(other.page, second.token, `?next=/searches/${robbery}`);
    await other.page.getByRole('heading', { name: /^Search of / }).waitFor();
    await other.page.getByLabel('Decision for candidate 1 (BK-2026-17)').selectOption('POSSIBLE_MATCH');
    await other.page.getByLabel('Outcome of your review').selectOption('POSSIBLE_LEAD');
    await other.page.getByRole('button', { name: 'Save the second review' }).click();
    await other.page.getByTestId('review-status').filter({ hasText: 'Reviewed: possible lead' }).waitFor();
    expect(await other.page.getByRole('listitem').filter({ hasText: 'possible lead by you' }).count()).toBe(1);
    await other.context.close();
  });

  it('another agency’s search id typed into the URL shows "not found"', async () => {
    const robbery = await countySearch((await t.principal('county-pd', Role.AGENCY_SUPERVISOR)).token, '26-0117');
    await t.createTenant('other-pd');
    const stranger = await t.principal('other-pd', Role.AGENCY_SUPERVISOR);
    const { context, page } = await open();
    await signInByPaste(page, stranger.token);
    await page.getByRole('heading', { name: 'Searches', exact: true }).waitFor();
    await page.goto(`${t.url}/searches/${robbery}`);
    await page.getByRole('heading', { name: 'Search not found', exact: true }).waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/not found/i);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.textContent('body')).not.toMatch(/BK-2026-17|26-0117/);
    await check(page, 'search-not-found');
    await context.close();
  });

  it('oversight: counts that moved, no face, candidate or case number anywhere, and no way to the search page', async () => {
    const auditor = await t.principal('hub', Role.OVERSIGHT_AUDITOR);
    const { context, page } = await open();
    await page.goto(`${t.url}/sign-in#token=${auditor.token}`);
    await page.getByRole('heading', { name: 'Oversight', exact: true }).waitFor();
    expect(page.url()).toBe(`${t.url}/oversight`);
    await page.getByTestId('searches').filter({ hasText: /^[1-9]\d*$/ }).waitFor();
    expect(await page.getByTestId('denials').textContent()).toMatch(/^[1-9]\d*$/);
    expect(await page.getByTestId('chain').textContent()).toMatch(/^Intact: \d+ events checked/);
    const text = (await page.textContent('body')) ?? '';
    expect(text).not.toMatch(/BK-2026-17|26-0117/);
    expect(await page.locator('img').count()).toBe(0);
    await check(page, 'oversight');
    // every page that shows faces, tried by URL: none opens, nothing is asked of the API for it
    const robbery = await countySearch((await t.principal('county-pd', Role.AGENCY_SUPERVISOR)).token, '26-0117');
    const asked: string[] = [];
    page.on('request', (r) => { if (r.url().endsWith('/graphql')) asked.push(r.postData() ?? ''); });
    for (const path of ['/analyst', '/searches', `/searches/${robbery}`]) {
      await page.goto(`${t.url}${path}`);
      await page.getByRole('heading', { name: 'Not available', exact: true }).waitFor();
      expect([path, await page.locator('img, svg').count()]).toEqual([path, 0]);
      expect(await page.textContent('body')).not.toMatch(/BK-2026-17|26-0117/);
    }
    expect(await page.getByLabel('Probe photo').count()).toBe(0);
    expect(asked.filter((q) => /search|faceImage|previewProbe/.test(q))).toEqual([]);
    // and the API would refuse it anyway
    expect((await t.gql(auditor.token, '{ search(id: "' + robbery + '") { candidates { faceImage } } }')).errors?.[0].extensions.code).toBe('NOT_FOUND');
    await context.close();
  });

  it('operator: its own galleries page, oversight\'s counts, and an audit log of who acted on which case (not JSON, no page-view reads)', async () => {
    const { context, page } = await open();
    await page.goto(`${t.url}/sign-in#token=${await t.token('hub', Role.HUB_ADMIN)}`);
    await page.waitForURL(`${t.url}/operator`);
    // the operator's own galleries: created here, listed apart from the agencies' galleries
    await page.getByRole('link', { name: 'Galleries' }).click();
    await page.getByRole('heading', { name: 'Galleries', level: 1 }).waitFor();
    await page.getByLabel('Gallery name').fill('County bookings');
    await page.getByRole('button', { name: 'Create gallery' }).click();
    await page.getByTestId('templates-County bookings').waitFor();
    expect(await page.getByTestId('galleries').textContent()).not.toMatch(/^Bookings/m);
    await check(page, 'operator-galleries');
    // oversight's counts, readable by the hub's administrator
    await page.getByRole('link', { name: 'Oversight' }).click();
    await page.getByTestId('searches').filter({ hasText: /^[1-9]\d*$/ }).waitFor();
    // the audit log: the analyst's search by name and case, its details in words, no statistics reads of those page views
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Action').selectOption('SEARCH');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const row = page.getByTestId('audit-events').getByRole('row').filter({ hasText: '26-0117' }).first();
    await row.waitFor();
    // the person's name once the page has looked the tenant's people up, and their role
    await row.getByTestId('who').filter({ hasNotText: /^principal / }).waitFor();
    const names = (await t.gql(await t.token('hub', Role.HUB_ADMIN), '{ principals(tenantSlug: "county-pd") { name } }')).data.principals.map((p: { name: string }) => p.name);
    const who = (await row.getByTestId('who').textContent())!;
    expect(who).toMatch(/^(.+) \(agency (analyst|supervisor)\)$/);
    expect(names).toContain(/^(.+) \(/.exec(who)![1]);
    expect(await row.getByTestId('case').textContent()).toBe('26-0117');
    expect(await row.textContent()).not.toMatch(/[{}"]/);
    const filtered = await page.getByTestId('audit-events').textContent();
    await page.getByLabel('Action').selectOption('');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    // the unfiltered list has replaced the SEARCH-only one (its rows differ) before anything is read of it
    const unfiltered = await until('the audit log without its action filter', async () => page.getByTestId('audit-events').textContent(), (text) => !!text && text !== filtered);
    expect(unfiltered).not.toMatch(/statistics read|audit read/);
    // still in the log, on request
    await page.getByLabel("Include the console's own reads (statistics read, audit read)").check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByTestId('audit-events').getByText('statistics read').first().waitFor();
    await check(page, 'operator-audit-log');
    await context.close();
  });

  it('graphiql: served to a signed-in caller, with the powers of the token and no more', async () => {
    const auditor = await t.principal('hub', Role.OVERSIGHT_AUDITOR);
    const { context, page } = await open();
    await signInByPaste(page, auditor.token, '?next=/graphiql');
    await page.getByRole('heading', { name: 'GraphQL', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Run' }).click();
    await page.getByTestId('result').filter({ hasText: 'OVERSIGHT_AUDITOR' }).waitFor();
    await check(page, 'graphiql');
    await page.getByLabel('Query').fill('mutation { createTenant(input: { slug: "rogue", name: "Rogue" }) { id } }');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.getByTestId('result').filter({ hasText: 'FORBIDDEN' }).waitFor();
    await context.close();
  });

  it('asks before a sign-in link for another identity replaces the open session (login CSRF), and replaces it only on confirm', async () => {
    const mine = await t.principal('county-pd', Role.AGENCY_ANALYST, { name: 'Dana Reyes' });
    const theirs = await t.principal('hub', Role.OVERSIGHT_AUDITOR, { name: 'Mallory Quinn' });
    const { context, page } = await open();
    await signInByPaste(page, mine.token);
    await page.getByRole('heading', { name: 'New search', exact: true }).waitFor();
    await page.goto(`${t.url}/analyst#token=${theirs.token}`);
    await page.getByRole('heading', { name: 'Replace your session?', exact: true }).waitFor();
    const asked = (await page.getByRole('alert').textContent()) ?? '';
    expect(asked).toMatch(/signed in as Dana Reyes \(AGENCY_ANALYST\) of County Police Department.*for Mallory Quinn \(OVERSIGHT_AUDITOR\)/);
    await check(page, 'replace-session');
    await page.getByRole('button', { name: 'Keep my session' }).click();
    await page.getByRole('heading', { name: 'New search', exact: true }).waitFor();
    expect(await page.locator('header .who').textContent()).toBe('County Police Department · AGENCY_ANALYST');
    await page.goto(`${t.url}/sign-in#token=${theirs.token}`);
    await page.getByRole('button', { name: 'Sign in as Mallory Quinn instead' }).click();
    await page.getByRole('heading', { name: 'Oversight', exact: true }).waitFor();
    // the session it replaced is over, also for the token that opened it
    expect((await t.gql(mine.token, '{ me { role } }')).errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    await context.close();
  });

  it('an expired token returns to sign-in', async () => {
    const short = await mintToken(t.hub.keys, { tenant: 'hub', role: Role.HUB_ADMIN, ttlSeconds: 60 });
    const { context, page } = await open();
    await signInByPaste(page, short);
    await page.getByRole('heading', { name: 'Tenants', exact: true }).waitFor();
    // past its expiry on the hub's clock, without waiting for it
    clock.advance(61_000);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to the frhub console', exact: true }).waitFor();
    await signInByPaste(page, short);
    await page.getByRole('alert').filter({ hasText: /expired|Unauthenticated/i }).waitFor();
    await context.close();
  });

  it('keeps the CSRF rule: the session cookie does not carry a simple cross-site request', async () => {
    const token = await t.token('hub', Role.HUB_ADMIN);
    const simple = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { cookie: `frhub_session=${token}`, 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ me { role } }' }) });
    expect(simple.status).toBe(400);
    const withJson = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { cookie: `frhub_session=${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ me { role } }' }) });
    expect(((await withJson.json()) as any).data.me.role).toBe('HUB_ADMIN');
    const form = await fetch(`${t.url}/console/session`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}` });
    expect(form.status).toBe(415);
    expect(form.headers.get('set-cookie')).toBeNull();
  });

  it('marks the session cookie Secure when the console is reached by a public name (TLS ends at a load balancer)', async () => {
    const token = await t.token('hub', Role.HUB_ADMIN);
    const cookieFor = (host: string) =>
      new Promise<string>((done, fail) => {
        const body = JSON.stringify({ token });
        const req = request(`${t.url}/console/session`, { method: 'POST', headers: { host, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
          res.resume();
          res.on('end', () => done(String(res.headers['set-cookie'] ?? '')));
        });
        req.on('error', fail);
        req.end(body);
      });
    expect(await cookieFor('frhub.county.example')).toMatch(/^__Host-frhub_session=[^;]+;.*; Secure/);
    expect(await cookieFor(new URL(t.url).host)).not.toMatch(/Secure/);
  });
});

async function expectVisible(locator: { isVisible(): Promise<boolean>; waitFor(): Promise<void> }) {
  await locator.waitFor();
  expect(await locator.isVisible()).toBe(true);
}

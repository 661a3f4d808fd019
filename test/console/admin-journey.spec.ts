import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page, Request } from 'playwright-core';
import { Role } from '../../models/enums';
import { describeWithShared, SHARED } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';
import { zipOf } from '../support/zip';
import { until } from '../support/until';
import { accessibilityProblems, describeInBrowser, launchConsoleBrowser, screenshot, watchPage } from '../support/browser';

// One journey through the operator's, the agency administrator's and the oversight board's pages,
// on real faces (../shared/faces/lfw50), in Debian's chromium against a real hub: the operator
// creates an agency and its people, the agency's admin enrolls 20 people from a folder, an analyst
// finds one of them with another photo, and oversight sees the counts move — screenshots and
// axe-core on every page.
const LFW = join(SHARED, 'faces/lfw50');
const PEOPLE = 20;

const inTenDays = () => new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);

describeInBrowser('console journey on real faces: operator, agency admin, analyst, oversight', () => {
  let t: TestHub;
  let browser: Browser;
  let folder: string;
  let people: string[];
  const problems: string[] = [];
  /** GraphQL requests each page made, and those answered (or failed) */
  const asked = new Map<Page, number>();
  const answered = new Map<Page, number>();

  beforeAll(async () => {
    // 20 people with at least two photos: the first of each is enrolled, another is a probe
    people = readdirSync(LFW).filter((p) => readdirSync(join(LFW, p)).length >= 2).sort().slice(0, PEOPLE);
    expect(people).toHaveLength(PEOPLE);
    folder = join(mkdtempSync(join(tmpdir(), 'frhub-journey-')), 'bookings');
    for (const p of people) {
      mkdirSync(join(folder, p), { recursive: true });
      copyFileSync(join(LFW, p, `${p}_0001.jpg`), join(folder, p, `${p}_0001.jpg`));
    }
    // one photo the hub must refuse, so the page's error list is shown with the API's code
    mkdirSync(join(folder, 'BK-BROKEN'));
    writeFileSync(join(folder, 'BK-BROKEN', 'broken.jpg'), 'this is not a photo');
    t = await startHub();
    browser = await launchConsoleBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    if (folder) rmSync(resolve(folder, '..'), { recursive: true, force: true });
  });

  async function signedIn(token: string): Promise<Page> {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    watchPage(page, problems);
    const count = (m: Map<Page, number>) => (r: Request) => { if (r.url().endsWith('/graphql')) m.set(page, (m.get(page) ?? 0) + 1); };
    page.on('request', count(asked));
    page.on('requestfinished', count(answered));
    page.on('requestfailed', count(answered));
    await page.goto(`${t.url}/sign-in#token=${token}`);
    return page;
  }

  /**
   * Until every query the page asked is answered and it asks nothing in the three frames after (each a
   * render and a task of the page's own): a render that asks again, as a query whose variables change on
   * every render would, is caught there. A page still asking after 20 such rounds fails.
   */
  async function atRest(page: Page) {
    const open = async () => (asked.get(page) ?? 0) - (answered.get(page) ?? 0);
    let quiet = 0;
    for (let round = 0; round < 20 && quiet < 3; round++) {
      await until('the page\'s queries answered', open, (n) => n === 0);
      const before = asked.get(page);
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))');
      quiet = asked.get(page) === before ? quiet + 1 : 0;
    }
    expect(quiet).toBe(3);
  }

  /** The page at rest, a screenshot, then axe-core (no serious or critical violation), no CSP violation or script error. */
  async function check(page: Page, name: string) {
    await atRest(page);
    await screenshot(page, name);
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(problems).toEqual([]);
  }

  const searchesShown = async (page: Page) => Number(await page.getByTestId('searches').textContent());

  // the steps share these: each step goes on from where the one before left its pages
  let oversight: Page;
  let operator: Page;
  let searchesBefore: number;
  let denialsBefore: number;
  let adminLink: string;
  let analystLink: string;
  let searchId: string;

  it('oversight, before: the counts the journey will move', async () => {
    const auditor = await t.principal('hub', Role.OVERSIGHT_AUDITOR);
    oversight = await signedIn(auditor.token);
    await oversight.getByRole('heading', { name: 'Oversight', exact: true }).waitFor();
    await oversight.getByTestId('searches').waitFor();
    searchesBefore = await searchesShown(oversight);
    denialsBefore = Number(await oversight.getByTestId('denials').textContent());
  });

  it('the operator creates the agency, its administrator and analysts (one certified for 10 more days only)', async () => {
    // more agencies than one request's 30 aliases can ask about two questions each
    for (let i = 1; i <= 16; i++) await t.createTenant(`town-${String(i).padStart(2, '0')}-pd`);
    operator = await signedIn(await t.token('hub', Role.HUB_ADMIN));
    await operator.getByRole('heading', { name: 'Tenants', exact: true }).waitFor();
    await operator.getByRole('row').filter({ hasText: 'town-16-pd' }).filter({ hasText: '0 / 500' }).waitFor();
    expect(await operator.getByRole('row').filter({ hasText: 'town-16-pd' }).textContent()).toContain('MN_DEFAULT');
    await operator.getByLabel('Slug').fill('lake-pd');
    await operator.getByLabel('Name', { exact: true }).fill('Lake County Police');
    await operator.getByLabel(/Monthly quota/).fill('100');
    await operator.getByLabel('Policy preset').selectOption('UT_77_23E');
    await operator.getByRole('button', { name: 'Create tenant' }).click();
    const row = operator.getByRole('row').filter({ hasText: 'lake-pd' });
    await row.filter({ hasText: '0 / 100' }).waitFor();
    expect(await row.textContent()).toContain('UT_77_23E');
    expect(await row.locator('meter').getAttribute('max')).toBe('100');
    await check(operator, 'operator-tenants');

    await operator.getByRole('link', { name: 'lake-pd' }).click();
    await operator.getByRole('heading', { name: 'Lake County Police', exact: true }).waitFor();
    const addPrincipal = async (name: string, role: string, certifiedUntil?: string) => {
      await operator.getByLabel("Principal's name").fill(name);
      await operator.getByLabel('Role').selectOption(role);
      if (certifiedUntil) await operator.getByLabel(/^Certified until/).fill(certifiedUntil);
      await operator.getByRole('button', { name: 'Add principal' }).click();
      await operator.getByRole('row').filter({ hasText: name }).waitFor();
    };
    await addPrincipal('Avery Admin', 'AGENCY_ADMIN');
    await addPrincipal('Sam Analyst', 'AGENCY_ANALYST', inTenDays());
    await addPrincipal('Kim Analyst', 'AGENCY_ANALYST', inAYear());
    // expiring within 30 days is highlighted, a year away is not
    expect(await operator.getByRole('row').filter({ hasText: 'Sam Analyst' }).getAttribute('class')).toBe('expiring');
    expect(await operator.getByRole('row').filter({ hasText: 'Sam Analyst' }).textContent()).toContain('expires soon');
    expect(await operator.getByRole('row').filter({ hasText: 'Kim Analyst' }).getAttribute('class')).toBe('');
    // each rule of the preset in words, with the code its refusal carries
    const rules = (await operator.getByTestId('policy-rules').textContent()) ?? '';
    expect(rules).toMatch(/A case number is required for .+CASE_NUMBER_REQUIRED/);
    expect(rules).toMatch(/purged \d+ days after the search/);
    // the operator moves the agency to the default preset with one override: shown as an override, in words
    await operator.getByRole('button', { name: 'Change the policy' }).click();
    await operator.getByLabel('Preset', { exact: true }).selectOption('MN_DEFAULT');
    await operator.getByLabel('Retention of search details (days)').fill('400');
    await operator.getByRole('button', { name: 'Save the policy' }).click();
    await operator.getByText('Preset MN_DEFAULT').waitFor();
    const changed = operator.getByTestId('policy-rules').getByRole('listitem').filter({ hasText: 'Override' });
    await changed.first().waitFor();
    expect(await changed.allTextContents()).toEqual([expect.stringMatching(/^Search details .* purged 400 days after .*Override \(the preset says: .*purged \d+ days/)]);
    const policy = (await t.gql(await t.token('hub', Role.HUB_ADMIN), '{ tenantPolicy(tenantSlug: "lake-pd") { preset retentionDays } }')).data.tenantPolicy;
    expect(policy).toEqual({ preset: 'MN_DEFAULT', retentionDays: 400 });
    // probe quality floors: refuse a probe with fewer than 40 pixels between the eyes, in words once saved
    await operator.getByRole('button', { name: 'Change the policy' }).click();
    await operator.getByLabel('A probe below a floor is').selectOption('REFUSE');
    await operator.getByLabel('Pixels between the eyes, at least').fill('40');
    await operator.getByRole('button', { name: 'Save the policy' }).click();
    await operator.getByTestId('policy-rules').getByText(/Probe quality floors \(pixels between the eyes, at least 40\): a probe below one is refused \(LOW_QUALITY\)/).waitFor();
    const floors = (await t.gql(await t.token('hub', Role.HUB_ADMIN), '{ tenantPolicy(tenantSlug: "lake-pd") { retentionDays qualityFloors { action minInterEyePx maxYawDeg } } }')).data.tenantPolicy;
    expect(floors).toEqual({ retentionDays: 400, qualityFloors: { action: 'REFUSE', minInterEyePx: 40, maxYawDeg: null } });
    // a sign-in link for each, minted through the API
    const linkFor = async (name: string) => {
      await operator.getByRole('button', { name: `Sign-in link for ${name}` }).click();
      await operator.getByText(`Sign-in link for ${name}, valid until`).waitFor();
      return operator.getByTestId('signin-link').inputValue();
    };
    adminLink = await linkFor('Avery Admin');
    analystLink = await linkFor('Kim Analyst');
    expect(adminLink).toMatch(new RegExp(`^${t.url}/sign-in#token=[\\w.-]+$`));
    await check(operator, 'operator-tenant-detail');
  });

  it('the agency administrator enrolls a folder of 20 people (and one file that is not a photo) with a progress bar and an error list', async () => {
    const admin = await signedIn(adminLink.split('#token=')[1]);
    await admin.getByRole('heading', { name: 'Agency administration', exact: true }).waitFor();
    expect(new URL(admin.url()).pathname).toBe('/admin');
    await admin.getByLabel('Gallery name').fill('Bookings');
    await admin.getByRole('button', { name: 'Create gallery' }).click();
    await admin.getByTestId('templates-Bookings').filter({ hasText: '0' }).waitFor();
    await admin.getByLabel('A folder of photos').setInputFiles(folder);
    await admin.getByTestId('bulk-found').filter({ hasText: `${PEOPLE + 1} photos of ${PEOPLE + 1} people in the folder` }).waitFor();
    await admin.getByRole('button', { name: `Enroll ${PEOPLE + 1} photos` }).click();
    const status = admin.getByTestId('bulk-status');
    await status.filter({ hasText: 'Finished' }).waitFor({ timeout: 300_000 });
    expect(await status.textContent()).toBe(`${PEOPLE + 1} of ${PEOPLE + 1} done: ${PEOPLE} enrolled, 0 already enrolled, 1 failed. Finished.`);
    const progress = admin.getByRole('progressbar', { name: 'Enrollment progress' });
    expect([await progress.getAttribute('value'), await progress.getAttribute('max')]).toEqual([String(PEOPLE + 1), String(PEOPLE + 1)]);
    const failure = (await admin.getByTestId('bulk-failures').getByRole('row').nth(1).textContent()) ?? '';
    expect(failure).toMatch(/broken\.jpgBK-BROKEN(CORRUPT_IMAGE|UNSUPPORTED_IMAGE)/);
    expect(failure).toMatch(/damaged or not really an image|not a photo format/);
    await admin.getByTestId('templates-Bookings').filter({ hasText: String(PEOPLE) }).waitFor();
    // the same photos again, from a ZIP file: nothing is enrolled twice
    const zip = zipOf(people.slice(0, 3).map((p) => ({ path: `bookings/${p}/${p}_0001.jpg`, data: readFileSync(join(LFW, p, `${p}_0001.jpg`)) })));
    await admin.getByLabel('Or a ZIP file').setInputFiles({ name: 'bookings.zip', mimeType: 'application/zip', buffer: zip });
    await admin.getByTestId('bulk-found').filter({ hasText: '3 photos of 3 people in bookings.zip' }).waitFor();
    await admin.getByRole('button', { name: 'Enroll 3 photos' }).click();
    await status.filter({ hasText: 'Finished' }).waitFor({ timeout: 120_000 });
    expect(await status.textContent()).toBe('3 of 3 done: 0 enrolled, 3 already enrolled, 0 failed. Finished.');
    await admin.getByTestId('templates-Bookings').filter({ hasText: String(PEOPLE) }).waitFor();
    expect(await admin.getByTestId('principals').textContent()).toContain('Sam Analyst');
    expect(await admin.getByTestId('quotas').textContent()).toContain('0 / 100');
    await check(admin, 'agency-admin');
    // what the page did is what the API holds
    const adminToken = await t.token('lake-pd', Role.AGENCY_ADMIN);
    const gallery = (await t.gql(adminToken, '{ galleries { id name templateCount } }')).data.galleries.find((g: { name: string }) => g.name === 'Bookings');
    expect(gallery.templateCount).toBe(PEOPLE);
    const refs = (await t.gql(adminToken, 'query($g: ID!) { subjects(galleryId: $g, first: 100) { nodes { subjectRef } } }', { g: gallery.id })).data.subjects.nodes.map((s: { subjectRef: string }) => s.subjectRef);
    expect(refs.sort()).toEqual(people);
  }, 600_000);

  it('an analyst searches with another photo of one of them: that person comes first', async () => {
    const wanted = people[7];
    const analyst = await signedIn(analystLink.split('#token=')[1]);
    await analyst.getByRole('heading', { name: 'New search', exact: true }).waitFor();
    await analyst.getByLabel('Probe photo').setInputFiles(join(LFW, wanted, `${wanted}_0002.jpg`));
    await analyst.getByLabel('Legal basis').selectOption('CRIMINAL_SUSPECT_ID');
    await analyst.getByLabel(/^Case number/).fill('LK-26-0042');
    // first a misdemeanor, which the policy refuses (counted as a denial), then a robbery
    await analyst.getByLabel(/^Offense/).selectOption('MISDEMEANOR');
    await analyst.getByRole('button', { name: 'Search' }).click();
    await analyst.getByRole('alert').filter({ hasText: /felony|threshold/i }).waitFor({ timeout: 120_000 });
    await analyst.getByLabel(/^Offense/).selectOption('ROBBERY');
    await analyst.getByRole('button', { name: 'Search' }).click();
    await analyst.getByRole('heading', { name: 'Candidates', exact: true }).or(analyst.getByRole('alert')).first().waitFor({ timeout: 120_000 });
    expect(await analyst.getByRole('alert').allTextContents()).toEqual([]);
    // the candidates' table (the probe's quality table stands above it)
    const results = analyst.getByRole('region', { name: 'Candidates' });
    expect(await results.getByRole('row').nth(1).textContent()).toContain(wanted);
    searchId = /Search ([\w-]+)\./.exec((await results.locator('caption').first().textContent()) ?? '')![1];
    await check(analyst, 'analyst-journey');
  }, 300_000);

  it('a supervisor reviews it on the review page; oversight: the search is counted, the agency is in the charts and the report; still no face or case', async () => {
    // the agency's supervisor reviews it on the review page (inconclusive: no lead to act on)
    const supervisor = await t.principal('lake-pd', Role.AGENCY_SUPERVISOR);
    const review = await signedIn(supervisor.token);
    await review.getByRole('heading', { name: 'Searches', exact: true }).waitFor();
    await review.getByRole('row').filter({ hasText: 'LK-26-0042' }).getByRole('link').click();
    await review.getByRole('heading', { name: /^Search of / }).waitFor();
    expect(review.url()).toBe(`${t.url}/searches/${searchId}`);
    await review.getByLabel(/^Decision for candidate 1 /).selectOption('INCONCLUSIVE');
    await review.getByLabel('Outcome of your review').selectOption('NO_LEAD');
    await review.getByRole('button', { name: 'Save review' }).click();
    await review.getByTestId('review-status').filter({ hasText: /^Reviewed: no lead$/ }).waitFor();
    await check(review, 'supervisor-journey');
    await oversight.reload();
    await oversight.getByTestId('searches').waitFor();
    expect(await searchesShown(oversight)).toBe(searchesBefore + 1);
    expect(Number(await oversight.getByTestId('denials').textContent())).toBe(denialsBefore + 1);
    expect(await oversight.getByTestId('chart-denials').textContent()).toContain('offense below threshold');
    expect(await oversight.getByTestId('chart-months').textContent()).toContain('lake-pd');
    expect(await oversight.getByTestId('chart-bases').textContent()).toContain('criminal suspect id');
    expect(await oversight.getByTestId('chart-offenses').textContent()).toContain('robbery');
    expect(await oversight.getByTestId('chart-reviews').textContent()).toContain('no lead');
    expect(await oversight.getByTestId('transparency').getByRole('row').filter({ hasText: 'Lake County Police' }).filter({ hasText: 'robbery' }).textContent()).toContain('<5');
    const [download] = await Promise.all([oversight.waitForEvent('download'), oversight.getByTestId('csv').click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\n')[0]).toMatch(/agency/i);
    expect(csv).toContain('Lake County Police');
    const text = (await oversight.textContent('body')) ?? '';
    expect(text).not.toContain('LK-26-0042');
    for (const p of people) expect(text).not.toContain(p);
    expect(await oversight.locator('img').count()).toBe(0);
    expect(await oversight.getByTestId('chain').textContent()).toMatch(/^Intact: \d+ events checked/);
    await check(oversight, 'oversight-dashboard');
    // nor the operator's or the agency administrator's pages, typed into the address bar
    for (const path of ['/admin', '/audit', '/sharing', '/operator?tenant=lake-pd']) {
      await oversight.goto(`${t.url}${path}`);
      await oversight.getByRole('heading', { name: 'Not available', exact: true }).waitFor();
      expect(await oversight.locator('img').count()).toBe(0);
    }
  });

  it('the operator finds the enrollments in the audit log, filtered and paged, and the chain verifies', async () => {
    await operator.getByRole('link', { name: 'Audit log' }).click();
    await operator.getByRole('heading', { name: 'Audit log', exact: true }).waitFor();
    await operator.getByTestId('audit-events').waitFor();
    await operator.getByLabel('Tenant').selectOption({ label: 'lake-pd' });
    await operator.getByLabel('Action').selectOption('ENROLL');
    await operator.getByLabel('Outcome').selectOption('FAILED');
    await operator.getByRole('button', { name: 'Apply filters' }).click();
    const events = operator.getByTestId('audit-events').getByRole('row');
    await events.nth(1).filter({ hasText: /CORRUPT_IMAGE|UNSUPPORTED_IMAGE/ }).waitFor();
    expect(await events.count()).toBe(2);
    await operator.getByLabel('Outcome').selectOption('ALLOWED');
    await operator.getByRole('button', { name: 'Apply filters' }).click();
    await operator.getByText('Events newest first, page 1.').waitFor();
    // 20 enrollments from the folder and 3 repeated from the ZIP file (each attempt is an event), and the header row
    await events.nth(PEOPLE + 3).waitFor();
    expect(await events.count()).toBe(PEOPLE + 3 + 1);
    // every event of the tenant: more than a page of 25
    await operator.getByLabel('Action').selectOption('');
    await operator.getByLabel('Outcome').selectOption('');
    await operator.getByRole('button', { name: 'Apply filters' }).click();
    await operator.getByRole('button', { name: 'Older events' }).click();
    await operator.getByText('Events newest first, page 2.').waitFor();
    await operator.getByRole('button', { name: 'Verify the chain' }).click();
    await operator.getByTestId('chain-result').filter({ hasText: /^Intact: \d+ events checked\.$/ }).waitFor();
    await check(operator, 'operator-audit');
  });

  it("the operator shares the agency's gallery with the operator's own tenant for missing persons", async () => {
    await operator.getByRole('link', { name: 'Sharing' }).click();
    await operator.getByRole('heading', { name: 'Sharing agreements', exact: true }).waitFor();
    await operator.getByLabel('Gallery', { exact: true }).selectOption({ label: `lake-pd: Bookings (${PEOPLE} templates)` });
    await operator.getByLabel('Shared with').selectOption('hub');
    await operator.getByLabel('missing person').check();
    await operator.getByLabel('Until').fill(inAYear());
    await operator.getByRole('button', { name: 'Share gallery' }).click();
    await operator.getByTestId('agreements').getByRole('row').filter({ hasText: 'in force' }).filter({ hasText: 'missing person' }).waitFor();
    await check(operator, 'operator-sharing');
  });
}, describeWithShared);

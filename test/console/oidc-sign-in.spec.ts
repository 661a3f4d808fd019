import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { mintToken } from '../../server/auth/hub-tokens';
import { Role } from '../../models/enums';
import { movableClock, startHub, type TestHub } from '../support/hub';
import { accessibilityProblems, describeInBrowser, launchConsoleBrowser, screenshot, watchPage } from '../support/browser';

// "Sign in with your agency": the console against a real OpenID Connect provider (npm oidc-provider,
// started here as a child process), a real hub and Debian's chromium. The agency's issuer is set
// through the real GraphQL API; the provider's login and consent pages are driven like a person would.
const ROOT = resolve(__dirname, '../..');
const CLIENT_ID = 'frhub-console';
const SUBJECT = 'badge-4411';
/** a person whose provider sign-in reports a second factor (amr pwd + otp) */
const WITH_OTP = 'badge-5522';

/** The agency's identity provider on a loopback port; resolves with its issuer once it listens. */
function startProvider(name: string, hub: string): Promise<{ issuer: string; child: ChildProcess }> {
  const config = { name, clientId: CLIENT_ID, redirectUri: `${hub}/console/oidc/callback`, postLogoutRedirectUri: `${hub}/sign-in`, accounts: { [SUBJECT]: { name: 'Dana Reyes' }, [WITH_OTP]: { name: 'Sam Ortiz', amr: ['pwd', 'otp'] } } };
  const child = spawn('node', [join(__dirname, 'oidc-provider.mjs'), JSON.stringify(config)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) ok({ issuer: JSON.parse(line).issuer, child });
    });
    child.stderr!.on('data', (d) => (out += d));
    child.on('exit', (code) => fail(new Error(`the OpenID provider exited ${code}: ${out}`)));
  });
}

describeInBrowser('console sign-in with an agency identity provider', () => {
  let t: TestHub;
  const clock = movableClock();
  let provider: { issuer: string; child: ChildProcess };
  let harbor: { issuer: string; child: ChildProcess } | undefined;
  let browser: Browser;
  let analystId: string;
  const problems: string[] = [];

  beforeAll(async () => {
    t = await startHub({}, { clock });
    // another site than the hub (localhost, not 127.0.0.1), as an agency's provider is
    provider = await startProvider('metro', t.url);
    const admin = await t.token('hub', Role.HUB_ADMIN);
    await t.createTenant('metro-pd', { name: 'Metro Police' });
    const created = await t.gql(admin, 'mutation($i: CreatePrincipalInput!) { createPrincipal(input: $i) { id } }', {
      i: { tenantSlug: 'metro-pd', name: 'Dana Reyes', role: 'AGENCY_ANALYST', certifiedUntil: '2099-01-01T00:00:00Z', externalSubject: SUBJECT },
    });
    expect(created.errors).toBeUndefined();
    analystId = created.data.createPrincipal.id;
    const set = await t.gql(admin, 'mutation($i: SetTenantIssuerInput!) { setTenantIssuer(input: $i) { issuer clientId subjectClaim } }', {
      i: { tenantSlug: 'metro-pd', issuer: provider.issuer, jwksUrl: `${provider.issuer}/jwks`, clientId: CLIENT_ID },
    });
    expect(set.data.setTenantIssuer).toEqual({ issuer: provider.issuer, clientId: CLIENT_ID, subjectClaim: 'sub' });
    browser = await launchConsoleBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    provider?.child.kill();
    harbor?.child.kill();
    await t?.close();
  });

  async function open(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext();
    // the provider's development pages import a web font: nothing leaves this machine
    await context.route(/^https:\/\//, (route) => route.abort());
    const page = await context.newPage();
    watchPage(page, problems, t.url);
    return { context, page };
  }

  async function check(page: Page, name: string) {
    await screenshot(page, name);
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(problems).toEqual([]);
  }

  /** From the console's sign-in page to the agency's provider, as far as its login form. */
  async function toProvider(page: Page, agency = 'metro-pd') {
    await page.goto(`${t.url}/sign-in`);
    await page.getByLabel('Agency').fill(agency);
    await page.getByRole('button', { name: 'Go to your agency’s sign-in' }).click();
  }

  /** The provider's login form, then its consent page. */
  async function loginAtProvider(page: Page, login: string, issuer = provider.issuer) {
    await page.waitForURL((u) => u.href.startsWith(issuer));
    await page.locator('input[name=login]').fill(login);
    await page.locator('input[name=password]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  // every cookie of the hub's, on any path
  const hubCookies = async (context: BrowserContext) => (await context.cookies()).filter((c) => c.domain === '127.0.0.1' && c.name.startsWith('frhub')).map((c) => c.name).sort();
  const alert = (page: Page, text: RegExp) => page.getByRole('alert').filter({ hasText: text }).waitFor();

  it('signs an analyst in through the agency’s provider (code + PKCE), with no token where page script can read it; sign out ends it', async () => {
    const { context, page } = await open();
    await page.goto(`${t.url}/sign-in`);
    await page.getByRole('heading', { name: 'Sign in with your agency', exact: true }).waitFor();
    await check(page, 'sign-in-agency');

    const authorize = page.waitForRequest((r) => r.url().startsWith(`${provider.issuer}/auth`));
    await toProvider(page);
    const sent = new URL((await authorize).url());
    expect(Object.fromEntries(['response_type', 'client_id', 'code_challenge_method', 'scope'].map((k) => [k, sent.searchParams.get(k)]))).toEqual({ response_type: 'code', client_id: CLIENT_ID, code_challenge_method: 'S256', scope: 'openid' });
    for (const k of ['state', 'nonce', 'code_challenge']) expect(sent.searchParams.get(k)).toMatch(/^[\w-]{43}$/);
    await page.waitForURL((u) => u.href.startsWith(provider.issuer));
    await screenshot(page, 'oidc-provider-login');
    await loginAtProvider(page, SUBJECT);

    await page.getByRole('heading', { name: 'New search', exact: true }).waitFor();
    expect(page.url()).toBe(`${t.url}/analyst`);
    expect(await page.locator('header .who').textContent()).toBe('Metro Police · AGENCY_ANALYST');
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'frhub_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    // the hub's own session length (8 hours), not the ID token's (an hour at this provider)
    const lasts = cookies.find((c) => c.name === 'frhub_session')!.expires - Date.now() / 1000;
    expect(lasts).toBeGreaterThan(8 * 3600 - 120);
    expect(lasts).toBeLessThanOrEqual(8 * 3600);
    // which provider opened the session, for signing out there; the sign-in's own cookie is gone
    expect(cookies.find((c) => c.name === 'frhub_idp')).toMatchObject({ value: 'metro-pd', httpOnly: true, sameSite: 'Strict', path: '/console/session' });
    expect(await hubCookies(context)).toEqual(['frhub_idp', 'frhub_session']);
    expect(await page.evaluate('localStorage.length + sessionStorage.length + document.cookie.length')).toBe(0);
    // the session speaks for the agency's principal the provider's subject maps to
    const me = await page.evaluate(() => fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ me { principalId role tenant { slug } } }' }) }).then((r) => r.json()));
    expect(me).toEqual({ data: { me: { principalId: analystId, role: 'AGENCY_ANALYST', tenant: { slug: 'metro-pd' } } } });
    await check(page, 'oidc-analyst');
    // the session's token was issued by the hub for that principal, and the issue is in the audit log
    const admin = await t.token('hub', Role.HUB_ADMIN);
    const events = (await t.gql(admin, '{ auditEvents(action: "TOKEN_ISSUED", first: 10) { nodes { principalId actorRole details } } }')).data.auditEvents.nodes;
    expect(events).toContainEqual({ principalId: analystId, actorRole: 'AGENCY_ANALYST', details: expect.objectContaining({ via: 'oidc', tenant: 'metro-pd', issuer: provider.issuer }) });

    // signing out ends the hub's session, then the provider's (its end_session_endpoint), back to sign-in
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => u.href.startsWith(`${provider.issuer}/session/end`));
    expect(await hubCookies(context)).toEqual([]);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the frhub console', exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await page.goto(`${t.url}/analyst`);
    await page.getByRole('heading', { name: 'Sign in to the frhub console', exact: true }).waitFor();
    // the provider asks for the login again
    await toProvider(page);
    await page.locator('input[name=login]').waitFor();
    await context.close();
  });

  /** A callback (code and state) of a sign-in this context starts, kept instead of followed: the provider already knows the person. */
  async function keptCallback(context: BrowserContext): Promise<string> {
    let res = await context.request.get(`${t.url}/console/oidc/start?tenant=metro-pd`, { maxRedirects: 0 });
    for (let hop = 0; hop < 6; hop++) {
      const next = new URL(res.headers().location, res.url());
      if (next.href.startsWith(`${t.url}/console/oidc/callback?`)) return next.href;
      res = await context.request.get(next.href, { maxRedirects: 0 });
    }
    throw new Error(`no callback after 6 redirects (at ${res.url()})`);
  }

  it('refuses a callback whose state was altered, one started in another browser (login CSRF), and the same callback twice', async () => {
    const attacker = await open();
    // the state altered on the way to the provider, which sends it back with a good code
    const started = await attacker.context.request.get(`${t.url}/console/oidc/start?tenant=metro-pd`, { maxRedirects: 0 });
    expect(started.status()).toBe(302);
    const authorize = new URL(started.headers().location);
    authorize.searchParams.set('state', 'x'.repeat(43));
    await attacker.page.goto(authorize.href);
    await loginAtProvider(attacker.page, SUBJECT);
    await alert(attacker.page, /does not match one started in this browser/);
    expect(new URL(attacker.page.url()).search).toBe('?error=FLOW_MISMATCH');
    expect(await hubCookies(attacker.context)).toEqual([]);

    // the attacker's own sign-in, its callback link opened in the victim's browser, which started none
    const callback = await keptCallback(attacker.context);
    const victim = await open();
    await victim.page.goto(callback);
    await alert(victim.page, /does not match one started in this browser/);
    expect(await hubCookies(victim.context)).toEqual([]);
    await check(victim.page, 'oidc-refused');
    await victim.context.close();

    // the same link in the browser that started it signs in (the code was good), once
    await attacker.page.goto(callback);
    await attacker.page.getByRole('heading', { name: 'New search', exact: true }).waitFor();
    await attacker.page.getByRole('button', { name: 'Sign out' }).click();
    await attacker.page.waitForURL((u) => u.href.startsWith(`${provider.issuer}/session/end`));
    await attacker.page.goto(callback);
    await alert(attacker.page, /does not match one started in this browser/);
    expect(await hubCookies(attacker.context)).toEqual([]);
    await attacker.context.close();
  });

  it('another agency’s provider: its person is not this agency’s principal, and its code answering this agency’s sign-in is refused', async () => {
    const admin = await t.token('hub', Role.HUB_ADMIN);
    harbor = await startProvider('harbor', t.url);
    await t.createTenant('harbor-pd', { name: 'Harbor Police' });
    const set = await t.gql(admin, 'mutation($i: SetTenantIssuerInput!) { setTenantIssuer(input: $i) { clientId } }', {
      i: { tenantSlug: 'harbor-pd', issuer: harbor.issuer, jwksUrl: `${harbor.issuer}/jwks`, clientId: CLIENT_ID },
    });
    expect(set.errors).toBeUndefined();
    const { context, page } = await open();
    // harbor's provider vouches for the same subject as metro's analyst: it speaks for harbor only
    await toProvider(page, 'harbor-pd');
    await loginAtProvider(page, SUBJECT, harbor.issuer);
    await alert(page, /no user of your agency on this hub has that identity/);
    expect(await hubCookies(context)).toEqual([]);

    // a mix-up: metro's sign-in (its state, nonce and PKCE challenge) sent to harbor's provider,
    // whose code then comes back to metro's callback
    const started = await context.request.get(`${t.url}/console/oidc/start?tenant=metro-pd`, { maxRedirects: 0 });
    const asMetro = new URL(started.headers().location);
    const atHarbor = new URL(`${harbor.issuer}/auth`);
    asMetro.searchParams.forEach((v, k) => atHarbor.searchParams.set(k, v));
    const back = page.waitForRequest((r) => r.url().startsWith(`${t.url}/console/oidc/callback?`));
    await page.goto(atHarbor.href);
    expect(new URL((await back).url()).searchParams.get('code')).toBeTruthy(); // harbor did issue a code
    await alert(page, /answered with an error, so you are not signed in/);
    expect(await hubCookies(context)).toEqual([]);
    await context.close();
  });

  it('says in words why no session opened: cancelled at the provider, a person the agency does not know, no such agency, provider down', async () => {
    const admin = await t.token('hub', Role.HUB_ADMIN);
    const { context, page } = await open();

    await toProvider(page);
    await page.waitForURL((u) => u.href.startsWith(provider.issuer));
    await page.getByRole('link', { name: '[ Cancel ]' }).click();
    await alert(page, /did not sign you in \(you cancelled, or it declined\)/);

    await toProvider(page);
    await loginAtProvider(page, 'stranger-9');
    await alert(page, /no user of your agency on this hub has that identity/);
    expect(await hubCookies(context)).toEqual([]);

    await toProvider(page, 'no-such-pd');
    await alert(page, /does not sign in with its own identity provider/);

    // an agency whose provider does not answer (a loopback port nothing listens on)
    await t.createTenant('dark-pd');
    const down = await t.gql(admin, 'mutation($i: SetTenantIssuerInput!) { setTenantIssuer(input: $i) { clientId } }', {
      i: { tenantSlug: 'dark-pd', issuer: 'http://127.0.0.1:9', jwksUrl: 'http://127.0.0.1:9/jwks', clientId: CLIENT_ID },
    });
    expect(down.errors).toBeUndefined();
    await toProvider(page, 'dark-pd');
    await alert(page, /could not be reached/);
    expect(await page.locator('body').textContent()).not.toMatch(/at \w+ \(|Error:/); // a message, not a stack
    await check(page, 'oidc-provider-down');
    await context.close();
  });

  it('refuses a disabled person, and, where the agency requires MFA, a sign-in whose ID token reports no second factor; every refusal audited', async () => {
    const admin = await t.token('hub', Role.HUB_ADMIN);
    const created = await t.gql(admin, 'mutation($i: CreatePrincipalInput!) { createPrincipal(input: $i) { id } }', {
      i: { tenantSlug: 'metro-pd', name: 'Sam Ortiz', role: 'AGENCY_ANALYST', certifiedUntil: '2099-01-01T00:00:00Z', externalSubject: WITH_OTP },
    });
    expect(created.errors).toBeUndefined();
    const policy = (requireMfa: boolean) => t.gql(admin, 'mutation($r: Boolean!) { setTenantPolicy(input: { tenantSlug: "metro-pd", requireMfa: $r }) { requireMfa } }', { r: requireMfa });
    expect((await policy(true)).data.setTenantPolicy.requireMfa).toBe(true);
    try {
      let { context, page } = await open();
      await toProvider(page);
      await loginAtProvider(page, SUBJECT);
      await alert(page, /requires multi-factor authentication/);
      expect(await hubCookies(context)).toEqual([]);
      await context.close();

      ({ context, page } = await open());
      await toProvider(page);
      await loginAtProvider(page, WITH_OTP);
      await page.getByRole('heading', { name: 'New search', exact: true }).waitFor();
      await context.close();
    } finally {
      await policy(false);
    }
    expect((await t.gql(admin, 'mutation($id: ID!) { disablePrincipal(id: $id) { id } }', { id: analystId })).errors).toBeUndefined();
    try {
      const { context, page } = await open();
      await toProvider(page);
      await loginAtProvider(page, SUBJECT);
      await alert(page, /account is disabled/);
      expect(await hubCookies(context)).toEqual([]);
      await context.close();
    } finally {
      await t.gql(admin, 'mutation($id: ID!) { enablePrincipal(id: $id) { id } }', { id: analystId });
    }
    const refused = (await t.gql(admin, '{ auditEvents(action: "SIGN_IN", outcome: DENIED, first: 20) { nodes { principalId reason } } }')).data.auditEvents.nodes;
    expect(refused).toContainEqual({ principalId: analystId, reason: 'MFA_REQUIRED' });
    expect(refused).toContainEqual({ principalId: analystId, reason: 'PRINCIPAL_DISABLED' });
  });

  it('an expired session returns to sign-in with a message', async () => {
    const short = await mintToken(t.hub.keys, { tenant: 'metro-pd', principalId: analystId, ttlSeconds: 60 });
    const { context, page } = await open();
    await page.goto(`${t.url}/sign-in`);
    await page.getByLabel('Hub token').fill(short);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'New search', exact: true }).waitFor();
    // past its expiry on the hub's clock, without waiting for it
    clock.advance(61_000);
    await page.getByRole('link', { name: 'GraphQL' }).click();
    await page.getByRole('link', { name: 'New search' }).click();
    await alert(page, /Your session has ended/);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await context.close();
  });
  it('the operator\'s identity-provider form shows the client id, and saving it unchanged keeps it (the agency\'s sign-in keeps working)', async () => {
    const { context, page } = await open();
    await page.goto(`${t.url}/sign-in#token=${await t.token('hub', Role.HUB_ADMIN)}`);
    await page.waitForURL(`${t.url}/operator`);
    await page.goto(`${t.url}/operator?tenant=metro-pd`);
    await page.getByRole('heading', { name: 'Identity provider', exact: true }).waitFor();
    expect(await page.getByTestId('issuer-client-id').textContent()).toBe(CLIENT_ID);
    const field = page.getByLabel("Client id of the hub's console at this provider (optional)");
    // the form fills in once the identity provider has loaded
    await page.waitForFunction(`document.getElementById('issuer-client')?.value === ${JSON.stringify(CLIENT_ID)}`);
    expect(await field.inputValue()).toBe(CLIENT_ID);
    expect(await page.getByLabel('Issuer (iss)').inputValue()).toBe(provider.issuer);
    await page.getByRole('button', { name: 'Save identity provider' }).click();
    await page.getByText(`metro-pd now trusts ${provider.issuer}; its people can sign in to the console with it.`).waitFor();
    const admin = await t.token('hub', Role.HUB_ADMIN);
    expect((await t.gql(admin, '{ tenantIssuer(tenantSlug: "metro-pd") { issuer clientId } }')).data.tenantIssuer).toEqual({ issuer: provider.issuer, clientId: CLIENT_ID });
    await check(page, 'operator-issuer-form');
    await context.close();
  });
});

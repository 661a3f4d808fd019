import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { describeInBrowser, launchConsoleBrowser, screenshot } from '../support/browser';
import { hubWorkspace, spawnHub, type HubProcess, type HubWorkspace } from '../support/process';
import { until } from '../support/until';
import { Role } from '../../models/enums';

// The operator's manual's (docs/operations.md) `npm run demo:idp` as a new user runs it beside `frhub serve`: one command, then a
// certified analyst signs in to the console through the identity provider, in Chromium.
const ROOT = resolve(__dirname, '../..');
/** What Ctrl-C in a terminal does: SIGINT to the whole foreground process group. */
const ctrlC = (child: ChildProcess) => {
  try {
    process.kill(-child.pid!, 'SIGINT');
  } catch {
    // the group is gone already
  }
};

describeInBrowser('npm run demo:idp', () => {
  let ws: HubWorkspace;
  let hub: HubProcess;
  let demo: ChildProcess;
  let out = '';
  let issuer = '';
  let browser: Browser;

  beforeAll(async () => {
    ws = await hubWorkspace();
    hub = await spawnHub(ws);
    browser = await launchConsoleBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    // Ctrl-C as a user stops it: the provider goes with it, nothing is left running
    if (demo && demo.exitCode === null) ctrlC(demo);
    hub?.child.kill('SIGTERM');
    await hub?.exited;
    await ws.drop();
  });

  it('starts the provider, sets up the demo agency, and its certified analyst signs in to the console', async () => {
    // in a process group of its own, as a terminal runs it: Ctrl-C reaches npm, the script and the provider
    demo = spawn('npm', ['run', '--silent', 'demo:idp'], { cwd: ROOT, detached: true, env: { ...process.env, FRHUB_URL: hub.url, FRHUB_DATA_DIR: ws.dataDir, DATABASE_URL: ws.databaseUrl ?? '', DEMO_IDP_PORT: '0' } });
    demo.stdout!.on('data', (d) => (out += d));
    demo.stderr!.on('data', (d) => (out += d));
    await until('the demo says it is ready', async () => out, (o) => /demo identity provider ready: http:\/\/localhost:\d+/.test(o), { deadlineMs: 90_000, everyMs: 200, show: (o) => o.slice(-300) });
    expect(out).toMatch(/demo-analyst {5}Dana Reyes, AGENCY_ANALYST \(certified until \d{4}-\d{2}-\d{2}\)/);
    issuer = /ready: (\S+),/.exec(out)![1];

    const context = await browser.newContext();
    // the provider's development pages import a web font: nothing leaves this machine
    await context.route(/^https:\/\//, (route) => route.abort());
    const page = await context.newPage();
    await page.goto(`${hub.url}/sign-in`);
    await page.getByLabel('Agency').fill('demo-pd');
    await page.getByRole('button', { name: 'Go to your agency’s sign-in' }).click();
    await page.waitForURL((u) => u.href.startsWith(issuer));
    await page.locator('input[name=login]').fill('demo-analyst');
    await page.locator('input[name=password]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'New search', exact: true }).waitFor();
    const me = await page.evaluate(() => fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ me { role principalId tenant { slug } } }' }) }).then((r) => r.json() as Promise<{ data: { me: { role: string; principalId: string } } }>));
    expect(me.data.me).toMatchObject({ role: 'AGENCY_ANALYST', tenant: { slug: 'demo-pd' } });
    // a certified analyst: the person the provider signed in, certified for a year
    const admin = await hub.token('hub', Role.HUB_ADMIN);
    const people = (await hub.gql(admin, '{ principals(tenantSlug: "demo-pd") { id role certifiedUntil externalSubject } }')).data.principals;
    const analyst = people.find((p: { id: string }) => p.id === me.data.me.principalId);
    expect(analyst).toMatchObject({ role: 'AGENCY_ANALYST', externalSubject: 'demo-analyst' });
    expect(Date.parse(analyst.certifiedUntil)).toBeGreaterThan(Date.now() + 300 * 24 * 3600_000);
    await screenshot(page, 'demo-idp-analyst');
    await context.close();
  });

  it('stops on Ctrl-C, and its provider with it', async () => {
    const exited = new Promise<number | null>((r) => demo.once('exit', (code) => r(code)));
    ctrlC(demo);
    await exited;
    await until('the provider stops answering', () => fetch(`${issuer}/.well-known/openid-configuration`).then(() => 'up', () => 'down'), (s) => s === 'down', { deadlineMs: 15_000, everyMs: 200 });
  });
});

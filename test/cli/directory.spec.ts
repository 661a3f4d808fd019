import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Role } from '../../models/enums';
import { frhubAt, hubWorkspace, spawnHub, type HubProcess, type HubWorkspace } from '../support/process';

// The CLI a new operator runs day to day, against a real `frhub serve`: tokens only for tenants and
// principals that exist, tenants / principals / galleries through the hub's API, serve's port.

const ROOT = resolve(__dirname, '../..');
const PG = process.env.DATABASE_URL || undefined;
const ledgerOf = (dataDir: string) => join(dataDir, 'keys', 'issued-tokens.jsonl');
const ledger = (dataDir: string) => (existsSync(ledgerOf(dataDir)) ? readFileSync(ledgerOf(dataDir), 'utf8') : '');

describe('frhub without a hub', () => {
  let dataDir: string;
  const env = () => ({ FRHUB_DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' });
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'frhub-cli-dir-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('`frhub token` before the first start mints nothing: exit 1, no token, nothing in the ledger, and says how to start', async () => {
    const r = await frhubAt(['token', '--tenant', 'hub', '--role', 'HUB_ADMIN'], env(), 30_000);
    expect(r).toMatchObject({ code: 1, stdout: '', timedOut: false });
    expect(r.stderr).toMatch(/^frhub token: no tenant 'hub': the hub has no database in .* yet; start it once with `npx frhub serve`/);
    expect(ledger(dataDir)).toBe('');
  });

  it('`frhub audit` alone prints the group\'s usage (exit 64); `frhub help` has examples; `serve --port x` is a usage error', async () => {
    const audit = await frhubAt(['audit'], env(), 30_000);
    expect(audit).toMatchObject({ code: 64, stdout: '' });
    expect(audit.stderr).toMatch(/^usage: frhub audit <sub-command> \[options\]\n\n {2}audit verify\n/);
    expect(audit.stderr).not.toMatch(/unknown sub-command/);
    const help = await frhubAt(['help'], env(), 30_000);
    expect(help.stdout).toMatch(/\nexamples:\n {4}npx frhub serve --port 4000\n/);
    expect(await frhubAt(['serve', '--port', 'x'], env(), 30_000)).toMatchObject({ code: 64, stdout: '', stderr: expect.stringMatching(/^frhub serve: --port must be a port number/) });
    expect(readdirSync(dataDir)).toEqual([]);
  });
});

describe(`frhub beside a running hub (${PG ? 'PostgreSQL' : 'embedded'})`, () => {
  let ws: HubWorkspace;
  let hub: HubProcess;
  const env = () => ({ FRHUB_DATA_DIR: ws.dataDir, DATABASE_URL: ws.databaseUrl ?? '', FRHUB_MODEL_DIR: join(ROOT, 'data/models'), FRHUB_INFERENCE_PROVIDER: 'cpu', FRHUB_PURGE_INTERVAL_MINUTES: '0', LOG_LEVEL: 'warn' });
  const cli = async (...args: string[]) => {
    const r = await frhubAt(args, env(), 120_000);
    expect({ args, code: r.code, stderr: r.stderr.replace(/^frhub: the hub on .* going through its API\n/, '') }).toEqual({ args, code: 0, stderr: '' });
    return r.stdout;
  };

  beforeAll(async () => {
    ws = await hubWorkspace();
    hub = await spawnHub(ws);
  });
  afterAll(async () => {
    hub?.child.kill('SIGTERM');
    await hub?.exited;
    await ws.drop();
  });

  it('`frhub token` for a tenant or principal that does not exist exits non-zero and mints nothing: no token, no ledger line, no audit event', async () => {
    const before = ledger(ws.dataDir);
    const refusals = [
      [['--tenant', 'nosuch-pd', '--role', 'AGENCY_ADMIN'], /^frhub token: no tenant 'nosuch-pd'/],
      [['--tenant', 'hub', '--subject', '00000000-0000-4000-8000-000000000001'], /^frhub token: no principal '00000000-0000-4000-8000-000000000001' in tenant 'hub'/],
      [['--tenant', 'hub', '--subject', 'not-an-id', '--console'], /^frhub token: no principal 'not-an-id' in tenant 'hub'/],
    ] as const;
    for (const [args, message] of refusals) {
      const r = await frhubAt(['token', ...args], env(), 60_000);
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 1, stdout: '' });
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(ledger(ws.dataDir)).toBe(before);
    const admin = await hub.token('hub', Role.HUB_ADMIN);
    // the hub audits the ledger at start and each minute: nothing of it may name the tenant that does not exist
    const events = await hub.gql(admin, `{ auditEvents(first: 200) { nodes { action details } } }`);
    expect(events.errors).toBeUndefined();
    expect(JSON.stringify(events.data.auditEvents.nodes)).not.toMatch(/nosuch-pd|00000000-0000-4000-8000-000000000001|not-an-id/);
    // and one that exists still gets its token, recorded in the ledger
    const ok = await cli('token', '--tenant', 'hub', '--role', 'HUB_ADMIN', '--ttl', '600');
    expect(ok.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(ledger(ws.dataDir).length).toBeGreaterThan(before.length);
  });

  it('sets up an agency from the CLI: tenants, principals and galleries created and listed through the API, a token for the new analyst that searches', async () => {
    const tenantId = (await cli('tenants', 'create', '--slug', 'cli-pd', '--name', 'CLI Police Department', '--monthly-quota', '25')).trim();
    expect(tenantId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await cli('tenants', 'list')).toMatch(new RegExp(`\\ncli-pd\\tACTIVE\\tCLI Police Department\\t${tenantId}\\n`));
    const analystId = (await cli('principals', 'create', '--tenant', 'cli-pd', '--name', 'Dana Reyes', '--role', 'AGENCY_ANALYST', '--certified-until', '2099-12-31')).trim();
    expect(await cli('principals', 'list', '--tenant', 'cli-pd')).toBe(`role\tcertified until\tname\tid\nAGENCY_ANALYST\t2099-12-31\tDana Reyes\t${analystId}\n`);
    const galleryId = (await cli('galleries', 'create', '--tenant', 'cli-pd', '--name', 'Bookings')).trim();
    expect(await cli('galleries', 'list', '--tenant', 'cli-pd')).toBe(`owner\ttemplates\tname\tid\nown\t0\tBookings\t${galleryId}\n`);
    // the hub's own refusal, in one line with its code
    const dup = await frhubAt(['galleries', 'create', '--tenant', 'cli-pd', '--name', 'Bookings'], env(), 120_000);
    expect(dup).toMatchObject({ code: 1, stdout: '' });
    expect(dup.stderr).toMatch(/frhub galleries create: CONFLICT: Your agency already has a gallery named 'Bookings'\.\n$/);
    const noTenant = await frhubAt(['galleries', 'list', '--tenant', 'nosuch-pd'], env(), 120_000);
    expect(noTenant).toMatchObject({ code: 1, stdout: '' });
    expect(noTenant.stderr).toMatch(/no tenant 'nosuch-pd'/);
    expect(ledger(ws.dataDir)).not.toMatch(/nosuch-pd/);
    // the analyst's token speaks for that person: the hub reads the role from the database
    const token = (await cli('token', '--tenant', 'cli-pd', '--subject', analystId)).trim();
    const me = await hub.gql(token, `{ me { role tenant { slug } } }`);
    expect(me.data).toEqual({ me: { role: 'AGENCY_ANALYST', tenant: { slug: 'cli-pd' } } });
  });

  it('`serve --port` on a taken port says so before the start-up and exits 75, without a stack, touching nothing', async () => {
    const other = mkdtempSync(join(tmpdir(), 'frhub-cli-port-'));
    try {
      const port = new URL(hub.url).port;
      // PORT=0 would start: the refusal shows --port is what it binds
      const r = await frhubAt(['serve', '--port', port, '--host', '127.0.0.1'], { ...env(), FRHUB_DATA_DIR: other, DATABASE_URL: '', PORT: '0' }, 60_000);
      expect(r).toMatchObject({ code: 75, stdout: '', timedOut: false });
      expect(r.stderr).toBe(`frhub serve: port ${port} on 127.0.0.1 is taken (another hub, or another program, listens there): stop it, or start on another port with --port <N> (or PORT=<N>)\n`);
      expect(readdirSync(other)).toEqual([]);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('logs where the console is; /graphql opened in a browser goes to the console\'s query page, never Apollo\'s landing page', async () => {
    expect(hub.output()).toMatch(/frhub listening on http:\/\/127\.0\.0\.1:\d+\/graphql, the console on http:\/\/127\.0\.0\.1:\d+\/ /);
    const browser = await fetch(`${hub.url}/graphql`, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }, redirect: 'manual' });
    expect(browser.status).toBe(302);
    expect(browser.headers.get('location')).toBe('/graphiql');
    expect(await browser.text()).not.toMatch(/apollographql\.com|embeddable-sandbox|apollo-server-landing-page/);
    // a client's GET query still runs (with the header Apollo's CSRF check asks of a GET)
    const get = await fetch(`${hub.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': 'true', accept: 'application/json' } });
    expect(await get.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

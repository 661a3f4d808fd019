import { createServer, request, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { Role } from '../../models/enums';
import { generateStoredKey, mintToken, writeKeySetFile } from '../../server/auth/hub-tokens';
import { loadConfig } from '../../server/config';
import { createHub, type Hub } from '../../server/composition/create-hub';
import { hubClient } from '../support/client';
import { movableClock, startHub, type TestHub } from '../support/hub';

// Sessions and tokens that end, tried as an attacker (or a departed officer) would, over real HTTP:
// a signed-out token, a revoked or disabled principal's token, an idle or too-old console session, a
// link that would silently swap the browser's identity (login CSRF), sign-ins without the agency's
// second factor or without the system-use notice acknowledged. Every refusal is in the audit chain
// with its reason and never the token.
const jose = require('jose') as typeof import('jose');
const NOTICE = 'This is a criminal justice information system.\n\nUse is monitored and audited.';
const ME = '{ me { role principalId tenant { slug } } }';
const MINUTE = 60_000;

type Answer = { data?: any; errors?: { message: string; extensions: { code: string } }[] };
const codeOf = (r: Answer) => r.errors?.[0]?.extensions.code ?? 'ok';

/** One HTTP call to the console's session endpoint (node:http: a test may name the Host). */
function session(url: string, method: 'GET' | 'POST' | 'DELETE', o: { body?: unknown; cookie?: string; host?: string; path?: string } = {}): Promise<{ status: number; body: any; setCookie: string[] }> {
  return new Promise((done, fail) => {
    const body = o.body === undefined ? undefined : JSON.stringify(o.body);
    const headers: Record<string, string | number> = { ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}), ...(o.cookie ? { cookie: o.cookie } : {}), ...(o.host ? { host: o.host } : {}) };
    const req = request(`${url}${o.path ?? '/console/session'}`, { method, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => done({ status: res.statusCode!, body: /json/.test(String(res.headers['content-type'])) ? JSON.parse(text) : text, setCookie: [res.headers['set-cookie'] ?? []].flat() }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

/** The session cookie a sign-in set (`name=value`), for the next request. */
const cookieOf = (setCookie: string[], name = 'frhub_session') => setCookie.find((c) => c.startsWith(`${name}=`))?.split(';')[0];

describe('sessions and tokens that end', () => {
  let t: TestHub;
  let hubAdmin: string;
  let keysDir: string;
  const clock = movableClock();

  const signIn = (token: string, extra: Record<string, unknown> = {}, cookie?: string) => session(t.url, 'POST', { body: { token, acknowledged: true, ...extra }, cookie });
  const meByCookie = async (cookie: string): Promise<Answer> =>
    (await fetch(`${t.url}/graphql`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ query: ME }) })).json() as Promise<Answer>;
  /** Every audit event of an action (the chain, read by the operator's HUB_ADMIN). */
  async function events(action: string): Promise<{ tenantId: string | null; principalId: string | null; outcome: string; reason: string | null; details: Record<string, unknown> }[]> {
    const all = [];
    let after: string | null = null;
    for (;;) {
      const r: Answer = await t.gql(hubAdmin, `query($a: String, $after: String) { auditEvents(first: 100, action: $a, after: $after) { nodes { tenantId principalId outcome reason details } pageInfo { endCursor hasNextPage } } }`, { a: action, after });
      if (r.errors) throw new Error(JSON.stringify(r.errors));
      all.push(...r.data.auditEvents.nodes);
      // the chain reads newest first: oldest first here
      if (!r.data.auditEvents.pageInfo.hasNextPage) return all.reverse();
      after = r.data.auditEvents.pageInfo.endCursor;
    }
  }
  const setPolicy = (slug: string, fields: Record<string, unknown>) => t.gql(hubAdmin, `mutation($i: SetTenantPolicyInput!) { setTenantPolicy(input: $i) { requireMfa sessionIdleMinutes sessionLifetimeHours } }`, { i: { tenantSlug: slug, ...fields } });

  beforeAll(async () => {
    keysDir = mkdtempSync(join(tmpdir(), 'frhub-keys-'));
    writeKeySetFile(join(keysDir, 'keys.json'), [await generateStoredKey()]);
    t = await startHub({ FRHUB_SYSTEM_USE_NOTICE: NOTICE, FRHUB_SIGNING_KEYS_FILE: join(keysDir, 'keys.json') }, { clock });
    hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    for (const slug of ['metro-pd', 'river-pd']) await t.createTenant(slug);
  });
  afterAll(async () => {
    await t?.close();
    rmSync(keysDir, { recursive: true, force: true });
  });

  it('signing out ends the token: it no longer answers by cookie or as a bearer token', async () => {
    const analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST);
    const opened = await signIn(analyst.token);
    expect(opened.status).toBe(200);
    const cookie = cookieOf(opened.setCookie)!;
    expect(codeOf(await meByCookie(cookie))).toBe('ok');
    const out = await session(t.url, 'DELETE', { cookie });
    expect(out.status).toBe(204);
    expect(codeOf(await meByCookie(cookie))).toBe('UNAUTHENTICATED');
    const bearer = await t.gql(analyst.token, ME);
    expect(codeOf(bearer)).toBe('UNAUTHENTICATED');
    expect(bearer.errors![0].message).toMatch(/signed out/);
    // nor can it open a new session
    expect((await signIn(analyst.token)).status).toBe(401);
    expect((await events('SIGN_OUT')).filter((e) => e.principalId === analyst.id && e.reason === 'SIGNED_OUT')).toHaveLength(1);
    expect((await events('SIGN_IN')).filter((e) => e.principalId === analyst.id && e.reason === 'SESSION_ENDED').length).toBeGreaterThanOrEqual(1);
  });

  it('revokeTokens ends every token a principal held, at once; new ones work; only its administrators may', async () => {
    const analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST);
    const cookie = cookieOf((await signIn(analyst.token)).setCookie)!;
    const admin = await t.principal('metro-pd', Role.AGENCY_ADMIN);
    const strangerAdmin = await t.principal('river-pd', Role.AGENCY_ADMIN);
    const colleague = await t.principal('metro-pd', Role.AGENCY_SUPERVISOR);
    const REVOKE = `mutation($id: ID!) { revokeTokens(principalId: $id) { id tokensValidAfter } }`;
    expect(codeOf(await t.gql(strangerAdmin.token, REVOKE, { id: analyst.id }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(colleague.token, REVOKE, { id: analyst.id }))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(analyst.token, ME))).toBe('ok');
    const r = await t.gql(admin.token, REVOKE, { id: analyst.id });
    expect(r.data.revokeTokens.tokensValidAfter).toBeTruthy();
    expect(codeOf(await t.gql(analyst.token, ME))).toBe('UNAUTHENTICATED');
    expect(codeOf(await meByCookie(cookie))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.gql(await t.token('metro-pd', undefined, analyst.id), ME))).toBe('ok');
    const audited = await events('TOKENS_REVOKED');
    expect(audited.filter((e) => e.details.principalId === analyst.id).map((e) => e.outcome).sort()).toEqual(['ALLOWED', 'DENIED', 'DENIED']);
    expect((await events('SIGN_IN')).some((e) => e.principalId === analyst.id && e.outcome === 'DENIED' && e.reason === 'TOKEN_REVOKED')).toBe(true);
  });

  it('a disabled principal cannot sign in or use any token, old or new; enabled again, only new tokens work', async () => {
    const analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST);
    const admin = await t.principal('metro-pd', Role.AGENCY_ADMIN);
    expect(codeOf(await t.gql(admin.token, `mutation($id: ID!) { disablePrincipal(id: $id) { id } }`, { id: admin.id }))).toBe('BAD_USER_INPUT');
    const d = await t.gql(admin.token, `mutation($id: ID!) { disablePrincipal(id: $id) { disabledAt } }`, { id: analyst.id });
    expect(d.data.disablePrincipal.disabledAt).toBeTruthy();
    const fresh = await t.token('metro-pd', undefined, analyst.id);
    for (const token of [analyst.token, fresh]) expect(codeOf(await t.gql(token, ME))).toBe('UNAUTHENTICATED');
    const refused = await signIn(fresh);
    expect(refused.status).toBe(401);
    expect(refused.body.errors[0].message).toMatch(/disabled/);
    expect(refused.setCookie).toEqual([]);
    // the operator's HUB_ADMIN may enable it again
    expect(codeOf(await t.gql(hubAdmin, `mutation($id: ID!) { enablePrincipal(id: $id) { disabledAt } }`, { id: analyst.id }))).toBe('ok');
    expect(codeOf(await t.gql(analyst.token, ME))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.gql(await t.token('metro-pd', undefined, analyst.id), ME))).toBe('ok');
    expect((await events('PRINCIPAL_DISABLED')).filter((e) => e.details.principalId === analyst.id && e.outcome === 'ALLOWED')).toHaveLength(1);
    expect((await events('PRINCIPAL_ENABLED')).filter((e) => e.details.principalId === analyst.id && e.outcome === 'ALLOWED')).toHaveLength(1);
    expect((await events('SIGN_IN')).filter((e) => e.principalId === analyst.id && e.reason === 'PRINCIPAL_DISABLED').length).toBeGreaterThanOrEqual(3);
  });

  it('locks a console session after the tenant’s idle time (default 30 minutes, never more), and ends it after its lifetime however active', async () => {
    expect(codeOf(await setPolicy('river-pd', { sessionIdleMinutes: 31 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await setPolicy('river-pd', { sessionLifetimeHours: 25 }))).toBe('BAD_USER_INPUT');
    expect((await t.gql(hubAdmin, `{ tenantPolicy(tenantSlug: "metro-pd") { sessionIdleMinutes sessionLifetimeHours requireMfa } }`)).data.tenantPolicy).toEqual({ sessionIdleMinutes: 30, sessionLifetimeHours: 8, requireMfa: false });

    const analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST);
    const cookie = cookieOf((await signIn(analyst.token)).setCookie)!;
    clock.advance(29 * MINUTE);
    expect(codeOf(await meByCookie(cookie))).toBe('ok');
    clock.advance(30 * MINUTE + 1000);
    const idle = await meByCookie(cookie);
    expect(codeOf(idle)).toBe('UNAUTHENTICATED');
    expect(idle.errors![0].message).toMatch(/without activity/);
    // locked for good: the same token as a bearer too
    expect(codeOf(await t.gql(analyst.token, ME))).toBe('UNAUTHENTICATED');

    expect(codeOf(await setPolicy('river-pd', { sessionIdleMinutes: 5, sessionLifetimeHours: 1 }))).toBe('ok');
    const river = await t.principal('river-pd', Role.AGENCY_ANALYST);
    const riverCookie = cookieOf((await signIn(river.token)).setCookie)!;
    clock.advance(6 * MINUTE);
    expect(codeOf(await meByCookie(riverCookie))).toBe('UNAUTHENTICATED');

    const busy = await t.principal('river-pd', Role.AGENCY_SUPERVISOR);
    const busyCookie = cookieOf((await signIn(busy.token)).setCookie)!;
    for (let i = 0; i < 14; i++) {
      clock.advance(4 * MINUTE);
      expect([i, codeOf(await meByCookie(busyCookie))]).toEqual([i, 'ok']);
    }
    clock.advance(4 * MINUTE);
    const old = await meByCookie(busyCookie);
    expect(old.errors![0].message).toMatch(/longest allowed length/);
    // a later sign-in of the agency forgets rows whose token no longer verifies, never this one's
    expect((await signIn((await t.principal('river-pd', Role.AGENCY_ANALYST)).token)).status).toBe(200);
    expect(codeOf(await t.gql(busy.token, ME))).toBe('UNAUTHENTICATED');
    const reasons = (await events('SIGN_OUT')).filter((e) => [analyst.id, river.id, busy.id].includes(e.principalId!)).map((e) => e.reason).sort();
    expect(reasons).toEqual(['SESSION_EXPIRED', 'SESSION_IDLE', 'SESSION_IDLE']);
  });

  it('a sign-in link for another identity never silently replaces the open session (login CSRF): the hub asks, and replaces only when told', async () => {
    const mine = await t.principal('metro-pd', Role.AGENCY_ANALYST, { name: 'Dana Reyes' });
    const theirs = await t.principal('river-pd', Role.AGENCY_ANALYST, { name: 'Mallory' });
    const cookie = cookieOf((await signIn(mine.token)).setCookie)!;
    const asked = await signIn(theirs.token, {}, cookie);
    expect(asked.status).toBe(409);
    expect(asked.setCookie).toEqual([]);
    expect(asked.body.signedIn).toMatchObject({ tenant: 'metro-pd', name: 'Dana Reyes', role: 'AGENCY_ANALYST' });
    expect(asked.body.offered).toMatchObject({ tenant: 'river-pd', name: 'Mallory', role: 'AGENCY_ANALYST' });
    expect((await meByCookie(cookie)).data.me.principalId).toBe(mine.id);
    // the same person's other token is no other identity: no question
    const again = await signIn(await t.token('metro-pd', undefined, mine.id), {}, cookie);
    expect(again.status).toBe(200);
    const mine2 = cookieOf(again.setCookie)!;
    const replaced = await signIn(theirs.token, { replace: true }, mine2);
    expect(replaced.status).toBe(200);
    expect((await meByCookie(cookieOf(replaced.setCookie)!)).data.me.principalId).toBe(theirs.id);
    // the replaced session ended with it
    expect(codeOf(await meByCookie(mine2))).toBe('UNAUTHENTICATED');
    expect((await events('SIGN_OUT')).filter((e) => e.principalId === mine.id).map((e) => e.reason)).toEqual(['REPLACED', 'REPLACED']);
  });

  it('an agency sign-in held for the page is taken the same way: asked first, never silently', async () => {
    const mine = await t.principal('metro-pd', Role.AGENCY_SUPERVISOR);
    const theirs = await t.principal('river-pd', Role.AGENCY_SUPERVISOR);
    const cookie = cookieOf((await signIn(mine.token)).setCookie)!;
    const held = `frhub_pending=${theirs.token}`;
    const asked = await session(t.url, 'POST', { body: { pending: true }, cookie: `${cookie}; ${held}` });
    expect(asked.status).toBe(409);
    expect(asked.body.offered.tenant).toBe('river-pd');
    expect((await session(t.url, 'POST', { body: { pending: true, replace: true }, cookie: `${cookie}; ${held}` })).status).toBe(200);
    expect((await session(t.url, 'POST', { body: { pending: true } })).status).toBe(400);
  });

  it('names the session cookie __Host- when it is Secure', async () => {
    const token = await t.token('hub', Role.HUB_ADMIN);
    const secure = await session(t.url, 'POST', { body: { token, acknowledged: true }, host: 'frhub.county.example' });
    expect(secure.setCookie.find((c) => c.includes('frhub_session'))).toMatch(/^__Host-frhub_session=[^;]+; Max-Age=\d+; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Strict$/);
    const cookie = cookieOf(secure.setCookie, '__Host-frhub_session')!;
    // read back under that name only where it is Secure
    const me = await new Promise<Answer>((done, fail) => {
      const body = JSON.stringify({ query: ME });
      const req = request(`${t.url}/graphql`, { method: 'POST', headers: { host: 'frhub.county.example', cookie, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => done(JSON.parse(text)));
      });
      req.on('error', fail);
      req.end(body);
    });
    expect(me.data.me.role).toBe('HUB_ADMIN');
    const local = await session(t.url, 'POST', { body: { token: await t.token('hub', Role.HUB_ADMIN), acknowledged: true } });
    expect(local.setCookie.find((c) => c.includes('frhub_session'))).toMatch(/^frhub_session=/);
  });

  it('shows the system-use notice and signs no one in who has not acknowledged it', async () => {
    expect((await session(t.url, 'GET')).body).toEqual({ notice: NOTICE });
    const token = await t.token('metro-pd', Role.AGENCY_ADMIN);
    const refused = await session(t.url, 'POST', { body: { token } });
    expect(refused.status).toBe(400);
    expect(refused.setCookie).toEqual([]);
    const agency = await session(t.url, 'GET', { path: '/console/oidc/start?tenant=metro-pd' });
    expect(agency.status).toBe(303);
    expect(agency.body).toMatch(/sign-in\?error=NOTICE_NOT_ACKNOWLEDGED/);
    expect((await events('SIGN_IN')).filter((e) => e.reason === 'NOTICE_NOT_ACKNOWLEDGED').length).toBe(2);
    expect((await session(t.url, 'POST', { body: { token, acknowledged: true } })).status).toBe(200);
  });

  it('audits failed sign-ins with the reason, never the token', async () => {
    const expired = await mintToken(t.hub.keys, { tenant: 'metro-pd', role: Role.AGENCY_ADMIN, ttlSeconds: -60 });
    const { privateKey } = await jose.generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = await mintToken({ privateKey }, { tenant: 'hub', role: Role.HUB_ADMIN });
    const before = (await events('SIGN_IN')).length;
    for (const token of [expired, forged]) expect((await signIn(token)).status).toBe(401);
    const after = (await events('SIGN_IN')).slice(before);
    expect(after.map((e) => [e.outcome, e.reason])).toEqual([['DENIED', 'TOKEN_EXPIRED'], ['DENIED', 'TOKEN_INVALID']]);
    const chain = JSON.stringify([...(await events('SIGN_IN')), ...(await events('SIGN_OUT'))]);
    for (const token of [expired, forged]) for (const part of token.split('.').slice(1)) expect(chain).not.toContain(part);
  });

  it('refuses a hub token once the hub’s clock passes its expiry, without waiting for it', async () => {
    const analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST);
    const minute = await mintToken(t.hub.keys, { tenant: 'metro-pd', principalId: analyst.id, ttlSeconds: 60 });
    expect(codeOf(await t.gql(minute, ME))).toBe('ok');
    const expiredBefore = (await events('SIGN_IN')).filter((e) => e.reason === 'TOKEN_EXPIRED').length;
    clock.advance(61_000);
    const late = await t.gql(minute, ME);
    expect(codeOf(late)).toBe('UNAUTHENTICATED');
    expect(late.errors![0].message).toMatch(/the token has expired/);
    // the console's sign-in refuses it too, and audits why
    expect((await signIn(minute)).status).toBe(401);
    expect((await events('SIGN_IN')).filter((e) => e.reason === 'TOKEN_EXPIRED').length).toBe(expiredBefore + 1);
    // a token minted now, on the same clock, is good for its whole life
    expect(codeOf(await t.gql(await t.token('metro-pd', undefined, analyst.id), ME))).toBe('ok');
  });

  describe('requireMfa: the agency’s identity provider must assert a second factor', () => {
    const ISSUER = 'https://idp.mfa.example';
    let idp: Server;
    let key: Parameters<InstanceType<typeof jose.SignJWT>["sign"]>[0];
    // the provider and the hub share one time: the test's clock
    const idpToken = (claims: Record<string, unknown>) =>
      new jose.SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'mfa-1' }).setIssuer(ISSUER).setAudience('frhub').setIssuedAt(clock.now()).setExpirationTime(new Date(clock.now().getTime() + 10 * MINUTE)).sign(key);

    beforeAll(async () => {
      const pair = await jose.generateKeyPair('ES256');
      key = pair.privateKey;
      const jwk = { ...(await jose.exportJWK(pair.publicKey)), kid: 'mfa-1', alg: 'ES256', use: 'sig' };
      idp = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
      await new Promise<void>((r) => idp.listen(0, '127.0.0.1', () => r()));
      await t.createTenant('mfa-pd');
      const set = await t.gql(hubAdmin, `mutation($i: SetTenantIssuerInput!) { setTenantIssuer(input: $i) { issuer } }`, {
        i: { tenantSlug: 'mfa-pd', issuer: ISSUER, jwksUrl: `http://127.0.0.1:${(idp.address() as { port: number }).port}/jwks`, audience: 'frhub' },
      });
      expect(set.errors).toBeUndefined();
      await t.gql(hubAdmin, `mutation { createPrincipal(input: { tenantSlug: "mfa-pd", name: "Det. Kim", role: AGENCY_ANALYST, externalSubject: "kim" }) { id } }`);
    });
    afterAll(() => idp?.close());

    it('refuses a provider token without amr/acr for MFA, and a pasted hub token at the console, once the tenant requires it', async () => {
      const password = await idpToken({ sub: 'kim', amr: ['pwd'] });
      expect(codeOf(await t.gql(password, ME))).toBe('ok');
      expect((await setPolicy('mfa-pd', { requireMfa: true })).data.setTenantPolicy.requireMfa).toBe(true);
      const refused = await t.gql(password, ME);
      expect(codeOf(refused)).toBe('UNAUTHENTICATED');
      expect(refused.errors![0].message).toMatch(/multi-factor/);
      for (const claims of [{ amr: ['pwd', 'otp'] }, { amr: ['mfa'] }, { amr: ['hwk', 'pin'] }]) expect(codeOf(await t.gql(await idpToken({ sub: 'kim', ...claims }), ME))).toBe('ok');
      for (const claims of [{}, { amr: ['otp'] }, { acr: 'urn:example:loa:2' }]) expect(codeOf(await t.gql(await idpToken({ sub: 'kim', ...claims }), ME))).toBe('UNAUTHENTICATED');
      const paste = await signIn(await t.token('mfa-pd', Role.AGENCY_ADMIN));
      expect(paste.status).toBe(401);
      expect(paste.body.errors[0].message).toMatch(/identity provider/);
      expect((await events('SIGN_IN')).filter((e) => e.reason === 'MFA_REQUIRED').length).toBe(5);
    });

    it('refuses a provider token once the hub’s clock passes its expiry, without waiting for it', async () => {
      const token = await idpToken({ sub: 'kim', amr: ['mfa'] });
      expect(codeOf(await t.gql(token, ME))).toBe('ok');
      clock.advance(10 * MINUTE + 1000);
      const late = await t.gql(token, ME);
      expect(codeOf(late)).toBe('UNAUTHENTICATED');
      expect(late.errors![0].message).toMatch(/the token has expired/);
      expect(codeOf(await t.gql(await idpToken({ sub: 'kim', amr: ['mfa'] }), ME))).toBe('ok');
    });
  });

  // the database is what replicas share: what one replica ends, the other refuses on the next request
  (process.env.DATABASE_URL ? it : it.skip)('is immediate on every replica: sign-out and revocation on one, refused by the other at once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'frhub-test-'));
    let b: Hub | undefined;
    try {
      b = await createHub(loadConfig({
        ...process.env, FRHUB_DATA_DIR: dataDir, FRHUB_MODEL_DIR: resolve(__dirname, '../../data/models'), FRHUB_INFERENCE_PROVIDER: 'cpu',
        DATABASE_URL: t.databaseUrl!, DATABASE_READ_URLS: '', FRHUB_SIGNING_KEYS_FILE: join(keysDir, 'keys.json'), FRHUB_SYSTEM_USE_NOTICE: NOTICE,
      }), { logger: pino({ level: 'silent' }), clock });
      const { url } = await b.listen(0, '127.0.0.1');
      const onB = hubClient(url, b.keys);
      const analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST);
      const cookie = cookieOf((await signIn(analyst.token)).setCookie)!;
      expect(codeOf(await onB.gql(analyst.token, ME))).toBe('ok');
      expect((await session(t.url, 'DELETE', { cookie })).status).toBe(204);
      expect(codeOf(await onB.gql(analyst.token, ME))).toBe('UNAUTHENTICATED');

      const other = await t.principal('metro-pd', Role.AGENCY_ANALYST);
      expect(codeOf(await t.gql(other.token, ME))).toBe('ok');
      expect(codeOf(await onB.gql(hubAdmin, `mutation($id: ID!) { revokeTokens(principalId: $id) { id } }`, { id: other.id }))).toBe('ok');
      expect(codeOf(await t.gql(other.token, ME))).toBe('UNAUTHENTICATED');
    } finally {
      await b?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('the session cookie lasts as long as the session on the hub’s clock, not on the wall clock', async () => {
    // the hub's clock ahead of the wall clock: a cookie measured from the wall clock would outlive its session by the gap
    clock.advance(10 * MINUTE);
    const analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST);
    const hour = await mintToken(t.hub.keys, { tenant: 'metro-pd', principalId: analyst.id, ttlSeconds: 3600 });
    const opened = await signIn(hour);
    expect(opened.status).toBe(200);
    expect(Date.parse(opened.body.expiresAt) - clock.now().getTime()).toBeLessThanOrEqual(3600_000);
    const maxAge = Number(/Max-Age=(\d+)/.exec(opened.setCookie.find((c) => c.startsWith('frhub_session='))!)![1]);
    expect(maxAge).toBeLessThanOrEqual(3600);
    expect(maxAge).toBeGreaterThan(3600 - 60);
  });
});

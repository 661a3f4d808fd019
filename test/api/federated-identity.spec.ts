import { createServer, request, type Server } from 'node:http';
import { Role } from '../../models/enums';
import { AuthError, RemoteKeySets, verifyFederatedToken } from '../../server/auth/hub-tokens';
import { endpoint } from '../../server/console/oidc-sign-in';
import { HostClass, hostClass, isLoopbackHost, isPrivateAddressLiteral, remoteUrlProblem } from '../../tenants/shared/urls';
import { startHub, type TestHub } from '../support/hub';

// An agency's own identity provider signs its users in: a JWKS served over real HTTP on loopback.
describe('federated identity: a tenant trusts its own issuer', () => {
  const jose = require('jose');
  const ISSUER = 'https://idp.metro.example';
  let t: TestHub;
  let idp: Server;
  let jwksUrl: string;
  let signingKey: unknown;
  let principalId: string;
  const idpToken = (claims: Record<string, unknown>, opts: { key?: unknown; kid?: string; exp?: string } = {}) =>
    new jose.SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: opts.kid ?? 'metro-1' }).setIssuer(String(claims.iss ?? ISSUER))
      .setAudience('frhub').setIssuedAt().setExpirationTime(opts.exp ?? '10m').sign(opts.key ?? signingKey);
  const me = async (token: string) => t.gql(token, `{ me { role principalId tenant { slug } } }`);

  beforeAll(async () => {
    const { privateKey, publicKey } = await jose.generateKeyPair('ES256');
    signingKey = privateKey;
    const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'metro-1', alg: 'ES256', use: 'sig' };
    idp = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => idp.listen(0, '127.0.0.1', () => r()));
    jwksUrl = `http://127.0.0.1:${(idp.address() as { port: number }).port}/.well-known/jwks.json`;
    t = await startHub();
    const admin = await t.token('hub', Role.HUB_ADMIN);
    await t.createTenant('metro-pd');
    await t.createTenant('river-pd');
    const set = await t.gql(admin, `mutation($i: SetTenantIssuerInput!) { setTenantIssuer(input: $i) { issuer subjectClaim audience } }`, {
      i: { tenantSlug: 'metro-pd', issuer: ISSUER, jwksUrl, audience: 'frhub', subjectClaim: 'email' },
    });
    expect(set.data.setTenantIssuer).toEqual({ issuer: ISSUER, subjectClaim: 'email', audience: 'frhub' });
    const p = await t.gql(admin, `mutation { createPrincipal(input: { tenantSlug: "metro-pd", name: "Det. Alice", role: AGENCY_ANALYST, externalSubject: "alice@metro.example" }) { id externalSubject } }`);
    principalId = p.data.createPrincipal.id;
  });
  afterAll(async () => {
    await t?.close();
    idp?.close();
  });

  it('signs in a principal by its external subject; the role comes from the hub, not the token', async () => {
    const r = await me(await idpToken({ email: 'alice@metro.example', role: 'HUB_ADMIN', tenant: 'river-pd' }));
    expect(r.data.me).toEqual({ role: 'AGENCY_ANALYST', principalId, tenant: { slug: 'metro-pd' } });
  });

  it('refuses another key, another audience, an expired token or one without expiry, an unknown subject and an untrusted issuer', async () => {
    const { privateKey: other } = await jose.generateKeyPair('ES256');
    const tokens = [
      await idpToken({ email: 'alice@metro.example' }, { key: other }),
      await new jose.SignJWT({ email: 'alice@metro.example' }).setProtectedHeader({ alg: 'ES256', kid: 'metro-1' }).setIssuer(ISSUER).setAudience('someone-else').setExpirationTime('10m').sign(signingKey),
      await idpToken({ email: 'alice@metro.example' }, { exp: Math.floor(Date.now() / 1000) - 120 as unknown as string }),
      await idpToken({ email: 'mallory@metro.example' }),
      await idpToken({ email: 'alice@metro.example', iss: 'https://idp.elsewhere.example' }),
      await idpToken({ sub: 'alice@metro.example' }),
      // no expiry: a token that never expires is refused, it would open a session without end
      await new jose.SignJWT({ email: 'alice@metro.example' }).setProtectedHeader({ alg: 'ES256', kid: 'metro-1' }).setIssuer(ISSUER).setAudience('frhub').setIssuedAt().sign(signingKey),
    ];
    for (const token of tokens) expect((await me(token)).errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('checks an ID token for the console’s sign-in the same way, plus its client id as audience and the nonce it sent', async () => {
    const cfg = { issuer: ISSUER, jwksUrl, audience: 'frhub-console', subjectClaim: 'email' };
    const idToken = (claims: Record<string, unknown>, aud = 'frhub-console') =>
      new jose.SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'metro-1' }).setIssuer(ISSUER).setAudience(aud).setIssuedAt().setExpirationTime('5m').sign(signingKey);
    const keys = new RemoteKeySets();
    const n = 'n-0123456789abcdefghijklmnopqrstuvwxyzABCDE';
    expect(await verifyFederatedToken(keys, await idToken({ email: 'alice@metro.example', nonce: n }), cfg, { nonce: n })).toBe('alice@metro.example');
    for (const token of [
      await idToken({ email: 'alice@metro.example', nonce: `${n}x` }), // another sign-in's nonce
      await idToken({ email: 'alice@metro.example' }), // none
      await idToken({ email: 'alice@metro.example', nonce: n }, 'frhub'), // issued to another client
    ]) await expect(verifyFederatedToken(keys, token, cfg, { nonce: n })).rejects.toThrow(AuthError);
  });

  it('an ID token for several audiences must name the console’s client as its authorized party (azp)', async () => {
    const cfg = { issuer: ISSUER, jwksUrl, audience: 'frhub-console', subjectClaim: 'email' };
    const idToken = (claims: Record<string, unknown>) =>
      new jose.SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'metro-1' }).setIssuer(ISSUER).setAudience(['frhub-console', 'records-app']).setIssuedAt().setExpirationTime('5m').sign(signingKey);
    const keys = new RemoteKeySets();
    const expect_ = { nonce: 'n1', authorizedParty: 'frhub-console' };
    expect(await verifyFederatedToken(keys, await idToken({ email: 'alice@metro.example', nonce: 'n1', azp: 'frhub-console' }), cfg, expect_)).toBe('alice@metro.example');
    for (const claims of [{ email: 'alice@metro.example', nonce: 'n1' }, { email: 'alice@metro.example', nonce: 'n1', azp: 'records-app' }]) {
      await expect(verifyFederatedToken(keys, await idToken(claims), cfg, expect_)).rejects.toThrow(AuthError);
    }
  });

  it('one rule for a URL the hub calls: https, or plain http on this machine, never to a private or link-local address', () => {
    for (const h of ['localhost', 'localhost.', 'console.localhost', '127.0.0.1', '127.0.0.2', '[::1]', '::1', '0.0.0.0', '0.1.2.3', '[::]', '[::ffff:7f00:1]', '[::ffff:127.0.0.1]', '[::7f00:1]', '[::ffff:0.0.0.0]']) expect([h, isLoopbackHost(h)]).toEqual([h, true]);
    for (const h of ['localhost.evil.example', 'localhostx', '128.0.0.1', '10.0.0.1', 'example.org']) expect([h, isLoopbackHost(h)]).toEqual([h, false]);
    for (const h of ['10.1.2.3', '172.16.0.1', '172.31.255.1', '192.168.1.1', '100.64.0.1', '100.127.255.255', '[fd00::1]', '[fc00::1]', '[::ffff:a00:1]']) expect([h, hostClass(h)]).toEqual([h, HostClass.PRIVATE]);
    for (const h of ['169.254.169.254', '169.254.0.1', '[fe80::1]', '[febf::1]', '[::ffff:a9fe:a9fe]', '[::ffff:169.254.169.254]']) expect([h, hostClass(h)]).toEqual([h, HostClass.LINK_LOCAL]);
    for (const h of ['172.32.0.1', '172.15.255.255', '100.128.0.1', '8.8.8.8', '[::ffff:808:808]', 'example.org', '[2001:db8::1]', '[fec0::1]']) expect([h, hostClass(h)]).toEqual([h, HostClass.PUBLIC]);
    for (const h of ['10.1.2.3', '169.254.169.254', '[fe80::1]']) expect(isPrivateAddressLiteral(h)).toBe(true);
    for (const h of ['127.0.0.1', '0.0.0.0', '8.8.8.8', 'example.org']) expect(isPrivateAddressLiteral(h)).toBe(false);
    expect(remoteUrlProblem('https://login.metro.example')).toBeUndefined();
    expect(remoteUrlProblem('http://127.0.0.2:8080/jwks')).toBeUndefined();
    for (const u of ['http://login.metro.example', 'http://169.254.169.254/latest', 'http://10.0.0.1/token', 'ftp://127.0.0.1/', 'https://user:pw@login.metro.example', 'not a url']) expect(remoteUrlProblem(u)).toBeDefined();
  });

  it('URL normalisation first: decimal, hex and short IPv4 forms and IPv4 inside IPv6 are classified as the address they are', () => {
    // what `new URL` makes of them, which is what the hub connects to
    expect(new URL('https://2130706433/').hostname).toBe('127.0.0.1');
    expect(new URL('https://0x7f.1/').hostname).toBe('127.0.0.1');
    expect(new URL('https://0/').hostname).toBe('0.0.0.0');
    expect(new URL('https://0xa9fea9fe/').hostname).toBe('169.254.169.254');
    expect(new URL('https://[::ffff:127.0.0.1]/').hostname).toBe('[::ffff:7f00:1]');
    expect(new URL('https://[0:0:0:0:0:0:0:0]/').hostname).toBe('[::]');
    for (const h of ['2130706433', '0x7f.1', '127.1', '0']) expect([h, hostClass(h)]).toEqual([h, HostClass.THIS_MACHINE]);
    expect(hostClass('0xa9fea9fe')).toBe(HostClass.LINK_LOCAL);
    expect(hostClass('012.0.0.1')).toBe(HostClass.PRIVATE); // octal 012 = 10
  });

  describe("a discovery document's endpoints (server/console/oidc-sign-in.ts endpoint)", () => {
    const ok = (raw: string, issuer: string) => expect(endpoint(raw, 'token_endpoint', new URL(issuer))).toBe(new URL(raw).href);
    const refused = (raw: string, issuer: string, why: RegExp) => expect(() => endpoint(raw, 'token_endpoint', new URL(issuer))).toThrow(why);

    it('a public https issuer: endpoints on public hosts or its own origin, never on this machine, a link-local or a private address', () => {
      const issuer = 'https://login.metro.example';
      ok('https://login.metro.example/token', issuer);
      ok('https://tokens.metro.example/token', issuer);
      ok('https://8.8.8.8/token', issuer);
      for (const u of ['https://127.0.0.1:5432/', 'https://localhost/', 'https://0.0.0.0:5432/', 'https://[::]/', 'https://[::1]/', 'https://[::ffff:127.0.0.1]:5432/', 'https://[::7f00:1]/', 'https://2130706433/', 'https://0x7f.1/']) refused(u, issuer, /on the hub's own machine/);
      for (const u of ['https://169.254.169.254/latest/meta-data', 'https://[fe80::1]/', 'https://[::ffff:169.254.169.254]/', 'https://0xa9fea9fe/']) refused(u, issuer, /a link-local address/);
      for (const u of ['https://10.0.0.1/token', 'https://172.16.0.1/', 'https://192.168.1.1/', 'https://100.64.0.1/', 'https://[fd00::1]/', 'https://[::ffff:10.0.0.1]/']) refused(u, issuer, /a private address/);
      // another origin only over https, whatever the host
      refused('http://tokens.metro.example/token', issuer, /must use https/);
      refused('http://login.metro.example:8080/token', issuer, /must use https/);
      expect(() => endpoint(undefined, 'token_endpoint', new URL(issuer))).toThrow(/is missing/);
    });

    it('an issuer on a private address literal: endpoints on private addresses too, never on this machine or a link-local address', () => {
      const issuer = 'https://10.0.0.5';
      ok('https://10.0.0.6/token', issuer);
      ok('https://192.168.7.1/token', issuer);
      ok('https://[fd00::7]/token', issuer);
      ok('https://login.metro.example/token', issuer);
      for (const u of ['https://0.0.0.0:5432/', 'https://[::ffff:7f00:1]:5432/', 'https://[::]/', 'https://[::7f00:1]/', 'https://127.0.0.1/', 'https://localhost/']) refused(u, issuer, /on the hub's own machine/);
      for (const u of ['https://169.254.169.254/latest/meta-data', 'https://[fe80::1]/', 'https://[::ffff:a9fe:a9fe]/']) refused(u, issuer, /a link-local address/);
    });

    it('an issuer on this machine (development) may name endpoints on this machine, not on a link-local or private address', () => {
      const issuer = 'http://localhost:8080';
      ok('http://localhost:8080/token', issuer);
      ok('https://127.0.0.1:8443/token', issuer);
      refused('http://127.0.0.1:8443/token', issuer, /plain http on another origin/);
      refused('https://169.254.169.254/', issuer, /a link-local address/);
      refused('https://10.0.0.1/', issuer, /a private address/);
    });
  });

  it('with a client id, the issuer itself must be https (http on loopback only): the console’s sign-in fetches its discovery document', async () => {
    const admin = await t.token('hub', Role.HUB_ADMIN);
    await t.createTenant('lake-pd');
    const set = (i: Record<string, unknown>) => t.gql(admin, `mutation($i: SetTenantIssuerInput!) { setTenantIssuer(input: $i) { issuer clientId } }`, { i: { tenantSlug: 'lake-pd', jwksUrl: 'https://idp.lake.example/jwks', clientId: 'frhub-console', ...i } });
    for (const issuer of ['http://idp.lake.example', 'http://169.254.169.254', 'http://10.0.0.7', 'lake-idp']) {
      expect((await set({ issuer })).errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    }
    // any loopback address is loopback, for the issuer and the JWKS alike
    expect((await set({ issuer: 'http://127.0.0.2:9', jwksUrl: 'http://127.0.0.2:9/jwks' })).data.setTenantIssuer).toEqual({ issuer: 'http://127.0.0.2:9', clientId: 'frhub-console' });
    // an issuer the hub never fetches (no client id: API tokens only) may be any name
    expect((await set({ issuer: 'lake-idp', clientId: null })).errors).toBeUndefined();
  });

  describe('the console’s sign-in, started anonymously', () => {
    // one server for several agencies' providers on a loopback port, each at its own path; counts discovery requests
    let idps: Server;
    let base: string;
    const served: Record<string, number> = {};
    const docs: Record<string, (issuer: string) => Record<string, unknown> | undefined> = {
      // every endpoint at the issuer's origin
      good: (iss) => ({ issuer: iss, authorization_endpoint: `${iss}/auth`, token_endpoint: `${iss}/token`, jwks_uri: `${iss}/jwks` }),
      // a token endpoint on the cloud's metadata address, or on the private network (https: the class
      // rule refuses them, not the plain-http one). An endpoint on this machine is refused only for an
      // issuer elsewhere, which a test cannot serve: the unit tests of endpoint() above cover it.
      metadata: (iss) => ({ issuer: iss, authorization_endpoint: `${iss}/auth`, token_endpoint: 'https://169.254.169.254/latest/meta-data', jwks_uri: `${iss}/jwks` }),
      lan: (iss) => ({ issuer: iss, authorization_endpoint: 'https://10.0.0.1/auth', token_endpoint: `${iss}/token`, jwks_uri: `${iss}/jwks` }),
      down: () => undefined,
      // a token endpoint the test answers as it likes (tokenAnswer), for ID tokens signed with ES256
      tokens: (iss) => ({ issuer: iss, authorization_endpoint: `${iss}/auth`, token_endpoint: `${iss}/token`, jwks_uri: `${iss}/jwks`, id_token_signing_alg_values_supported: ['ES256'] }),
    };
    let tokenAnswer: () => Promise<[number, Record<string, unknown>]> = async () => [500, {}];
    const admin = () => t.token('hub', Role.HUB_ADMIN);
    /** The hub's answer to a request (no redirect followed): status, location, set-cookie. */
    const hit = (path: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; location: string; cookies: string[] }>((ok, fail) => {
        const req = request(`${t.url}${path}`, { headers }, (res) => {
          res.resume();
          ok({ status: res.statusCode!, location: String(res.headers.location ?? ''), cookies: res.headers['set-cookie'] ?? [] });
        });
        req.on('error', fail);
        req.end();
      });

    beforeAll(async () => {
      idps = createServer((req, res) => {
        const name = req.url!.split('/')[1];
        served[name] = (served[name] ?? 0) + 1;
        if (req.method === 'POST' && req.url === '/tokens/token') {
          req.resume();
          return void tokenAnswer().then(([status, body]) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
        }
        const doc = req.url!.endsWith('/.well-known/openid-configuration') ? docs[name]?.(`${base}/${name}`) : undefined;
        if (!doc) return void res.writeHead(503).end();
        // slow enough that sign-ins started together overlap
        setTimeout(() => res.setHeader('content-type', 'application/json').end(JSON.stringify(doc)), 200);
      });
      await new Promise<void>((r) => idps.listen(0, '127.0.0.1', () => r()));
      base = `http://localhost:${(idps.address() as { port: number }).port}`;
      for (const name of Object.keys(docs)) {
        await t.createTenant(`${name}-pd`);
        const set = await t.gql(await admin(), `mutation($i: SetTenantIssuerInput!) { setTenantIssuer(input: $i) { clientId } }`, {
          i: { tenantSlug: `${name}-pd`, issuer: `${base}/${name}`, jwksUrl: `${base}/${name}/jwks`, clientId: 'frhub-console' },
        });
        expect(set.errors).toBeUndefined();
      }
    });
    afterAll(() => idps?.close());

    it('refuses a discovery document that sends the hub to the link-local metadata address or a private network', async () => {
      expect((await hit('/console/oidc/start?tenant=good-pd')).location).toMatch(new RegExp(`^${base}/good/auth\\?`));
      for (const name of ['metadata', 'lan']) {
        expect(await hit(`/console/oidc/start?tenant=${name}-pd`)).toMatchObject({ status: 303, location: '/sign-in?error=PROVIDER_UNREACHABLE' });
      }
    });

    it('shares one discovery among sign-ins started together, and keeps a failed one for a while', async () => {
      const before = served.good ?? 0;
      // good-pd's document is already known (the test above): a fresh issuer for the overlap
      await t.createTenant('burst-pd');
      docs.burst = docs.good;
      const set = await t.gql(await admin(), `mutation($i: SetTenantIssuerInput!) { setTenantIssuer(input: $i) { clientId } }`, { i: { tenantSlug: 'burst-pd', issuer: `${base}/burst`, jwksUrl: `${base}/burst/jwks`, clientId: 'frhub-console' } });
      expect(set.errors).toBeUndefined();
      const answers = await Promise.all(Array.from({ length: 8 }, () => hit('/console/oidc/start?tenant=burst-pd')));
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(302));
      expect(served.burst).toBe(1);
      expect(served.good ?? 0).toBe(before);
      const downBefore = served.down ?? 0;
      for (let i = 0; i < 3; i++) expect((await hit('/console/oidc/start?tenant=down-pd')).location).toBe('/sign-in?error=PROVIDER_UNREACHABLE');
      expect((served.down ?? 0) - downBefore).toBe(1);
    });

    it('the flow cookie is the hub’s own: one made or altered elsewhere is refused; __Host- where it is Secure', async () => {
      const started = await hit('/console/oidc/start?tenant=good-pd');
      const cookie = started.cookies.find((c) => c.startsWith('frhub_oidc='))!;
      expect(cookie).toMatch(/Path=\/console\/oidc\/callback/);
      const value = cookie.split(';')[0].slice('frhub_oidc='.length);
      const state = new URL(started.location).searchParams.get('state')!;
      // the hub's own flow, answered without a code: the flow matched, the provider's answer did not
      expect((await hit(`/console/oidc/callback?state=${state}`, { cookie: `frhub_oidc=${value}` })).location).toBe('/sign-in?error=PROVIDER_ERROR');
      // one another site wrote (its own state), and the hub's with its content altered
      const forged = Buffer.from(JSON.stringify({ state: 's'.repeat(43), nonce: 'n'.repeat(43), verifier: 'v'.repeat(43), tenant: 'good-pd', next: '', exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
      expect((await hit(`/console/oidc/callback?state=${'s'.repeat(43)}`, { cookie: `frhub_oidc=${forged}` })).location).toBe('/sign-in?error=FLOW_MISMATCH');
      const [payload, sig] = value.split('.');
      const altered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), tenant: 'metro-pd' })).toString('base64url');
      expect((await hit(`/console/oidc/callback?state=${state}`, { cookie: `frhub_oidc=${altered}.${sig}` })).location).toBe('/sign-in?error=FLOW_MISMATCH');
      // reached by its public name (TLS ends at a load balancer): Secure, __Host-, path /
      const remote = await hit('/console/oidc/start?tenant=good-pd', { host: 'hub.metro.example' });
      expect(remote.cookies.find((c) => c.includes('frhub_oidc'))).toMatch(/^__Host-frhub_oidc=[\w-]+\.[\w-]+; Max-Age=600; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Lax$/);
      expect(new URL(remote.location).searchParams.get('redirect_uri')).toBe('https://hub.metro.example/console/oidc/callback');
    });

    it('says why when the token endpoint refuses the code, or answers with an ID token of another sign-in or none', async () => {
      /** A sign-in of tokens-pd started, its callback with a code ready to follow. */
      const started = async () => {
        const s = await hit('/console/oidc/start?tenant=tokens-pd');
        const cookie = s.cookies.find((c) => c.startsWith('frhub_oidc='))!.split(';')[0];
        const authorize = new URL(s.location);
        return { nonce: authorize.searchParams.get('nonce')!, callback: () => hit(`/console/oidc/callback?code=c-1&state=${authorize.searchParams.get('state')}`, { cookie }) };
      };
      const idToken = (claims: Record<string, unknown>) =>
        new jose.SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'metro-1' }).setIssuer(`${base}/tokens`).setAudience('frhub-console').setSubject('alice').setIssuedAt().setExpirationTime('5m').sign(signingKey);
      const before = (await t.gql(await admin(), '{ auditEvents(action: "SIGN_IN", first: 100) { nodes { reason } } }')).data.auditEvents.nodes.length;

      tokenAnswer = async () => [400, { error: 'invalid_grant', error_description: 'the code is not known' }];
      expect((await (await started()).callback()).location).toBe('/sign-in?error=PROVIDER_ERROR');
      const another = await started();
      tokenAnswer = async () => [200, { access_token: 'at', token_type: 'Bearer', id_token: await idToken({ nonce: `${another.nonce}x` }) }];
      expect((await another.callback()).location).toBe('/sign-in?error=TOKEN_REFUSED');
      const expired = await started();
      tokenAnswer = async () => [200, { access_token: 'at', token_type: 'Bearer', id_token: await idToken({ nonce: expired.nonce, exp: Math.floor(Date.now() / 1000) - 3600 }) }];
      expect((await expired.callback()).location).toBe('/sign-in?error=TOKEN_REFUSED');
      tokenAnswer = async () => [200, { access_token: 'at', token_type: 'Bearer' }];
      expect((await (await started()).callback()).location).toBe('/sign-in?error=TOKEN_REFUSED');
      // each refusal is in the audit chain with its reason
      const reasons = (await t.gql(await admin(), '{ auditEvents(action: "SIGN_IN", first: 100) { nodes { reason } } }')).data.auditEvents.nodes.slice(0, 4).map((e: { reason: string }) => e.reason);
      expect(reasons).toEqual(['TOKEN_REFUSED', 'TOKEN_REFUSED', 'TOKEN_REFUSED', 'PROVIDER_ERROR']);
      expect((await t.gql(await admin(), '{ auditEvents(action: "SIGN_IN", first: 100) { nodes { reason } } }')).data.auditEvents.nodes.length).toBe(before + 4);
    });

    it('keeps a deep link through the sign-in: a search by its id, never another site or the sign-in page', async () => {
      const id = '0b9b7f7e-6f0e-4c1e-9a55-3f1f2b1f5d11';
      expect((await hit(`/console/oidc/start?tenant=no-such-pd&next=/searches/${id}`)).location).toBe(`/sign-in?error=NO_PROVIDER&next=%2Fsearches%2F${id}`);
      for (const next of ['//evil.example/searches', '/sign-in', 'https://evil.example/', '/analyst/x/y']) {
        expect((await hit(`/console/oidc/start?tenant=no-such-pd&next=${encodeURIComponent(next)}`)).location).toBe('/sign-in?error=NO_PROVIDER');
      }
    });

    it('a pasted-token sign-in forgets the provider of an earlier session, so signing out goes nowhere else', async () => {
      const token = await t.token('metro-pd', Role.AGENCY_ANALYST);
      const res = await fetch(`${t.url}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: 'frhub_idp=good-pd' }, body: JSON.stringify({ token }) });
      expect(res.status).toBe(200);
      expect(res.headers.getSetCookie().find((c) => c.startsWith('frhub_idp='))).toMatch(/^frhub_idp=; Path=\/console\/session; Expires=Thu, 01 Jan 1970/);
    });
  });

  it('lets only HUB_ADMIN name an issuer, over https (http on loopback only)', async () => {
    const input = { tenantSlug: 'river-pd', issuer: 'https://idp.river.example', jwksUrl: 'http://idp.river.example/jwks' };
    const admin = await t.token('hub', Role.HUB_ADMIN);
    expect((await t.gql(admin, `mutation($i: SetTenantIssuerInput!) { setTenantIssuer(input: $i) { issuer } }`, { i: input })).errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const river = await t.token('river-pd', Role.AGENCY_ADMIN);
    expect((await t.gql(river, `mutation($i: SetTenantIssuerInput!) { setTenantIssuer(input: $i) { issuer } }`, { i: { ...input, jwksUrl: 'https://idp.river.example/jwks' } })).errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect((await t.gql(admin, `mutation($i: SetTenantIssuerInput!) { setTenantIssuer(input: $i) { issuer } }`, { i: { ...input, issuer: ISSUER, jwksUrl: 'https://idp.river.example/jwks' } })).errors?.[0].extensions.code).toBe('CONFLICT');
  });
});

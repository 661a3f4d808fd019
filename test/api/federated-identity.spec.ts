import { createServer, type Server } from 'node:http';
import { Role } from '../../models/enums';
import { AuthError, RemoteKeySets, verifyFederatedToken } from '../../server/auth';
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

  it('lets only HUB_ADMIN name an issuer, over https (http on loopback only)', async () => {
    const input = { tenantSlug: 'river-pd', issuer: 'https://idp.river.example', jwksUrl: 'http://idp.river.example/jwks' };
    const admin = await t.token('hub', Role.HUB_ADMIN);
    expect((await t.gql(admin, `mutation($i: SetTenantIssuerInput!) { setTenantIssuer(input: $i) { issuer } }`, { i: input })).errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const river = await t.token('river-pd', Role.AGENCY_ADMIN);
    expect((await t.gql(river, `mutation($i: SetTenantIssuerInput!) { setTenantIssuer(input: $i) { issuer } }`, { i: { ...input, jwksUrl: 'https://idp.river.example/jwks' } })).errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect((await t.gql(admin, `mutation($i: SetTenantIssuerInput!) { setTenantIssuer(input: $i) { issuer } }`, { i: { ...input, issuer: ISSUER, jwksUrl: 'https://idp.river.example/jwks' } })).errors?.[0].extensions.code).toBe('CONFLICT');
  });
});

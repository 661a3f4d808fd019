import { Role } from '../../models/enums';
import { startHub, type TestHub } from '../support/hub';

// The reads the web console's operator and agency-admin pages need: a tenant's principals, the
// identity provider it trusts, and the audit log filtered by outcome. Who may read them is in the
// permission matrix; here, what they return.
describe('directory reads: principals, a tenant issuer, audit events by outcome', () => {
  let t: TestHub;
  let hubAdmin: string;

  beforeAll(async () => {
    t = await startHub();
    hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    await t.createTenant('metro-pd');
    await t.createTenant('river-pd');
  });
  afterAll(() => t?.close());

  it("lists a tenant's principals with role and certification, to the operator and to the tenant's own admin only", async () => {
    const analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST, { name: 'Ana Lyst', certifiedUntil: '2027-03-01T00:00:00Z' });
    const admin = await t.principal('metro-pd', Role.AGENCY_ADMIN, { name: 'Ad Min', certifiedUntil: null });
    await t.principal('river-pd', Role.AGENCY_ANALYST, { name: 'River Analyst' });
    const Q = `query($s: String) { principals(tenantSlug: $s) { id tenantId name role certifiedUntil externalSubject } }`;

    const byOperator = await t.gql(hubAdmin, Q, { s: 'metro-pd' });
    expect(byOperator.errors).toBeUndefined();
    expect(byOperator.data.principals.map((p: { name: string }) => p.name)).toEqual(['Ad Min', 'Ana Lyst']);
    expect(byOperator.data.principals[1]).toMatchObject({ id: analyst.id, role: 'AGENCY_ANALYST', certifiedUntil: '2027-03-01T00:00:00.000Z', externalSubject: null });

    // the agency admin: its own tenant by default, another tenant's list looks missing
    const own = await t.gql(admin.token, Q, {});
    expect(own.data.principals.map((p: { id: string }) => p.id).sort()).toEqual([analyst.id, admin.id].sort());
    expect((await t.gql(admin.token, Q, { s: 'river-pd' })).errors?.[0].extensions.code).toBe('NOT_FOUND');
    expect((await t.gql(analyst.token, Q, {})).errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect((await t.gql(hubAdmin, Q, { s: 'no-such-pd' })).errors?.[0].extensions.code).toBe('NOT_FOUND');
  });

  it('gives the issuer a tenant trusts, or null when it trusts none', async () => {
    const Q = `query($s: String) { tenantIssuer(tenantSlug: $s) { issuer jwksUrl audience subjectClaim } }`;
    expect((await t.gql(hubAdmin, Q, { s: 'river-pd' })).data.tenantIssuer).toBeNull();
    const set = await t.gql(hubAdmin, `mutation($i: SetTenantIssuerInput!) { setTenantIssuer(input: $i) { issuer } }`, {
      i: { tenantSlug: 'river-pd', issuer: 'https://idp.river.example', jwksUrl: 'https://idp.river.example/jwks.json', audience: 'frhub' },
    });
    expect(set.errors).toBeUndefined();
    expect((await t.gql(hubAdmin, Q, { s: 'river-pd' })).data.tenantIssuer).toEqual({ issuer: 'https://idp.river.example', jwksUrl: 'https://idp.river.example/jwks.json', audience: 'frhub', subjectClaim: 'sub' });
    const riverAdmin = await t.token('river-pd', Role.AGENCY_ADMIN);
    expect((await t.gql(riverAdmin, Q, {})).data.tenantIssuer.issuer).toBe('https://idp.river.example');
  });

  it('filters the audit log by outcome, alone and with the other filters', async () => {
    const metroId = (await t.gql(await t.token('metro-pd', Role.AGENCY_ADMIN), '{ me { tenant { id } } }')).data.me.tenant.id;
    // a refusal (an analyst may not create a gallery) and a failure (an empty gallery name), both audited in metro-pd
    const analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST);
    expect((await t.gql(analyst.token, 'mutation { createGallery(input: { name: "Mine" }) { id } }')).errors?.[0].extensions.code).toBe('FORBIDDEN');
    const metroAdmin = await t.token('metro-pd', Role.AGENCY_ADMIN);
    expect((await t.gql(metroAdmin, 'mutation { createGallery(input: { name: "  " }) { id } }')).errors?.[0].extensions.code).toBe('BAD_USER_INPUT');

    const Q = `query($o: AuditOutcome, $t: ID, $a: String) { auditEvents(first: 500, outcome: $o, tenantId: $t, action: $a) { nodes { action outcome reason tenantId } } }`;
    for (const outcome of ['ALLOWED', 'DENIED', 'FAILED']) {
      const r = await t.gql(hubAdmin, Q, { o: outcome });
      expect(r.errors).toBeUndefined();
      expect(r.data.auditEvents.nodes.length).toBeGreaterThan(0);
      expect(new Set(r.data.auditEvents.nodes.map((e: { outcome: string }) => e.outcome))).toEqual(new Set([outcome]));
    }
    const denied = (await t.gql(hubAdmin, Q, { o: 'DENIED', t: metroId, a: 'GALLERY_CREATED' })).data.auditEvents.nodes;
    expect(denied).toEqual([{ action: 'GALLERY_CREATED', outcome: 'DENIED', reason: 'FORBIDDEN', tenantId: metroId }]);
    const failed = (await t.gql(hubAdmin, Q, { o: 'FAILED', t: metroId, a: 'GALLERY_CREATED' })).data.auditEvents.nodes;
    expect(failed).toEqual([{ action: 'GALLERY_CREATED', outcome: 'FAILED', reason: 'BAD_USER_INPUT', tenantId: metroId }]);
    // an outcome outside the vocabulary is refused before anything runs
    const bad = await t.gql(hubAdmin, `{ auditEvents(outcome: MAYBE) { nodes { seq } } }`);
    expect(bad.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

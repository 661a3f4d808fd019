import { randomUUID } from 'node:crypto';
import { Role } from '../../models/enums';
import { mintToken } from '../../server/auth/hub-tokens';
import { scopeOf } from '../../tenants/shared/actor';
import { portrait } from '../support/fixtures';
import { movableClock, startHub, type TestHub } from '../support/hub';
import { schemaOperations } from '../support/operations';

// Written as an attacker would: every way to hold more power than the hub gave you, over real HTTP
// against a real hub. Only the operator tenant's HUB_ADMIN may run an operator mutation; an operator
// role anywhere else grants nothing; a token is only what the hub signed, and it speaks only for what
// its principal and tenant are allowed now (suspension and lapsed certification bite at once).
const jose = require('jose') as typeof import('jose');

type Answer = { data?: any; errors?: { message: string; extensions: { code: string } }[] };
const codeOf = (r: Answer) => r.errors?.[0]?.extensions.code ?? 'ok';
const REFUSED = ['FORBIDDEN', 'NOT_FOUND'];


describe('escalation attacks', () => {
  let t: TestHub;
  let hubAdmin: string;
  let image: string;
  const clock = movableClock();
  const ids: Record<string, string> = {};

  const search = (token: string, extra: Record<string, unknown> = {}) =>
    t.gql(token, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'E-1', ...extra } });
  const quotaUsed = async (slug: string) => (await t.gql(hubAdmin, `query($s: String) { quota(tenantSlug: $s) { used } }`, { s: slug })).data.quota.used as number;

  beforeAll(async () => {
    t = await startHub({}, { clock });
    image = (await portrait()).toString('base64');
    hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    for (const slug of ['metro-pd', 'river-pd']) {
      await t.createTenant(slug);
      ids[slug] = (await t.gql(await t.token(slug, Role.AGENCY_ADMIN), `{ me { tenant { id } } }`)).data.me.tenant.id;
      const galleryId = (await t.gql(await t.token(slug, Role.AGENCY_ADMIN), `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
      ids[`${slug}/gallery`] = galleryId;
    }
    ids.hub = (await t.gql(hubAdmin, `{ me { tenant { id } } }`)).data.me.tenant.id;
    ids['hub/gallery'] = (await t.gql(hubAdmin, `mutation { createGallery(input: { name: "Operator bookings" }) { id } }`)).data.createGallery.id;
    const r = await t.gql(hubAdmin, `mutation($i: CreateSharingAgreementInput!) { createSharingAgreement(input: $i) { id } }`, {
      i: { galleryId: ids['river-pd/gallery'], granteeTenantSlug: 'hub', legalBases: ['VICTIM_ID'], expiresAt: '2099-01-01T00:00:00Z' },
    });
    ids.agreement = r.data.createSharingAgreement.id;
    ids.hubAdminPrincipal = (await t.principal('hub', Role.HUB_ADMIN)).id;
  });
  afterAll(() => t?.close());

  /** A principal row written straight to the database, as one made before operator roles were confined to the operator tenant. */
  async function legacyPrincipal(slug: string, role: Role): Promise<{ id: string; token: string }> {
    const id = randomUUID();
    await t.hub.database.db.scoped({ tenantId: ids[slug] }, (tx) =>
      tx.query(`INSERT INTO principals (id, tenant_id, name, role, certified_until) VALUES ($1, $2, $3, $4, NULL)`, [id, ids[slug], `legacy ${role}`, role]),
    );
    return { id, token: await t.token(slug, undefined, id) };
  }

  describe('a self-made auditor (issue 9, defect 1)', () => {
    it('an agency admin cannot create an OVERSIGHT_AUDITOR or HUB_ADMIN principal, in its tenant or the operator’s', async () => {
      const admin = await t.principal('metro-pd', Role.AGENCY_ADMIN);
      for (const role of ['OVERSIGHT_AUDITOR', 'HUB_ADMIN']) {
        for (const tenantSlug of ['metro-pd', 'hub']) {
          const r = await t.gql(admin.token, `mutation($i: CreatePrincipalInput!) { createPrincipal(input: $i) { id } }`, { i: { tenantSlug, name: 'Me, promoted', role } });
          expect(REFUSED).toContain(codeOf(r));
          expect(r.data?.createPrincipal ?? null).toBeNull();
        }
      }
      // it still assigns the agency roles
      for (const role of ['AGENCY_ANALYST', 'AGENCY_SUPERVISOR', 'AGENCY_ADMIN']) {
        const r = await t.gql(admin.token, `mutation($i: CreatePrincipalInput!) { createPrincipal(input: $i) { role } }`, { i: { tenantSlug: 'metro-pd', name: `a ${role}`, role } });
        expect(r.errors).toBeUndefined();
      }
    });

    it('the operator’s own roles live in the operator tenant only, even when a HUB_ADMIN asks', async () => {
      for (const role of ['OVERSIGHT_AUDITOR', 'HUB_ADMIN']) {
        const r = await t.gql(hubAdmin, `mutation($i: CreatePrincipalInput!) { createPrincipal(input: $i) { id } }`, { i: { tenantSlug: 'metro-pd', name: 'x', role } });
        expect(codeOf(r)).toBe('BAD_USER_INPUT');
        expect(r.errors![0].message).toContain("operator tenant 'hub'");
      }
      const auditor = await t.gql(hubAdmin, `mutation { createPrincipal(input: { tenantSlug: "hub", name: "Board", role: OVERSIGHT_AUDITOR }) { role } }`);
      expect(auditor.data.createPrincipal.role).toBe('OVERSIGHT_AUDITOR');
    });

    it('an auditor principal of an agency (made before the fix) reads no other tenant, and its admin cannot mint it a token', async () => {
      const legacy = await legacyPrincipal('metro-pd', Role.OVERSIGHT_AUDITOR);
      const admin = await t.principal('metro-pd', Role.AGENCY_ADMIN);
      const minted = await t.gql(admin.token, `mutation($id: ID!) { issueToken(principalId: $id) { token } }`, { id: legacy.id });
      expect(codeOf(minted)).toBe('FORBIDDEN');
      expect(minted.data?.issueToken ?? null).toBeNull();
      await expectNoOperatorReads(legacy.token, 'metro-pd');
    });

    it('a service-account token of an agency with an operator role (frhub token --tenant metro-pd --role …) grants no operator power', async () => {
      for (const role of [Role.OVERSIGHT_AUDITOR, Role.HUB_ADMIN]) await expectNoOperatorReads(await t.token('metro-pd', role), 'metro-pd');
    });

    it('an agency admin of the operator tenant cannot mint a token for the operator’s HUB_ADMIN', async () => {
      const admin = await t.principal('hub', Role.AGENCY_ADMIN);
      const r = await t.gql(admin.token, `mutation($id: ID!) { issueToken(principalId: $id) { token } }`, { id: ids.hubAdminPrincipal });
      expect(codeOf(r)).toBe('FORBIDDEN');
      const own = await t.gql(admin.token, `mutation($id: ID!) { issueToken(principalId: $id) { token } }`, { id: (await t.principal('hub', Role.AGENCY_ANALYST)).id });
      expect(own.errors).toBeUndefined();
    });
  });

  /** The reads only the operator's roles have, refused (or limited to its own tenant) for `token`. */
  async function expectNoOperatorReads(token: string, ownSlug: string) {
    const stats = await t.gql(token, `{ usageStatistics(from: "2020-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z", groupBy: [TENANT]) { rows { tenant searches } } }`);
    expect(codeOf(stats)).toBe('FORBIDDEN');
    expect(stats.data?.usageStatistics ?? null).toBeNull();
    const other = await t.gql(token, `{ usageStatistics(from: "2020-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z", tenantSlug: "river-pd") { rows { searches } } }`);
    expect(REFUSED).toContain(codeOf(other));
    const tenants = await t.gql(token, `{ tenants { slug } }`);
    expect(tenants.data.tenants).toEqual([{ slug: ownSlug }]);
    expect(codeOf(await t.gql(token, `{ verifyAuditChain { ok } }`))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(token, `{ auditEvents(first: 5) { nodes { seq } } }`))).toBe('FORBIDDEN');
    expect(REFUSED).toContain(codeOf(await t.gql(token, `query($id: ID!) { tenant(id: $id) { slug } }`, { id: ids['river-pd'] })));
  }

  it('defence in depth: only an operator role in the operator tenant gets the all-tenants database scope', () => {
    for (const role of Object.values(Role)) {
      for (const isOperator of [true, false]) {
        const actor = { requestId: 'r', tenantId: randomUUID(), tenantSlug: 'x', isOperator, principalId: null, role, certifiedUntil: null, tenantSuspended: false };
        expect({ role, isOperator, allTenants: scopeOf(actor).allTenants }).toEqual({ role, isOperator, allTenants: isOperator && (role === Role.HUB_ADMIN || role === Role.OVERSIGHT_AUDITOR) });
      }
    }
  });

  describe('every role against every operator mutation', () => {
    // each returns the answer; `effect` reads (as the operator) what a success would have changed
    const OPERATOR_MUTATIONS: Record<string, { run: (k: string) => Promise<Answer>; effect: () => Promise<unknown> }> = {
      createTenant: {
        run: (k) => t.gql(k, `mutation { createTenant(input: { slug: "rogue-pd", name: "Rogue" }) { id } }`),
        effect: async () => (await t.gql(hubAdmin, `{ tenants { slug } }`)).data.tenants.map((x: { slug: string }) => x.slug),
      },
      setTenantStatus: {
        run: (k) => t.gql(k, `mutation { setTenantStatus(slug: "river-pd", status: SUSPENDED) { status } }`),
        effect: async () => (await t.gql(hubAdmin, `query($id: ID!) { tenant(id: $id) { status } }`, { id: ids['river-pd'] })).data.tenant.status,
      },
      setTenantPolicy: {
        run: (k) => t.gql(k, `mutation { setTenantPolicy(input: { tenantSlug: "river-pd", allowedBases: [CRIMINAL_SUSPECT_ID], retentionDays: 9 }) { retentionDays } }`),
        effect: async () => (await t.gql(hubAdmin, `{ tenantPolicy(tenantSlug: "river-pd") { retentionDays allowedBases } }`)).data.tenantPolicy,
      },
      setQuota: {
        run: (k) => t.gql(k, `mutation { setQuota(input: { tenantSlug: "metro-pd", period: MONTH, limit: 9999999 }) { limit } }`),
        effect: async () => (await t.gql(hubAdmin, `{ quota(tenantSlug: "metro-pd") { limit } }`)).data.quota.limit,
      },
      createSharingAgreement: {
        run: (k) => t.gql(k, `mutation($g: ID!) { createSharingAgreement(input: { galleryId: $g, granteeTenantSlug: "metro-pd", legalBases: [VICTIM_ID], expiresAt: "2099-01-01T00:00:00Z" }) { id } }`, { g: ids['hub/gallery'] }),
        effect: async () => (await t.gql(hubAdmin, `{ sharingAgreements { id } }`)).data.sharingAgreements.length,
      },
      revokeSharingAgreement: {
        run: (k) => t.gql(k, `mutation($id: ID!) { revokeSharingAgreement(id: $id) { revokedAt } }`, { id: ids.agreement }),
        effect: async () => (await t.gql(hubAdmin, `{ sharingAgreements { id revokedAt } }`)).data.sharingAgreements,
      },
      adoptCalibration: {
        run: async (k) => t.gql(k, `mutation($id: ID!) { adoptCalibration(id: $id) { id } }`, { id: (await t.gql(hubAdmin, `{ calibrations { shipped { id } } }`)).data.calibrations.shipped.id }),
        effect: async () => {
          const d = (await t.gql(hubAdmin, `{ calibrations { current { id } } auditEvents(action: "CALIBRATION_ADOPTED", first: 100) { nodes { outcome } } }`)).data;
          return { current: d.calibrations.current?.id ?? null, adopted: d.auditEvents.nodes.filter((e: { outcome: string }) => e.outcome === 'ALLOWED').length };
        },
      },
      setTenantIssuer: {
        run: (k) => t.gql(k, `mutation { setTenantIssuer(input: { tenantSlug: "metro-pd", issuer: "https://rogue.example", jwksUrl: "https://rogue.example/jwks" }) { issuer } }`),
        // a trusted issuer would make this foreign token resolve past the "no tenant trusts" check
        effect: async () => (await t.gql(await foreignToken('https://rogue.example'), `{ me { role } }`)).errors?.[0].message,
      },
      'createPrincipal(HUB_ADMIN in hub)': {
        run: (k) => t.gql(k, `mutation { createPrincipal(input: { tenantSlug: "hub", name: "Rogue admin", role: HUB_ADMIN }) { id } }`),
        effect: () => principalCount('hub'),
      },
      'createPrincipal(OVERSIGHT_AUDITOR in hub)': {
        run: (k) => t.gql(k, `mutation { createPrincipal(input: { tenantSlug: "hub", name: "Rogue auditor", role: OVERSIGHT_AUDITOR }) { id } }`),
        effect: () => principalCount('hub'),
      },
      'issueToken(the operator’s HUB_ADMIN)': {
        run: (k) => t.gql(k, `mutation($id: ID!) { issueToken(principalId: $id) { token } }`, { id: ids.hubAdminPrincipal }),
        effect: async () => null,
      },
      // ending the operator's HUB_ADMIN would lock the operator out: no agency role may, wherever it is held
      'disablePrincipal(the operator’s HUB_ADMIN)': {
        run: (k) => t.gql(k, `mutation($id: ID!) { disablePrincipal(id: $id) { id } }`, { id: ids.hubAdminPrincipal }),
        effect: () => hubAdminState(),
      },
      'enablePrincipal(the operator’s HUB_ADMIN)': {
        run: (k) => t.gql(k, `mutation($id: ID!) { enablePrincipal(id: $id) { id } }`, { id: ids.hubAdminPrincipal }),
        effect: () => hubAdminState(),
      },
      'revokeTokens(the operator’s HUB_ADMIN)': {
        run: (k) => t.gql(k, `mutation($id: ID!) { revokeTokens(principalId: $id) { id } }`, { id: ids.hubAdminPrincipal }),
        effect: () => hubAdminState(),
      },
      // a demotion of the operator's own administrator, or any change to it, is the operator's alone
      'updatePrincipal(the operator’s HUB_ADMIN)': {
        run: (k) => t.gql(k, `mutation($i: UpdatePrincipalInput!) { updatePrincipal(input: $i) { id } }`, { i: { principalId: ids.hubAdminPrincipal, role: 'AGENCY_ANALYST', name: 'Demoted' } }),
        effect: async () => (await t.hub.database.db.scoped({ tenantId: null, allTenants: true }, (tx) => tx.query(`SELECT name, role FROM principals WHERE id = $1`, [ids.hubAdminPrincipal])))[0],
      },
      createExaminationAgreement: {
        run: (k) => t.gql(k, `mutation { createExaminationAgreement(input: { servingTenantSlug: "hub", requestingTenantSlug: "metro-pd", legalBases: [VICTIM_ID], expiresAt: "2099-01-01T00:00:00Z" }) { id } }`),
        effect: async () => (await t.gql(hubAdmin, `{ examinationAgreements { id } }`)).data.examinationAgreements.length,
      },
      revokeExaminationAgreement: {
        run: async (k) => t.gql(k, `mutation($id: ID!) { revokeExaminationAgreement(id: $id) { revokedAt } }`, { id: await examAgreement() }),
        // the agreement exists before the first look, so only a revocation could change what is seen
        effect: async () => (await examAgreement(), (await t.gql(hubAdmin, `{ examinationAgreements { id revokedAt } }`)).data.examinationAgreements),
      },
      'setLegalHold(another tenant’s search)': {
        run: async (k) => t.gql(k, `mutation($id: ID!) { setLegalHold(searchId: $id, hold: true, reason: "x") { legalHold } }`, { id: await riverSearch() }),
        effect: async () => null,
      },
    };

    const hubAdminState = async () =>
      (await t.gql(hubAdmin, `{ principals(tenantSlug: "hub") { id disabledAt tokensValidAfter } }`)).data.principals.find((p: { id: string }) => p.id === ids.hubAdminPrincipal);
    const principalCount = async (slug: string) =>
      Number((await t.hub.database.db.scoped({ tenantId: ids[slug] }, (tx) => tx.query(`SELECT count(*) AS n FROM principals WHERE tenant_id = $1`, [ids[slug]])))[0].n);

    let examAgreementId: string | undefined;
    async function examAgreement() {
      if (!examAgreementId) {
        const r = await t.gql(hubAdmin, `mutation { createExaminationAgreement(input: { servingTenantSlug: "hub", requestingTenantSlug: "river-pd", legalBases: [MISSING_PERSON], expiresAt: "2099-01-01T00:00:00Z" }) { id } }`);
        examAgreementId = r.data.createExaminationAgreement.id as string;
      }
      return examAgreementId;
    }

    let riverSearchId: string | undefined;
    async function riverSearch() {
      if (!riverSearchId) {
        const analyst = await t.principal('river-pd', Role.AGENCY_ANALYST);
        const r = await search(analyst.token, { legalBasis: 'IMMINENT_THREAT', minScore: -1 });
        riverSearchId = r.data.searchFaces.id as string;
      }
      return riverSearchId;
    }

    // every role in an agency (principals and service accounts), the operator roles claimed for an
    // agency, and the operator tenant's agency roles; the operator's own OVERSIGHT_AUDITOR too
    const ATTACKERS: [string, () => Promise<string>][] = [
      ...Object.values(Role).map((role): [string, () => Promise<string>] => [`${role} service account of metro-pd`, () => t.token('metro-pd', role)]),
      ...[Role.AGENCY_ANALYST, Role.AGENCY_SUPERVISOR, Role.AGENCY_ADMIN, Role.AGENCY_REQUESTER].map((role): [string, () => Promise<string>] => [`${role} principal of metro-pd`, async () => (await t.principal('metro-pd', role)).token]),
      ...[Role.HUB_ADMIN, Role.OVERSIGHT_AUDITOR].map((role): [string, () => Promise<string>] => [`${role} principal of metro-pd (legacy row)`, async () => (await legacyPrincipal('metro-pd', role)).token]),
      ...[Role.AGENCY_ANALYST, Role.AGENCY_SUPERVISOR, Role.AGENCY_ADMIN, Role.AGENCY_REQUESTER].map((role): [string, () => Promise<string>] => [`${role} principal of the operator tenant`, async () => (await t.principal('hub', role)).token]),
      [`OVERSIGHT_AUDITOR principal of the operator tenant`, async () => (await t.principal('hub', Role.OVERSIGHT_AUDITOR)).token],
    ];

    // the mutations that are agencies' own work, each checked role by role in the permission matrix
    const AGENCY_MUTATIONS = [
      'createGallery', 'enrollFace', 'searchFaces', 'reviewSearch', 'approveExigentSearch', 'updateGallery', 'updateSubject', 'removeSubject', 'removePhoto',
      // requests (and their attacks in test/security/requests.spec.ts)
      'submitRequest', 'acceptRequest', 'declineRequest', 'withdrawRequest', 'editRequestProbe', 'claimVerification', 'recordDispositions', 'releaseLead',
      'recordOutcome', 'exportLeadPhoto', 'closeRequest',
    ];

    it('covers every mutation of the schema that is not an agency’s own work', async () => {
      const mutations = (await schemaOperations()).filter((o) => o.kind === 'mutation').map((o) => o.name);
      const covered = new Set(Object.keys(OPERATOR_MUTATIONS).map((k) => k.replace(/\(.*$/, '')));
      expect(mutations.filter((m) => !covered.has(m) && !AGENCY_MUTATIONS.includes(m))).toEqual([]);
    });

    const attackers: [string, string][] = [];
    beforeAll(async () => {
      for (const [who, tokenOf] of ATTACKERS) attackers.push([who, await tokenOf()]);
    });

    it.each(Object.keys(OPERATOR_MUTATIONS))('%s: refused for everyone but the operator’s HUB_ADMIN, and nothing changes', async (name) => {
      const m = OPERATOR_MUTATIONS[name];
      const before = await m.effect();
      for (const [who, token] of attackers) {
        const r = await m.run(token);
        expect({ who, code: codeOf(r) }).toEqual({ who, code: expect.stringMatching(/^(FORBIDDEN|NOT_FOUND)$/) });
        expect(Object.values(r.data ?? {}).every((v) => v === null)).toBe(true);
      }
      expect(await m.effect()).toEqual(before);
    });
  });

  /** A token from an issuer no tenant trusted (until an attack made one trust it). */
  async function foreignToken(iss: string) {
    const { privateKey } = await jose.generateKeyPair('ES256');
    return new jose.SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'ES256' }).setIssuer(iss).setExpirationTime('5m').sign(privateKey);
  }

  describe('edited token claims', () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const parts = (token: string) => token.split('.');
    const payloadOf = (token: string) => JSON.parse(Buffer.from(parts(token)[1], 'base64url').toString());
    const unauthenticated = async (token: string) => {
      const r = await t.gql(token, `{ me { role tenant { slug } } }`);
      expect(codeOf(r)).toBe('UNAUTHENTICATED');
      expect(r.data?.me ?? null).toBeNull();
    };

    it('a token signed with another key, even an EdDSA one claiming the hub’s issuer, is refused', async () => {
      const { privateKey, publicKey } = await jose.generateKeyPair('EdDSA', { crv: 'Ed25519' });
      await unauthenticated(await mintToken({ privateKey, publicKey }, { tenant: 'hub', role: Role.HUB_ADMIN }));
    });

    it('alg none, and HS256 keyed with anything, are refused', async () => {
      const claims = { tenant: 'hub', role: 'HUB_ADMIN', sub: 'svc:HUB_ADMIN', iss: 'frhub', exp: Math.floor(Date.now() / 1000) + 600 };
      await unauthenticated(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`);
      await unauthenticated(`${b64({ alg: 'none' })}.${b64(claims)}`);
      const hs = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('frhub'));
      await unauthenticated(hs);
    });

    it('a payload changed without re-signing is refused: role raised, tenant swapped, subject swapped', async () => {
      const analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST);
      const svc = await t.token('metro-pd', Role.AGENCY_ANALYST);
      const edit = (token: string, change: Record<string, unknown>) => {
        const [h, , s] = parts(token);
        return `${h}.${b64({ ...payloadOf(token), ...change })}.${s}`;
      };
      await unauthenticated(edit(svc, { role: 'HUB_ADMIN', sub: 'svc:HUB_ADMIN' }));
      await unauthenticated(edit(svc, { tenant: 'hub' }));
      await unauthenticated(edit(analyst.token, { tenant: 'river-pd' }));
      await unauthenticated(edit(analyst.token, { sub: ids.hubAdminPrincipal, tenant: 'hub' }));
      await unauthenticated(edit(analyst.token, { exp: Math.floor(Date.now() / 1000) + 365 * 86400 }));
      // the untouched tokens still work, so the refusals above are the edits'
      expect(codeOf(await t.gql(analyst.token, `{ me { role } }`))).toBe('ok');
      expect(codeOf(await t.gql(svc, `{ me { role } }`))).toBe('ok');
    });

    it('a validly signed token naming a principal in the wrong tenant, an unknown principal or tenant, or an expired one, is refused', async () => {
      const analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST);
      await unauthenticated(await t.token('river-pd', undefined, analyst.id));
      await unauthenticated(await t.token('hub', undefined, analyst.id));
      await unauthenticated(await t.token('hub', undefined, randomUUID()));
      await unauthenticated(await t.token('ghost-pd', Role.AGENCY_ADMIN));
      const expired = await new jose.SignJWT({ tenant: 'hub', role: 'HUB_ADMIN' }).setProtectedHeader({ alg: 'EdDSA' }).setIssuer('frhub')
        .setSubject('svc:HUB_ADMIN').setIssuedAt(Math.floor(Date.now() / 1000) - 7200).setExpirationTime(Math.floor(Date.now() / 1000) - 3600).sign(t.hub.keys.privateKey);
      await unauthenticated(expired);
    });

    it('a role claim added to a principal’s token is ignored: the principal’s own role rules', async () => {
      const analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST);
      const raised = await new jose.SignJWT({ tenant: 'metro-pd', role: 'HUB_ADMIN' }).setProtectedHeader({ alg: 'EdDSA' }).setIssuer('frhub')
        .setSubject(analyst.id).setExpirationTime('5m').sign(t.hub.keys.privateKey);
      expect((await t.gql(raised, `{ me { role } }`)).data.me.role).toBe('AGENCY_ANALYST');
      expect(codeOf(await t.gql(raised, `mutation { createTenant(input: { slug: "raised-pd", name: "x" }) { id } }`))).toBe('FORBIDDEN');
    });

    it('a foreign issuer no tenant trusts is refused, whatever it claims', async () => {
      await unauthenticated(await foreignToken('https://evil.example'));
    });
  });

  describe('tokens that outlive what they were minted for', () => {
    it('a suspended tenant’s tokens, minted while it was active, search, enroll and add nothing and spend nothing; reinstated, they work again', async () => {
      await t.createTenant('lake-pd');
      ids['lake-pd/gallery'] = (await t.gql(await t.token('lake-pd', Role.AGENCY_ADMIN), `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
      const analyst = await t.principal('lake-pd', Role.AGENCY_ANALYST);
      const admin = await t.principal('lake-pd', Role.AGENCY_ADMIN);
      expect(codeOf(await search(analyst.token))).toBe('ok');
      expect((await t.gql(hubAdmin, `mutation { setTenantStatus(slug: "lake-pd", status: SUSPENDED) { status } }`)).data.setTenantStatus.status).toBe('SUSPENDED');
      const used = await quotaUsed('lake-pd');
      const denied = await search(analyst.token);
      expect(codeOf(denied)).toBe('TENANT_SUSPENDED');
      expect(denied.data?.searchFaces ?? null).toBeNull();
      expect(await quotaUsed('lake-pd')).toBe(used);
      // its own administrator cannot lift the suspension, nor start anything new: no principals, tokens, galleries or enrollments
      const lift = await t.gql(admin.token, `mutation { setTenantStatus(slug: "lake-pd", status: ACTIVE) { status } }`);
      expect(codeOf(lift)).toBe('FORBIDDEN');
      expect(codeOf(await search(analyst.token))).toBe('TENANT_SUSPENDED');
      const refusals = [
        await t.gql(admin.token, `mutation { createPrincipal(input: { tenantSlug: "lake-pd", name: "New hire", role: AGENCY_ANALYST, certifiedUntil: "2099-01-01T00:00:00Z" }) { id } }`),
        await t.gql(admin.token, `mutation($id: ID!) { issueToken(principalId: $id) { token } }`, { id: analyst.id }),
        await t.gql(admin.token, `mutation { createGallery(input: { name: "More" }) { id } }`),
        await t.gql(admin.token, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId } }`, { i: { galleryId: ids['lake-pd/gallery'], subjectRef: 'S-1', imageBase64: image } }),
      ];
      expect(refusals.map(codeOf)).toEqual(['TENANT_SUSPENDED', 'TENANT_SUSPENDED', 'TENANT_SUSPENDED', 'TENANT_SUSPENDED']);
      expect(refusals.every((r) => Object.values(r.data ?? {}).every((v) => v === null))).toBe(true);
      expect(refusals[0].errors![0].message).toMatch(/suspended/);
      // it may still read what it has
      expect(codeOf(await t.gql(admin.token, `{ galleries { id } }`))).toBe('ok');
      await t.gql(hubAdmin, `mutation { setTenantStatus(slug: "lake-pd", status: ACTIVE) { status } }`);
      expect(codeOf(await search(analyst.token))).toBe('ok');
      expect(codeOf(await t.gql(admin.token, `mutation { createGallery(input: { name: "More" }) { id } }`))).toBe('ok');
    });

    it('a principal whose certification lapses after its token was minted may no longer search with it', async () => {
      const inAnHour = new Date(clock.now().getTime() + 3600_000).toISOString();
      const analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST, { certifiedUntil: inAnHour });
      await t.gql(hubAdmin, `mutation { setQuota(input: { tenantSlug: "metro-pd", period: MONTH, limit: 1000 }) { limit } }`);
      expect(codeOf(await search(analyst.token))).toBe('ok');
      clock.advance(2 * 3600_000);
      const used = await quotaUsed('metro-pd');
      const lapsed = await search(analyst.token);
      expect(codeOf(lapsed)).toBe('CERTIFICATION_REQUIRED');
      expect(lapsed.data?.searchFaces ?? null).toBeNull();
      expect(await quotaUsed('metro-pd')).toBe(used);
    });
  });
});

import type { QueryRunner } from 'typeorm';
import { SandboxTenantsGroups1765041240000 } from '../../migrations/1765041240000-sandbox-tenants-groups';
import { Role } from '../../models/enums';
import { bookingPhoto } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';

// A sandbox tenant (an independent tester's) attacked from both sides over real HTTP, then at the
// database: no agreement joins a sandbox and a real agency (service and trigger), a sandbox's search
// never reaches a real gallery nor a real agency's a sandbox's, and with each layer switched off in
// turn the other still holds (the service's check, then row-level security). Same pipeline, audited,
// its own quota; the tester measures its own gallery by group.
describe('sandbox tenants for independent testing: apart from every real gallery', () => {
  let t: TestHub;
  let hubAdmin: string;
  const tok: Record<string, string> = {};
  const gal: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const b64 = (b: Buffer) => b.toString('base64');
  const owner = () => t.hub.database.db;
  const scoped = <T>(tenantId: string, sql: string, params?: unknown[]) => owner().scoped({ tenantId }, (tx) => tx.query(sql, params)) as Promise<T>;
  const search = async (token: string, galleryIds?: string[]) =>
    t.gql(token, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id galleriesSearched candidates { galleryId subjectRef score } } }`, {
      i: { imageBase64: b64(await bookingPhoto('BK-1001', true)), legalBasis: 'VICTIM_ID', caseNumber: 'T-1', minScore: -1, ...(galleryIds ? { galleryIds } : {}) },
    });
  const share = (galleryId: string, granteeTenantSlug: string | null) =>
    t.gql(hubAdmin, `mutation($i: CreateSharingAgreementInput!) { createSharingAgreement(input: $i) { id } }`, {
      i: { galleryId, ...(granteeTenantSlug ? { granteeTenantSlug } : {}), legalBases: ['VICTIM_ID'], expiresAt: '2099-01-01T00:00:00Z' },
    });
  const used = async (slug: string) => (await t.gql(hubAdmin, `query($s: String!) { quota(tenantSlug: $s) { used } }`, { s: slug })).data.quota.used as number;

  beforeAll(async () => {
    t = await startHub();
    hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    await t.createTenant('metro-pd');
    await t.createTenant('tester-lab', { sandbox: true });
    await t.createTenant('tester-two', { sandbox: true });
    for (const slug of ['metro-pd', 'tester-lab', 'tester-two']) {
      tok[`${slug}:admin`] = (await t.principal(slug, Role.AGENCY_ADMIN)).token;
      tok[`${slug}:analyst`] = (await t.principal(slug, Role.AGENCY_ANALYST)).token;
      gal[slug] = (await t.gql(tok[`${slug}:admin`], `mutation { createGallery(input: { name: "Photos" }) { id } }`)).data.createGallery.id;
      // the same face in each: a search that reached another's gallery would find it
      const e = await t.gql(tok[`${slug}:admin`], `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId } }`, { i: { galleryId: gal[slug], subjectRef: `${slug}-1`, imageBase64: b64(await bookingPhoto('BK-1001')) } });
      if (e.errors) throw new Error(JSON.stringify(e.errors));
    }
    const tenants = (await t.gql(hubAdmin, `{ tenants { id slug sandbox } }`)).data.tenants as { id: string; slug: string; sandbox: boolean }[];
    for (const x of tenants) ids[x.slug] = x.id;
    expect(tenants.filter((x) => x.sandbox).map((x) => x.slug).sort()).toEqual(['tester-lab', 'tester-two']);
  });
  afterAll(() => t?.close());

  it('no sharing or examination agreement joins a sandbox and a real agency (nor shares a sandbox gallery with every tenant); refusals audited; sandboxes share among themselves', async () => {
    for (const [gallery, grantee] of [[gal['metro-pd'], 'tester-lab'], [gal['tester-lab'], 'metro-pd'], [gal['tester-lab'], null]] as const) {
      const r = await share(gallery, grantee);
      expect(r.errors?.[0].extensions.code).toBe('FORBIDDEN');
      expect(r.errors?.[0].message).toMatch(/sandbox tenant for independent testing/);
    }
    const refused = (await t.gql(hubAdmin, `{ auditEvents(first: 3, action: "SHARING_CREATED") { nodes { outcome reason } } }`)).data.auditEvents.nodes;
    expect(refused).toEqual(Array(3).fill({ outcome: 'DENIED', reason: 'FORBIDDEN' }));
    for (const [serving, requesting] of [['metro-pd', 'tester-lab'], ['tester-lab', 'metro-pd']]) {
      const r = await t.gql(hubAdmin, `mutation($i: CreateExaminationAgreementInput!) { createExaminationAgreement(input: $i) { id } }`, {
        i: { servingTenantSlug: serving, requestingTenantSlug: requesting, legalBases: ['VICTIM_ID'], expiresAt: '2099-01-01T00:00:00Z' },
      });
      expect(r.errors?.[0].extensions.code).toBe('FORBIDDEN');
    }
    expect((await share(gal['tester-two'], 'tester-lab')).errors).toBeUndefined();
    // the database refuses it by itself, whoever writes
    await expect(owner().query(`INSERT INTO sharing_agreements (id, tenant_id, gallery_id, grantee_tenant_id, legal_bases, expires_at) VALUES (gen_random_uuid(), $1, $2, $3, '{VICTIM_ID}', now() + interval '1 day')`, [ids['metro-pd'], gal['metro-pd'], ids['tester-lab']])).rejects.toThrow(/never share/);
    await expect(owner().query(`INSERT INTO sharing_agreements (id, tenant_id, gallery_id, grantee_tenant_id, legal_bases, expires_at) VALUES (gen_random_uuid(), $1, $2, NULL, '{VICTIM_ID}', now() + interval '1 day')`, [ids['tester-lab'], gal['tester-lab']])).rejects.toThrow(/never share/);
  });

  it('a sandbox searches its own (and another sandbox’s shared) photos through the same pipeline, audited, on its own quota; never a real gallery', async () => {
    const before = await used('metro-pd');
    const r = await search(tok['tester-lab:analyst']);
    expect(r.errors).toBeUndefined();
    expect(r.data.searchFaces.galleriesSearched.sort()).toEqual([gal['tester-lab'], gal['tester-two']].sort());
    expect(r.data.searchFaces.candidates.map((c: { subjectRef: string }) => c.subjectRef).sort()).toEqual(['tester-lab-1', 'tester-two-1']);
    const asked = await search(tok['tester-lab:analyst'], [gal['metro-pd']]);
    expect(asked.errors?.[0].extensions.code).toBe('NOT_FOUND');
    expect(await used('metro-pd')).toBe(before);
    expect(await used('tester-lab')).toBe(1);
    const event = (await t.gql(hubAdmin, `{ auditEvents(first: 2, action: "SEARCH") { nodes { tenantId outcome galleries } } }`)).data.auditEvents.nodes;
    expect(event).toEqual([{ tenantId: ids['tester-lab'], outcome: 'DENIED', galleries: null }, { tenantId: ids['tester-lab'], outcome: 'ALLOWED', galleries: expect.arrayContaining([gal['tester-lab']]) }]);
    // and a real agency's search never reaches a sandbox
    const real = await search(tok['metro-pd:analyst']);
    expect(real.data.searchFaces.galleriesSearched).toEqual([gal['metro-pd']]);
    expect((await search(tok['metro-pd:analyst'], [gal['tester-lab']])).errors?.[0].extensions.code).toBe('NOT_FOUND');
  });

  describe('with one layer switched off, the other still holds', () => {
    let agreement = '';
    const runner = async (work: (r: QueryRunner) => Promise<void>) => {
      const q = t.hub.database.dataSource.createQueryRunner();
      try {
        await work(q);
      } finally {
        await q.release();
      }
    };
    const APART = ['galleries', 'subjects', 'face_templates', 'face_crops'];

    beforeAll(async () => {
      // an agreement the service and the trigger would refuse, written around both: a real gallery shared with the sandbox
      await owner().query(`ALTER TABLE sharing_agreements DISABLE TRIGGER sharing_agreements_same_kind`);
      agreement = (await owner().query<{ id: string }>(`INSERT INTO sharing_agreements (id, tenant_id, gallery_id, grantee_tenant_id, legal_bases, expires_at) VALUES (gen_random_uuid(), $1, $2, $3, '{VICTIM_ID}', now() + interval '1 day') RETURNING id`, [ids['metro-pd'], gal['metro-pd'], ids['tester-lab']]))[0].id;
      await owner().query(`ALTER TABLE sharing_agreements ENABLE TRIGGER sharing_agreements_same_kind`);
    });
    afterAll(async () => {
      await owner().query(`DELETE FROM sharing_agreements WHERE id = $1`, [agreement]);
    });

    it('row-level security: the sandbox’s transactions see none of the real gallery, its subjects or templates, though an agreement names them', async () => {
      for (const table of ['galleries', 'subjects', 'face_templates']) {
        const column = table === 'galleries' ? 'id' : 'gallery_id';
        expect(await scoped<unknown[]>(ids['tester-lab'], `SELECT 1 FROM ${table} WHERE ${column} = $1`, [gal['metro-pd']])).toEqual([]);
        expect(await scoped<unknown[]>(ids['metro-pd'], `SELECT 1 FROM ${table} WHERE ${column} = $1`, [gal['tester-lab']])).toEqual([]);
      }
      const r = await search(tok['tester-lab:analyst']);
      expect(r.data.searchFaces.galleriesSearched).not.toContain(gal['metro-pd']);
      expect(r.data.searchFaces.candidates.map((c: { galleryId: string }) => c.galleryId)).not.toContain(gal['metro-pd']);
    });

    it('the service: with the database’s policy dropped, the sandbox’s search still neither names nor reaches the real gallery', async () => {
      await runner(async (q) => {
        for (const table of APART) await q.query(`DROP POLICY sandbox_apart ON ${table}`);
      });
      try {
        // without the policy the agreement would expose the real gallery to the sandbox
        expect(await scoped<unknown[]>(ids['tester-lab'], `SELECT 1 FROM face_templates WHERE gallery_id = $1`, [gal['metro-pd']])).toHaveLength(1);
        const r = await search(tok['tester-lab:analyst']);
        expect(r.errors).toBeUndefined();
        expect(r.data.searchFaces.galleriesSearched).not.toContain(gal['metro-pd']);
        expect(r.data.searchFaces.candidates.map((c: { galleryId: string }) => c.galleryId)).not.toContain(gal['metro-pd']);
        expect((await search(tok['tester-lab:analyst'], [gal['metro-pd']])).errors?.[0].extensions.code).toBe('NOT_FOUND');
      } finally {
        // the policies back as the migration made them
        await runner(async (q) => {
          for (const table of APART) {
            await q.query(`CREATE POLICY sandbox_apart ON ${table} AS RESTRICTIVE USING ((SELECT frhub_all_tenants()) OR NOT (tenant_id = ANY (coalesce((SELECT frhub_other_kind_tenants()), '{}'::uuid[]))))
                           WITH CHECK ((SELECT frhub_all_tenants()) OR NOT (tenant_id = ANY (coalesce((SELECT frhub_other_kind_tenants()), '{}'::uuid[]))))`);
          }
        });
      }
      expect(await scoped<unknown[]>(ids['tester-lab'], `SELECT 1 FROM face_templates WHERE gallery_id = $1`, [gal['metro-pd']])).toEqual([]);
    });
  });

  it("a sandbox's searches are no agency's use of the hub: hub-wide statistics and reports leave them out, its own figures keep them", async () => {
    const auditor = await t.token('hub', Role.OVERSIGHT_AUDITOR);
    const range = `from: "2020-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z"`;
    const hubWide = (await t.gql(auditor, `{ usageStatistics(${range}, groupBy: [TENANT]) { rows { tenant searches } } }`)).data.usageStatistics.rows;
    expect(hubWide.map((r: { tenant: string }) => r.tenant)).toContain('metro-pd');
    expect(hubWide.map((r: { tenant: string }) => r.tenant)).not.toEqual(expect.arrayContaining(['tester-lab']));
    const year = new Date().getUTCFullYear();
    const report = JSON.stringify((await t.gql(auditor, `{ transparencyReport(year: ${year}) { rows { agency } csv } statutoryReport(statute: MD_2_510, year: ${year}) { csv } }`)).data);
    expect(report).toContain('metro-pd');
    expect(report).not.toContain('tester-lab');
    // the tester's own figures count its searches
    const own = (await t.gql(tok['tester-lab:admin'], `{ usageStatistics(${range}, tenantSlug: "tester-lab") { rows { searches } } }`)).data.usageStatistics.rows;
    expect(own.reduce((n: number, r: { searches: number }) => n + r.searches, 0)).toBeGreaterThan(0);
  });

  it('the tester measures its own gallery by group (galleryRatesByGroup), and no other', async () => {
    const admin = tok['tester-lab:admin'];
    await t.gql(admin, `mutation($g: ID!) { updateGallery(input: { galleryId: $g, demographicFields: [SEX] }) { id } }`, { g: gal['tester-lab'] });
    const list = (await t.gql(admin, `query($g: ID!) { subjects(galleryId: $g) { nodes { id } } }`, { g: gal['tester-lab'] })).data.subjects.nodes;
    await t.gql(admin, `mutation($i: UpdateSubjectInput!) { updateSubject(input: $i) { id } }`, { i: { subjectId: list[0].id, sex: 'UNKNOWN' } });
    const q = `query($g: ID!) { galleryRatesByGroup(galleryId: $g, by: SEX) { kept templatesRead groups { group people tooSmall warning suppressed } } }`;
    const own = await t.gql(admin, q, { g: gal['tester-lab'] });
    expect(own.errors).toBeUndefined();
    expect(own.data.galleryRatesByGroup).toMatchObject({ kept: true, templatesRead: 1, groups: [{ group: 'UNKNOWN', people: '<5', tooSmall: true, suppressed: true }] });
    expect((await t.gql(admin, q, { g: gal['metro-pd'] })).errors?.[0].extensions.code).toBe('NOT_FOUND');
    expect((await t.gql(admin, q, { g: gal['tester-two'] })).errors?.[0].extensions.code).toBe('NOT_FOUND');
    expect((await t.gql(tok['tester-lab:analyst'], q, { g: gal['tester-lab'] })).errors?.[0].extensions.code).toBe('FORBIDDEN');
    // a real agency's administrator: not its own gallery either (oversight's and the operator's figures)
    expect((await t.gql(tok['metro-pd:admin'], q, { g: gal['metro-pd'] })).errors?.[0].extensions.code).toBe('NOT_FOUND');
  });

  it('the migration’s down() removes the column, policies and triggers, and up() puts them back', async () => {
    const state = async () => ({
      column: (await owner().query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'tenants' AND column_name = 'sandbox'`)).length,
      policies: (await owner().query(`SELECT 1 FROM pg_policies WHERE policyname = 'sandbox_apart'`)).length,
      triggers: (await owner().query(`SELECT 1 FROM pg_trigger WHERE tgname LIKE '%_same_kind'`)).length,
    });
    expect(await state()).toEqual({ column: 1, policies: 4, triggers: 2 });
    const m = new SandboxTenantsGroups1765041240000();
    // a runner of its own, released before the next query: the embedded database has one connection
    const runner = async (work: (r: QueryRunner) => Promise<void>) => {
      const q = t.hub.database.dataSource.createQueryRunner();
      try {
        await work(q);
      } finally {
        await q.release();
      }
    };
    await runner((q) => m.down(q));
    expect(await state()).toEqual({ column: 0, policies: 0, triggers: 0 });
    await runner((q) => m.up(q));
    expect(await state()).toEqual({ column: 1, policies: 4, triggers: 2 });
  });
});

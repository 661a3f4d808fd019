import { Role } from '../../models/enums';
import { SearchRepository } from '../../models/search.repository';
import { portrait } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';

// The audit chain and row-level security, attacked at the database, on PGlite and PostgreSQL alike.
describe('audit chain and tenant isolation in the database', () => {
  let t: TestHub;
  let hubAdmin: string;
  let auditor: string;
  const tenantIds: Record<string, string> = {};
  const verify = async () => (await t.gql(auditor, `{ verifyAuditChain { ok firstBrokenSequence checked } }`)).data.verifyAuditChain;
  const owner = () => t.hub.database.db;

  beforeAll(async () => {
    t = await startHub();
    hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    auditor = (await t.principal('hub', Role.OVERSIGHT_AUDITOR)).token;
    const image = (await portrait()).toString('base64');
    for (const slug of ['metro-pd', 'river-pd']) {
      await t.createTenant(slug);
      tenantIds[slug] = (await t.gql(await t.token(slug, Role.AGENCY_ADMIN), `{ me { tenant { id } } }`)).data.me.tenant.id;
      const admin = await t.token(slug, Role.AGENCY_ADMIN);
      const g = (await t.gql(admin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
      await t.gql(admin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId } }`, { i: { galleryId: g, subjectRef: `${slug}-1`, imageBase64: image } });
      const analyst = await t.principal(slug, Role.AGENCY_ANALYST);
      const s = await t.gql(analyst.token, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: `${slug}-case`, minScore: -1 } });
      expect(s.errors).toBeUndefined();
      await t.gql(analyst.token, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`, { i: { imageBase64: image, legalBasis: 'VICTIM_ID' } });
    }
  });
  afterAll(() => t?.close());

  describe('audit chain', () => {
    it('verifies a chain of real activity, allowed and denied events alike', async () => {
      const v = await verify();
      expect(v.ok).toBe(true);
      expect(v.firstBrokenSequence).toBeNull();
      expect(v.checked).toBeGreaterThan(10);
      const events = (await t.gql(hubAdmin, `{ auditEvents(first: 500) { nodes { seq action outcome reason } } }`)).data.auditEvents.nodes;
      const seqs = events.map((e: { seq: number }) => e.seq).reverse();
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      const actions = new Set(events.map((e: { action: string }) => e.action));
      for (const a of ['TENANT_CREATED', 'PRINCIPAL_CREATED', 'GALLERY_CREATED', 'ENROLL', 'SEARCH', 'AUDIT_VERIFY']) expect(actions).toContain(a);
      expect(events).toContainEqual(expect.objectContaining({ action: 'SEARCH', outcome: 'DENIED', reason: 'CASE_NUMBER_REQUIRED' }));
    });

    it('audits every read of the audit log itself', async () => {
      await t.gql(hubAdmin, `{ auditEvents(first: 1) { nodes { seq } } }`);
      const [latest] = (await t.gql(hubAdmin, `{ auditEvents(first: 1) { nodes { action outcome } } }`)).data.auditEvents.nodes;
      expect(latest).toEqual({ action: 'AUDIT_READ', outcome: 'ALLOWED' });
      expect((await t.gql(auditor, `{ auditEvents(first: 1) { nodes { seq } } }`)).errors?.[0].extensions.code).toBe('FORBIDDEN');
    });

    it('refuses UPDATE, DELETE and TRUNCATE, even for the table owner', async () => {
      for (const sql of ['UPDATE audit_events SET reason = NULL WHERE seq = 1', 'DELETE FROM audit_events WHERE seq = 1', 'TRUNCATE audit_events']) {
        await expect(owner().query(sql)).rejects.toThrow(/append-only/);
        await expect(owner().scoped({ tenantId: null, allTenants: true }, (tx) => tx.query(sql))).rejects.toThrow(/append-only|permission denied/);
      }
      expect((await verify()).ok).toBe(true);
    });

    it('detects a row edited out of band (triggers disabled by the owner) at its sequence number', async () => {
      const [row] = await owner().query<{ seq: number; case_number: string }>(`SELECT seq::int AS seq, case_number FROM audit_events WHERE action = 'SEARCH' AND case_number IS NOT NULL ORDER BY seq LIMIT 1`);
      await owner().query(`ALTER TABLE audit_events DISABLE TRIGGER USER`);
      try {
        await owner().query(`UPDATE audit_events SET case_number = 'EDITED' WHERE seq = $1`, [row.seq]);
        expect(await verify()).toMatchObject({ ok: false, firstBrokenSequence: row.seq, checked: row.seq - 1 });
        await owner().query(`UPDATE audit_events SET case_number = $2 WHERE seq = $1`, [row.seq, row.case_number]);
        expect((await verify()).ok).toBe(true);
        // a deleted tail is caught by the head
        const [{ max }] = await owner().query(`SELECT max(seq)::int AS max FROM audit_events`);
        await owner().query(`DELETE FROM audit_events WHERE seq = $1`, [max]);
        expect(await verify()).toMatchObject({ ok: false, firstBrokenSequence: max });
      } finally {
        await owner().query(`ALTER TABLE audit_events ENABLE TRIGGER USER`);
      }
    });
  });

  describe('row-level security, the second wall', () => {
    const TABLES = ['principals', 'galleries', 'subjects', 'face_templates', 'face_crops', 'searches', 'search_candidates', 'tenant_policies', 'quotas', 'audit_events'];

    it('a transaction with no tenant set sees zero rows in every tenant-scoped table', async () => {
      for (const table of TABLES) {
        const [{ all }] = await owner().query(`SELECT count(*)::int AS all FROM ${table}`);
        expect(all).toBeGreaterThan(0);
        const [{ n }] = await owner().scoped({ tenantId: null }, (tx) => tx.query(`SELECT count(*)::int AS n FROM ${table}`));
        expect([table, n]).toEqual([table, 0]);
      }
    });

    it('a query without its tenant filter still reads only the scope’s tenant', async () => {
      const metro = tenantIds['metro-pd'];
      for (const table of TABLES) {
        const rows = await owner().scoped({ tenantId: metro }, (tx) => tx.query<{ tenant_id: string }>(`SELECT tenant_id FROM ${table}`));
        expect(rows.length).toBeGreaterThan(0);
        expect(new Set(rows.map((r) => r.tenant_id))).toEqual(new Set([metro]));
      }
      // the repository's own lookup with the filter dropped: another tenant's search is invisible
      const [riverSearch] = await owner().query<{ id: string }>(`SELECT id FROM searches WHERE tenant_id = $1 LIMIT 1`, [tenantIds['river-pd']]);
      expect(await owner().scoped({ tenantId: metro }, (tx) => new SearchRepository().visible(tx, riverSearch.id))).toBeUndefined();
    });

    it('refuses to write a row into another tenant', async () => {
      await expect(
        owner().scoped({ tenantId: tenantIds['metro-pd'] }, (tx) =>
          tx.query(`INSERT INTO galleries (id, tenant_id, name) VALUES (gen_random_uuid(), $1, 'planted')`, [tenantIds['river-pd']]),
        ),
      ).rejects.toThrow(/row-level security/);
    });
  });
});

import type { MigrationInterface, QueryRunner } from 'typeorm';

// Governance: tenant policies, quotas, sharing agreements, reviews, retention columns, the
// hash-chained append-only audit log, and row-level security on every tenant-scoped table.
// The application runs each transaction as the role frhub_app (SET LOCAL ROLE), which does not
// bypass RLS, with the tenant in `frhub.tenant_id` (see server/database/open-database.ts).
const SCOPED = ['principals', 'galleries', 'subjects', 'face_templates', 'searches', 'search_candidates', 'search_reviews',
  'tenant_policies', 'quotas', 'sharing_agreements', 'audit_events'];
const SHARED_READ = { galleries: 'id', subjects: 'gallery_id', face_templates: 'gallery_id' } as const;

export class Governance1764200000000 implements MigrationInterface {
  name = 'Governance1764200000000';

  async up(q: QueryRunner): Promise<void> {
    // an owner tenant on every row that belongs to one, so row-level security needs no joins
    for (const t of ['subjects', 'face_templates']) {
      await q.query(`ALTER TABLE ${t} ADD COLUMN tenant_id uuid REFERENCES tenants(id)`);
      await q.query(`UPDATE ${t} x SET tenant_id = g.tenant_id FROM galleries g WHERE g.id = x.gallery_id`);
      await q.query(`ALTER TABLE ${t} ALTER COLUMN tenant_id SET NOT NULL`);
    }
    await q.query(`ALTER TABLE search_candidates ADD COLUMN tenant_id uuid REFERENCES tenants(id)`);
    await q.query(`UPDATE search_candidates c SET tenant_id = s.tenant_id FROM searches s WHERE s.id = c.search_id`);
    await q.query(`ALTER TABLE search_candidates ALTER COLUMN tenant_id SET NOT NULL`);

    await q.query(`
      ALTER TABLE searches
        ADD COLUMN narrative text,
        ADD COLUMN offense_description text,
        ADD COLUMN exigent_due_at timestamptz,
        ADD COLUMN approved_by uuid,
        ADD COLUMN approved_at timestamptz,
        ADD COLUMN review_status text NOT NULL DEFAULT 'PENDING',
        ADD COLUMN review_outcome text,
        ADD COLUMN legal_hold boolean NOT NULL DEFAULT false,
        ADD COLUMN legal_hold_reason text`);
    await q.query(`CREATE INDEX searches_exigent_due ON searches (tenant_id, exigent_due_at) WHERE exigent_due_at IS NOT NULL AND approved_at IS NULL`);

    await q.query(`
      CREATE TABLE tenant_policies (
        tenant_id uuid PRIMARY KEY REFERENCES tenants(id),
        preset text NOT NULL,
        rules jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE quotas (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        period text NOT NULL CHECK (period IN ('MONTH', 'DAY')),
        "limit" int NOT NULL CHECK ("limit" >= 0),
        used int NOT NULL DEFAULT 0 CHECK (used >= 0),
        window_start timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, period)
      )`);
    // the start of the current quota window, in UTC
    await q.query(`
      CREATE FUNCTION frhub_quota_window(period text) RETURNS timestamptz LANGUAGE sql STABLE AS $$
        SELECT date_trunc(CASE period WHEN 'MONTH' THEN 'month' ELSE 'day' END, now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
      $$`);
    await q.query(`
      CREATE TABLE sharing_agreements (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        gallery_id uuid NOT NULL REFERENCES galleries(id),
        grantee_tenant_id uuid REFERENCES tenants(id),
        legal_bases text[] NOT NULL CHECK (cardinality(legal_bases) > 0),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX sharing_agreements_grantee ON sharing_agreements (grantee_tenant_id) WHERE revoked_at IS NULL`);
    await q.query(`
      CREATE TABLE search_reviews (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        search_id uuid NOT NULL REFERENCES searches(id) ON DELETE CASCADE,
        reviewer_id uuid NOT NULL,
        outcome text NOT NULL,
        decisions jsonb NOT NULL,
        note text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX search_reviews_search ON search_reviews (search_id, created_at)`);

    // The audit chain: seq is gapless (taken from audit_head under its row lock, so a rolled-back
    // transaction takes its number back with it) and each hash covers the previous one.
    await q.query(`
      CREATE TABLE audit_head (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        seq bigint NOT NULL,
        hash text NOT NULL
      )`);
    await q.query(`INSERT INTO audit_head (id, seq, hash) VALUES (true, 0, repeat('0', 64))`);
    await q.query(`
      CREATE TABLE audit_events (
        seq bigint PRIMARY KEY,
        at timestamptz NOT NULL,
        request_id text,
        tenant_id uuid,
        principal_id uuid,
        actor_role text,
        action text NOT NULL,
        outcome text NOT NULL,
        reason text,
        case_number text,
        legal_basis text,
        offense_category text,
        galleries uuid[],
        candidate_count int,
        model_version text,
        probe_sha256 text,
        details jsonb NOT NULL DEFAULT '{}',
        hash text NOT NULL
      )`);
    await q.query(`CREATE INDEX audit_events_tenant ON audit_events (tenant_id, seq)`);
    await q.query(`CREATE INDEX audit_events_action_at ON audit_events (action, at)`);
    await q.query(`
      CREATE FUNCTION frhub_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION frhub_audit_append_only()`);
    await q.query(`CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION frhub_audit_append_only()`);

    // existing tenants get the default policy and quota explicitly (a new tenant gets them at creation)
    await q.query(`
      INSERT INTO tenant_policies (tenant_id, preset, rules)
      SELECT id, 'MN_DEFAULT', '{}'::jsonb FROM tenants`);
    await q.query(`INSERT INTO quotas (tenant_id, period, "limit", window_start) SELECT id, 'MONTH', 500, frhub_quota_window('MONTH') FROM tenants`);

    // The application role: no BYPASSRLS, not the tables' owner; the connecting user may SET ROLE to it.
    await q.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'frhub_app') THEN
          CREATE ROLE frhub_app NOLOGIN NOBYPASSRLS;
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`);
    await q.query(`GRANT frhub_app TO CURRENT_USER`);
    await q.query(`GRANT USAGE ON SCHEMA public TO frhub_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON tenants TO frhub_app`);
    await q.query(`GRANT SELECT ON frhub_migrations TO frhub_app`);
    await q.query(`GRANT SELECT, UPDATE ON audit_head TO frhub_app`);
    await q.query(`GRANT SELECT, INSERT ON audit_events TO frhub_app`);
    for (const t of SCOPED.filter((t) => t !== 'audit_events')) await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${t} TO frhub_app`);

    await q.query(`
      CREATE FUNCTION frhub_tenant() RETURNS uuid LANGUAGE sql STABLE AS $$
        SELECT nullif(current_setting('frhub.tenant_id', true), '')::uuid
      $$`);
    await q.query(`
      CREATE FUNCTION frhub_all_tenants() RETURNS boolean LANGUAGE sql STABLE AS $$
        SELECT coalesce(current_setting('frhub.all_tenants', true), '') = 'on'
      $$`);
    for (const t of SCOPED) {
      await q.query(`ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${t} FORCE ROW LEVEL SECURITY`);
      // the settings read once per statement (an InitPlan), not once per row
      await q.query(`CREATE POLICY tenant_isolation ON ${t} USING ((SELECT frhub_all_tenants()) OR tenant_id = (SELECT frhub_tenant())) WITH CHECK ((SELECT frhub_all_tenants()) OR tenant_id = (SELECT frhub_tenant()))`);
    }
    // a grantee sees (reads only) the galleries shared with it while the agreement is in force
    const inForce = `SELECT a.gallery_id FROM sharing_agreements a WHERE (a.grantee_tenant_id = (SELECT frhub_tenant()) OR a.grantee_tenant_id IS NULL) AND a.revoked_at IS NULL AND a.expires_at > now()`;
    for (const [t, col] of Object.entries(SHARED_READ)) {
      await q.query(`CREATE POLICY shared_read ON ${t} FOR SELECT USING (${col} IN (${inForce}))`);
    }
    await q.query(`CREATE POLICY grantee_read ON sharing_agreements FOR SELECT USING (grantee_tenant_id = (SELECT frhub_tenant()) OR grantee_tenant_id IS NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['galleries', 'subjects', 'face_templates']) await q.query(`DROP POLICY IF EXISTS shared_read ON ${t}`);
    for (const t of SCOPED) {
      await q.query(`DROP POLICY IF EXISTS tenant_isolation ON ${t}`);
      await q.query(`ALTER TABLE ${t} NO FORCE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${t} DISABLE ROW LEVEL SECURITY`);
    }
    for (const t of ['audit_events', 'audit_head', 'search_reviews', 'sharing_agreements', 'quotas', 'tenant_policies']) await q.query(`DROP TABLE IF EXISTS ${t} CASCADE`);
    for (const f of ['frhub_audit_append_only()', 'frhub_quota_window(text)', 'frhub_tenant()', 'frhub_all_tenants()']) await q.query(`DROP FUNCTION IF EXISTS ${f}`);
    await q.query(`REVOKE ALL ON tenants, frhub_migrations, principals, galleries, subjects, face_templates, searches, search_candidates FROM frhub_app`);
    await q.query(`REVOKE USAGE ON SCHEMA public FROM frhub_app`);
    // the role is cluster-wide and other databases may use it: it stays
    await q.query(`DROP INDEX IF EXISTS searches_exigent_due`);
    await q.query(`
      ALTER TABLE searches DROP COLUMN narrative, DROP COLUMN offense_description, DROP COLUMN exigent_due_at, DROP COLUMN approved_by,
        DROP COLUMN approved_at, DROP COLUMN review_status, DROP COLUMN review_outcome, DROP COLUMN legal_hold, DROP COLUMN legal_hold_reason`);
    for (const t of ['subjects', 'face_templates', 'search_candidates']) await q.query(`ALTER TABLE ${t} DROP COLUMN tenant_id`);
  }
}

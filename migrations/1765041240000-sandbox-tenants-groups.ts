import type { MigrationInterface, QueryRunner } from 'typeorm';

// A sandbox tenant: an independent tester's own labelled photos, enrolled and searched through the
// same pipeline, apart from every real gallery. Its kind is set once, when the operator creates it
// (the application role may update a tenant's status only), and the database keeps the two kinds
// apart by itself: a restrictive policy hides every gallery, subject, template and crop of the other
// kind from a tenant's transaction, and triggers refuse a sharing or examination agreement between
// the kinds (or a sandbox gallery shared with every tenant).
const APART = ['galleries', 'subjects', 'face_templates', 'face_crops'];

export class SandboxTenantsGroups1765041240000 implements MigrationInterface {
  name = 'SandboxTenantsGroups1765041240000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenants ADD COLUMN sandbox boolean NOT NULL DEFAULT false`);
    // SECURITY DEFINER: a tenant's transaction sees no other tenant's row, yet must know its kind
    await q.query(`
      CREATE FUNCTION frhub_sandbox_of(t uuid) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
        SELECT coalesce((SELECT sandbox FROM tenants WHERE id = t), false)
      $$`);
    // the tenants of the other kind than the transaction's own (none without a tenant), once per statement
    await q.query(`
      CREATE FUNCTION frhub_other_kind_tenants() RETURNS uuid[] LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
        SELECT CASE WHEN frhub_tenant() IS NULL THEN '{}'::uuid[]
                    ELSE coalesce((SELECT array_agg(id) FROM tenants WHERE sandbox <> frhub_sandbox_of(frhub_tenant())), '{}'::uuid[]) END
      $$`);
    await q.query(`GRANT EXECUTE ON FUNCTION frhub_sandbox_of(uuid), frhub_other_kind_tenants() TO frhub_app`);
    for (const t of APART) {
      // restrictive: ANDed with every permissive policy (own rows, shared_read), so no agreement reaches across
      await q.query(`CREATE POLICY sandbox_apart ON ${t} AS RESTRICTIVE USING ((SELECT frhub_all_tenants()) OR NOT (tenant_id = ANY (coalesce((SELECT frhub_other_kind_tenants()), '{}'::uuid[]))))
                     WITH CHECK ((SELECT frhub_all_tenants()) OR NOT (tenant_id = ANY (coalesce((SELECT frhub_other_kind_tenants()), '{}'::uuid[]))))`);
    }
    await q.query(`
      CREATE FUNCTION frhub_same_kind_agreement() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
      DECLARE other uuid;
      BEGIN
        -- statements, not one CASE: a record's missing field fails even in a branch not taken
        IF TG_TABLE_NAME = 'sharing_agreements' THEN other := NEW.grantee_tenant_id; ELSE other := NEW.requesting_tenant_id; END IF;
        IF (other IS NULL AND frhub_sandbox_of(NEW.tenant_id)) OR (other IS NOT NULL AND frhub_sandbox_of(NEW.tenant_id) <> frhub_sandbox_of(other)) THEN
          RAISE EXCEPTION 'a sandbox tenant and a real agency never share galleries or examinations' USING ERRCODE = '42501';
        END IF;
        RETURN NEW;
      END $$`);
    for (const t of ['sharing_agreements', 'examination_agreements']) {
      await q.query(`CREATE TRIGGER ${t}_same_kind BEFORE INSERT OR UPDATE ON ${t} FOR EACH ROW EXECUTE FUNCTION frhub_same_kind_agreement()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['sharing_agreements', 'examination_agreements']) await q.query(`DROP TRIGGER ${t}_same_kind ON ${t}`);
    await q.query(`DROP FUNCTION frhub_same_kind_agreement()`);
    for (const t of APART) await q.query(`DROP POLICY sandbox_apart ON ${t}`);
    await q.query(`DROP FUNCTION frhub_other_kind_tenants()`);
    await q.query(`DROP FUNCTION frhub_sandbox_of(uuid)`);
    await q.query(`ALTER TABLE tenants DROP COLUMN sandbox`);
  }
}

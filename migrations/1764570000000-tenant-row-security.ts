import type { MigrationInterface, QueryRunner } from 'typeorm';

// Row-level security on the directory itself: a scoped transaction (SET LOCAL ROLE frhub_app) sees
// its own tenant's row and issuer, every tenant's only with the operator's all-tenants scope, and
// only that scope creates or changes a tenant or an issuer. Not FORCEd: authentication and the
// first start read tenants and issuers as the owner, before any actor (and so any scope) exists.
const OWN = `(SELECT frhub_all_tenants()) OR id = (SELECT frhub_tenant())`;
const OWN_ISSUER = `(SELECT frhub_all_tenants()) OR tenant_id = (SELECT frhub_tenant())`;
const OPERATOR = `(SELECT frhub_all_tenants())`;

export class TenantRowSecurity1764570000000 implements MigrationInterface {
  name = 'TenantRowSecurity1764570000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenants ENABLE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY tenant_read ON tenants FOR SELECT USING (${OWN})`);
    await q.query(`CREATE POLICY tenant_insert ON tenants FOR INSERT WITH CHECK (${OPERATOR})`);
    await q.query(`CREATE POLICY tenant_update ON tenants FOR UPDATE USING (${OPERATOR}) WITH CHECK (${OPERATOR})`);
    // the application changes a tenant's status only: never its id, slug or whether it is the operator
    await q.query(`REVOKE UPDATE ON tenants FROM frhub_app`);
    await q.query(`GRANT UPDATE (status) ON tenants TO frhub_app`);

    await q.query(`ALTER TABLE tenant_issuers ENABLE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY issuer_read ON tenant_issuers FOR SELECT USING (${OWN_ISSUER})`);
    await q.query(`CREATE POLICY issuer_insert ON tenant_issuers FOR INSERT WITH CHECK (${OPERATOR})`);
    await q.query(`CREATE POLICY issuer_update ON tenant_issuers FOR UPDATE USING (${OPERATOR}) WITH CHECK (${OPERATOR})`);
    await q.query(`CREATE POLICY issuer_delete ON tenant_issuers FOR DELETE USING (${OPERATOR})`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const p of ['issuer_read', 'issuer_insert', 'issuer_update', 'issuer_delete']) await q.query(`DROP POLICY IF EXISTS ${p} ON tenant_issuers`);
    await q.query(`ALTER TABLE tenant_issuers DISABLE ROW LEVEL SECURITY`);
    await q.query(`REVOKE UPDATE (status) ON tenants FROM frhub_app`);
    await q.query(`GRANT UPDATE ON tenants TO frhub_app`);
    for (const p of ['tenant_read', 'tenant_insert', 'tenant_update']) await q.query(`DROP POLICY IF EXISTS ${p} ON tenants`);
    await q.query(`ALTER TABLE tenants DISABLE ROW LEVEL SECURITY`);
  }
}

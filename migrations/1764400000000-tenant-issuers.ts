import type { MigrationInterface, QueryRunner } from 'typeorm';

// Federated identity: a tenant may trust its own identity provider (an issuer with a JWKS URL).
// Its users map to principals by an external subject; roles and certification stay the hub's.
export class TenantIssuers1764400000000 implements MigrationInterface {
  name = 'TenantIssuers1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenant_issuers (
        tenant_id uuid PRIMARY KEY REFERENCES tenants(id),
        issuer text NOT NULL UNIQUE,
        jwks_url text NOT NULL,
        audience text,
        subject_claim text NOT NULL DEFAULT 'sub',
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_issuers TO frhub_app`);
    await q.query(`ALTER TABLE principals ADD COLUMN external_subject text`);
    await q.query(`CREATE UNIQUE INDEX principals_external_subject ON principals (tenant_id, external_subject) WHERE external_subject IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS principals_external_subject`);
    await q.query(`ALTER TABLE principals DROP COLUMN external_subject`);
    await q.query(`DROP TABLE tenant_issuers`);
  }
}

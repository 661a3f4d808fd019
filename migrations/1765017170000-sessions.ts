import type { MigrationInterface, QueryRunner } from 'typeorm';

// Sessions and tokens that can end: a principal can be disabled, and its tokens issued before a
// moment refused (tokens_valid_after); each token that opened a console session, or was ended by
// signing out, has a row keyed by its id (sha256 of the token) that every replica reads on every request.
const OWN = `(SELECT frhub_all_tenants()) OR tenant_id = (SELECT frhub_tenant())`;

export class SessionsSessions1765017170000 implements MigrationInterface {
  name = 'SessionsSessions1765017170000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE principals ADD COLUMN disabled_at timestamptz, ADD COLUMN tokens_valid_after timestamptz`);
    await q.query(`
      CREATE TABLE token_sessions (
        token_id text PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        principal_id uuid,
        console boolean NOT NULL,
        opened_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        ended_at timestamptz,
        ended_reason text
      )`);
    await q.query(`CREATE INDEX token_sessions_tenant_expires ON token_sessions (tenant_id, expires_at)`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON token_sessions TO frhub_app`);
    await q.query(`ALTER TABLE token_sessions ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE token_sessions FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY tenant_isolation ON token_sessions USING (${OWN}) WITH CHECK (${OWN})`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS token_sessions`);
    await q.query(`ALTER TABLE principals DROP COLUMN IF EXISTS disabled_at, DROP COLUMN IF EXISTS tokens_valid_after`);
  }
}

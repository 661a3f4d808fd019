import type { MigrationInterface, QueryRunner } from 'typeorm';

// The console signs an agency's users in with its identity provider (OpenID Connect, authorization
// code + PKCE): the provider knows the hub by a client id, one per issuer. Null: the issuer's tokens
// are accepted by the API, but the console offers no sign-in with it.
export class IssuerClientId1764660000000 implements MigrationInterface {
  name = 'IssuerClientId1764660000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenant_issuers ADD COLUMN client_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenant_issuers DROP COLUMN client_id`);
  }
}

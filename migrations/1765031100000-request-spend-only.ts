import type { MigrationInterface, QueryRunner } from 'typeorm';

// Row-level security cannot limit columns: the `request_spend` policy let a serving tenant update any
// column of a requesting agency's quota row while one of its requests is being examined. This trigger
// lets another tenant do exactly what a search for the request does (spend one unit in the current
// window) and nothing else: no new limit, no refund, no other period.
export class RequestSpendOnly1765031100000 implements MigrationInterface {
  name = 'RequestSpendOnly1765031100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION frhub_quota_spend_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF frhub_tenant() IS NOT NULL AND NOT frhub_all_tenants() AND OLD.tenant_id <> frhub_tenant() THEN
          IF NEW.tenant_id <> OLD.tenant_id OR NEW.period <> OLD.period OR NEW."limit" <> OLD."limit"
             OR NEW.window_start <> frhub_quota_window(OLD.period)
             OR NEW.used <> (CASE WHEN OLD.window_start = frhub_quota_window(OLD.period) THEN OLD.used ELSE 0 END) + 1 THEN
            RAISE EXCEPTION 'another tenant may only spend one unit of this quota' USING ERRCODE = '42501';
          END IF;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER quotas_spend_only BEFORE UPDATE ON quotas FOR EACH ROW EXECUTE FUNCTION frhub_quota_spend_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER quotas_spend_only ON quotas`);
    await q.query(`DROP FUNCTION frhub_quota_spend_only()`);
  }
}

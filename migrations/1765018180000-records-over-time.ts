import type { MigrationInterface, QueryRunner } from 'typeorm';

// Records over time: a subject's details (what the gallery owner chooses to keep), galleries that
// are archived, principals whose certification is renewed with its evidence, and past searches'
// candidate rows that outlive a removed subject without naming it (rank, score and the reason stay).
export class RecordsOverTime1765018180000 implements MigrationInterface {
  name = 'RecordsOverTime1765018180000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE subjects
        ADD COLUMN full_name text,
        ADD COLUMN date_of_birth date,
        ADD COLUMN booking_date date,
        ADD COLUMN booking_number text,
        ADD COLUMN charges text,
        ADD COLUMN disposition text,
        ADD COLUMN updated_at timestamptz`);
    // the disposition feed finds subjects by booking number within a tenant
    await q.query(`CREATE INDEX subjects_booking_number ON subjects (tenant_id, booking_number) WHERE booking_number IS NOT NULL`);
    await q.query(`ALTER TABLE galleries ADD COLUMN archived_at timestamptz`);
    await q.query(`
      ALTER TABLE principals
        ADD COLUMN certification_evidence text,
        ADD COLUMN updated_at timestamptz`);
    await q.query(`
      ALTER TABLE search_candidates
        ALTER COLUMN template_id DROP NOT NULL,
        ALTER COLUMN subject_id DROP NOT NULL,
        ALTER COLUMN subject_ref DROP NOT NULL,
        ADD COLUMN removed_reason text`);
    // a removal redacts every past candidate row of the subject: found by index, not by scanning every search
    await q.query(`CREATE INDEX search_candidates_subject ON search_candidates (subject_id) WHERE subject_id IS NOT NULL`);
    // a principal's history: the events about it (details.principalId), newest first, without scanning the chain
    await q.query(`CREATE INDEX audit_events_about_principal ON audit_events ((details->>'principalId'), seq) WHERE details ? 'principalId'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS audit_events_about_principal`);
    await q.query(`DROP INDEX IF EXISTS search_candidates_subject`);
    // a redacted row has nothing the old NOT NULL columns could hold
    await q.query(`DELETE FROM search_candidates WHERE subject_id IS NULL OR template_id IS NULL OR subject_ref IS NULL`);
    await q.query(`
      ALTER TABLE search_candidates
        DROP COLUMN removed_reason,
        ALTER COLUMN template_id SET NOT NULL,
        ALTER COLUMN subject_id SET NOT NULL,
        ALTER COLUMN subject_ref SET NOT NULL`);
    await q.query(`ALTER TABLE principals DROP COLUMN certification_evidence, DROP COLUMN updated_at`);
    await q.query(`ALTER TABLE galleries DROP COLUMN archived_at`);
    await q.query(`DROP INDEX IF EXISTS subjects_booking_number`);
    await q.query(`
      ALTER TABLE subjects
        DROP COLUMN full_name, DROP COLUMN date_of_birth, DROP COLUMN booking_date, DROP COLUMN booking_number,
        DROP COLUMN charges, DROP COLUMN disposition, DROP COLUMN updated_at`);
  }
}

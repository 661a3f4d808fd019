import type { MigrationInterface, QueryRunner } from 'typeorm';

// Score calibrations as versioned rows: the one a model pack shipped with and those measured on a
// gallery (`frhub calibrate --gallery --store`, the measuring job), each with who measured it, when,
// on what and the score distributions it needs (never a face or an embedding); which one is current
// per model version (one row each: two adoptions at once leave one); and which one each search used.
export class ScoreCalibrationsCalib1765050230000 implements MigrationInterface {
  name = 'ScoreCalibrationsCalib1765050230000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE score_calibrations (
        id uuid PRIMARY KEY,
        version integer GENERATED ALWAYS AS IDENTITY UNIQUE,
        model_version text NOT NULL,
        pack_id text NOT NULL,
        pack_version text NOT NULL,
        source text NOT NULL CHECK (source IN ('SHIPPED', 'GALLERY')),
        gallery_id uuid,
        measured_by text NOT NULL,
        measured_at timestamptz NOT NULL DEFAULT now(),
        templates integer NOT NULL,
        people integer NOT NULL,
        impostor_pairs bigint NOT NULL,
        genuine_pairs bigint NOT NULL,
        digest text NOT NULL,
        data jsonb NOT NULL,
        UNIQUE (model_version, digest)
      )`);
    await q.query(`
      CREATE TABLE calibration_current (
        model_version text PRIMARY KEY,
        calibration_id uuid NOT NULL REFERENCES score_calibrations (id),
        adopted_at timestamptz NOT NULL DEFAULT now(),
        adopted_by text NOT NULL
      )`);
    await q.query(`ALTER TABLE searches ADD COLUMN calibration_id uuid REFERENCES score_calibrations (id)`);
    // hub-wide rows, no tenant's: every tenant's search reads the current one; the services decide who adopts
    await q.query(`GRANT SELECT, INSERT ON score_calibrations TO frhub_app`);
    await q.query(`GRANT USAGE ON SEQUENCE score_calibrations_version_seq TO frhub_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON calibration_current TO frhub_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE searches DROP COLUMN calibration_id`);
    await q.query(`DROP TABLE calibration_current`);
    await q.query(`DROP TABLE score_calibrations`);
  }
}

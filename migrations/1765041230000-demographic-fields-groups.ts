import type { MigrationInterface, QueryRunner } from 'typeorm';

// Demographic fields a gallery owner chooses to keep on its subjects (none by default), each from a
// closed vocabulary (models/enums.ts), checked by the database as well as by the service.
const VOCABULARIES: Record<string, string[]> = {
  sex: ['FEMALE', 'MALE', 'UNKNOWN'],
  race: ['AMERICAN_INDIAN_OR_ALASKA_NATIVE', 'ASIAN', 'BLACK_OR_AFRICAN_AMERICAN', 'NATIVE_HAWAIIAN_OR_OTHER_PACIFIC_ISLANDER', 'WHITE', 'UNKNOWN'],
  ethnicity: ['HISPANIC_OR_LATINO', 'NOT_HISPANIC_OR_LATINO', 'UNKNOWN'],
  age_band: ['UNDER_18', 'AGE_18_TO_24', 'AGE_25_TO_34', 'AGE_35_TO_44', 'AGE_45_TO_54', 'AGE_55_TO_64', 'AGE_65_AND_OVER', 'UNKNOWN'],
};
const list = (xs: string[]) => xs.map((x) => `'${x}'`).join(', ');

export class DemographicFieldsGroups1765041230000 implements MigrationInterface {
  name = 'DemographicFieldsGroups1765041230000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE galleries ADD COLUMN demographic_fields text[] NOT NULL DEFAULT '{}'
                   CONSTRAINT galleries_demographic_fields CHECK (demographic_fields <@ ARRAY['SEX', 'RACE', 'ETHNICITY', 'AGE_BAND']::text[])`);
    for (const [column, values] of Object.entries(VOCABULARIES)) {
      await q.query(`ALTER TABLE subjects ADD COLUMN ${column} text CONSTRAINT subjects_${column}_vocabulary CHECK (${column} IN (${list(values)}))`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE subjects ${Object.keys(VOCABULARIES).map((c) => `DROP COLUMN ${c}`).join(', ')}`);
    await q.query(`ALTER TABLE galleries DROP COLUMN demographic_fields`);
  }
}

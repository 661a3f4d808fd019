import type { QueryRunner } from 'typeorm';
import { DemographicFieldsGroups1765041230000 } from '../../migrations/1765041230000-demographic-fields-groups';
import { Role } from '../../models/enums';
import { bookingPhoto } from '../support/fixtures';
import { frhubBeside } from '../support/cli';
import { startHub, type TestHub } from '../support/hub';

// Demographic fields a gallery owner chooses to keep, over real HTTP: none by default, refused with
// FIELD_NOT_KEPT where the gallery does not keep the field (nothing enrolled), set on enrollment and
// on update (GraphQL and `frhub subject update`), cleared when the owner stops keeping a field, and
// audited by field name, never by value.
describe('demographic fields a gallery owner chooses to keep', () => {
  let t: TestHub;
  let admin: string;
  let galleryId: string;
  const b64 = (b: Buffer) => b.toString('base64');
  const enroll = (ref: string, image: Buffer, extra: Record<string, unknown> = {}) =>
    t.gql(admin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId subjectId created } }`, { i: { galleryId, subjectRef: ref, imageBase64: b64(image), ...extra } });
  const subject = async (id: string) =>
    (await t.gql(admin, `query($g: ID!) { subjects(galleryId: $g) { nodes { id subjectRef sex race ethnicity ageBand } } }`, { g: galleryId })).data.subjects.nodes.find((s: { id: string }) => s.id === id);
  const lastEvent = async (action: string) => {
    const hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    return (await t.gql(hubAdmin, `query($a: String) { auditEvents(first: 1, action: $a) { nodes { action outcome reason details } } }`, { a: action })).data.auditEvents.nodes[0];
  };
  const templateCount = async () => (await t.gql(admin, `query($g: ID!) { gallery(id: $g) { templateCount } }`, { g: galleryId })).data.gallery.templateCount;

  beforeAll(async () => {
    t = await startHub();
    await t.createTenant('metro-pd');
    admin = (await t.principal('metro-pd', Role.AGENCY_ADMIN)).token;
    galleryId = (await t.gql(admin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
  });
  afterAll(() => t?.close());

  it('keeps none by default: a value sent is FIELD_NOT_KEPT, nothing is enrolled, and the refusal is audited', async () => {
    expect((await t.gql(admin, `query($g: ID!) { gallery(id: $g) { demographicFields } }`, { g: galleryId })).data.gallery.demographicFields).toEqual([]);
    const r = await enroll('BK-1001', await bookingPhoto('BK-1001'), { sex: 'FEMALE' });
    expect(r.errors?.[0].extensions.code).toBe('FIELD_NOT_KEPT');
    expect(r.errors?.[0].message).toMatch(/does not keep sex .*updateGallery demographicFields/);
    expect(await templateCount()).toBe(0);
    expect(await lastEvent('ENROLL')).toMatchObject({ outcome: 'FAILED', reason: 'FIELD_NOT_KEPT' });
    // null (nothing to keep) is always allowed
    const ok = await enroll('BK-1001', await bookingPhoto('BK-1001'), { sex: null });
    expect(ok.errors).toBeUndefined();
  });

  it('keeps the fields its owner chooses: set on enrollment and on update, checked against the vocabulary, audited by name only', async () => {
    const set = await t.gql(admin, `mutation($g: ID!) { updateGallery(input: { galleryId: $g, demographicFields: [RACE, SEX, SEX] }) { demographicFields } }`, { g: galleryId });
    expect(set.data.updateGallery.demographicFields).toEqual(['SEX', 'RACE']);
    const e = await enroll('BK-1002', await bookingPhoto('BK-1002'), { sex: 'MALE', race: 'BLACK_OR_AFRICAN_AMERICAN' });
    expect(e.errors).toBeUndefined();
    const id = e.data.enrollFace.subjectId;
    expect(await subject(id)).toMatchObject({ sex: 'MALE', race: 'BLACK_OR_AFRICAN_AMERICAN', ethnicity: null, ageBand: null });
    const enrolled = await lastEvent('ENROLL');
    expect(enrolled.details.demographicFields).toEqual(['sex', 'race']);
    expect(JSON.stringify(enrolled)).not.toMatch(/MALE|BLACK/);

    const notKept = await t.gql(admin, `mutation($i: UpdateSubjectInput!) { updateSubject(input: $i) { id } }`, { i: { subjectId: id, ethnicity: 'HISPANIC_OR_LATINO' } });
    expect(notKept.errors?.[0].extensions).toMatchObject({ code: 'FIELD_NOT_KEPT', details: { field: 'ETHNICITY' } });
    const badValue = await t.gql(admin, `mutation($i: UpdateSubjectInput!) { updateSubject(input: $i) { id } }`, { i: { subjectId: id, sex: 'Q' } });
    expect(badValue.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');

    const updated = await t.gql(admin, `mutation($i: UpdateSubjectInput!) { updateSubject(input: $i) { sex race } }`, { i: { subjectId: id, sex: 'FEMALE', race: null } });
    expect(updated.data.updateSubject).toEqual({ sex: 'FEMALE', race: null });
    const event = await lastEvent('SUBJECT_UPDATED');
    expect(event.details.fields.sort()).toEqual(['race', 'sex']);
    expect(JSON.stringify(event)).not.toContain('FEMALE');
  });

  it('`frhub subject update` sets a kept field (booking codes read too) and refuses one the gallery does not keep (exit 1)', async () => {
    const id = (await enroll('BK-1003', await bookingPhoto('BK-1003'))).data.enrollFace.subjectId;
    const ok = await frhubBeside(t, ['subject', 'update', id, '--sex', 'M', '--race', 'w', '--tenant', 'metro-pd']);
    expect(ok.stderr).not.toMatch(/Error|at \w+ \(/);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`subject ${id} (BK-1003): sex=MALE race=WHITE ethnicity=- ageBand=-`);
    expect(await subject(id)).toMatchObject({ sex: 'MALE', race: 'WHITE' });
    const refused = await frhubBeside(t, ['subject', 'update', id, '--age-band', 'AGE_25_TO_34', '--tenant', 'metro-pd']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('FIELD_NOT_KEPT');
    const usage = await frhubBeside(t, ['subject', 'update', id, '--sex', 'Z']);
    expect(usage.code).toBe(64);
  });

  it('a field the owner stops keeping is cleared on every subject, counted in the audit event', async () => {
    const r = await t.gql(admin, `mutation($g: ID!) { updateGallery(input: { galleryId: $g, demographicFields: [SEX] }) { demographicFields } }`, { g: galleryId });
    expect(r.data.updateGallery.demographicFields).toEqual(['SEX']);
    const nodes = (await t.gql(admin, `query($g: ID!) { subjects(galleryId: $g) { nodes { sex race } } }`, { g: galleryId })).data.subjects.nodes;
    expect(nodes.every((n: { race: string | null }) => n.race === null)).toBe(true);
    expect(nodes.filter((n: { sex: string | null }) => n.sex).length).toBe(2);
    const event = await lastEvent('GALLERY_UPDATED');
    expect(event.details.demographicFields).toEqual({ from: ['SEX', 'RACE'], to: ['SEX'], subjectsCleared: 1 });
  });

  it('the migration’s down() drops the columns and up() puts them back (empty)', async () => {
    const columns = async () =>
      ((await t.hub.database.db.query(
        `SELECT table_name || '.' || column_name AS c FROM information_schema.columns WHERE (table_name = 'subjects' AND column_name IN ('sex', 'race', 'ethnicity', 'age_band')) OR (table_name = 'galleries' AND column_name = 'demographic_fields') ORDER BY 1`,
      )) as { c: string }[]).map((r) => r.c);
    const migration = new DemographicFieldsGroups1765041230000();
    const withRunner = async (work: (runner: QueryRunner) => Promise<void>) => {
      const runner = t.hub.database.dataSource.createQueryRunner();
      try {
        await work(runner);
      } finally {
        await runner.release();
      }
    };
    expect(await columns()).toHaveLength(5);
    await withRunner((r) => migration.down(r));
    expect(await columns()).toEqual([]);
    await withRunner((r) => migration.up(r));
    expect(await columns()).toEqual(['galleries.demographic_fields', 'subjects.age_band', 'subjects.ethnicity', 'subjects.race', 'subjects.sex']);
    await expect(t.hub.database.db.query(`UPDATE subjects SET sex = 'X'`)).rejects.toThrow(/subjects_sex_vocabulary|check constraint/);
  });
});

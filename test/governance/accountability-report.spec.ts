import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { falseMatchRateAt, falseMatchRateInterval, usableCalibration } from '../../inference/calibration';
import { loadPack } from '../../inference/model-pack';
import { AuditAction, Role } from '../../models/enums';
import { demoPeople } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';
import { pdfText } from '../support/pdf';

// The accountability report for oversight: the pack and its file hashes (one definition with the
// Washington statutory report), the calibration in use and its source, the measured rate with its
// interval, the seam for rates by group, the quality of the probes searched, what the hub cannot know;
// the PDF read back by pdf.js.

const PACK_DIR = join(resolve(__dirname, '../../data/models'), 'builtin-dlib');
const MANIFEST = loadPack(PACK_DIR).manifest;
const SHIPPED = usableCalibration(MANIFEST).calibration!;
const MATCH = MANIFEST.thresholds.match;
const YEAR = new Date().getUTCFullYear();
const REPORT = `query($y: Int!) { accountabilityReport(year: $y) { year title calibrationId calibrationSource sections { title columns rows } notes cannotKnow pdfBase64 } }`;

describe('the accountability report', () => {
  let t: TestHub;
  let auditor: string;
  let searches = 0;
  let admin: string;
  let galleryId: string;
  let people: Awaited<ReturnType<typeof demoPeople>>;

  beforeAll(async () => {
    t = await startHub();
    await t.createTenant('metro-pd');
    admin = await t.token('metro-pd', Role.AGENCY_ADMIN);
    const analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST);
    galleryId = (await t.gql(admin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
    people = (await demoPeople()).filter((_, i) => i % 2 === 0).slice(0, 8);
    for (const p of people.slice(0, 4)) await t.gql(admin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { created } }`, { i: { galleryId, subjectRef: p.ref, imageBase64: p.image.toString('base64') } });
    for (const p of people.slice(2)) {
      const r = await t.gql(analyst.token, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`, { i: { imageBase64: p.image.toString('base64'), legalBasis: 'MISSING_PERSON', caseNumber: `M-${searches}` } });
      expect(r.errors).toBeUndefined();
      searches++;
    }
    auditor = await t.token('hub', Role.OVERSIGHT_AUDITOR);
  }, 300_000);
  afterAll(() => t?.close());

  it('names the pack, its file hashes, the calibration in use and its rate with the interval, the probes\' quality and what the hub cannot know', async () => {
    const r = await t.gql(auditor, REPORT, { y: YEAR });
    expect(r.errors).toBeUndefined();
    const report = r.data.accountabilityReport;
    const section = (title: string) => report.sections.find((s: { title: string }) => s.title === title);
    const value = (title: string, item: string) => section(title).rows.find((row: string[]) => row[0] === item)?.[1];

    // the algorithm: the same section as the Washington statutory report's, each hash that of a file of the pack
    const wa = (await t.gql(auditor, `{ statutoryReport(statute: WA_43_386, year: ${YEAR}) { sections { title rows } } }`)).data.statutoryReport;
    expect(section('The algorithm').rows).toEqual(wa.sections.find((s: { title: string }) => s.title === 'The algorithm').rows);
    const hashes = new Set(readdirSync(PACK_DIR).filter((f) => f.endsWith('.onnx')).map((f) => createHash('sha256').update(readFileSync(join(PACK_DIR, f))).digest('hex')));
    const fileRows = section('The algorithm').rows.filter((row: string[]) => row[0].endsWith('file sha256'));
    expect(fileRows.length).toBeGreaterThan(0);
    for (const [, sha] of fileRows) expect(hashes.has(sha)).toBe(true);
    expect(value('The algorithm', 'version')).toBe(MANIFEST.version);

    // the calibration in use: the shipped one, by default
    expect(report.calibrationSource).toBe('SHIPPED');
    expect(value('Calibration in use', 'source')).toBe('shipped with the model pack');
    expect(value('Calibration in use', 'different-person pairs')).toBe(String(SHIPPED.impostor.pairs));
    expect(value('Calibration in use', 'in force since')).toMatch(/^never adopted/);
    const [inUse] = section('Measured false-match rate at the operating threshold').rows;
    const { low, high } = falseMatchRateInterval(SHIPPED, MATCH);
    expect(inUse).toEqual(['in use', MATCH.toFixed(4), falseMatchRateAt(SHIPPED, MATCH).toExponential(1), low.toExponential(1), high.toExponential(1), String(SHIPPED.impostor.pairs)]);
    expect(section('Thresholds for fixed false-match rates (the calibration in use)').rows).toHaveLength(SHIPPED.thresholds.length);
    // the seam for rates by group, said plainly where nothing records groups
    expect(section('By demographic group').rows).toEqual([['not measured', '-', '-', '-', '-', '-', '-', 'the galleries record no demographic fields of their subjects']]);

    // the probes' quality, from what each search recorded
    const recorded: { q: { interEyePx: number } }[] = await t.hub.database.db.scoped({ tenantId: null, allTenants: true }, (tx) =>
      tx.query(`SELECT details -> 'probeQualityComponents' AS q FROM audit_events WHERE action = $1 AND outcome = 'ALLOWED'`, [AuditAction.SEARCH]));
    expect(recorded).toHaveLength(searches);
    const eyes = recorded.map((x) => x.q.interEyePx).sort((a, b) => a - b);
    const median = eyes[Math.floor(eyes.length / 2)];
    const eyeRow = section('Quality of the probes searched').rows.find((row: string[]) => row[0] === 'pixels between the eyes');
    expect(eyeRow[1]).toBe(String(searches));
    expect(Number(eyeRow[3])).toBeCloseTo(median, median >= 100 ? 0 : 1);
    expect(report.cannotKnow.join(' ')).toMatch(/demographic group/);

    // the PDF says the same, read back by pdf.js
    const text = (await pdfText(Buffer.from(report.pdfBase64, 'base64'))).join(' ');
    for (const words of ['ACCOUNTABILITY REPORT', 'Calibration in use', 'shipped with the model pack', 'By demographic group', 'Quality of the probes searched', 'What the hub cannot know', fileRows[0][1], inUse[2], inUse[4]]) {
      expect(text).toContain(words);
    }
  });

  it('is refused to an agency\'s roles, the refusal audited; each reading audited', async () => {
    const refused = await t.gql(await t.token('metro-pd', Role.AGENCY_ADMIN), REPORT, { y: YEAR });
    expect(refused.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect((await t.gql(auditor, REPORT, { y: 1999 })).errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const events = await t.hub.database.db.scoped({ tenantId: null, allTenants: true }, (tx) =>
      tx.query<{ outcome: string }>(`SELECT outcome, reason FROM audit_events WHERE action = $1 ORDER BY seq`, [AuditAction.ACCOUNTABILITY_REPORT_READ]));
    expect(events.map((e) => e.outcome)).toEqual(['ALLOWED', 'DENIED', 'FAILED']);
  });
  it("measures rates by group once a gallery keeps a demographic field: small groups published as <5, with no rate", async () => {
    const kept = await t.gql(admin, `mutation($g: ID!) { updateGallery(input: { galleryId: $g, demographicFields: [SEX] }) { demographicFields } }`, { g: galleryId });
    expect(kept.data.updateGallery.demographicFields).toEqual(['SEX']);
    for (const [i, p] of people.slice(4, 8).entries()) {
      const r = await t.gql(admin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { created } }`, { i: { galleryId, subjectRef: p.ref, imageBase64: p.image.toString('base64'), sex: i % 2 ? 'MALE' : 'FEMALE' } });
      expect(r.errors).toBeUndefined();
    }
    const report = (await t.gql(auditor, REPORT, { y: YEAR })).data.accountabilityReport;
    const rows: string[][] = report.sections.find((s: { title: string }) => s.title === 'By demographic group').rows;
    expect(rows.map((r) => r[0]).sort()).toEqual(['Bookings: SEX FEMALE', 'Bookings: SEX MALE']);
    // two people each: their count suppressed, and no rate a handful of people could be singled out by
    for (const row of rows) expect(row.slice(1, 7)).toEqual(['<5', '0', '-', '-', '-', '-']);
    expect(report.cannotKnow.join(' ')).not.toMatch(/record no demographic fields/);
    expect(JSON.stringify(report)).not.toMatch(new RegExp(people.slice(4, 8).map((p) => p.ref).join('|')));
  }, 300_000);
});

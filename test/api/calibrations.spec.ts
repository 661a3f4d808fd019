import { join, resolve } from 'node:path';
import type { QueryRunner } from 'typeorm';
import { calibrate, falseMatchRateAt, falseMatchRateInterval, pairScores, usableCalibration, type ScoreCalibration } from '../../inference/calibration';
import { loadPack, modelVersionOf } from '../../inference/model-pack';
import { ScoreCalibrationsCalib1765050230000 } from '../../migrations/1765050230000-score-calibrations-calib';
import { AuditAction, Role } from '../../models/enums';
import type { Row } from '../../models/db';
import { demoPeople, portrait } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';
import { pdfText } from '../support/pdf';

// Stored score calibrations: a gallery's measurement kept as a version beside the shipped one, adopted
// by the operator (audited), recorded by every search, and the one its candidates' rates come from.

const MANIFEST = loadPack(join(resolve(__dirname, '../../data/models'), 'builtin-dlib')).manifest;
const SHIPPED = usableCalibration(MANIFEST).calibration!;
const MATCH = MANIFEST.thresholds.match;
const SEARCH = `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id calibrationId candidates { rank score estimatedFalseMatchRate falseMatchRateAtLimit falseMatchRateInterval { low high } } } }`;
const OVERVIEW = `{ calibrations { modelVersion operatingThreshold current { id } shipped { id source }
  calibrations { id version source galleryId measuredOn measuredBy people templates impostorPairs genuinePairs current rateRatioToShipped overlapsShipped atThreshold { threshold falseMatchRate low high beyondData } } } }`;
const ADOPT = `mutation($id: ID!) { adoptCalibration(id: $id) { id current source } }`;

describe('stored calibrations: measured on a gallery, adopted by the operator, recorded by every search', () => {
  let t: TestHub;
  let hubAdmin: string;
  let agencyAdmin: string;
  let analyst: { id: string; token: string };
  let supervisor: { id: string; token: string };
  let galleryId: string;
  let measured: ScoreCalibration;
  let storedId: string;
  let probe: string;
  const sql = <R extends object = Row>(q: string, p: unknown[] = []) => t.hub.database.db.scoped({ tenantId: null, allTenants: true }, (tx) => tx.query<R>(q, p));
  const search = async () => {
    const r = await t.gql(analyst.token, SEARCH, { i: { imageBase64: probe, legalBasis: 'CRIMINAL_SUSPECT_ID', offenseCategory: 'ROBBERY', caseNumber: 'C-1', minScore: -1, maxCandidates: 10 } });
    expect(r.errors).toBeUndefined();
    return r.data.searchFaces;
  };

  beforeAll(async () => {
    t = await startHub();
    await t.createTenant('metro-pd');
    hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    agencyAdmin = await t.token('metro-pd', Role.AGENCY_ADMIN);
    analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST);
    supervisor = await t.principal('metro-pd', Role.AGENCY_SUPERVISOR);
    galleryId = (await t.gql(agencyAdmin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
    for (const p of await demoPeople()) {
      const r = await t.gql(agencyAdmin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { created } }`, { i: { galleryId, subjectRef: p.ref, imageBase64: p.image.toString('base64') } });
      expect(r.errors).toBeUndefined();
    }
    probe = (await portrait()).toString('base64');
    // the gallery's measurement, as `frhub calibrate --gallery` makes it (that command is tested in test/cli), stored as the command's --store does
    const rows = await sql<{ subject: string; e: string }>(`SELECT subject_id AS subject, embedding::text AS e FROM face_templates WHERE gallery_id = $1`, [galleryId]);
    const s = pairScores(rows.map((r) => ({ person: r.subject, v: Float32Array.from(JSON.parse(r.e)) })));
    measured = calibrate(s.impostor, s.genuine, { pack: { id: MANIFEST.id, version: MANIFEST.version }, measuredOn: `${rows.length} templates of gallery Bookings`, command: 'test', date: '2026-12-07', photos: rows.length, people: s.people, failed: 0 }, s.impostorPeople);
    const tenantId = (await sql<{ tenant_id: string }>(`SELECT tenant_id FROM galleries WHERE id = $1`, [galleryId]))[0].tenant_id;
    const row = await t.hub.services.calibrations.store({
      modelVersion: modelVersionOf(MANIFEST), packId: MANIFEST.id, packVersion: MANIFEST.version, galleryId, templates: rows.length, people: s.people,
      impostorPairs: measured.impostor.pairs, genuinePairs: measured.genuine.pairs, data: JSON.parse(JSON.stringify(measured)),
    }, tenantId, { by: 'the test', requestId: 'test-store' });
    storedId = row.id;
  }, 300_000);
  afterAll(() => t?.close());

  it('lists the stored calibration beside the shipped one, each with its rate and interval at the operating threshold; the shipped one in force', async () => {
    const r = await t.gql(hubAdmin, OVERVIEW);
    expect(r.errors).toBeUndefined();
    const o = r.data.calibrations;
    expect(o).toMatchObject({ modelVersion: modelVersionOf(MANIFEST), operatingThreshold: MATCH });
    expect(o.calibrations).toHaveLength(2);
    const [gallery, shipped] = o.calibrations;
    expect(shipped).toMatchObject({ source: 'SHIPPED', current: true, galleryId: null, impostorPairs: SHIPPED.impostor.pairs, people: SHIPPED.people });
    expect(o.current.id).toBe(shipped.id);
    expect(o.shipped.id).toBe(shipped.id);
    expect(gallery).toMatchObject({ id: storedId, source: 'GALLERY', current: false, galleryId, measuredBy: 'the test', impostorPairs: measured.impostor.pairs, genuinePairs: measured.genuine.pairs, people: measured.people });
    expect(gallery.version).toBeGreaterThan(shipped.version);
    // each figure is what the inference module's arithmetic says of that calibration at the threshold
    for (const [view, cal] of [[gallery, measured], [shipped, SHIPPED]] as const) {
      const { low, high } = falseMatchRateInterval(cal, MATCH);
      expect(view.atThreshold.falseMatchRate).toBeCloseTo(falseMatchRateAt(cal, MATCH), 12);
      expect(view.atThreshold.low).toBeCloseTo(low, 12);
      expect(view.atThreshold.high).toBeCloseTo(high, 12);
    }
    if (gallery.rateRatioToShipped !== null) expect(gallery.rateRatioToShipped).toBeCloseTo(gallery.atThreshold.falseMatchRate / shipped.atThreshold.falseMatchRate, 6);
    expect(gallery.overlapsShipped).toBe(gallery.atThreshold.low <= shipped.atThreshold.high && shipped.atThreshold.low <= gallery.atThreshold.high);
    // an oversight auditor reads it too; an agency's roles do not
    expect((await t.gql(await t.token('hub', Role.OVERSIGHT_AUDITOR), OVERVIEW)).errors).toBeUndefined();
    expect((await t.gql(agencyAdmin, OVERVIEW)).errors?.[0].extensions.code).toBe('FORBIDDEN');
  });

  it('a search records the calibration in force and its candidates\' rates come from it; adopting another changes later searches only', async () => {
    const before = await search();
    const shippedId = (await t.gql(hubAdmin, OVERVIEW)).data.calibrations.shipped.id;
    expect(before.calibrationId).toBe(shippedId);
    for (const c of before.candidates) expect(c.estimatedFalseMatchRate).toBeCloseTo(falseMatchRateAt(SHIPPED, c.score), 12);

    const adopted = await t.gql(hubAdmin, ADOPT, { id: storedId });
    expect(adopted.errors).toBeUndefined();
    expect(adopted.data.adoptCalibration).toEqual({ id: storedId, current: true, source: 'GALLERY' });
    const after = await search();
    expect(after.calibrationId).toBe(storedId);
    expect((await sql(`SELECT calibration_id FROM searches WHERE id = $1`, [after.id]))[0].calibration_id).toBe(storedId);
    let differs = false;
    for (const c of after.candidates) {
      const { low, high } = falseMatchRateInterval(measured, c.score);
      expect(c.estimatedFalseMatchRate).toBeCloseTo(falseMatchRateAt(measured, c.score), 12);
      expect(c.falseMatchRateInterval.low).toBeCloseTo(low, 12);
      expect(c.falseMatchRateInterval.high).toBeCloseTo(high, 12);
      expect(c.falseMatchRateAtLimit).toBe(c.score > measured.impostor.tail[0][0]);
      differs ||= Math.abs(c.estimatedFalseMatchRate - falseMatchRateAt(SHIPPED, c.score)) > 1e-9;
    }
    expect(differs).toBe(true);
    // the earlier search keeps the calibration it recorded
    const reread = (await t.gql(analyst.token, `query($id: ID!) { search(id: $id) { calibrationId candidates { score estimatedFalseMatchRate } } }`, { id: before.id })).data.search;
    expect(reread.calibrationId).toBe(shippedId);
    for (const c of reread.candidates) expect(c.estimatedFalseMatchRate).toBeCloseTo(falseMatchRateAt(SHIPPED, c.score), 12);

    // audited: who adopted which, and what it replaced
    const events = (await t.gql(hubAdmin, `{ auditEvents(first: 5, action: "${AuditAction.CALIBRATION_ADOPTED}") { nodes { outcome modelVersion details } } }`)).data.auditEvents.nodes;
    expect(events[0]).toMatchObject({ outcome: 'ALLOWED', modelVersion: modelVersionOf(MANIFEST), details: { calibrationId: storedId, source: 'GALLERY', previousCalibrationId: null } });
    const stored = (await t.gql(hubAdmin, `{ auditEvents(first: 5, action: "${AuditAction.CALIBRATION_STORED}") { nodes { tenantId galleries details } } }`)).data.auditEvents.nodes;
    expect(stored[0]).toMatchObject({ galleries: [galleryId], details: { calibrationId: storedId, templates: measured.photos } });

    // the lead report names the calibration its rates come from
    const get = (path: string) => fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${supervisor.token}` } });
    const report: any = await (await get(`/reports/searches/${after.id}.json`)).json();
    expect(report.searches[0].calibration).toMatchObject({ id: storedId, source: 'GALLERY', measuredOn: measured.measuredOn });
    expect(report.searches[0].candidates[0].estimatedFalseMatchRate).toBeCloseTo(falseMatchRateAt(measured, report.searches[0].candidates[0].score), 12);
    const text = (await pdfText(new Uint8Array(await (await get(`/reports/searches/${after.id}.pdf`)).arrayBuffer()))).join(' ');
    expect(text).toContain(`measured on a gallery: ${measured.measuredOn}`);

    // the shipped one is adopted again the same way
    expect((await t.gql(hubAdmin, ADOPT, { id: shippedId })).data.adoptCalibration).toMatchObject({ id: shippedId, current: true, source: 'SHIPPED' });
    expect((await search()).calibrationId).toBe(shippedId);
  });

  it('refuses an agency\'s administrator and an unknown calibration, each refusal audited; two adoptions at once leave one current', async () => {
    const refused = await t.gql(agencyAdmin, ADOPT, { id: storedId });
    expect(refused.errors?.[0].extensions.code).toBe('FORBIDDEN');
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-an-id']) expect((await t.gql(hubAdmin, ADOPT, { id })).errors?.[0].extensions.code).toBe('NOT_FOUND');
    const denials = await sql<{ reason: string }>(`SELECT outcome, reason FROM audit_events WHERE action = $1 AND outcome <> 'ALLOWED' ORDER BY seq`, [AuditAction.CALIBRATION_ADOPTED]);
    expect(denials.map((d) => d.reason)).toEqual(['FORBIDDEN', 'NOT_FOUND', 'NOT_FOUND']);

    const shippedId = (await t.gql(hubAdmin, OVERVIEW)).data.calibrations.shipped.id;
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all([storedId, shippedId, storedId, shippedId].map((id) => t.gql(hubAdmin, ADOPT, { id })));
      for (const a of answers) expect(a.errors).toBeUndefined();
      const current = await sql<{ calibration_id: string }>(`SELECT calibration_id FROM calibration_current`);
      expect(current).toHaveLength(1);
      const o = (await t.gql(hubAdmin, OVERVIEW)).data.calibrations;
      expect(o.calibrations.filter((c: { current: boolean }) => c.current)).toHaveLength(1);
      // the one in force is the last adoption the audit chain records
      const [last] = await sql<{ details: { calibrationId: string } }>(`SELECT details FROM audit_events WHERE action = $1 AND outcome = 'ALLOWED' ORDER BY seq DESC LIMIT 1`, [AuditAction.CALIBRATION_ADOPTED]);
      expect(o.current.id).toBe(last.details.calibrationId);
      expect(current[0].calibration_id).toBe(last.details.calibrationId);
    }
  });

  it('the migration\'s down() removes the tables and the searches\' column, and up() puts them back', async () => {
    const migration = new ScoreCalibrationsCalib1765050230000();
    const withRunner = async (work: (runner: QueryRunner) => Promise<void>) => {
      const runner = t.hub.database.dataSource.createQueryRunner();
      try {
        await work(runner);
      } finally {
        await runner.release();
      }
    };
    const shape = async () => ({
      tables: (await t.hub.database.db.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_name IN ('score_calibrations', 'calibration_current') ORDER BY 1`)).map((r) => r.table_name),
      column: (await t.hub.database.db.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'searches' AND column_name = 'calibration_id'`)).length,
    });
    await withRunner((r) => migration.down(r));
    expect(await shape()).toEqual({ tables: [], column: 0 });
    await withRunner((r) => migration.up(r));
    expect(await shape()).toEqual({ tables: ['calibration_current', 'score_calibrations'], column: 1 });
    // a fresh table: the shipped one stored again at the next start; until then searches record none and use the pack's own
    await t.hub.services.calibrations.registerShipped();
    expect((await search()).calibrationId).toEqual(expect.any(String));
  });
});

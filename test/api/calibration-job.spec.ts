import { join, resolve } from 'node:path';
import pino from 'pino';
import { calibrate, falseMatchRateAt, pairScores } from '../../inference/calibration';
import { loadPack } from '../../inference/model-pack';
import { AuditAction, CalibrationJobState, Role } from '../../models/enums';
import { galleryMeasurer } from '../../server/engine/calibration-measurer';
import { AuditTrail } from '../../tenants/audit/audit-trail';
import { CalibrationJob } from '../../tenants/calibration/calibration-job';
import { GallerySampleService } from '../../tenants/calibration/gallery-sample.service';
import { systemClock } from '../../tenants/shared/ports';
import { demoPeople } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';
import { until } from '../support/until';

// The calibration job: scheduled like the retention purge, it measures the operator's galleries in
// steps within a time limit, says how far it got in the log and in calibrationJob, stores what it
// measured and never adopts it.

const MANIFEST = loadPack(join(resolve(__dirname, '../../data/models'), 'builtin-dlib')).manifest;
const STATUS = `{ calibrationJob { state startedAt finishedAt galleryId pairsScored pairsTotal stored message } }`;

describe('the calibration job: measures the live gallery on a schedule, stores, never adopts', () => {
  let t: TestHub;
  let hubAdmin: string;
  let galleryId: string;
  let enrolledAt: number;
  const lines: string[] = [];

  beforeAll(async () => {
    t = await startHub({ FRHUB_CALIBRATION_INTERVAL_MINUTES: '0.02', FRHUB_CALIBRATION_MAX_TEMPLATES: '24' }, { logger: pino({ level: 'info' }, { write: (l: string) => void lines.push(l) }) });
    hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    galleryId = (await t.gql(hubAdmin, `mutation { createGallery(input: { name: "County bookings" }) { id } }`)).data.createGallery.id;
    for (const p of await demoPeople()) {
      const r = await t.gql(hubAdmin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { created } }`, { i: { galleryId, subjectRef: p.ref, imageBase64: p.image.toString('base64') } });
      expect(r.errors).toBeUndefined();
    }
    enrolledAt = Date.now();
  }, 300_000);
  afterAll(() => t?.close());

  it('runs by itself, scores every pair of its sample, stores the gallery\'s calibration and leaves the shipped one in force', async () => {
    // a run that started once every photo was enrolled, and finished
    const status = (await until('a scheduled run over the whole gallery', () => t.gql(hubAdmin, STATUS), (r) => {
      const s = r.data?.calibrationJob;
      return s?.state === 'SUCCEEDED' && new Date(s.startedAt).getTime() > enrolledAt && s.stored.length > 0;
    }, { deadlineMs: 120_000, everyMs: 200 })).data.calibrationJob;
    expect(status).toMatchObject({ galleryId, pairsTotal: (24 * 23) / 2, pairsScored: (24 * 23) / 2, message: expect.stringMatching(/none adopted/) });

    const o = (await t.gql(hubAdmin, `{ calibrations { current { id source } calibrations { id source galleryId templates people impostorPairs genuinePairs measuredBy measuredOn current atThreshold { falseMatchRate } } } }`)).data.calibrations;
    expect(o.current.source).toBe('SHIPPED');
    const stored = o.calibrations.find((c: { id: string }) => c.id === status.stored[0]);
    expect(stored).toMatchObject({ source: 'GALLERY', galleryId, templates: 24, current: false, measuredBy: 'the hub\'s calibration job' });
    expect(stored.measuredOn).toMatch(/^24 templates of \d+ subjects of gallery .* sampled from its 32$/);
    // its figures are the gallery's: the same 24 templates (whole subjects, in the sampler's order) scored here give the same pairs and rate
    const rows: { subject: string; e: string }[] = await t.hub.database.db.scoped({ tenantId: null, allTenants: true }, (tx) =>
      tx.query(`SELECT subject_id AS subject, embedding::text AS e FROM face_templates WHERE gallery_id = $1 ORDER BY md5(subject_id::text), id LIMIT 24`, [galleryId]));
    const s = pairScores(rows.map((r) => ({ person: r.subject, v: Float32Array.from(JSON.parse(r.e)) })));
    const here = calibrate(s.impostor, s.genuine, { pack: MANIFEST, measuredOn: '', command: '', date: '', photos: 24, people: s.people, failed: 0 }, s.impostorPeople);
    expect({ impostorPairs: stored.impostorPairs, genuinePairs: stored.genuinePairs, people: stored.people }).toEqual({ impostorPairs: here.impostor.pairs, genuinePairs: here.genuine.pairs, people: s.people });
    expect(stored.atThreshold.falseMatchRate).toBeCloseTo(falseMatchRateAt(here, MANIFEST.thresholds.match), 12);

    // progress and the result in the log; the reading and the storing audited
    const log = lines.map((l) => JSON.parse(l)).filter((l) => l.job === 'calibration');
    expect(log.some((l) => /gallery \S+: \d+% of 276 pairs scored/.test(l.msg))).toBe(true);
    expect(log.some((l) => l.msg.includes(`stored calibration`) && l.msg.includes('not adopted'))).toBe(true);
    const audited = await t.hub.database.db.scoped({ tenantId: null, allTenants: true }, (tx) =>
      tx.query<{ action: string; details: { calibrationId?: string } }>(`SELECT action, details FROM audit_events WHERE action IN ($1, $2) ORDER BY seq`, [AuditAction.GALLERY_CALIBRATED, AuditAction.CALIBRATION_STORED]));
    expect(audited.some((e) => e.action === AuditAction.CALIBRATION_STORED && e.details.calibrationId === stored.id)).toBe(true);
    expect(audited.some((e) => e.action === AuditAction.GALLERY_CALIBRATED)).toBe(true);
    expect(await t.hub.database.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = $1`, [AuditAction.CALIBRATION_ADOPTED])).toEqual([{ n: 0 }]);
  });

  it('gives a gallery up at its time limit and stores nothing for it; the status says so', async () => {
    const db = t.hub.database.db;
    const trail = new AuditTrail(db, systemClock);
    const said: string[] = [];
    const before = (await db.query(`SELECT count(*)::int AS n FROM score_calibrations`))[0].n;
    // a clock a second on at each reading: the limit of a tenth of a second passes at the first step
    let at = Date.now();
    const hurried = { now: () => new Date((at += 1000)) };
    const job = new CalibrationJob(db, hurried, trail, t.hub.services.calibrations, new GallerySampleService(db, trail), galleryMeasurer({ id: MANIFEST.id, version: MANIFEST.version }), {
      maxTemplates: 32, maxSeconds: 0.1, galleries: [galleryId],
    }, (_, m) => void said.push(m));
    const status = await job.run('test-timeout');
    expect(status.state).toBe(CalibrationJobState.TIMED_OUT);
    expect(status.stored).toEqual([]);
    expect(status.message).toMatch(/gave up gallery .* nothing stored for it/);
    expect(said.some((m) => m.includes('gave up'))).toBe(true);
    expect((await db.query(`SELECT count(*)::int AS n FROM score_calibrations`))[0].n).toBe(before);
  });

  it('answers the status to HUB_ADMIN and OVERSIGHT_AUDITOR only', async () => {
    expect((await t.gql(await t.token('hub', Role.OVERSIGHT_AUDITOR), STATUS)).errors).toBeUndefined();
    await t.createTenant('metro-pd');
    expect((await t.gql(await t.token('metro-pd', Role.AGENCY_ADMIN), STATUS)).errors?.[0].extensions.code).toBe('FORBIDDEN');
  });
});

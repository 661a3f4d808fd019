import sharp from 'sharp';
import { falseMatchRateAt, falseMatchRateInterval, thresholdForFalseMatchRate, usableCalibration, type ScoreCalibration } from '../../inference/calibration';
import { Role } from '../../models/enums';
import { portrait } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';

// A search's default threshold comes from the target false-positive identification rate over the
// templates it searches (FMR = target / templates, through the pack's calibration), never below the
// pack's verification threshold; every candidate carries its estimated false-match rate.

const SEARCH = `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id threshold
  thresholdBasis { threshold source templatesSearched targetFpir falseMatchRate falseMatchRateInterval { low high } expectedFalseCandidates beyondCalibration }
  candidates { score estimatedFalseMatchRate falseMatchRateAtLimit falseMatchRateInterval { low high } } } }`;

describe('search thresholds from the calibration, over HTTP', () => {
  let t: TestHub;
  let analyst: string;
  let one: string;
  let cal: ScoreCalibration;
  let match: number;
  let probe: string;
  const many = 15;

  beforeAll(async () => {
    t = await startHub({ FRHUB_TARGET_FPIR: '0.1' });
    cal = usableCalibration(t.hub.engine.manifest).calibration!;
    match = t.hub.engine.manifest.thresholds.match;
    await t.createTenant('metro-pd');
    const admin = (await t.principal('metro-pd', Role.AGENCY_ADMIN)).token;
    analyst = (await t.principal('metro-pd', Role.AGENCY_ANALYST)).token;
    const gallery = async (name: string) => (await t.gql(admin, `mutation { createGallery(input: { name: "${name}" }) { id } }`)).data.createGallery.id as string;
    const enroll = async (galleryId: string, ref: string, image: Buffer) => {
      const r = await t.gql(admin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { created } }`, { i: { galleryId, subjectRef: ref, imageBase64: image.toString('base64') } });
      expect(r.errors).toBeUndefined();
    };
    const face = await portrait();
    one = await gallery('one');
    await enroll(one, 'BK-1', face);
    // one more gallery of the same face at 15 sizes: 15 templates, so 16 searched in all
    const more = await gallery('many');
    for (let i = 0; i < many; i++) await enroll(more, `BK-${i + 2}`, await sharp(face).resize(300 + i * 10).jpeg({ quality: 80 + i }).toBuffer());
    probe = (await sharp(face).resize(320).modulate({ brightness: 1.1 }).jpeg({ quality: 70 }).toBuffer()).toString('base64');
  });
  afterAll(() => t?.close());

  const search = async (extra: Record<string, unknown> = {}) => {
    const r = await t.gql(analyst, SEARCH, { i: { imageBase64: probe, legalBasis: 'CRIMINAL_SUSPECT_ID', offenseCategory: 'ROBBERY', caseNumber: 'T-1', ...extra } });
    expect(r.errors).toBeUndefined();
    return r.data.searchFaces;
  };

  it('the built-in pack carries a calibration measured with its own version', () => {
    expect(cal).toBeDefined();
    expect(cal.pack.version).toBe(t.hub.engine.manifest.version);
  });

  it('over 16 templates: the score where 0.1 strangers are expected above it', async () => {
    const s = await search();
    const expected = thresholdForFalseMatchRate(cal, 0.1 / (many + 1));
    expect(expected).toBeGreaterThan(match);
    expect(s.thresholdBasis).toMatchObject({ source: 'TARGET_FPIR', templatesSearched: many + 1, targetFpir: 0.1, beyondCalibration: false });
    expect(s.threshold).toBeCloseTo(expected, 5);
    expect(s.thresholdBasis.expectedFalseCandidates).toBeCloseTo(0.1, 2);
    expect(s.candidates.length).toBeGreaterThan(0);
    for (const c of s.candidates) {
      expect(c.score).toBeGreaterThanOrEqual(s.threshold);
      expect(c.estimatedFalseMatchRate / falseMatchRateAt(cal, c.score)).toBeCloseTo(1, 3);
      expect(c.falseMatchRateAtLimit).toBe(c.score > cal.impostor.tail[0][0]);
      // every rate carries its 95% interval, from the pairs of people the calibration measured
      const iv = falseMatchRateInterval(cal, c.score);
      expect(c.falseMatchRateInterval.low).toBeCloseTo(iv.low, 12);
      expect(c.falseMatchRateInterval.high).toBeCloseTo(iv.high, 12);
      expect(c.falseMatchRateInterval.high).toBeGreaterThan(c.estimatedFalseMatchRate);
      if (!c.falseMatchRateAtLimit) expect(c.falseMatchRateInterval.low).toBeLessThan(c.estimatedFalseMatchRate);
    }
    expect(s.thresholdBasis.falseMatchRateInterval.high).toBeCloseTo(falseMatchRateInterval(cal, s.threshold).high, 12);
  });

  it('over one template: the pack\'s verification threshold, which the target would go below', async () => {
    const s = await search({ galleryIds: [one] });
    expect(s.thresholdBasis).toMatchObject({ source: 'VERIFICATION_FLOOR', templatesSearched: 1, targetFpir: 0.1 });
    expect(s.threshold).toBeCloseTo(match, 5);
    expect(s.thresholdBasis.falseMatchRate / falseMatchRateAt(cal, match)).toBeCloseTo(1, 3);
  });

  it('a caller\'s minScore is used as given, with what it means', async () => {
    const s = await search({ minScore: 0.5 });
    expect(s.thresholdBasis).toMatchObject({ threshold: 0.5, source: 'CALLER', targetFpir: null, templatesSearched: many + 1 });
    expect(s.thresholdBasis.expectedFalseCandidates).toBeCloseTo((many + 1) * falseMatchRateAt(cal, 0.5), 3);
    expect(s.candidates).toHaveLength(many + 1);
  });

  it('a search read later keeps its candidates\' rates (its basis is in its audit event)', async () => {
    const s = await search();
    const r = await t.gql(analyst, `query($id: ID!) { search(id: $id) { threshold thresholdBasis { source } candidates { score estimatedFalseMatchRate } } }`, { id: s.id });
    expect(r.errors).toBeUndefined();
    expect(r.data.search.thresholdBasis).toBeNull();
    expect(r.data.search.candidates.map((c: { estimatedFalseMatchRate: number }) => c.estimatedFalseMatchRate > 0)).toEqual(s.candidates.map(() => true));
  });
});

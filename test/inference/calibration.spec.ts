import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUILTIN_PACKS, ensureBuiltinPack, shippedCalibration } from '../../inference/builtin-packs';
import { calibrate, calibrationLimit, describeFalseMatchRate, falseMatchRateAt, falseMatchRateInterval, independentPairs, pairScores, thresholdForFalseMatchRate, usableCalibration, type ScoreCalibration } from '../../inference/calibration';
import type { ModelPackManifest } from '../../inference/model-pack';
import { ThresholdSource } from '../../models/enums';
import { describeThreshold, searchThreshold } from '../../tenants/search/search-threshold';

// A seeded stream of impostor scores whose exact tail is known: n scores, the k-th highest is 1 - k/n.
function uniformScores(n: number): Float32Array {
  const s = new Float32Array(n);
  for (let k = 1; k <= n; k++) s[(k * 7919) % n] = 1 - k / n;
  return s;
}

const about = { pack: { id: 'test-pack', version: '1' }, measuredOn: 'synthetic', command: 'none', date: '2026-12-01', photos: 0, people: 0, failed: 0 };

describe('score calibration', () => {
  const n = 200_000;
  // 900 same-person pairs score 0.9995, 100 score 0.5
  const cal = calibrate(uniformScores(n), Float32Array.from({ length: 1000 }, (_, i) => (i < 900 ? 0.9995 : 0.5)), about);

  it('reads a false-match rate off the measured tail, within the interpolation step', () => {
    for (const score of [0.999, 0.99, 0.95, 0.9, 0.5]) {
      const exact = 1 - score; // the share of scores at or above `score`
      expect(falseMatchRateAt(cal, score) / exact).toBeGreaterThan(0.95);
      expect(falseMatchRateAt(cal, score) / exact).toBeLessThan(1.05);
    }
  });

  it('never goes beyond the data: above the highest impostor it is the limit, 1 / pairs', () => {
    expect(calibrationLimit(cal)).toBe(1 / n);
    expect(falseMatchRateAt(cal, 0.99999999)).toBe(1 / n);
    expect(falseMatchRateAt(cal, 1)).toBe(1 / n);
    // beyond the data the words give the one-sided 95% bound, 3 / pairs ("the rule of three"), never 1 / pairs
    expect(describeFalseMatchRate(cal, 1)).toBe('fewer than 1 in 66,000, with 95% confidence');
    expect(describeFalseMatchRate(cal, 0.999)).toMatch(/^about 1 in 1,0\d\d \(95% interval: 1 in [\d,]+ to 1 in [\d,]+\)$/);
    expect(falseMatchRateAt(cal, -1)).toBe(1);
  });

  it('a threshold and its rate are inverses, and a rate below the limit gets the strictest threshold, not an invented one', () => {
    for (const fmr of [1e-2, 1e-3, 1e-4]) expect(falseMatchRateAt(cal, thresholdForFalseMatchRate(cal, fmr)) / fmr).toBeCloseTo(1, 2);
    expect(thresholdForFalseMatchRate(cal, 1e-3)).toBeCloseTo(0.999, 3);
    const strictest = thresholdForFalseMatchRate(cal, 1e-9);
    expect(strictest).toBeGreaterThan(cal.impostor.tail[0][0]);
    expect(strictest).toBeLessThan(cal.impostor.tail[0][0] + 1e-5);
  });

  it('counts tied scores as one point: no threshold is read as rarer than the pairs at or above it', () => {
    // 100 pairs: three tied at 0.75, then 0.625 … 0.125 (scores a float32 holds exactly)
    const scores = Float32Array.from([0.75, 0.75, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125, ...Array.from({ length: 92 }, () => 0)]);
    const tied = calibrate(scores, Float32Array.from([0.9]), about);
    expect(tied.impostor.tail.slice(0, 2)).toEqual([[0.75, 3], [0.625, 4]]);
    expect(falseMatchRateAt(tied, 0.75)).toBeCloseTo(0.03, 12);
    expect(falseMatchRateAt(tied, 0.75001)).toBeCloseTo(0.01, 12);
    // 2.5 pairs wanted: 0.75 lets 3 through, so the threshold sits above it
    const t = thresholdForFalseMatchRate(tied, 0.025);
    expect(t).toBeGreaterThan(0.75);
    expect(falseMatchRateAt(tied, t)).toBeLessThanOrEqual(0.025);
    // a calibration written before ties were collapsed reads the same
    const legacy = { ...tied, impostor: { ...tied.impostor, tail: [[0.75, 2], [0.75, 3], ...tied.impostor.tail.slice(1)] as [number, number][] } };
    expect(falseMatchRateAt(legacy, 0.75)).toBeCloseTo(0.03, 12);
    expect(thresholdForFalseMatchRate(legacy, 0.025)).toBe(t);
    // three pairs of a hundred: another hundred may well show none (a mean under 3.69), so the interval reaches 0
    expect(describeFalseMatchRate(tied, 0.75)).toBe('about 1 in 33 (95% interval: at most 1 in 11)');
    expect(falseMatchRateInterval(tied, 0.75).low).toBe(0);
    expect(describeFalseMatchRate(tied, 0.76)).toBe('fewer than 1 in 33, with 95% confidence');
  });

  it('tabulates 1e-2 … 1e-5 with the impostor pairs behind each, and says "none" where too few were measured', () => {
    expect(cal.thresholds.map((t) => t.fmr)).toEqual([1e-2, 1e-3, 1e-4, 1e-5]);
    const [, at3, , at5] = cal.thresholds;
    expect(at3.impostorPairsAbove).toBeGreaterThanOrEqual(190);
    expect(at3.impostorPairsAbove).toBeLessThanOrEqual(210);
    expect(at5.impostorPairsAbove).toBe(2);
    expect(at3.genuineAccepted).toBeCloseTo(0.9, 1);
    const small = calibrate(uniformScores(5_000), new Float32Array(0), about);
    expect(small.thresholds.map((t) => t.threshold === null)).toEqual([false, false, true, true]);
    expect(small.thresholds[2].impostorPairsAbove).toBe(0);
  });

  it('gives every rate a 95% interval that holds the measured share, exact binomial on the pairs', () => {
    for (const score of [0.9999, 0.999, 0.99, 0.9, 0.5]) {
      const { low, high } = falseMatchRateInterval(cal, score);
      const exact = 1 - score;
      expect(low).toBeLessThan(exact);
      expect(high).toBeGreaterThan(exact);
    }
    // 200 of 200,000 pairs (rate 1e-3): Clopper-Pearson 95% is 8.66e-4 to 1.148e-3
    const at = falseMatchRateInterval(cal, 0.999);
    expect(at.low).toBeCloseTo(8.66e-4, 5);
    expect(at.high).toBeCloseTo(1.148e-3, 5);
    // none measured above: low 0, high the one-sided bound 1 - 0.05^(1/n)
    expect(falseMatchRateInterval(cal, 1)).toEqual({ low: 0, high: expect.closeTo(1 - 0.05 ** (1 / n), 10) });
  });

  it('measured without people, counts only the people as independent: 100 people are worth 100 comparisons however many photo pairs', () => {
    const few = { ...cal, people: 100 };
    expect(independentPairs(cal)).toBe(n);
    expect(independentPairs(few)).toBe(100);
    const [wide, narrow] = [falseMatchRateInterval(few, 0.999), falseMatchRateInterval(cal, 0.999)];
    expect(wide.low).toBeLessThan(narrow.low);
    expect(wide.high).toBeGreaterThan(narrow.high);
    // the estimate is the same, only what can be said of it changes
    expect(falseMatchRateAt(few, 0.999)).toBe(falseMatchRateAt(cal, 0.999));
    expect(describeFalseMatchRate(few, 1)).toBe('fewer than 1 in 33, with 95% confidence');
  });

  it('measured with people, a bootstrap over them gives each rate the range it takes on other people, wider than the photo pairs alone suggest', () => {
    // 60 people of 4 photos; two of them (0 and 1) resemble each other: all 16 of their pairs score high
    const faces: { person: number; v: Float32Array }[] = [];
    const unit = (i: number, j: number, tilt: number) => {
      const v = new Float32Array(64);
      v[i % 64] = Math.cos(tilt);
      v[(i + j + 1) % 64] = Math.sin(tilt);
      return v;
    };
    for (let p = 0; p < 60; p++) for (let k = 0; k < 4; k++) faces.push({ person: p, v: unit(p < 2 ? 0 : p, k, p < 2 ? 0.05 * k : 0.2 + 0.1 * k) });
    const scores = pairScores(faces);
    expect(scores.people).toBe(60);
    expect(scores.impostor.length).toBe((240 * 239) / 2 - 60 * 6);
    const measured = calibrate(scores.impostor, scores.genuine, { ...about, people: 60 }, scores.impostorPeople);
    expect(measured.impostor.replicates).toBe(200);
    // the 16 look-alike pairs are one pair of people: worth far fewer than 16 independent comparisons
    expect(measured.impostor.independentPairs!).toBeLessThan(measured.impostor.pairs / 10);
    const top = measured.impostor.tail[0][0];
    const iv = falseMatchRateInterval(measured, top);
    const binomialOnPairs = falseMatchRateInterval({ ...measured, impostor: { pairs: measured.impostor.pairs, tail: measured.impostor.tail }, people: 0 }, top);
    expect(iv.low).toBeLessThanOrEqual(falseMatchRateAt(measured, top));
    expect(iv.high).toBeGreaterThan(binomialOnPairs.high);
    // the same photos give the same calibration (a seeded bootstrap)
    expect(calibrate(pairScores(faces).impostor, pairScores(faces).genuine, { ...about, people: 60 }, pairScores(faces).impostorPeople)).toEqual(measured);
  });

  it('never words a bound the data cannot give: "fewer than 1 in X" only up to the pairs of people / 2.99', () => {
    for (const people of [0, 30, 500, 5000]) {
      const c = { ...cal, people };
      for (let score = 0.5; score <= 1.0001; score += 0.002) {
        const text = describeFalseMatchRate(c, score);
        const m = /^fewer than 1 in ([\d,]+)/.exec(text);
        if (m) expect(Number(m[1].replace(/,/g, ''))).toBeLessThanOrEqual(independentPairs(c) / 2.99);
        const about = /^about 1 in ([\d,]+) \(95% interval: (1 in [\d,]+ to 1 in [\d,]+|at most 1 in [\d,]+)\)$/.exec(text);
        if (!m) expect(about).not.toBeNull();
      }
    }
  });

  it('is used only with the pack id and version it was measured with', () => {
    const manifest = { id: 'test-pack', version: '1', calibration: cal };
    expect(usableCalibration(manifest).calibration).toBe(cal);
    expect(usableCalibration({ ...manifest, version: '2' })).toEqual({ reason: 'the score calibration of model pack test-pack was measured with test-pack 1, not 2' });
    expect(usableCalibration({ id: 'x', version: '1' }).reason).toBe('model pack x 1 has no score calibration');
  });
});

describe('a search\'s default threshold', () => {
  const cal = calibrate(uniformScores(200_000), new Float32Array(0), about);
  const port = {
    falseMatchRateAt: (s: number) => falseMatchRateAt(cal, s),
    thresholdForFalseMatchRate: (f: number) => thresholdForFalseMatchRate(cal, f),
    falseMatchRateInterval: (s: number) => falseMatchRateInterval(cal, s),
    limit: calibrationLimit(cal),
    highestImpostorScore: cal.impostor.tail[0][0],
  };
  const at = (templatesSearched: number, extra: Partial<Parameters<typeof searchThreshold>[0]> = {}) =>
    searchThreshold({ templatesSearched, targetFpir: 0.1, verificationThreshold: 0.9, calibration: port, ...extra });

  it('rises with the templates searched, so the strangers expected above it stay at the target', () => {
    const [small, large] = [at(1_000), at(10_000)];
    expect(small.source).toBe(ThresholdSource.TARGET_FPIR);
    expect(large.threshold).toBeGreaterThan(small.threshold);
    for (const b of [small, large]) expect(b.expectedFalseCandidates).toBeCloseTo(0.1, 2);
  });

  it('never goes below the verification threshold, and a caller\'s minScore wins', () => {
    // 10 templates at 0.1: a rate of 1e-2 (0.99 here), below the verification threshold 0.999
    expect(at(10, { verificationThreshold: 0.999 })).toMatchObject({ threshold: 0.999, source: ThresholdSource.VERIFICATION_FLOOR, targetFpir: 0.1, templatesSearched: 10 });
    expect(at(10, { verificationThreshold: 0.999 }).expectedFalseCandidates).toBeCloseTo(10 * 1e-3, 3);
    expect(at(10, { minScore: 0.5 })).toMatchObject({ threshold: 0.5, source: ThresholdSource.CALLER, targetFpir: null });
  });

  it('past what the calibration can speak for, takes its strictest threshold and says the rates are bounds', () => {
    const b = at(1e9);
    expect(b.beyondCalibration).toBe(true);
    expect(b.threshold).toBeGreaterThan(port.highestImpostorScore);
    expect(b.falseMatchRate).toBe(port.limit);
    // what is known there is the one-sided 95% bound, about 3 / pairs, and the words say so
    expect(b.falseMatchRateInterval).toEqual({ low: 0, high: expect.closeTo(2.9957 / 200_000, 8) });
    expect(describeThreshold(b)).toContain('false-match rate under 1.5e-5 per comparison with 95% confidence');
  });

  it('without a calibration, is the verification threshold and knows no rates', () => {
    expect(at(1000, { calibration: undefined })).toMatchObject({ threshold: 0.9, source: ThresholdSource.UNCALIBRATED, falseMatchRate: null, expectedFalseCandidates: null });
  });
});

describe('the built-in packs\' shipped calibrations', () => {
  it.each([...BUILTIN_PACKS])('%s: shipped, measured with the pack version the code builds, and carried in its manifest', (id) => {
    const shipped = shippedCalibration(id);
    expect(shipped).toBeDefined();
    const dir = ensureBuiltinPack(resolve(__dirname, '../../data/models'), id);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ModelPackManifest;
    // a pipeline change bumps the version: rerun `npx frhub models calibrate <id> --root ../shared/faces … --write` (shipped.command)
    expect(shipped!.pack).toEqual({ id, version: manifest.version });
    expect(manifest.calibration).toEqual(shipped);
    const c = shipped as ScoreCalibration;
    expect(c.impostor.pairs).toBeGreaterThanOrEqual(1_000_000);
    expect(c.thresholds.every((t) => t.threshold !== null && t.impostorPairsAbove >= 1)).toBe(true);
    expect(c.command).toContain(`npx frhub models calibrate ${id} `);
  });
});

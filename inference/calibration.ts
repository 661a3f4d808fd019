// What a score means: the measured share of different-person pairs that reach it (the false-match
// rate), from a pack's calibration, with the 95% interval the data gives. Interpolated on the
// measured tail, never beyond it.
import { jStat } from 'jstat';
import { cosine } from './evaluate.js';

const betaQuantile = (p: number, a: number, b: number): number => jStat.beta.inv(p, a, b);

/** The false-match rates a calibration reports thresholds for. */
export const CALIBRATED_RATES = [1e-2, 1e-3, 1e-4, 1e-5] as const;

export interface CalibratedThreshold {
  /** the false-match rate asked for */
  fmr: number;
  /** the lowest score whose measured false-match rate is at most `fmr`; null when fewer than 1/fmr impostor pairs were measured */
  threshold: number | null;
  /** impostor pairs measured at or above `threshold` (the evidence behind the figure) */
  impostorPairsAbove: number;
  /** share of same-person pairs at or above `threshold` (true-match rate) */
  genuineAccepted: number | null;
}

/** A pack's score calibration: the impostor (different-person) cosine distribution and what it implies. */
export interface ScoreCalibration {
  /** the pack it was measured with; it is used only while the pack has this id and version */
  pack: { id: string; version: string };
  /** what it was measured on, in words */
  measuredOn: string;
  /** the command that measured it, to run again when the pipeline changes */
  command: string;
  /** YYYY-MM-DD */
  date: string;
  photos: number;
  people: number;
  /** photos that gave no embedding (left out) */
  failed: number;
  impostor: {
    pairs: number;
    /** [score, impostor pairs scoring at or above it], scores descending: every count to 30, then ~8% steps to all pairs */
    tail: [number, number][];
  };
  genuine: {
    pairs: number;
    /** [fraction, score]: that fraction of same-person pairs scores below the score */
    quantiles: [number, number][];
  };
  thresholds: CalibratedThreshold[];
}

// six decimals, rounded toward the stricter side: a measured score down (its rate is not understated), a threshold up
const down6 = (x: number) => Math.floor(x * 1e6 + 1e-6) / 1e6;
const up6 = (x: number) => Math.ceil(x * 1e6 - 1e-6) / 1e6;

/**
 * Every pair's cosine score, split by whether its two faces are of one person (genuine) or of two
 * (impostor); `person` is any key that is equal for the photos of one person.
 */
export function pairScores<P>(faces: { person: P; v: Float32Array }[]): { impostor: Float32Array; genuine: Float32Array; people: number } {
  const sizes = new Map<P, number>();
  for (const { person } of faces) sizes.set(person, (sizes.get(person) ?? 0) + 1);
  const genuineCount = [...sizes.values()].reduce((n, c) => n + (c * (c - 1)) / 2, 0);
  const impostor = new Float32Array((faces.length * (faces.length - 1)) / 2 - genuineCount);
  const genuine = new Float32Array(genuineCount);
  let i = 0;
  let g = 0;
  for (let a = 0; a < faces.length; a++) {
    for (let b = a + 1; b < faces.length; b++) {
      const s = cosine(faces[a].v, faces[b].v);
      if (faces[a].person === faces[b].person) genuine[g++] = s;
      else impostor[i++] = s;
    }
  }
  return { impostor, genuine, people: sizes.size };
}

/** Builds a calibration from every impostor and genuine score (arrays may be reordered in place). */
export function calibrate(
  impostorScores: Float32Array,
  genuineScores: Float32Array,
  about: Pick<ScoreCalibration, 'pack' | 'measuredOn' | 'command' | 'date' | 'photos' | 'people' | 'failed'>,
): ScoreCalibration {
  const imp = impostorScores.sort().reverse();
  const gen = genuineScores.sort();
  const n = imp.length;
  if (!n) throw new Error('no impostor pairs: a calibration needs photos of at least two people');
  const counts: number[] = [];
  for (let k = 1; k <= Math.min(30, n); k++) counts.push(k);
  for (let k = 30 * 1.08; k < n; k *= 1.08) if (Math.round(k) > counts[counts.length - 1]) counts.push(Math.round(k));
  if (counts[counts.length - 1] !== n) counts.push(n);
  const atOrAbove = (sorted: Float32Array, t: number, descending: boolean) => {
    // binary search for the number of scores >= t
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (descending ? sorted[mid] >= t : sorted[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return descending ? lo : sorted.length - lo;
  };
  // each point counts every pair at or above its (rounded) score, so tied scores make one point
  const tail = strictTail(counts.map((k): [number, number] => { const t = down6(imp[k - 1]); return [t, atOrAbove(imp, t, true)]; }));
  const quantiles = [0.001, 0.01, 0.05, 0.1, 0.5].filter(() => gen.length).map((q): [number, number] => [q, down6(gen[Math.min(gen.length - 1, Math.floor(q * gen.length))])]);
  const cal: ScoreCalibration = { ...about, impostor: { pairs: n, tail }, genuine: { pairs: gen.length, quantiles }, thresholds: [] };
  cal.thresholds = CALIBRATED_RATES.map((fmr) => {
    if (fmr * n < 1) return { fmr, threshold: null, impostorPairsAbove: 0, genuineAccepted: null };
    const t = thresholdForFalseMatchRate(cal, fmr);
    return { fmr, threshold: t, impostorPairsAbove: atOrAbove(imp, t, true), genuineAccepted: gen.length ? Math.round((atOrAbove(gen, t, false) / gen.length) * 1e6) / 1e6 : null };
  });
  return cal;
}

const strict = new WeakMap<[number, number][], [number, number][]>();
/**
 * The tail with strictly falling scores: where points share a score (ties, or rounding to 1e-6) the
 * one counting the most pairs stands for it, so no threshold is read as rarer than its pairs say.
 */
function strictTail(tail: [number, number][]): [number, number][] {
  let out = strict.get(tail);
  if (!out) {
    out = [];
    for (const [score, k] of tail) {
      const last = out[out.length - 1];
      if (last && last[0] === score) last[1] = Math.max(last[1], k);
      else out.push([score, k]);
    }
    strict.set(tail, out);
  }
  return out;
}

/** The smallest false-match rate the data can show: one impostor pair in all those measured. */
export const calibrationLimit = (cal: ScoreCalibration): number => 1 / cal.impostor.pairs;

/**
 * The estimated false-match rate of `score`: the share of measured impostor pairs at or above it,
 * log-interpolated between measured points. Above every impostor pair it is the data's limit
 * (1 / pairs measured): no estimate at all, only a floor of what the data can show; read the
 * interval (falseMatchRateInterval) for what is known there.
 */
export function falseMatchRateAt(cal: ScoreCalibration, score: number): number {
  const { pairs } = cal.impostor;
  const tail = strictTail(cal.impostor.tail);
  if (score > tail[0][0]) return 1 / pairs;
  const last = tail[tail.length - 1];
  if (score <= last[0]) return 1;
  let i = 0;
  while (tail[i + 1][0] >= score) i++;
  const [sHi, kLo] = tail[i];
  const [sLo, kHi] = tail[i + 1];
  const f = sHi === sLo ? 1 : (sHi - score) / (sHi - sLo);
  return Math.exp(Math.log(kLo) + f * (Math.log(kHi) - Math.log(kLo))) / pairs;
}

/** A 95% interval of a false-match rate; `low` 0 where no impostor pair reached the score. */
export interface RateInterval {
  low: number;
  high: number;
}

/**
 * How many independent comparisons a calibration's pairs are worth. Its impostor pairs are every pair
 * of photos of two different people, so a person with many photos, or one who resembles many others,
 * stands in thousands of them: they are not independent. The unit counted is a pair of people
 * (people × (people − 1) / 2), never more than the photo pairs; a calibration that does not say how
 * many people it measured (people < 2) is counted as its photo pairs, the most it could be worth.
 */
export function independentPairs(cal: ScoreCalibration): number {
  const peoplePairs = cal.people >= 2 ? (cal.people * (cal.people - 1)) / 2 : Infinity;
  return Math.min(cal.impostor.pairs, peoplePairs);
}

/**
 * The 95% interval of the false-match rate at `score`: an exact (Clopper-Pearson) binomial interval
 * on the pairs of people (independentPairs), with as many of them matching as the measured rate
 * implies. Beyond every impostor pair measured, `low` is 0 and `high` the one-sided 95% bound
 * (about 3 / pairs of people: "the rule of three").
 */
export function falseMatchRateInterval(cal: ScoreCalibration, score: number): RateInterval {
  const n = independentPairs(cal);
  if (score > strictTail(cal.impostor.tail)[0][0]) return { low: 0, high: betaQuantile(0.95, 1, n) };
  const k = Math.min(n, falseMatchRateAt(cal, score) * n);
  if (k >= n) return { low: betaQuantile(0.025, n, 1), high: 1 };
  return { low: betaQuantile(0.025, k, n - k + 1), high: betaQuantile(0.975, k + 1, n - k) };
}

/**
 * The lowest score whose estimated false-match rate is at most `fmr` (the inverse of
 * falseMatchRateAt). Below the data's limit it is just above the highest impostor score measured:
 * the strictest threshold the data supports, whose rate is known only to be under the limit.
 */
export function thresholdForFalseMatchRate(cal: ScoreCalibration, fmr: number): number {
  const { pairs } = cal.impostor;
  const tail = strictTail(cal.impostor.tail);
  const want = fmr * pairs;
  if (want < tail[0][1]) return up6(tail[0][0] + 1e-6);
  if (want >= pairs) return tail[tail.length - 1][0];
  let i = 0;
  while (tail[i + 1][1] <= want) i++;
  const [sHi, kLo] = tail[i];
  const [sLo, kHi] = tail[i + 1];
  const f = (Math.log(want) - Math.log(kLo)) / (Math.log(kHi) - Math.log(kLo));
  return up6(sHi - f * (sHi - sLo));
}

/** The calibration of a pack, when it was measured with this very pack (id and version); else why not. */
export function usableCalibration(manifest: { id: string; version: string; calibration?: ScoreCalibration }): { calibration?: ScoreCalibration; reason?: string } {
  const c = manifest.calibration;
  if (!c) return { reason: `model pack ${manifest.id} ${manifest.version} has no score calibration` };
  if (c.pack.id !== manifest.id || c.pack.version !== manifest.version) {
    return { reason: `the score calibration of model pack ${manifest.id} was measured with ${c.pack.id} ${c.pack.version}, not ${manifest.version}` };
  }
  return { calibration: c };
}

/** How to make a calibration, for a message that refuses a pack without one. */
export const calibrateHint = (pack: string) =>
  `measure one with: npx frhub models calibrate ${pack} --root <folder of <person>/<photo> photos> --write (a rate of 1e-5 needs photos of enough people for 100,000 impostor pairs or more)`;

/**
 * "1 in 12,000": a rate as one comparison in so many, to two significant figures; `toward` 'higher'
 * rounds the rate up (the count down), so a bound in words is never stronger than the figure.
 */
export function oneIn(rate: number, toward: 'nearest' | 'higher' = 'nearest'): string {
  const n = 1 / rate;
  const step = 10 ** Math.max(0, Math.floor(Math.log10(n)) - 1);
  const rounded = toward === 'higher' ? Math.max(1, Math.floor(n / step) * step) : Math.round(n / step) * step;
  return `1 in ${rounded.toLocaleString('en-US')}`;
}

/**
 * A rate in words with what the data can say of it: "about 1 in 12,000 (95% interval: 1 in 15,000
 * to 1 in 9,600)", or beyond every impostor pair measured "fewer than 1 in 170,000, with 95%
 * confidence", the bound the pairs of people measured give.
 */
export function describeFalseMatchRate(cal: ScoreCalibration, score: number): string {
  const { low, high } = falseMatchRateInterval(cal, score);
  if (score > strictTail(cal.impostor.tail)[0][0]) return `fewer than ${oneIn(high, 'higher')}, with 95% confidence`;
  const between = low > 0 ? `${oneIn(high, 'higher')} to ${oneIn(low)}` : `up to ${oneIn(high, 'higher')}`;
  return `about ${oneIn(falseMatchRateAt(cal, score))} (95% interval: ${between})`;
}

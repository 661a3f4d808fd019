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
    /**
     * [score, low, high] at the tail's scores from 30 pairs down to a rate of 5%: the range in which the rate
     * measured on another set of as many people falls at least 95 times in 100 (a bootstrap over
     * people, widened to the difference of two sets: SPREAD_Z). Absent: measured without people.
     */
    spread?: [number, number, number][];
    /** what the pairs are worth as independent comparisons: pairs / the largest design effect the bootstrap measured */
    independentPairs?: number;
    /** bootstrap replicates behind `spread` */
    replicates?: number;
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
 * (impostor), with who each impostor pair compares (for the bootstrap over people); `person` is any
 * key that is equal for the photos of one person.
 */
export function pairScores<P>(faces: { person: P; v: Float32Array }[]): PairScores {
  const steps = pairScoring(faces);
  for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
}

export interface PairScores {
  impostor: Float32Array;
  genuine: Float32Array;
  people: number;
  impostorPeople: ImpostorPeople;
}

/**
 * pairScores in steps, for a process that serves requests meanwhile (the hub's measuring job): it
 * yields the event loop every `pairsPerStep` pairs, tells `onProgress` (pairs scored, of all), and
 * gives up (undefined) once `stop` says so.
 */
export async function pairScoresInSteps<P>(
  faces: { person: P; v: Float32Array }[],
  o: { onProgress?: (scored: number, total: number) => void; stop?: () => boolean; pairsPerStep?: number },
): Promise<PairScores | undefined> {
  const total = (faces.length * (faces.length - 1)) / 2;
  // a step of at most a twentieth of the pairs, so that progress is told along the way on a small gallery too
  const every = o.pairsPerStep ?? Math.max(1, Math.min(200_000, Math.ceil(total / 20)));
  let next = every;
  const steps = pairScoring(faces);
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done) return step.value;
    if (step.value < next) continue;
    next = step.value + every;
    o.onProgress?.(step.value, total);
    await new Promise((r) => setImmediate(r));
    if (o.stop?.()) return undefined;
  }
}

/** Scores every pair, yielding the pairs scored so far after each face's row. */
function* pairScoring<P>(faces: { person: P; v: Float32Array }[]): Generator<number, PairScores> {
  const index = new Map<P, number>();
  for (const { person } of faces) if (!index.has(person)) index.set(person, index.size);
  const photos = new Uint32Array(index.size);
  for (const { person } of faces) photos[index.get(person)!]++;
  const genuineCount = photos.reduce((n, c) => n + (c * (c - 1)) / 2, 0);
  const impostorCount = (faces.length * (faces.length - 1)) / 2 - genuineCount;
  const impostor = new Float32Array(impostorCount);
  const a = new Uint32Array(impostorCount);
  const b = new Uint32Array(impostorCount);
  const genuine = new Float32Array(genuineCount);
  let i = 0;
  let g = 0;
  for (let x = 0; x < faces.length; x++) {
    const px = index.get(faces[x].person)!;
    for (let y = x + 1; y < faces.length; y++) {
      const py = index.get(faces[y].person)!;
      const s = cosine(faces[x].v, faces[y].v);
      if (px === py) genuine[g++] = s;
      else {
        a[i] = px;
        b[i] = py;
        impostor[i++] = s;
      }
    }
    yield i + g;
  }
  return { impostor, genuine, people: index.size, impostorPeople: { a, b, photos } };
}

/** Builds a calibration from every impostor and genuine score (arrays may be reordered in place). */
export function calibrate(
  impostorScores: Float32Array,
  genuineScores: Float32Array,
  about: Pick<ScoreCalibration, 'pack' | 'measuredOn' | 'command' | 'date' | 'photos' | 'people' | 'failed'>,
  people?: ImpostorPeople,
): ScoreCalibration {
  // descending order of the pairs, for the bootstrap over people, before the scores are sorted in place
  const order = people ? descendingOrder(impostorScores) : undefined;
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
  if (people && order) Object.assign(cal.impostor, bootstrapOverPeople(order, people, strictTail(tail), n));
  cal.thresholds = CALIBRATED_RATES.map((fmr) => {
    if (fmr * n < 1) return { fmr, threshold: null, impostorPairsAbove: 0, genuineAccepted: null };
    const t = thresholdForFalseMatchRate(cal, fmr);
    return { fmr, threshold: t, impostorPairsAbove: atOrAbove(imp, t, true), genuineAccepted: gen.length ? Math.round((atOrAbove(gen, t, false) / gen.length) * 1e6) / 1e6 : null };
  });
  return cal;
}

/** Who each impostor pair compares: person indices `a[i]`, `b[i]` of pair i, and each person's photo count. */
export interface ImpostorPeople {
  a: Uint32Array;
  b: Uint32Array;
  photos: Uint32Array;
}

const BOOTSTRAP_REPLICATES = 200;
/** −ln(0.025): a Poisson count with a smaller mean is 0 more than 2.5% of the time */
const ZERO_LIKELY = -Math.log(0.025);
/**
 * How far, in standard deviations of the log rate over bootstrap replicates, the spread reaches: a
 * normal 2.576 (99%) times √2 (the difference of two sets of people, not one). At 1.96 × √2 the range
 * covered only 85-93% of the rates measured on held-apart people (test/inference/calibration-coverage):
 * resampling a few hundred people understates how far a tail that a handful of look-alikes make moves
 * between sets of people, so the range is drawn wider, to cover 95 in 100 as measured.
 */
const SPREAD_Z = 2.807 * Math.SQRT2;
/** the spread is measured from this many pairs (the design effect from there too) down to this rate: a face search never operates above it */
const SPREAD_FROM_PAIRS = 30;
const SPREAD_TO_RATE = 0.05;

function descendingOrder(scores: Float32Array): Uint32Array {
  const order = Uint32Array.from({ length: scores.length }, (_, i) => i);
  return order.sort((x, y) => scores[y] - scores[x]);
}

/** A seeded generator (mulberry32): the same calibration from the same photos, every run. */
export function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Resamples people with replacement (a pair counts as often as both its people were drawn) and
 * measures each tail point's rate in every replicate: the spread of a rate over other sets of
 * people, which pairs of photos, all sharing people, cannot show by themselves.
 */
function bootstrapOverPeople(order: Uint32Array, people: ImpostorPeople, tail: [number, number][], pairs: number): Pick<ScoreCalibration['impostor'], 'spread' | 'independentPairs' | 'replicates'> {
  // a handful of pairs is a handful of people: resampling them says little, so those points are left to the binomial on independentPairs
  const points = tail.filter(([, k]) => k >= SPREAD_FROM_PAIRS && k <= SPREAD_TO_RATE * pairs);
  const last = points.length ? points[points.length - 1][1] : 0;
  const P = people.photos.length;
  const random = seeded(20261207);
  const rates = points.map(() => new Float64Array(BOOTSTRAP_REPLICATES));
  const w = new Float64Array(P);
  for (let r = 0; r < BOOTSTRAP_REPLICATES; r++) {
    w.fill(0);
    for (let i = 0; i < P; i++) w[Math.floor(random() * P)]++;
    let s1 = 0;
    let s2 = 0;
    for (let p = 0; p < P; p++) {
      s1 += w[p] * people.photos[p];
      s2 += (w[p] * people.photos[p]) ** 2;
    }
    // photo pairs of two different people, each counted once per draw of each (copies of one person never pair)
    const total = (s1 * s1 - s2) / 2;
    let cum = 0;
    let j = 0;
    for (let i = 0; i < last && j < points.length; i++) {
      const pair = order[i];
      cum += w[people.a[pair]] * w[people.b[pair]];
      while (j < points.length && points[j][1] === i + 1) rates[j++][r] = cum / total;
    }
  }
  const spread: [number, number, number][] = [];
  let deff = 1;
  for (const [j, [score, k]] of points.entries()) {
    const sorted = rates[j].sort();
    const rate = k / pairs;
    const logs = Array.from(sorted, (x) => (x > 0 ? Math.log(x) : NaN)).filter(Number.isFinite);
    const logMean = logs.reduce((a, x) => a + x, 0) / Math.max(1, logs.length);
    const sd = Math.sqrt(logs.reduce((a, x) => a + (x - logMean) ** 2, 0) / Math.max(1, logs.length - 1));
    // replicates where no pair reached the score: the rate on other people may well be 0
    const low = sorted.length - logs.length > 0.025 * sorted.length ? 0 : rate * Math.exp(-SPREAD_Z * sd);
    spread.push([score, Math.min(rate, low), Math.max(rate, rate * Math.exp(SPREAD_Z * sd))]);
    // the design effect: the replicates' variance against a binomial's on as many independent pairs
    const mean = sorted.reduce((a, x) => a + x, 0) / sorted.length;
    const variance = sorted.reduce((a, x) => a + (x - mean) ** 2, 0) / (sorted.length - 1);
    deff = Math.max(deff, variance / ((rate * (1 - rate)) / pairs));
  }
  return { spread, independentPairs: Math.floor(pairs / deff), replicates: BOOTSTRAP_REPLICATES };
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
 * stands in thousands of them: they are far from independent. Measured with people, it is the pairs
 * divided by the largest design effect a bootstrap over people found; measured without (a calibration
 * of an older hub, or of scores alone), the people themselves, the least it could be worth; the
 * pairs, where even that is unknown.
 */
export function independentPairs(cal: ScoreCalibration): number {
  if (cal.impostor.independentPairs) return Math.min(cal.impostor.pairs, cal.impostor.independentPairs);
  return cal.people >= 2 ? Math.min(cal.impostor.pairs, cal.people) : cal.impostor.pairs;
}

/**
 * The 95% interval of the false-match rate at `score`. Where the calibration measured its spread
 * over people (from 30 pairs down to a rate of 5%), the range the rate takes on another set of as
 * many people, log-interpolated like the rate; elsewhere (the few highest pairs, where a handful of
 * people decide everything) an exact (Clopper-Pearson) binomial interval on the independent pairs
 * (independentPairs). Beyond every impostor pair measured, `low` is 0 and `high`
 * the one-sided 95% bound on those pairs (about 3 / independent pairs: "the rule of three").
 */
export function falseMatchRateInterval(cal: ScoreCalibration, score: number): RateInterval {
  const n = independentPairs(cal);
  if (score > strictTail(cal.impostor.tail)[0][0]) return { low: 0, high: betaQuantile(0.95, 1, n) };
  const rate = falseMatchRateAt(cal, score);
  const spread = cal.impostor.spread;
  if (spread?.length && score <= spread[0][0] && score >= spread[spread.length - 1][0]) {
    let i = 0;
    while (i + 1 < spread.length && spread[i + 1][0] >= score) i++;
    const [sHi, loA, hiA] = spread[i];
    const [sLo, loB, hiB] = spread[Math.min(i + 1, spread.length - 1)];
    const f = sHi === sLo ? 0 : (sHi - score) / (sHi - sLo);
    const between = (x: number, y: number) => (x > 0 && y > 0 ? Math.exp(Math.log(x) + f * (Math.log(y) - Math.log(x))) : x + f * (y - x));
    return { low: Math.min(rate, between(loA, loB)), high: Math.max(rate, between(hiA, hiB)) };
  }
  const k = Math.min(n, rate * n);
  if (k >= n) return { low: betaQuantile(0.025, n, 1), high: 1 };
  // fewer than 3.69 expected among the independent comparisons: another set of people shows none more than 2.5% of the time
  return { low: k < ZERO_LIKELY ? 0 : betaQuantile(0.025, k, n - k + 1), high: betaQuantile(0.975, k + 1, n - k) };
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
 * A rate in words with what the data can say of it: "about 1 in 6,400 (95% interval: 1 in 1,100 to
 * 1 in 36,000)", "(95% interval: at most 1 in 3,100)" where the low end is under one in a billion, or beyond every impostor pair measured "fewer than 1 in 4,100, with 95% confidence",
 * the bound its independent pairs give.
 */
export function describeFalseMatchRate(cal: ScoreCalibration, score: number): string {
  const { low, high } = falseMatchRateInterval(cal, score);
  if (score > strictTail(cal.impostor.tail)[0][0]) return `fewer than ${oneIn(high, 'higher')}, with 95% confidence`;
  // a low end under one in a billion is no figure any calibration shows: then only the bound
  const between = low >= 1e-9 ? `${oneIn(high, 'higher')} to ${oneIn(low)}` : `at most ${oneIn(high, 'higher')}`;
  return `about ${oneIn(falseMatchRateAt(cal, score))} (95% interval: ${between})`;
}

// A pack's error rates measured per group of people (a demographic field the gallery's owner keeps):
// the false-match rate at the operating threshold on pairs of different people of one group, and the
// false non-match rate on pairs of photos of one person, each with a 95% interval over people.
import { jStat } from 'jstat';
import { calibrate, falseMatchRateInterval, pairScores, seeded, type RateInterval } from './calibration.js';

/**
 * A group is too small to say anything below this many people (for the false-match rate), or this many
 * people with two or more photos (for the false non-match rate): ten people make 45 pairs of people,
 * and with none of them matching the 95% bound is still 1 in 15 (the rule of three), far above any
 * rate a face search operates at; ten people's genuine pairs bound a non-match rate no lower than 26%.
 */
export const MIN_GROUP_PEOPLE = 10;

export interface GroupRates {
  group: string;
  people: number;
  photos: number;
  /** pairs of photos of two different people, both of this group */
  impostorPairs: number;
  /** of them, those scoring at or above the threshold */
  falseMatches: number;
  /** null: fewer than two people */
  falseMatchRate: number | null;
  falseMatchRateInterval: RateInterval | null;
  /** pairs of photos of one person of this group */
  genuinePairs: number;
  /** people of this group with two or more photos (the genuine pairs' people) */
  genuinePeople: number;
  /** of the genuine pairs, those scoring below the threshold */
  falseNonMatches: number;
  /** null: no one of the group has two photos */
  falseNonMatchRate: number | null;
  falseNonMatchRateInterval: RateInterval | null;
  /** under MIN_GROUP_PEOPLE people (or people with two photos): the rates say nothing of the group */
  tooSmall: boolean;
  /** in words, where tooSmall */
  warning: string | null;
}

const REPLICATES = 400;

/**
 * The 95% interval of a non-match rate over people: people with several photos resampled with
 * replacement (each brings all its pairs), the 2.5th and 97.5th percentiles of the replicates' rate;
 * with none observed, 0 to the one-sided 95% bound on as many independent people (the rule of three).
 */
function nonMatchInterval(perPerson: { pairs: number; misses: number }[]): RateInterval {
  const n = perPerson.length;
  const misses = perPerson.reduce((a, p) => a + p.misses, 0);
  if (!misses) return { low: 0, high: jStat.beta.inv(0.95, 1, n) };
  const random = seeded(20261207);
  const rates = new Float64Array(REPLICATES);
  for (let r = 0; r < REPLICATES; r++) {
    let pairs = 0;
    let miss = 0;
    for (let i = 0; i < n; i++) {
      const p = perPerson[Math.floor(random() * n)];
      pairs += p.pairs;
      miss += p.misses;
    }
    rates[r] = miss / pairs;
  }
  rates.sort();
  const rate = misses / perPerson.reduce((a, p) => a + p.pairs, 0);
  return { low: Math.min(rate, rates[Math.floor(0.025 * REPLICATES)]), high: Math.max(rate, rates[Math.ceil(0.975 * REPLICATES) - 1]) };
}

/** The rates of each group (groups in the order given, else by name); faces carry their person and group. */
export function ratesByGroup(faces: { person: string; group: string; v: Float32Array }[], threshold: number, order?: readonly string[]): GroupRates[] {
  const byGroup = new Map<string, typeof faces>();
  for (const f of faces) (byGroup.get(f.group) ?? byGroup.set(f.group, []).get(f.group)!).push(f);
  const groups = [...byGroup.keys()].sort((a, b) => (order ? order.indexOf(a) - order.indexOf(b) : a.localeCompare(b)));
  return groups.map((group) => {
    const members = byGroup.get(group)!;
    const scores = pairScores(members);
    const falseMatches = scores.impostor.reduce((n, s) => n + (s >= threshold ? 1 : 0), 0);
    let fmr: number | null = null;
    let fmrInterval: RateInterval | null = null;
    if (scores.impostor.length) {
      fmr = falseMatches / scores.impostor.length;
      const cal = calibrate(Float32Array.from(scores.impostor), Float32Array.from(scores.genuine), { pack: { id: '', version: '' }, measuredOn: group, command: '', date: '', photos: members.length, people: scores.people, failed: 0 }, scores.impostorPeople);
      fmrInterval = falseMatchRateInterval(cal, threshold);
      // the calibration interpolates its tail; the interval holds the count measured here all the same
      fmrInterval = { low: Math.min(fmrInterval.low, fmr), high: Math.max(fmrInterval.high, fmr) };
    }
    // genuine pairs person by person: who has several photos, and how many of their pairs fall below
    const photosOf = new Map<string, Float32Array[]>();
    for (const m of members) (photosOf.get(m.person) ?? photosOf.set(m.person, []).get(m.person)!).push(m.v);
    const perPerson: { pairs: number; misses: number }[] = [];
    for (const vs of photosOf.values()) {
      if (vs.length < 2) continue;
      const one = pairScores(vs.map((v) => ({ person: 0, v })));
      perPerson.push({ pairs: one.genuine.length, misses: one.genuine.reduce((n, s) => n + (s < threshold ? 1 : 0), 0) });
    }
    const falseNonMatches = perPerson.reduce((a, p) => a + p.misses, 0);
    const genuinePairs = scores.genuine.length;
    const tooFewPeople = scores.people < MIN_GROUP_PEOPLE;
    const tooFewGenuine = perPerson.length < MIN_GROUP_PEOPLE;
    const warning = tooFewPeople || tooFewGenuine
      ? [
          tooFewPeople ? `only ${scores.people} ${scores.people === 1 ? 'person' : 'people'}: too few to say anything of its false-match rate (at least ${MIN_GROUP_PEOPLE} needed)` : null,
          tooFewGenuine ? `only ${perPerson.length} ${perPerson.length === 1 ? 'person' : 'people'} with two or more photos: too few to say anything of its false non-match rate (at least ${MIN_GROUP_PEOPLE} needed)` : null,
        ].filter(Boolean).join('; ')
      : null;
    return {
      group, people: scores.people, photos: members.length,
      impostorPairs: scores.impostor.length, falseMatches, falseMatchRate: fmr, falseMatchRateInterval: fmrInterval,
      genuinePairs, genuinePeople: perPerson.length, falseNonMatches,
      falseNonMatchRate: genuinePairs ? falseNonMatches / genuinePairs : null,
      falseNonMatchRateInterval: perPerson.length ? nonMatchInterval(perPerson) : null,
      tooSmall: tooFewPeople || tooFewGenuine, warning,
    };
  });
}

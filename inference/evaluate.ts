// Verification metrics over scored pairs, as LFW reports them: 10-fold accuracy with the threshold
// chosen on the other nine folds, and the true-accept rate at a fixed false-accept rate.

export interface ScoredPair {
  score: number;
  same: boolean;
}

export interface VerificationResult {
  accuracy: number;
  accuracyStd: number;
  tarAtFar1e3: number;
  threshold: number;
  pairs: number;
}

function bestThreshold(pairs: ScoredPair[]): number {
  const candidates = [...new Set(pairs.map((p) => p.score))].sort((a, b) => a - b);
  let best = candidates[0] ?? 0;
  let bestAcc = -1;
  for (let i = 0; i < candidates.length; i++) {
    const t = i === 0 ? candidates[0] : (candidates[i - 1] + candidates[i]) / 2;
    const acc = accuracyAt(pairs, t);
    if (acc > bestAcc) {
      bestAcc = acc;
      best = t;
    }
  }
  return best;
}

export const accuracyAt = (pairs: ScoredPair[], t: number) => pairs.filter((p) => (p.score >= t) === p.same).length / pairs.length;

export function verification(pairs: ScoredPair[], folds = 10): VerificationResult {
  const accs: number[] = [];
  for (let f = 0; f < folds; f++) {
    const test = pairs.filter((_, i) => i % folds === f);
    const train = pairs.filter((_, i) => i % folds !== f);
    if (test.length) accs.push(accuracyAt(test, bestThreshold(train)));
  }
  const accuracy = accs.reduce((a, b) => a + b, 0) / accs.length;
  const accuracyStd = Math.sqrt(accs.reduce((a, b) => a + (b - accuracy) ** 2, 0) / accs.length);
  return { accuracy, accuracyStd, tarAtFar1e3: tarAtFar(pairs, 1e-3), threshold: bestThreshold(pairs), pairs: pairs.length };
}

/** TAR at the lowest threshold whose false-accept rate does not exceed `far`. */
export function tarAtFar(pairs: ScoredPair[], far: number): number {
  const impostor = pairs.filter((p) => !p.same).map((p) => p.score).sort((a, b) => b - a);
  const genuine = pairs.filter((p) => p.same).map((p) => p.score);
  if (!impostor.length || !genuine.length) return 0;
  const allowed = Math.floor(far * impostor.length);
  // accept strictly above the (allowed+1)-th highest impostor score
  const t = impostor[allowed];
  return genuine.filter((s) => s > t).length / genuine.length;
}

export const cosine = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

// Identification (1:N) metrics as NIST FRTE reports them: rank-k, and FNIR at a threshold set on non-mated searches.

/** One mated probe searched against the gallery: its score against its own enrolled photo, and against every other entry. */
export interface MatedSearch {
  /** null: the mate is not in the gallery (it could not be embedded) */
  mate: number | null;
  /** scores against every gallery entry but the mate: the same probe searched leave-one-out is a non-mated search */
  nonMates: ArrayLike<number>;
  /** the probe itself could not be embedded: a miss, and no non-mated search */
  failed?: boolean;
}

export interface IdentificationResult {
  rank1: number;
  rank10: number;
  fnirAtFpir: number;
  threshold: number;
  probes: number;
  failed: number;
  nonMated: number;
}

/** The mate's 1-based rank; a non-mate scoring the same counts against it; Infinity when it cannot be found. */
export function mateRank(s: MatedSearch): number {
  if (s.failed || s.mate === null) return Infinity;
  let above = 0;
  for (let i = 0; i < s.nonMates.length; i++) if (s.nonMates[i] >= s.mate) above++;
  return above + 1;
}

/** Fraction of mated searches whose mate is among the top k candidates. */
export const rankK = (searches: MatedSearch[], k: number) => (searches.length ? searches.filter((s) => mateRank(s) <= k).length / searches.length : 0);

/** The top candidate's score of each non-mated search (the probe searched without its mate); failed probes search nothing. */
export function nonMatedTopScores(searches: MatedSearch[]): number[] {
  const tops: number[] = [];
  for (const s of searches) {
    if (s.failed) continue;
    let top = -Infinity;
    for (let i = 0; i < s.nonMates.length; i++) top = Math.max(top, s.nonMates[i]);
    tops.push(top);
  }
  return tops;
}

/** The lowest threshold that at most `fpir` of the non-mated top scores exceed (Infinity when there are none). */
export function thresholdAtFpir(nonMatedTops: number[], fpir: number): number {
  const sorted = [...nonMatedTops].sort((a, b) => b - a);
  // the epsilon keeps 0.01 x 700 from flooring to 6
  return sorted[Math.floor(fpir * sorted.length + 1e-9)] ?? Infinity;
}

/** Fraction of non-mated searches whose top candidate scores above `threshold`: how often a search for someone not enrolled returns a candidate. */
export const fpirAt = (nonMatedTops: number[], threshold: number) => (nonMatedTops.length ? nonMatedTops.filter((s) => s > threshold).length / nonMatedTops.length : 0);

/** Fraction of mated searches whose mate is not returned above `threshold` within the first `candidates` positions. */
export function fnirAt(searches: MatedSearch[], threshold: number, candidates: number): number {
  if (!searches.length) return 0;
  const hits = searches.filter((s) => s.mate !== null && s.mate > threshold && mateRank(s) <= candidates).length;
  return 1 - hits / searches.length;
}

/** Rank-1, rank-10, FNIR at `fpir` (candidate lists of `candidates`), over one gallery's mated searches. */
export function identification(searches: MatedSearch[], fpir = 0.01, candidates = 50): IdentificationResult {
  const tops = nonMatedTopScores(searches);
  const threshold = thresholdAtFpir(tops, fpir);
  return {
    rank1: rankK(searches, 1),
    rank10: rankK(searches, 10),
    fnirAtFpir: fnirAt(searches, threshold, candidates),
    threshold,
    probes: searches.length,
    failed: searches.filter((s) => s.failed).length,
    nonMated: tops.length,
  };
}

/** What searches return at a threshold, as the hub's search does: scores at or above it, at most `candidates` of them. */
export interface OperatingPoint {
  /** share of non-mated searches returning any candidate */
  fpir: number;
  /** mean non-mate candidates returned per non-mated search */
  strangersPerSearch: number;
  /** share of mated searches whose mate is not returned */
  fnir: number;
  nonMated: number;
}

export function operatingPoint(searches: MatedSearch[], threshold: number, candidates: number): OperatingPoint {
  let nonMated = 0;
  let returning = 0;
  let strangers = 0;
  let found = 0;
  for (const s of searches) {
    if (s.failed) continue;
    let above = 0;
    for (let i = 0; i < s.nonMates.length; i++) if (s.nonMates[i] >= threshold) above++;
    nonMated++;
    if (above) returning++;
    strangers += Math.min(above, candidates);
    if (s.mate !== null && s.mate >= threshold && mateRank(s) <= candidates) found++;
  }
  return {
    fpir: nonMated ? returning / nonMated : 0,
    strangersPerSearch: nonMated ? strangers / nonMated : 0,
    fnir: searches.length ? 1 - found / searches.length : 0,
    nonMated,
  };
}

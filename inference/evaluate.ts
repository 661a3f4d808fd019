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

import { ThresholdSource } from '../../models/enums.js';
import type { ScoreCalibrationPort } from '../shared/ports.js';

/**
 * Strangers a search may return when the person is not enrolled, as a share of such searches (the
 * false-positive identification rate) when the caller sets no minScore. 0.1: one search in ten for
 * someone not enrolled returns a stranger for a person to review (README, "What a score means").
 */
export const DEFAULT_TARGET_FPIR = 0.1;

/** The threshold a search used, and how it was derived. */
export interface ThresholdBasis {
  threshold: number;
  source: ThresholdSource;
  /** templates in the galleries searched */
  templatesSearched: number;
  /** the target false-positive identification rate (null when the caller set minScore) */
  targetFpir: number | null;
  /** the false-match rate of one comparison at the threshold (null: no calibration) */
  falseMatchRate: number | null;
  /** its 95% interval (null: no calibration) */
  falseMatchRateInterval: RateInterval | null;
  /** strangers expected to score above the threshold in this search: falseMatchRate × templates searched */
  expectedFalseCandidates: number | null;
  /** the threshold is above every impostor pair of the calibration: both rates are only known to be at most these */
  beyondCalibration: boolean;
}

/** A 95% interval of a false-match rate (low 0: no impostor pair measured reached the score). */
export interface RateInterval {
  low: number;
  high: number;
}

/**
 * An estimate of a candidate's false-match rate with its 95% interval; `atLimit`: the score is beyond
 * the calibration's data, so the estimate is only the data's floor and the interval's `high` is what
 * is known.
 */
export interface FalseMatchEstimate {
  estimatedFalseMatchRate: number | null;
  falseMatchRateAtLimit: boolean;
  falseMatchRateInterval: RateInterval | null;
}

export function falseMatchEstimate(cal: ScoreCalibrationPort | undefined, score: number): FalseMatchEstimate {
  if (!cal) return { estimatedFalseMatchRate: null, falseMatchRateAtLimit: false, falseMatchRateInterval: null };
  return { estimatedFalseMatchRate: cal.falseMatchRateAt(score), falseMatchRateAtLimit: score > cal.highestImpostorScore, falseMatchRateInterval: cal.falseMatchRateInterval(score) };
}

/**
 * The caller's minScore; else the score at which the expected strangers above the line over all the
 * templates searched equal the target FPIR (FMR = target / templates), never below the pack's
 * verification threshold; without a calibration, that verification threshold.
 */
export function searchThreshold(opts: {
  minScore?: number | null;
  templatesSearched: number;
  targetFpir: number;
  verificationThreshold: number;
  calibration?: ScoreCalibrationPort;
}): ThresholdBasis {
  const { calibration: cal, templatesSearched } = opts;
  const basis = (threshold: number, source: ThresholdSource, targetFpir: number | null): ThresholdBasis => {
    const fmr = cal ? cal.falseMatchRateAt(threshold) : null;
    return {
      threshold,
      source,
      templatesSearched,
      targetFpir,
      falseMatchRate: fmr,
      falseMatchRateInterval: cal ? cal.falseMatchRateInterval(threshold) : null,
      expectedFalseCandidates: fmr === null ? null : fmr * templatesSearched,
      beyondCalibration: !!cal && threshold > cal.highestImpostorScore,
    };
  };
  if (opts.minScore !== null && opts.minScore !== undefined) return basis(opts.minScore, ThresholdSource.CALLER, null);
  if (!cal) return basis(opts.verificationThreshold, ThresholdSource.UNCALIBRATED, opts.targetFpir);
  const fromTarget = cal.thresholdForFalseMatchRate(opts.targetFpir / Math.max(1, templatesSearched));
  return fromTarget > opts.verificationThreshold
    ? basis(fromTarget, ThresholdSource.TARGET_FPIR, opts.targetFpir)
    : basis(opts.verificationThreshold, ThresholdSource.VERIFICATION_FLOOR, opts.targetFpir);
}

/** The threshold's false-match rate and the strangers it lets through, each with what the data can say (95%). */
function rateWords(rate: number, { low, high }: RateInterval, beyond: boolean, templates: number): string {
  const e = (x: number) => x.toExponential(1);
  const p = (x: number) => x.toPrecision(2);
  if (beyond) return `false-match rate under ${e(high)} per comparison with 95% confidence (no different-person pair measured reached it), so fewer than ${p(high * templates)} strangers expected above it among ${templates} templates`;
  return `false-match rate about ${e(rate)} per comparison (95% interval ${e(low)} to ${e(high)}), so about ${p(rate * templates)} strangers expected above it among ${templates} templates (${p(low * templates)} to ${p(high * templates)})`;
}

/** The basis in words, for the audit event and the analyst. */
export function describeThreshold(b: ThresholdBasis): string {
  const t = b.threshold.toFixed(4);
  const rate = b.falseMatchRate === null || !b.falseMatchRateInterval ? '' : `; ${rateWords(b.falseMatchRate, b.falseMatchRateInterval, b.beyondCalibration, b.templatesSearched)}`;
  switch (b.source) {
    case ThresholdSource.CALLER:
      return `${t}, the caller's minScore${rate}`;
    case ThresholdSource.TARGET_FPIR:
      return `${t}, from the target false-positive identification rate ${b.targetFpir} over ${b.templatesSearched} templates${rate}${b.beyondCalibration ? ' (the strictest threshold the calibration supports: more templates than its data can speak for)' : ''}`;
    case ThresholdSource.VERIFICATION_FLOOR:
      return `${t}, the model pack's verification threshold (the target false-positive identification rate ${b.targetFpir} over ${b.templatesSearched} templates would go lower)${rate}`;
    default:
      return `${t}, the model pack's verification threshold (the pack has no score calibration: false-match rates unknown)`;
  }
}

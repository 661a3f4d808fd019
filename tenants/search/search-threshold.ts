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
  /** strangers expected to score above the threshold in this search: falseMatchRate × templates searched */
  expectedFalseCandidates: number | null;
  /** the threshold is above every impostor pair of the calibration: both rates are only known to be at most these */
  beyondCalibration: boolean;
}

/** An estimate of a candidate's false-match rate; `atLimit`: the score is beyond the calibration's data, the rate is at most this. */
export interface FalseMatchEstimate {
  estimatedFalseMatchRate: number | null;
  falseMatchRateAtLimit: boolean;
}

export function falseMatchEstimate(cal: ScoreCalibrationPort | undefined, score: number): FalseMatchEstimate {
  if (!cal) return { estimatedFalseMatchRate: null, falseMatchRateAtLimit: false };
  return { estimatedFalseMatchRate: cal.falseMatchRateAt(score), falseMatchRateAtLimit: score > cal.highestImpostorScore };
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

/** The basis in words, for the audit event and the analyst. */
export function describeThreshold(b: ThresholdBasis): string {
  const t = b.threshold.toFixed(4);
  const rate = b.falseMatchRate === null ? '' : `; false-match rate ${b.beyondCalibration ? 'under' : 'about'} ${b.falseMatchRate.toExponential(1)} per comparison, so ${b.beyondCalibration ? 'at most' : 'about'} ${b.expectedFalseCandidates!.toPrecision(2)} strangers expected above it among ${b.templatesSearched} templates`;
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

import { ApiError } from '../api';

// The API's codes and vocabularies as the console says them: the code stays beside the words, so an
// analyst can quote it to the operator.

const CODE_WORDS: Record<string, string> = {
  IMAGE_TOO_LARGE: 'The photo is too large',
  NO_FACE_FOUND: 'No face was found in the photo',
  MULTIPLE_FACES: 'The photo has more than one face of similar size',
  LOW_QUALITY: 'The face is of too low a quality to search',
  UNSUPPORTED_IMAGE: 'The hub does not accept this kind of file',
  CORRUPT_IMAGE: 'The photo is damaged',
  OVERLOADED: 'The hub is busy',
  MODEL_UNAVAILABLE: 'The face engine is not available',
  LEGAL_BASIS_NOT_PERMITTED: 'Your agency’s policy does not permit this legal basis',
  WARRANT_REQUIRED: 'This legal basis needs a warrant number',
  OFFENSE_BELOW_THRESHOLD: 'The offense is not serious enough for this legal basis',
  CERTIFICATION_REQUIRED: 'Your face-search certification is missing or expired',
  TENANT_SUSPENDED: 'Your agency is suspended',
  PROHIBITED_PURPOSE: 'A prohibited purpose',
  QUOTA_EXCEEDED: 'Your agency’s search quota is used up',
  CASE_NUMBER_REQUIRED: 'This legal basis needs a case number',
  NARRATIVE_REQUIRED: 'This legal basis needs a narrative',
  NOT_FOUND: 'Not found',
  FORBIDDEN: 'Your role may not do this',
  CONFLICT: 'Someone got there first, or a rule stands in the way',
  BAD_USER_INPUT: 'Check what you entered',
};

/** An error from the API in words, then its own message and its code. */
export function explain(e: unknown): { title: string; message: string; code: string } {
  const code = e instanceof ApiError ? e.code : 'ERROR';
  return { title: CODE_WORDS[code] ?? 'The hub refused', message: (e as Error).message, code };
}

/** An enum value as words: POSSIBLE_LEAD → possible lead. */
export const words = (v: string | null | undefined) => (v ?? '').toLowerCase().replace(/_/g, ' ');

export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' }) : '—');

/**
 * 1 in n to two significant figures, the same on every page: the estimate is no more precise than that,
 * and a rate read back from storage differs in its last digits from the one the search returned. Down
 * for "at most" (1 in a smaller n is the larger rate), to the nearest otherwise.
 */
export function twoFigures(n: number, down = false): number {
  const unit = 10 ** Math.max(0, Math.floor(Math.log10(n)) - 1);
  return (down ? Math.floor(n / unit) : Math.round(n / unit)) * unit;
}

/** A candidate's estimated false-match rate as an analyst reads it. */
export function falseMatchWords(c: { estimatedFalseMatchRate: number | null; falseMatchRateAtLimit: boolean }): string {
  if (c.estimatedFalseMatchRate === null) return 'not calibrated: the model pack has no measurement for this score';
  const n = twoFigures(1 / c.estimatedFalseMatchRate, c.falseMatchRateAtLimit).toLocaleString('en-US');
  return `${c.falseMatchRateAtLimit ? 'at most ' : 'about '}1 in ${n} comparisons of two different people score this high`;
}

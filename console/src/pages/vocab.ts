// Words for the API's vocabularies, as the console shows them. The codes are the API's own
// (extensions.code, enums); test/console/vocab.spec.ts checks these lists against models/enums.ts
// and the error map, so a new code cannot go unexplained.
import type { LegalBasis, OffenseLevel } from '../graphql.generated';

export const words = (v: string) => v.toLowerCase().replace(/_/g, ' ');

export const LEGAL_BASES: LegalBasis[] = ['CRIMINAL_SUSPECT_ID', 'VICTIM_ID', 'WITNESS_ID', 'MISSING_PERSON', 'DECEASED_ID', 'INCAPACITATED_PERSON_ID', 'IMMINENT_THREAT', 'DETAINEE_NO_ID'];
export const OFFENSE_LEVELS: OffenseLevel[] = ['MISDEMEANOR', 'FELONY', 'SERIOUS_FELONY', 'VIOLENT_FELONY'];
export const ROLES = ['AGENCY_ANALYST', 'AGENCY_SUPERVISOR', 'AGENCY_ADMIN', 'HUB_ADMIN', 'OVERSIGHT_AUDITOR', 'AGENCY_REQUESTER'];
export const AGENCY_ROLES = ['AGENCY_ANALYST', 'AGENCY_SUPERVISOR', 'AGENCY_ADMIN', 'AGENCY_REQUESTER'];
export const AUDIT_OUTCOMES = ['ALLOWED', 'DENIED', 'FAILED'];
export const REMOVAL_REASONS = ['EXPUNGED', 'DISMISSED', 'ACQUITTED', 'ERROR', 'DUPLICATE', 'RETENTION'];
export const AUDIT_ACTIONS = [
  'SEARCH', 'SEARCH_VIEWED', 'CANDIDATE_FACES_VIEWED', 'PROBE_PREVIEWED', 'SEARCH_REVIEW', 'EXIGENT_APPROVED', 'LEGAL_HOLD_SET', 'ENROLL', 'GALLERY_CREATED',
  'GALLERY_UPDATED', 'SUBJECT_UPDATED', 'SUBJECT_REMOVED', 'PHOTO_REMOVED', 'SUBJECT_REMNANTS_CHECKED', 'SHARING_CREATED', 'SHARING_REVOKED',
  'TENANT_CREATED', 'TENANT_STATUS_SET', 'PRINCIPAL_CREATED', 'PRINCIPAL_UPDATED', 'TOKEN_ISSUED', 'ISSUER_SET', 'POLICY_SET', 'QUOTA_SET', 'AUDIT_READ', 'AUDIT_VERIFY',
  'STATISTICS_READ', 'READ', 'PURGE', 'REEMBED', 'REEMBED_DROP_OLD', 'GALLERY_CALIBRATED', 'CALIBRATION_STORED', 'CALIBRATION_ADOPTED', 'FACE_IMAGES_RESEALED', 'SIGN_IN', 'SIGN_OUT', 'PRINCIPAL_DISABLED', 'PRINCIPAL_ENABLED', 'TOKENS_REVOKED',
  'EXAMINATION_AGREEMENT_CREATED', 'EXAMINATION_AGREEMENT_REVOKED', 'REQUEST_SUBMITTED',
  'REQUEST_STATUS_CHANGED', 'REQUEST_VIEWED', 'REQUEST_PROBE_VIEWED', 'REQUEST_PROBE_EDITED', 'REQUEST_VERIFICATION_CLAIMED', 'REQUEST_DISPOSITIONS_RECORDED',
  'REQUEST_OUTCOME_RECORDED', 'LEAD_PHOTO_EXPORTED', 'REPORT_PRODUCED', 'REPORT_VERIFIED', 'STATUTORY_REPORT_READ', 'ACCOUNTABILITY_REPORT_READ',
];

/** Every code the API may give a caller (extensions.code), in a sentence a person can act on. */
export const ERROR_WORDS: Record<string, string> = {
  LEGAL_BASIS_NOT_PERMITTED: 'The agency’s policy does not allow this legal basis.',
  WARRANT_REQUIRED: 'This legal basis needs a warrant number.',
  OFFENSE_BELOW_THRESHOLD: 'The offense is below the seriousness the policy requires for this basis.',
  CERTIFICATION_REQUIRED: 'Face searches need a current certification.',
  TENANT_SUSPENDED: 'The agency is suspended: it may not start anything new.',
  PROHIBITED_PURPOSE: 'The search was declared for a prohibited purpose.',
  QUOTA_EXCEEDED: 'The agency has used its search quota for this period.',
  CASE_NUMBER_REQUIRED: 'This legal basis needs a case number.',
  NARRATIVE_REQUIRED: 'This legal basis needs a narrative of the facts.',
  NOT_FOUND: 'Not found (or not visible to you).',
  FORBIDDEN: 'Your role may not do this.',
  BAD_USER_INPUT: 'A value sent was not valid.',
  CONFLICT: 'This already exists or was changed at the same time.',
  UNAUTHENTICATED: 'Your session has ended: sign in again.',
  IMAGE_TOO_LARGE: 'The photo is too large (file size or pixel count).',
  UNSUPPORTED_IMAGE: 'The file is not a photo format the hub reads (JPEG, PNG, WebP, TIFF, GIF).',
  CORRUPT_IMAGE: 'The file is damaged or not really an image.',
  NO_FACE_FOUND: 'No face was found in the photo.',
  MULTIPLE_FACES: 'The photo shows more than one face: crop it to one person.',
  LOW_QUALITY: 'The face is too blurred, small, dark or turned to use.',
  OVERLOADED: 'The hub is busy: try this photo again in a moment.',
  MODEL_UNAVAILABLE: 'The face model is not available on the hub right now.',
  FIELD_NOT_KEPT: 'This gallery does not keep that demographic field: its administrator chooses which it keeps.',
  FACE_IMAGE_TAMPERED: 'A stored face failed its integrity check and is withheld: tell the hub’s operator.',
  DATABASE_UNAVAILABLE: 'The hub’s database is not answering right now: try again in a moment.',
  QUERY_TOO_COMPLEX: 'The request was too large for the hub’s limits.',
  GRAPHQL_VALIDATION_FAILED: 'The request was not valid.',
  BAD_REQUEST: 'The hub refused the request as malformed.',
  INTERNAL_SERVER_ERROR: 'The hub failed on its side; it logged the error.',
};

export const inWords = (code: string) => ERROR_WORDS[code] ?? words(code);

/** A date as a reader reads it (UTC, day precision). */
export const day = (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : '—');

/** Expiring within this many days is highlighted. */
export const EXPIRY_WARNING_DAYS = 30;

export function certification(iso: string | null, now = Date.now()): { text: string; soon: boolean; expired: boolean } {
  if (!iso) return { text: 'none', soon: false, expired: false };
  const days = Math.floor((Date.parse(iso) - now) / 86_400_000);
  if (days < 0) return { text: `expired ${day(iso)}`, soon: false, expired: true };
  return { text: `${day(iso)} (${days} day${days === 1 ? '' : 's'})`, soon: days <= EXPIRY_WARNING_DAYS, expired: false };
}

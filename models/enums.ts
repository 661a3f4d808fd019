// Vocabularies every layer names: roles, legal bases, offense categories.

export enum Role {
  AGENCY_ANALYST = 'AGENCY_ANALYST',
  AGENCY_SUPERVISOR = 'AGENCY_SUPERVISOR',
  AGENCY_ADMIN = 'AGENCY_ADMIN',
  HUB_ADMIN = 'HUB_ADMIN',
  OVERSIGHT_AUDITOR = 'OVERSIGHT_AUDITOR',
  /** an officer who sends requests for their own agency, follows them, reads released leads and records outcomes; never searches */
  AGENCY_REQUESTER = 'AGENCY_REQUESTER',
}

export enum LegalBasis {
  CRIMINAL_SUSPECT_ID = 'CRIMINAL_SUSPECT_ID',
  VICTIM_ID = 'VICTIM_ID',
  WITNESS_ID = 'WITNESS_ID',
  MISSING_PERSON = 'MISSING_PERSON',
  DECEASED_ID = 'DECEASED_ID',
  INCAPACITATED_PERSON_ID = 'INCAPACITATED_PERSON_ID',
  IMMINENT_THREAT = 'IMMINENT_THREAT',
  DETAINEE_NO_ID = 'DETAINEE_NO_ID',
}

export enum OffenseCategory {
  HOMICIDE = 'HOMICIDE',
  SEXUAL_ASSAULT = 'SEXUAL_ASSAULT',
  ROBBERY = 'ROBBERY',
  AGGRAVATED_ASSAULT = 'AGGRAVATED_ASSAULT',
  KIDNAPPING = 'KIDNAPPING',
  HUMAN_TRAFFICKING = 'HUMAN_TRAFFICKING',
  CHILD_EXPLOITATION = 'CHILD_EXPLOITATION',
  TERRORISM = 'TERRORISM',
  ARSON = 'ARSON',
  BURGLARY = 'BURGLARY',
  WEAPONS = 'WEAPONS',
  FRAUD = 'FRAUD',
  THEFT = 'THEFT',
  DRUG_OFFENSE = 'DRUG_OFFENSE',
  OTHER_FELONY = 'OTHER_FELONY',
  MISDEMEANOR = 'MISDEMEANOR',
}

export enum TenantStatus {
  ACTIVE = 'ACTIVE',
  SUSPENDED = 'SUSPENDED',
}

/** Seriousness ladder for offense thresholds; each OffenseCategory sits on one rung. */
export enum OffenseLevel {
  MISDEMEANOR = 'MISDEMEANOR',
  FELONY = 'FELONY',
  SERIOUS_FELONY = 'SERIOUS_FELONY',
  VIOLENT_FELONY = 'VIOLENT_FELONY',
}

/** What no legal basis allows (docs/policy-notes.md, "ProhibitedPurpose"). */
export enum ProhibitedPurpose {
  LIVE_OR_REALTIME_SURVEILLANCE = 'LIVE_OR_REALTIME_SURVEILLANCE',
  FIRST_AMENDMENT_ACTIVITY = 'FIRST_AMENDMENT_ACTIVITY',
  IMMIGRATION_ENFORCEMENT = 'IMMIGRATION_ENFORCEMENT',
  PROTECTED_CLASS_BASIS = 'PROTECTED_CLASS_BASIS',
}

export enum QuotaPeriod {
  MONTH = 'MONTH',
  DAY = 'DAY',
}

export enum ReviewOutcome {
  NO_LEAD = 'NO_LEAD',
  POSSIBLE_LEAD = 'POSSIBLE_LEAD',
  INCONCLUSIVE = 'INCONCLUSIVE',
}

export enum CandidateDecision {
  NOT_A_MATCH = 'NOT_A_MATCH',
  POSSIBLE_MATCH = 'POSSIBLE_MATCH',
  INCONCLUSIVE = 'INCONCLUSIVE',
}

export enum ReviewStatus {
  PENDING = 'PENDING',
  AWAITING_SECOND_REVIEW = 'AWAITING_SECOND_REVIEW',
  REVIEWED = 'REVIEWED',
}

export enum AuditOutcome {
  ALLOWED = 'ALLOWED',
  DENIED = 'DENIED',
  FAILED = 'FAILED',
}

/** Where a stored score calibration came from. */
export enum CalibrationSource {
  /** measured by the pack's maker and shipped with it (its manifest or the built-in calibration file) */
  SHIPPED = 'SHIPPED',
  /** measured on one of the hub's galleries (`frhub calibrate --gallery --store`, or the measuring job) */
  GALLERY = 'GALLERY',
}

/** Where the job that measures galleries' calibrations stands (its last run, or the one running). */
export enum CalibrationJobState {
  /** never run on this replica since it started */
  IDLE = 'IDLE',
  RUNNING = 'RUNNING',
  /** measured and stored every gallery it could (never adopted) */
  SUCCEEDED = 'SUCCEEDED',
  /** stopped at its time limit: nothing stored for the gallery it was measuring */
  TIMED_OUT = 'TIMED_OUT',
  FAILED = 'FAILED',
}

/** Where a search's score threshold came from. */
export enum ThresholdSource {
  /** the caller's minScore */
  CALLER = 'CALLER',
  /** the target false-positive identification rate over the templates searched, through the pack's calibration */
  TARGET_FPIR = 'TARGET_FPIR',
  /** the pack's verification threshold, which the target would have gone below */
  VERIFICATION_FLOOR = 'VERIFICATION_FLOOR',
  /** the pack's verification threshold: the pack has no calibration for its version */
  UNCALIBRATED = 'UNCALIBRATED',
}

/** Dimensions oversight statistics can be grouped by. */
export enum StatisticsGroup {
  TENANT = 'TENANT',
  LEGAL_BASIS = 'LEGAL_BASIS',
  OFFENSE = 'OFFENSE',
  OUTCOME = 'OUTCOME',
  DENIAL_REASON = 'DENIAL_REASON',
  MONTH = 'MONTH',
}

/** What an audit event records; the statistics SQL names these values too, never literals. */
export enum AuditAction {
  SEARCH = 'SEARCH',
  SEARCH_VIEWED = 'SEARCH_VIEWED',
  /** the enrolled faces of a search's candidates shown to a reviewer (one event per search and response) */
  CANDIDATE_FACES_VIEWED = 'CANDIDATE_FACES_VIEWED',
  /** a probe photo's face located before searching (previewProbe): the photo's checksum and size, the faces found or the refusal; not a search */
  PROBE_PREVIEWED = 'PROBE_PREVIEWED',
  SEARCH_REVIEW = 'SEARCH_REVIEW',
  EXIGENT_APPROVED = 'EXIGENT_APPROVED',
  LEGAL_HOLD_SET = 'LEGAL_HOLD_SET',
  ENROLL = 'ENROLL',
  GALLERY_CREATED = 'GALLERY_CREATED',
  /** a gallery renamed, archived or brought back (updateGallery) */
  GALLERY_UPDATED = 'GALLERY_UPDATED',
  /** a subject's details corrected (updateSubject): which fields changed, never their values */
  SUBJECT_UPDATED = 'SUBJECT_UPDATED',
  /** a subject purged (removeSubject): the reason, and the ids and counts of what went; never the face */
  SUBJECT_REMOVED = 'SUBJECT_REMOVED',
  /** one enrolled photo purged (removePhoto): its templates, crop and candidate rows; never the face */
  PHOTO_REMOVED = 'PHOTO_REMOVED',
  /** the check that nothing of a removed subject is left (subjectRemnants) */
  SUBJECT_REMNANTS_CHECKED = 'SUBJECT_REMNANTS_CHECKED',
  SHARING_CREATED = 'SHARING_CREATED',
  SHARING_REVOKED = 'SHARING_REVOKED',
  TENANT_CREATED = 'TENANT_CREATED',
  TENANT_STATUS_SET = 'TENANT_STATUS_SET',
  PRINCIPAL_CREATED = 'PRINCIPAL_CREATED',
  /** a principal's display name, role or certification changed (updatePrincipal): each change from and to */
  PRINCIPAL_UPDATED = 'PRINCIPAL_UPDATED',
  TOKEN_ISSUED = 'TOKEN_ISSUED',
  ISSUER_SET = 'ISSUER_SET',
  POLICY_SET = 'POLICY_SET',
  QUOTA_SET = 'QUOTA_SET',
  AUDIT_READ = 'AUDIT_READ',
  AUDIT_VERIFY = 'AUDIT_VERIFY',
  STATISTICS_READ = 'STATISTICS_READ',
  /** a read through the API with no action of its own (a gallery, a tenant, a list): audited when refused or failed, the operation in details */
  READ = 'READ',
  PURGE = 'PURGE',
  /** `frhub reembed`: a gallery's templates re-embedded from kept crops with another model pack (started, finished) */
  REEMBED = 'REEMBED',
  /** `frhub reembed --drop-old`: a gallery's templates of the models it moved away from deleted */
  REEMBED_DROP_OLD = 'REEMBED_DROP_OLD',
  /** `frhub calibrate --gallery`: a gallery's templates read to measure the pack's score distributions on it (no face leaves the hub) */
  GALLERY_CALIBRATED = 'GALLERY_CALIBRATED',
  /** a gallery's measured calibration stored as a version (not adopted): its id, version, gallery and sample sizes */
  CALIBRATION_STORED = 'CALIBRATION_STORED',
  /** a stored calibration made the one every search of its model version reads its false-match rates from: from and to */
  CALIBRATION_ADOPTED = 'CALIBRATION_ADOPTED',
  /** `frhub keys reencrypt-images`: every tenant's kept face images sealed again under the current image key (or written back in the clear with --decrypt) */
  FACE_IMAGES_RESEALED = 'FACE_IMAGES_RESEALED',
  /** a sign-in (console session opened, or a token refused when it was presented): ALLOWED, or DENIED with a SignInRefusal reason */
  SIGN_IN = 'SIGN_IN',
  /** a console session ended: signed out, replaced by another identity, idle or past its lifetime */
  SIGN_OUT = 'SIGN_OUT',
  PRINCIPAL_DISABLED = 'PRINCIPAL_DISABLED',
  PRINCIPAL_ENABLED = 'PRINCIPAL_ENABLED',
  /** every token of a principal issued before now refused (revokeTokens) */
  TOKENS_REVOKED = 'TOKENS_REVOKED',
  EXAMINATION_AGREEMENT_CREATED = 'EXAMINATION_AGREEMENT_CREATED',
  EXAMINATION_AGREEMENT_REVOKED = 'EXAMINATION_AGREEMENT_REVOKED',
  /** an agency's request for an examination, submitted (or refused) */
  REQUEST_SUBMITTED = 'REQUEST_SUBMITTED',
  /** one step of a request's life (accepted, declined, withdrawn, released, closed, ...): details.from and details.to */
  REQUEST_STATUS_CHANGED = 'REQUEST_STATUS_CHANGED',
  /** a request read (request(id)); details.examinationRequestId */
  REQUEST_VIEWED = 'REQUEST_VIEWED',
  /** a request's probe photo (original or an edited version) shown */
  REQUEST_PROBE_VIEWED = 'REQUEST_PROBE_VIEWED',
  /** an edit of a request's probe recorded as a new version (the original never changes) */
  REQUEST_PROBE_EDITED = 'REQUEST_PROBE_EDITED',
  /** a verifier took a request's blind verification */
  REQUEST_VERIFICATION_CLAIMED = 'REQUEST_VERIFICATION_CLAIMED',
  /** an examiner's, verifier's or adjudicator's dispositions and conclusion */
  REQUEST_DISPOSITIONS_RECORDED = 'REQUEST_DISPOSITIONS_RECORDED',
  /** the requester's reported outcome */
  REQUEST_OUTCOME_RECORDED = 'REQUEST_OUTCOME_RECORDED',
  /** a released lead's photo exported for a photo line-up, after an attestation of independent evidence */
  LEAD_PHOTO_EXPORTED = 'LEAD_PHOTO_EXPORTED',
  /** a signed lead report (or discovery package) of a search produced for a caller; refusals too */
  REPORT_PRODUCED = 'REPORT_PRODUCED',
  /** a lead report checked: its signature, its content and its audit events */
  REPORT_VERIFIED = 'REPORT_VERIFIED',
  /** a statutory report read (its statute and year) */
  STATUTORY_REPORT_READ = 'STATUTORY_REPORT_READ',
  /** the accountability report (the pack, the calibration in use, measured rates, probe quality) read by oversight or the operator */
  ACCOUNTABILITY_REPORT_READ = 'ACCOUNTABILITY_REPORT_READ',
}

/** Why a sign-in or a token was refused: the audit event's reason (never the token itself). */
export enum SignInRefusal {
  /** not a token of this hub or of a trusted provider: a bad signature, format or issuer */
  TOKEN_INVALID = 'TOKEN_INVALID',
  TOKEN_EXPIRED = 'TOKEN_EXPIRED',
  /** issued before its principal's tokens were revoked (revokeTokens, disablePrincipal) */
  TOKEN_REVOKED = 'TOKEN_REVOKED',
  /** its console session was signed out (or replaced by another identity's) */
  SESSION_ENDED = 'SESSION_ENDED',
  /** its console session saw no request for longer than the tenant's sessionIdleMinutes */
  SESSION_IDLE = 'SESSION_IDLE',
  /** its console session is older than the tenant's sessionLifetimeHours */
  SESSION_EXPIRED = 'SESSION_EXPIRED',
  PRINCIPAL_DISABLED = 'PRINCIPAL_DISABLED',
  /** the token names a tenant or principal the hub does not know (or a provider's subject no principal has) */
  UNKNOWN_PRINCIPAL = 'UNKNOWN_PRINCIPAL',
  /** the tenant requires multi-factor authentication and the identity provider did not assert it (amr/acr) */
  MFA_REQUIRED = 'MFA_REQUIRED',
  /** the system-use notice was not acknowledged */
  NOTICE_NOT_ACKNOWLEDGED = 'NOTICE_NOT_ACKNOWLEDGED',
}

/** Why an enrolled subject or photo is removed (removeSubject, removePhoto, `frhub subject dispositions`). */
export enum RemovalReason {
  /** the record was expunged or sealed by a court */
  EXPUNGED = 'EXPUNGED',
  /** the charges were dismissed or not filed */
  DISMISSED = 'DISMISSED',
  /** found not guilty */
  ACQUITTED = 'ACQUITTED',
  /** enrolled in error (wrong person, wrong gallery, unusable photo) */
  ERROR = 'ERROR',
  /** the same person or photo enrolled twice */
  DUPLICATE = 'DUPLICATE',
  /** past the gallery owner's own retention period */
  RETENTION = 'RETENTION',
}

/** Where a request stands; each change is one conditional update and one REQUEST_STATUS_CHANGED event. */
export enum RequestStatus {
  SUBMITTED = 'SUBMITTED',
  ACCEPTED = 'ACCEPTED',
  DECLINED = 'DECLINED',
  IN_EXAMINATION = 'IN_EXAMINATION',
  IN_VERIFICATION = 'IN_VERIFICATION',
  /** examiner and verifier disagree: a supervisor adjudicates */
  IN_ADJUDICATION = 'IN_ADJUDICATION',
  /** examiner and verifier (or the adjudicator) agree on a possible lead: it may be released */
  VERIFIED = 'VERIFIED',
  LEAD_RELEASED = 'LEAD_RELEASED',
  NO_LEAD = 'NO_LEAD',
  OUTCOME_RECORDED = 'OUTCOME_RECORDED',
  CLOSED = 'CLOSED',
  WITHDRAWN = 'WITHDRAWN',
}

export enum DeclineReason {
  PROBE_UNSUITABLE = 'PROBE_UNSUITABLE',
  PROHIBITED_PURPOSE = 'PROHIBITED_PURPOSE',
  OUTSIDE_AGREEMENT = 'OUTSIDE_AGREEMENT',
  DUPLICATE = 'DUPLICATE',
  OTHER = 'OTHER',
}

/** Where a probe photo came from. */
export enum ProbeSourceKind {
  CCTV = 'CCTV',
  DOORBELL_CAMERA = 'DOORBELL_CAMERA',
  BODY_WORN_CAMERA = 'BODY_WORN_CAMERA',
  MOBILE_PHONE = 'MOBILE_PHONE',
  SOCIAL_MEDIA = 'SOCIAL_MEDIA',
  PHOTOGRAPH = 'PHOTOGRAPH',
  OTHER = 'OTHER',
}

export enum RequestPriority {
  ROUTINE = 'ROUTINE',
  URGENT = 'URGENT',
  EMERGENCY = 'EMERGENCY',
}

/** One examiner's conclusion on one candidate. */
export enum CandidateDisposition {
  EXCLUDED = 'EXCLUDED',
  INCONCLUSIVE = 'INCONCLUSIVE',
  POSSIBLE_LEAD = 'POSSIBLE_LEAD',
}

/** A whole examination's conclusion. */
export enum ExaminationConclusion {
  POSSIBLE_LEAD = 'POSSIBLE_LEAD',
  NO_LEAD = 'NO_LEAD',
}

/** Who recorded a set of dispositions. */
export enum ExaminationRole {
  EXAMINER = 'EXAMINER',
  VERIFIER = 'VERIFIER',
  ADJUDICATOR = 'ADJUDICATOR',
}

/** What the requester reports after a lead (or no lead). */
export enum RequestOutcome {
  IDENTITY_CONFIRMED_BY_OTHER_EVIDENCE = 'IDENTITY_CONFIRMED_BY_OTHER_EVIDENCE',
  EXCLUDED = 'EXCLUDED',
  ARREST = 'ARREST',
  CHARGED = 'CHARGED',
  NO_ACTION = 'NO_ACTION',
  UNKNOWN = 'UNKNOWN',
}

/** One recorded step of a probe edit. */
export enum ProbeEditKind {
  CROP = 'CROP',
  ROTATE = 'ROTATE',
  BRIGHTNESS_CONTRAST = 'BRIGHTNESS_CONTRAST',
  /** a face box placed by hand: the search uses the face inside it (a crop with a margin) */
  FACE_BOX = 'FACE_BOX',
}

/** The statutes whose yearly reports the hub computes from its audit chain. */
export enum Statute {
  /** Maryland Criminal Procedure 2-510 */
  MD_2_510 = 'MD_2_510',
  /** Montana Code 44-15-111 */
  MT_44_15_111 = 'MT_44_15_111',
  /** Washington RCW 43.386 (accountability report, 43.386.020) */
  WA_43_386 = 'WA_43_386',
  /** Utah Code 77-23e-106 */
  UT_77_23E = 'UT_77_23E',
}

/** Who a lead report is for: the agency (faces where the caller may see them) or oversight (never a face). */
export enum ReportAudience {
  AGENCY = 'AGENCY',
  OVERSIGHT = 'OVERSIGHT',
}

/** How the key that signed a lead report stands in the hub's key set when the report is verified. */
export enum SigningKeyStatus {
  /** the key that signs new tokens and reports now */
  CURRENT = 'CURRENT',
  /** rotated, still verifying tokens until its expiry */
  PREVIOUS = 'PREVIOUS',
  /** past its expiry or rotated out of the key set: kept only to verify what it signed */
  RETIRED = 'RETIRED',
}

/** What a search does with a probe under its agency's quality floors (TenantPolicy.qualityFloors). */
export enum QualityFloorAction {
  /** refused with LOW_QUALITY, nothing charged */
  REFUSE = 'REFUSE',
  /** searched, with the shortfalls on the response and in its audit event */
  WARN = 'WARN',
}

/**
 * Demographic fields a gallery owner may choose to keep on its subjects (Gallery.demographicFields;
 * none by default): kept only to measure the pack's error rates by group, never searched on, and
 * shown to oversight only as group counts with small cells suppressed.
 */
export enum DemographicField {
  SEX = 'SEX',
  RACE = 'RACE',
  ETHNICITY = 'ETHNICITY',
  AGE_BAND = 'AGE_BAND',
}

/** Sex as booking records code it (NCIC / FBI UCR-NIBRS data element: F, M, U). */
export enum SubjectSex {
  FEMALE = 'FEMALE',
  MALE = 'MALE',
  UNKNOWN = 'UNKNOWN',
}

/** Race as booking records code it (FBI UCR-NIBRS race codes: I, A, B, P, W, U). */
export enum SubjectRace {
  AMERICAN_INDIAN_OR_ALASKA_NATIVE = 'AMERICAN_INDIAN_OR_ALASKA_NATIVE',
  ASIAN = 'ASIAN',
  BLACK_OR_AFRICAN_AMERICAN = 'BLACK_OR_AFRICAN_AMERICAN',
  NATIVE_HAWAIIAN_OR_OTHER_PACIFIC_ISLANDER = 'NATIVE_HAWAIIAN_OR_OTHER_PACIFIC_ISLANDER',
  WHITE = 'WHITE',
  UNKNOWN = 'UNKNOWN',
}

/** Ethnicity as booking records code it (FBI UCR-NIBRS ethnicity codes: H, N, U). */
export enum SubjectEthnicity {
  HISPANIC_OR_LATINO = 'HISPANIC_OR_LATINO',
  NOT_HISPANIC_OR_LATINO = 'NOT_HISPANIC_OR_LATINO',
  UNKNOWN = 'UNKNOWN',
}

/** Age at booking in bands (a band, not a birth date: enough to measure by, no more). */
export enum AgeBand {
  UNDER_18 = 'UNDER_18',
  AGE_18_TO_24 = 'AGE_18_TO_24',
  AGE_25_TO_34 = 'AGE_25_TO_34',
  AGE_35_TO_44 = 'AGE_35_TO_44',
  AGE_45_TO_54 = 'AGE_45_TO_54',
  AGE_55_TO_64 = 'AGE_55_TO_64',
  AGE_65_AND_OVER = 'AGE_65_AND_OVER',
  UNKNOWN = 'UNKNOWN',
}

/** The vocabulary of each demographic field, and the one-letter codes of booking records (NCIC/NIBRS) the CLI also reads. */
export const DEMOGRAPHIC_VOCABULARIES: Record<DemographicField, { values: readonly string[]; codes: Record<string, string> }> = {
  [DemographicField.SEX]: { values: Object.values(SubjectSex), codes: { F: SubjectSex.FEMALE, M: SubjectSex.MALE, U: SubjectSex.UNKNOWN } },
  [DemographicField.RACE]: {
    values: Object.values(SubjectRace),
    codes: { I: SubjectRace.AMERICAN_INDIAN_OR_ALASKA_NATIVE, A: SubjectRace.ASIAN, B: SubjectRace.BLACK_OR_AFRICAN_AMERICAN, P: SubjectRace.NATIVE_HAWAIIAN_OR_OTHER_PACIFIC_ISLANDER, W: SubjectRace.WHITE, U: SubjectRace.UNKNOWN },
  },
  [DemographicField.ETHNICITY]: { values: Object.values(SubjectEthnicity), codes: { H: SubjectEthnicity.HISPANIC_OR_LATINO, N: SubjectEthnicity.NOT_HISPANIC_OR_LATINO, U: SubjectEthnicity.UNKNOWN } },
  [DemographicField.AGE_BAND]: { values: Object.values(AgeBand), codes: {} },
};

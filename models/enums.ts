// Vocabularies every layer names: roles, legal bases, offense categories.

export enum Role {
  AGENCY_ANALYST = 'AGENCY_ANALYST',
  AGENCY_SUPERVISOR = 'AGENCY_SUPERVISOR',
  AGENCY_ADMIN = 'AGENCY_ADMIN',
  HUB_ADMIN = 'HUB_ADMIN',
  OVERSIGHT_AUDITOR = 'OVERSIGHT_AUDITOR',
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
  SHARING_CREATED = 'SHARING_CREATED',
  SHARING_REVOKED = 'SHARING_REVOKED',
  TENANT_CREATED = 'TENANT_CREATED',
  TENANT_STATUS_SET = 'TENANT_STATUS_SET',
  PRINCIPAL_CREATED = 'PRINCIPAL_CREATED',
  TOKEN_ISSUED = 'TOKEN_ISSUED',
  ISSUER_SET = 'ISSUER_SET',
  POLICY_SET = 'POLICY_SET',
  QUOTA_SET = 'QUOTA_SET',
  AUDIT_READ = 'AUDIT_READ',
  AUDIT_VERIFY = 'AUDIT_VERIFY',
  STATISTICS_READ = 'STATISTICS_READ',
  PURGE = 'PURGE',
  /** `frhub reembed`: a gallery's templates re-embedded from kept crops with another model pack (started, finished) */
  REEMBED = 'REEMBED',
  /** `frhub reembed --drop-old`: a gallery's templates of the models it moved away from deleted */
  REEMBED_DROP_OLD = 'REEMBED_DROP_OLD',
  /** `frhub calibrate --gallery`: a gallery's templates read to measure the pack's score distributions on it (no face leaves the hub) */
  GALLERY_CALIBRATED = 'GALLERY_CALIBRATED',
  /** a signed lead report (or discovery package) of a search produced for a caller; refusals too */
  REPORT_PRODUCED = 'REPORT_PRODUCED',
  /** a lead report checked: its signature, its content and its audit events */
  REPORT_VERIFIED = 'REPORT_VERIFIED',
  /** a statutory report read (its statute and year) */
  STATUTORY_REPORT_READ = 'STATUTORY_REPORT_READ',
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

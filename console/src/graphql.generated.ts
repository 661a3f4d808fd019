/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** Age at booking, in bands. */
export type AgeBand =
  | 'AGE_18_TO_24'
  | 'AGE_25_TO_34'
  | 'AGE_35_TO_44'
  | 'AGE_45_TO_54'
  | 'AGE_55_TO_64'
  | 'AGE_65_AND_OVER'
  | 'UNDER_18'
  | 'UNKNOWN';

/** What an audited decision came to: ALLOWED, DENIED (a refusal of what the caller may do) or FAILED (bad input, an unusable photo, an error). */
export type AuditOutcome =
  | 'ALLOWED'
  | 'DENIED'
  | 'FAILED';

export type CandidateDecision =
  | 'INCONCLUSIVE'
  | 'NOT_A_MATCH'
  | 'POSSIBLE_MATCH';

/** An examiner’s conclusion on one candidate of a request. */
export type CandidateDisposition =
  | 'EXCLUDED'
  | 'INCONCLUSIVE'
  | 'POSSIBLE_LEAD';

export type CandidateDispositionInput = {
  disposition: CandidateDisposition;
  rank: number;
  /** required for POSSIBLE_LEAD (At most 4000 characters; line breaks and tabs are the only control characters allowed.) */
  reason?: string | null | undefined;
  /** At most 200 characters; no control or invisible characters. */
  searchId: string | number;
};

export type CandidateReviewInput = {
  decision: CandidateDecision;
  rank: number;
};

export type CreateGalleryInput = {
  /** At most 200 characters; no control characters or bidi overrides. */
  name: string;
};

export type CreatePrincipalInput = {
  certifiedUntil?: string | null | undefined;
  /** links the principal to its agency identity provider’s subject (At most 200 characters; no control or invisible characters.) */
  externalSubject?: string | null | undefined;
  /** At most 200 characters; no control characters or bidi overrides. */
  name: string;
  role: Role;
  /** At most 200 characters; no control or invisible characters. */
  tenantSlug: string;
};

export type CreateSharingAgreementInput = {
  expiresAt: string;
  /** At most 200 characters; no control or invisible characters. */
  galleryId: string | number;
  /** omit to share with every tenant (At most 200 characters; no control or invisible characters.) */
  granteeTenantSlug?: string | null | undefined;
  legalBases: Array<LegalBasis>;
};

export type CreateTenantInput = {
  /** searches per month; default: the hub’s FRHUB_DEFAULT_MONTHLY_QUOTA */
  monthlyQuota?: number | null | undefined;
  /** At most 200 characters; no control characters or bidi overrides. */
  name: string;
  /** jurisdiction policy preset (see policyPresets); default MN_DEFAULT (At most 200 characters; no control or invisible characters.) */
  policyPreset?: string | null | undefined;
  /** true: a sandbox for an independent tester (docs/independent-testing.md), apart from every real gallery for good; default false */
  sandbox?: boolean | null | undefined;
  /** At most 200 characters; no control or invisible characters. */
  slug: string;
};

export type DeclineReason =
  | 'DUPLICATE'
  | 'OTHER'
  | 'OUTSIDE_AGREEMENT'
  | 'PROBE_UNSUITABLE'
  | 'PROHIBITED_PURPOSE';

/** A demographic field a gallery owner may choose to keep on its subjects (none by default): kept to measure error rates by group, never searched on; oversight sees group counts only, small cells suppressed. */
export type DemographicField =
  | 'AGE_BAND'
  | 'ETHNICITY'
  | 'RACE'
  | 'SEX';

export type EditRequestProbeInput = {
  /** default: the first probe (At most 200 characters; no control or invisible characters.) */
  probeId?: string | number | null | undefined;
  /** At most 200 characters; no control or invisible characters. */
  requestId: string | number;
  steps: Array<ProbeEditStepInput>;
};

export type EnrollFaceInput = {
  /** only where the gallery keeps AGE_BAND */
  ageBand?: AgeBand | null | undefined;
  /** only where the gallery keeps ETHNICITY */
  ethnicity?: SubjectEthnicity | null | undefined;
  /** At most 200 characters; no control or invisible characters. */
  galleryId: string | number;
  image?: File | null | undefined;
  imageBase64?: string | null | undefined;
  /** only where the gallery keeps RACE */
  race?: SubjectRace | null | undefined;
  /** only where the gallery keeps SEX (else FIELD_NOT_KEPT) */
  sex?: SubjectSex | null | undefined;
  /** At most 200 characters; no control or invisible characters. */
  subjectRef: string;
};

export type ExaminationConclusion =
  | 'NO_LEAD'
  | 'POSSIBLE_LEAD';

export type ExaminationRole =
  | 'ADJUDICATOR'
  | 'EXAMINER'
  | 'VERIFIER';

/** The declared lawful reason for a search (docs/policy-notes.md). */
export type LegalBasis =
  | 'CRIMINAL_SUSPECT_ID'
  | 'DECEASED_ID'
  | 'DETAINEE_NO_ID'
  | 'IMMINENT_THREAT'
  | 'INCAPACITATED_PERSON_ID'
  | 'MISSING_PERSON'
  | 'VICTIM_ID'
  | 'WITNESS_ID';

export type OffenseCategory =
  | 'AGGRAVATED_ASSAULT'
  | 'ARSON'
  | 'BURGLARY'
  | 'CHILD_EXPLOITATION'
  | 'DRUG_OFFENSE'
  | 'FRAUD'
  | 'HOMICIDE'
  | 'HUMAN_TRAFFICKING'
  | 'KIDNAPPING'
  | 'MISDEMEANOR'
  | 'OTHER_FELONY'
  | 'ROBBERY'
  | 'SEXUAL_ASSAULT'
  | 'TERRORISM'
  | 'THEFT'
  | 'WEAPONS';

/** Seriousness rungs for a policy’s offense threshold. */
export type OffenseLevel =
  | 'FELONY'
  | 'MISDEMEANOR'
  | 'SERIOUS_FELONY'
  | 'VIOLENT_FELONY';

export type PreviewProbeInput = {
  image?: File | null | undefined;
  imageBase64?: string | null | undefined;
};

export type ProbeEditKind =
  | 'BRIGHTNESS_CONTRAST'
  | 'CROP'
  | 'FACE_BOX'
  | 'ROTATE';

export type ProbeEditStepInput = {
  /** BRIGHTNESS_CONTRAST: factors from 0.2 to 5, 1 unchanged */
  brightness?: number | null | undefined;
  contrast?: number | null | undefined;
  /** ROTATE: degrees clockwise */
  degrees?: number | null | undefined;
  height?: number | null | undefined;
  kind: ProbeEditKind;
  width?: number | null | undefined;
  /** CROP, FACE_BOX: the box, in pixels of the image the step applies to */
  x?: number | null | undefined;
  y?: number | null | undefined;
};

/** Where a probe photo came from. */
export type ProbeSourceKind =
  | 'BODY_WORN_CAMERA'
  | 'CCTV'
  | 'DOORBELL_CAMERA'
  | 'MOBILE_PHONE'
  | 'OTHER'
  | 'PHOTOGRAPH'
  | 'SOCIAL_MEDIA';

/** What a search does with a probe under its agency’s quality floors: REFUSE (LOW_QUALITY, nothing charged) or WARN (searched; the shortfalls on the response and in its audit event). */
export type QualityFloorAction =
  | 'REFUSE'
  | 'WARN';

export type QualityFloorsInput = {
  action: QualityFloorAction;
  /** brightness of the face (0-1), at most */
  maxExposure?: number | null | undefined;
  /** head tilted up or down, degrees, at most (an estimate) */
  maxPitchDeg?: number | null | undefined;
  /** head turned left or right, degrees, at most */
  maxYawDeg?: number | null | undefined;
  /** brightness of the face (0-1), at least */
  minExposure?: number | null | undefined;
  /** share of the face inside the photo (0-1), at least */
  minInFrame?: number | null | undefined;
  /** pixels between the eyes, at least */
  minInterEyePx?: number | null | undefined;
  /** sharpness (variance of the Laplacian of the aligned face), at least */
  minSharpness?: number | null | undefined;
};

export type QuotaPeriod =
  | 'DAY'
  | 'MONTH';

export type RecordDispositionsInput = {
  conclusion: ExaminationConclusion;
  /** one for every candidate of every search of the request */
  dispositions: Array<CandidateDispositionInput>;
  /** At most 4000 characters; line breaks and tabs are the only control characters allowed. */
  note?: string | null | undefined;
  /** At most 200 characters; no control or invisible characters. */
  requestId: string | number;
};

/** Why an enrolled subject or photo is removed: EXPUNGED (expunged or sealed), DISMISSED, ACQUITTED, ERROR (enrolled in error), DUPLICATE, RETENTION (past the owner’s retention). */
export type RemovalReason =
  | 'ACQUITTED'
  | 'DISMISSED'
  | 'DUPLICATE'
  | 'ERROR'
  | 'EXPUNGED'
  | 'RETENTION';

export type RemoveSubjectInput = {
  reason: RemovalReason;
  /** At most 200 characters; no control or invisible characters. */
  subjectId: string | number;
};

/** What the requester reports after a lead or no lead. */
export type RequestOutcome =
  | 'ARREST'
  | 'CHARGED'
  | 'EXCLUDED'
  | 'IDENTITY_CONFIRMED_BY_OTHER_EVIDENCE'
  | 'NO_ACTION'
  | 'UNKNOWN';

export type RequestPriority =
  | 'EMERGENCY'
  | 'ROUTINE'
  | 'URGENT';

/** Where a request stands: SUBMITTED → ACCEPTED | DECLINED → IN_EXAMINATION → IN_VERIFICATION → (IN_ADJUDICATION →) VERIFIED → LEAD_RELEASED, or NO_LEAD → OUTCOME_RECORDED → CLOSED; WITHDRAWN by the requester before release. */
export type RequestStatus =
  | 'ACCEPTED'
  | 'CLOSED'
  | 'DECLINED'
  | 'IN_ADJUDICATION'
  | 'IN_EXAMINATION'
  | 'IN_VERIFICATION'
  | 'LEAD_RELEASED'
  | 'NO_LEAD'
  | 'OUTCOME_RECORDED'
  | 'SUBMITTED'
  | 'VERIFIED'
  | 'WITHDRAWN';

/** A reviewer’s conclusion: a search yields leads, never identifications. */
export type ReviewOutcome =
  | 'INCONCLUSIVE'
  | 'NO_LEAD'
  | 'POSSIBLE_LEAD';

export type ReviewSearchInput = {
  decisions: Array<CandidateReviewInput>;
  /** At most 4000 characters; line breaks and tabs are the only control characters allowed. */
  note?: string | null | undefined;
  outcome: ReviewOutcome;
  /** At most 200 characters; no control or invisible characters. */
  searchId: string | number;
};

export type ReviewStatus =
  | 'AWAITING_SECOND_REVIEW'
  | 'PENDING'
  | 'REVIEWED';

/** A principal’s role; one per principal. */
export type Role =
  | 'AGENCY_ADMIN'
  | 'AGENCY_ANALYST'
  | 'AGENCY_REQUESTER'
  | 'AGENCY_SUPERVISOR'
  | 'HUB_ADMIN'
  | 'OVERSIGHT_AUDITOR';

export type SearchFacesInput = {
  /** At most 200 characters; no control or invisible characters. */
  caseNumber?: string | null | undefined;
  /** default: every gallery you may search for this legal basis (yours and those shared with you) (At most 200 characters; no control or invisible characters.) */
  galleryIds?: Array<string | number> | null | undefined;
  image?: File | null | undefined;
  imageBase64?: string | null | undefined;
  /** required, except with requestId (the request’s own basis applies; if sent it must be the same) */
  legalBasis?: LegalBasis | null | undefined;
  /** 1-50, default 20 */
  maxCandidates?: number | null | undefined;
  /** cosine similarity floor; default: the score at which the strangers expected above it over the templates searched meet the target false-positive identification rate (FRHUB_TARGET_FPIR), never below the model’s verification threshold */
  minScore?: number | null | undefined;
  /** the facts that justify the search (required by some policies) (At most 4000 characters; line breaks and tabs are the only control characters allowed.) */
  narrative?: string | null | undefined;
  /** Your declaration that this search is not for live or continuous surveillance, First Amendment activity, immigration enforcement, or a protected class as its basis. false is refused. */
  notForProhibitedPurpose?: boolean;
  offenseCategory?: OffenseCategory | null | undefined;
  /** the specific crime, in words (required by some policies) (At most 4000 characters; line breaks and tabs are the only control characters allowed.) */
  offenseDescription?: string | null | undefined;
  /** with requestId: the probe version to search (default: the original photo) (At most 200 characters; no control or invisible characters.) */
  probeVersionId?: string | number | null | undefined;
  /** the request this search examines (its assigned examiner only): the probe, case, legal basis and offense come from the request, and the search counts against the requesting agency’s quota (At most 200 characters; no control or invisible characters.) */
  requestId?: string | number | null | undefined;
  /** At most 200 characters; no control or invisible characters. */
  warrantNumber?: string | null | undefined;
};

export type SetQuotaInput = {
  limit: number;
  period: QuotaPeriod;
  /** At most 200 characters; no control or invisible characters. */
  tenantSlug: string;
};

export type SetTenantIssuerInput = {
  /** required `aud`, when set (At most 2000 characters; no control or invisible characters.) */
  audience?: string | null | undefined;
  /** the client id the provider registered for the hub’s console (a public client: PKCE, no secret; redirect URI <hub>/console/oidc/callback); null: no console sign-in (At most 200 characters; no control or invisible characters.) */
  clientId?: string | null | undefined;
  /** the `iss` of the agency’s tokens (At most 2000 characters; no control or invisible characters.) */
  issuer: string;
  /** https URL of its JSON Web Key Set (At most 2000 characters; no control or invisible characters.) */
  jwksUrl: string;
  /** default: sub (At most 200 characters; no control or invisible characters.) */
  subjectClaim?: string | null | undefined;
  /** At most 200 characters; no control or invisible characters. */
  tenantSlug: string;
};

export type SetTenantPolicyInput = {
  allowedBases?: Array<LegalBasis> | null | undefined;
  blindVerificationScores?: boolean | null | undefined;
  caseNumberRequiredFor?: Array<LegalBasis> | null | undefined;
  exigentApprovalHours?: number | null | undefined;
  narrativeRequiredFor?: Array<LegalBasis> | null | undefined;
  offenseRequiredFor?: Array<LegalBasis> | null | undefined;
  offenseThreshold?: OffenseLevel | null | undefined;
  /** start from this preset (default: the tenant’s current one); the fields below override it (At most 200 characters; no control or invisible characters.) */
  preset?: string | null | undefined;
  /** floors on a probe’s quality components (replaces the ones set before) */
  qualityFloors?: QualityFloorsInput | null | undefined;
  requireMfa?: boolean | null | undefined;
  retentionDays?: number | null | undefined;
  sessionIdleMinutes?: number | null | undefined;
  sessionLifetimeHours?: number | null | undefined;
  /** At most 200 characters; no control or invisible characters. */
  tenantSlug: string;
  warrantRequiredFor?: Array<LegalBasis> | null | undefined;
};

/** How the key that signed a lead report stands in the hub's key set: CURRENT, PREVIOUS (rotated, still verifying tokens), RETIRED (kept only to verify what it signed). */
export type SigningKeyStatus =
  | 'CURRENT'
  | 'PREVIOUS'
  | 'RETIRED';

/** A statute whose yearly report the hub computes from its audit chain. */
export type Statute =
  | 'MD_2_510'
  | 'MT_44_15_111'
  | 'UT_77_23E'
  | 'WA_43_386';

/** Ethnicity as booking records code it (UCR-NIBRS: H, N, U). */
export type SubjectEthnicity =
  | 'HISPANIC_OR_LATINO'
  | 'NOT_HISPANIC_OR_LATINO'
  | 'UNKNOWN';

/** Race as booking records code it (UCR-NIBRS race codes I, A, B, P, W, U). */
export type SubjectRace =
  | 'AMERICAN_INDIAN_OR_ALASKA_NATIVE'
  | 'ASIAN'
  | 'BLACK_OR_AFRICAN_AMERICAN'
  | 'NATIVE_HAWAIIAN_OR_OTHER_PACIFIC_ISLANDER'
  | 'UNKNOWN'
  | 'WHITE';

/** Sex as booking records code it (NCIC / UCR-NIBRS: F, M, U). */
export type SubjectSex =
  | 'FEMALE'
  | 'MALE'
  | 'UNKNOWN';

export type SubmitRequestInput = {
  /** the supervisor who approved sending the request (At most 200 characters; no control characters or bidi overrides.) */
  approvingSupervisor: string;
  /** when the probe was captured, when known */
  capturedAt?: string | null | undefined;
  /** At most 200 characters; no control or invisible characters. */
  caseNumber: string;
  dueAt?: string | null | undefined;
  /** how the probe was obtained (At most 4000 characters; line breaks and tabs are the only control characters allowed.) */
  howObtained?: string | null | undefined;
  image?: File | null | undefined;
  imageBase64?: string | null | undefined;
  legalBasis: LegalBasis;
  /** further probe photos (base64), up to 5 photos in all */
  moreImagesBase64?: Array<string> | null | undefined;
  /** At most 4000 characters; line breaks and tabs are the only control characters allowed. */
  narrative?: string | null | undefined;
  /** Your declaration that the request is not for a prohibited purpose; false is refused. */
  notForProhibitedPurpose?: boolean;
  offenseCategory?: OffenseCategory | null | undefined;
  priority?: RequestPriority | null | undefined;
  /** At most 200 characters; no control characters or bidi overrides. */
  requestingOfficer: string;
  /** the tenant asked to examine it (under an examination agreement); absent: your own agency (At most 200 characters; no control or invisible characters.) */
  servingTenantSlug?: string | null | undefined;
  sourceKind: ProbeSourceKind;
  /** the statute, in words (At most 200 characters; no control characters or bidi overrides.) */
  statuteText?: string | null | undefined;
  /** At most 200 characters; no control or invisible characters. */
  warrantNumber?: string | null | undefined;
};

export type TenantStatus =
  | 'ACTIVE'
  | 'SUSPENDED';

export type UpdateGalleryInput = {
  /** true: archive (not searched, takes no enrollment); false: bring back */
  archived?: boolean | null | undefined;
  /** the demographic fields to keep on its subjects from now on (replaces the list; [] keeps none): a field left out is cleared on every subject */
  demographicFields?: Array<DemographicField> | null | undefined;
  /** At most 200 characters; no control or invisible characters. */
  galleryId: string | number;
  /** a new name (1-200 characters, unique in your agency) (At most 200 characters; no control characters or bidi overrides.) */
  name?: string | null | undefined;
};

/** What to change about a principal; a field left out stays. */
export type UpdatePrincipalInput = {
  /** what the renewal rests on: a training record or certificate number (required with a certifiedUntil date) (At most 200 characters; no control or invisible characters.) */
  certificationEvidence?: string | null | undefined;
  /** a future date renews the certification (with certificationEvidence); null ends it */
  certifiedUntil?: string | null | undefined;
  /** the display name (At most 200 characters; no control characters or bidi overrides.) */
  name?: string | null | undefined;
  /** At most 200 characters; no control or invisible characters. */
  principalId: string | number;
  /** within what you may grant: an agency administrator grants agency roles; only the operator’s HUB_ADMIN its own roles; never your own role */
  role?: Role | null | undefined;
};

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { role: Role, principalId: string | null, tenant: { slug: string, name: string, isOperator: boolean } } };

export type OwnTenantQueryVariables = Exact<{ [key: string]: never; }>;


export type OwnTenantQuery = { me: { tenant: { id: string, name: string } } };

export type MonthUsageQueryVariables = Exact<{
  from: string;
  to: string;
}>;


export type MonthUsageQuery = { usageStatistics: { rows: Array<{ searches: number, denials: number }> } };

export type GalleriesQueryVariables = Exact<{ [key: string]: never; }>;


export type GalleriesQuery = { galleries: Array<{ id: string, name: string, tenantId: string, templateCount: number, createdAt: string, archivedAt: string | null, templateCounts: Array<{ modelVersion: string, templates: number }> }> };

export type UpdateGalleryMutationVariables = Exact<{
  i: UpdateGalleryInput;
}>;


export type UpdateGalleryMutation = { updateGallery: { id: string } };

export type CreateGalleryMutationVariables = Exact<{
  i: CreateGalleryInput;
}>;


export type CreateGalleryMutation = { createGallery: { id: string } };

export type SearchFacesMutationVariables = Exact<{
  i: SearchFacesInput;
}>;


export type SearchFacesMutation = { searchFaces: { id: string, notice: string, threshold: number, modelVersion: string, candidates: Array<{ rank: number, score: number, subjectRef: string, estimatedFalseMatchRate: number | null, falseMatchRateAtLimit: boolean, faceImage: string | null, falseMatchRateInterval: { low: number, high: number } | null, subject: { id: string, name: string | null, dateOfBirth: string | null, bookingNumber: string | null, disposition: string | null, detailsVisible: boolean } | null }> } };

export type SearchRulesQueryVariables = Exact<{ [key: string]: never; }>;


export type SearchRulesQuery = { legalBases: Array<{ basis: LegalBasis, description: string, exigent: boolean }>, tenantPolicy: { preset: string, allowedBases: Array<LegalBasis>, caseNumberRequiredFor: Array<LegalBasis>, warrantRequiredFor: Array<LegalBasis>, narrativeRequiredFor: Array<LegalBasis>, offenseRequiredFor: Array<LegalBasis>, offenseThreshold: OffenseLevel, exigentApprovalHours: number } };

export type AuditEventsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  t?: string | number | null | undefined;
  a?: string | null | undefined;
  x?: Array<string> | string | null | undefined;
  o?: AuditOutcome | null | undefined;
  from?: string | null | undefined;
  to?: string | null | undefined;
}>;


export type AuditEventsQuery = { auditEvents: { nodes: Array<{ seq: number, at: string, tenantId: string | null, principalId: string | null, actorRole: string | null, caseNumber: string | null, action: string, outcome: string, reason: string | null, legalBasis: string | null, details: Record<string, unknown>, hash: string }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type TenantSlugsQueryVariables = Exact<{ [key: string]: never; }>;


export type TenantSlugsQuery = { tenants: Array<{ id: string, slug: string }> };

export type VerifyAuditChainQueryVariables = Exact<{ [key: string]: never; }>;


export type VerifyAuditChainQuery = { verifyAuditChain: { ok: boolean, checked: number, firstBrokenSequence: number | null } };

export type EnrollFaceMutationVariables = Exact<{
  input: EnrollFaceInput;
}>;


export type EnrollFaceMutation = { enrollFace: { created: boolean } };

export type CandidateFieldsFragment = { rank: number, score: number, subjectRef: string, estimatedFalseMatchRate: number | null, falseMatchRateAtLimit: boolean, faceImage: string | null, falseMatchRateInterval: { low: number, high: number } | null, subject: { id: string, name: string | null, dateOfBirth: string | null, bookingNumber: string | null, disposition: string | null, detailsVisible: boolean } | null };

export type OperatorTenantsQueryVariables = Exact<{ [key: string]: never; }>;


export type OperatorTenantsQuery = { tenants: Array<{ id: string, slug: string, name: string, status: TenantStatus, isOperator: boolean }> };

export type UsageByTenantQueryVariables = Exact<{
  from: string;
  to: string;
}>;


export type UsageByTenantQuery = { usage: { rows: Array<{ tenant: string | null, searches: number }> } };

export type SetTenantStatusMutationVariables = Exact<{
  s: string;
  t: TenantStatus;
}>;


export type SetTenantStatusMutation = { setTenantStatus: { id: string } };

export type PresetNamesQueryVariables = Exact<{ [key: string]: never; }>;


export type PresetNamesQuery = { policyPresets: Array<{ id: string, name: string }> };

export type CreateTenantMutationVariables = Exact<{
  i: CreateTenantInput;
}>;


export type CreateTenantMutation = { createTenant: { id: string } };

export type UsageRowsFragment = { rows: Array<{ tenant: string | null, legalBasis: string | null, offenseCategory: string | null, outcome: string | null, denialReason: string | null, month: string | null, searches: number, denials: number, reviewedSearches: number }> };

export type OversightQueryVariables = Exact<{
  from: string;
  to: string;
  year: number;
}>;


export type OversightQuery = { byTenant: { exigentApprovalsOverdue: number, rows: Array<{ tenant: string | null, legalBasis: string | null, offenseCategory: string | null, outcome: string | null, denialReason: string | null, month: string | null, searches: number, denials: number, reviewedSearches: number }> }, byMonth: { rows: Array<{ tenant: string | null, legalBasis: string | null, offenseCategory: string | null, outcome: string | null, denialReason: string | null, month: string | null, searches: number, denials: number, reviewedSearches: number }> }, byReason: { rows: Array<{ tenant: string | null, legalBasis: string | null, offenseCategory: string | null, outcome: string | null, denialReason: string | null, month: string | null, searches: number, denials: number, reviewedSearches: number }> }, byBasis: { rows: Array<{ tenant: string | null, legalBasis: string | null, offenseCategory: string | null, outcome: string | null, denialReason: string | null, month: string | null, searches: number, denials: number, reviewedSearches: number }> }, byOffense: { rows: Array<{ tenant: string | null, legalBasis: string | null, offenseCategory: string | null, outcome: string | null, denialReason: string | null, month: string | null, searches: number, denials: number, reviewedSearches: number }> }, byOutcome: { rows: Array<{ tenant: string | null, legalBasis: string | null, offenseCategory: string | null, outcome: string | null, denialReason: string | null, month: string | null, searches: number, denials: number, reviewedSearches: number }> }, verifyAuditChain: { ok: boolean, checked: number, firstBrokenSequence: number | null }, transparencyReport: { year: number, generatedAt: string, csv: string, rows: Array<{ agency: string, legalBasis: string, offenseCategory: string | null, searches: string, denials: string, candidates: string, possibleLeads: string }>, totals: { searches: string, denials: string, candidates: string, possibleLeads: string } } };

export type PolicyFieldsFragment = { preset: string, allowedBases: Array<LegalBasis>, offenseRequiredFor: Array<LegalBasis>, offenseThreshold: OffenseLevel, warrantRequiredFor: Array<LegalBasis>, caseNumberRequiredFor: Array<LegalBasis>, narrativeRequiredFor: Array<LegalBasis>, exigentApprovalHours: number, retentionDays: number, requireMfa: boolean, sessionIdleMinutes: number, sessionLifetimeHours: number, qualityFloors: { action: QualityFloorAction, minInterEyePx: number | null, maxYawDeg: number | null, maxPitchDeg: number | null, minSharpness: number | null, minExposure: number | null, maxExposure: number | null, minInFrame: number | null } | null };

export type TenantPolicyQueryVariables = Exact<{
  s: string;
}>;


export type TenantPolicyQuery = { tenantPolicy: { preset: string, allowedBases: Array<LegalBasis>, offenseRequiredFor: Array<LegalBasis>, offenseThreshold: OffenseLevel, warrantRequiredFor: Array<LegalBasis>, caseNumberRequiredFor: Array<LegalBasis>, narrativeRequiredFor: Array<LegalBasis>, exigentApprovalHours: number, retentionDays: number, requireMfa: boolean, sessionIdleMinutes: number, sessionLifetimeHours: number, qualityFloors: { action: QualityFloorAction, minInterEyePx: number | null, maxYawDeg: number | null, maxPitchDeg: number | null, minSharpness: number | null, minExposure: number | null, maxExposure: number | null, minInFrame: number | null } | null }, policyPresets: Array<{ id: string, name: string, sources: Array<string>, policy: { preset: string, allowedBases: Array<LegalBasis>, offenseRequiredFor: Array<LegalBasis>, offenseThreshold: OffenseLevel, warrantRequiredFor: Array<LegalBasis>, caseNumberRequiredFor: Array<LegalBasis>, narrativeRequiredFor: Array<LegalBasis>, exigentApprovalHours: number, retentionDays: number, requireMfa: boolean, sessionIdleMinutes: number, sessionLifetimeHours: number, qualityFloors: { action: QualityFloorAction, minInterEyePx: number | null, maxYawDeg: number | null, maxPitchDeg: number | null, minSharpness: number | null, minExposure: number | null, maxExposure: number | null, minInFrame: number | null } | null } }> };

export type SetTenantPolicyMutationVariables = Exact<{
  i: SetTenantPolicyInput;
}>;


export type SetTenantPolicyMutation = { setTenantPolicy: { preset: string } };

export type PrincipalsQueryVariables = Exact<{
  s?: string | null | undefined;
}>;


export type PrincipalsQuery = { principals: Array<{ id: string, name: string, role: Role, certifiedUntil: string | null, externalSubject: string | null, disabledAt: string | null }> };

export type IssueSignInTokenMutationVariables = Exact<{
  id: string | number;
}>;


export type IssueSignInTokenMutation = { issueToken: { token: string, expiresAt: string } };

export type TenantOfMeQueryVariables = Exact<{ [key: string]: never; }>;


export type TenantOfMeQuery = { me: { tenant: { slug: string } } };

export type CreatePrincipalMutationVariables = Exact<{
  i: CreatePrincipalInput;
}>;


export type CreatePrincipalMutation = { createPrincipal: { id: string } };

export type UpdatePrincipalMutationVariables = Exact<{
  i: UpdatePrincipalInput;
}>;


export type UpdatePrincipalMutation = { updatePrincipal: { id: string, name: string, role: Role, certifiedUntil: string | null } };

export type PrincipalHistoryQueryVariables = Exact<{
  p: string | number;
}>;


export type PrincipalHistoryQuery = { principalHistory: { nodes: Array<{ seq: number, at: string, action: string, actorRole: string | null, details: Record<string, unknown> }> } };

export type PreviewProbeQueryVariables = Exact<{
  i: PreviewProbeInput;
}>;


export type PreviewProbeQuery = { previewProbe: { width: number, height: number, faces: Array<{ quality: number, box: { x: number, y: number, width: number, height: number }, components: { interEyePx: number | null, yawDeg: number | null, pitchDeg: number | null, rollDeg: number | null, sharpness: number | null, exposure: number | null, clipped: number | null, inFrame: number | null } }> } };

export type SubjectsQueryVariables = Exact<{
  g: string | number;
}>;


export type SubjectsQuery = { subjects: { nodes: Array<{ id: string, subjectRef: string, templateCount: number, name: string | null, bookingNumber: string | null, disposition: string | null, createdAt: string }> } };

export type RemoveSubjectMutationVariables = Exact<{
  i: RemoveSubjectInput;
}>;


export type RemoveSubjectMutation = { removeSubject: { subjectRef: string, reason: RemovalReason, templateIds: Array<string>, crops: number, candidateRows: number, searches: number } };

export type SubjectRemnantsQueryVariables = Exact<{
  s: string | number;
}>;


export type SubjectRemnantsQuery = { subjectRemnants: { clean: boolean, tables: Array<{ table: string, rows: number }> } };

export type VerifyReportQueryVariables = Exact<{
  f: string;
}>;


export type VerifyReportQuery = { verifyReport: { intact: boolean, kind: string, reportId: string | null, subject: string | null, signedBy: string | null, signingKeyStatus: SigningKeyStatus | null, signingKeyRetiredAt: string | null, signatureValid: boolean, contentIntact: boolean, auditEventsChecked: number, auditEventsNotHeld: Array<number>, problems: Array<string> } };

export type StatutoryReportQueryVariables = Exact<{
  s: Statute;
  y: number;
}>;


export type StatutoryReportQuery = { statutoryReport: { statute: Statute, title: string, citation: string, year: number, periodStart: string, periodEnd: string, generatedAt: string, notes: Array<string>, cannotKnow: Array<string>, csv: string, pdfBase64: string, sections: Array<{ title: string, columns: Array<string>, rows: Array<Array<string>> }> } };

export type RequestPageQueryVariables = Exact<{
  id: string | number;
}>;


export type RequestPageQuery = { me: { role: Role, principalId: string | null, tenant: { id: string } }, request: { id: string, status: RequestStatus, tenantId: string, servingTenantId: string, caseNumber: string, offenseCategory: OffenseCategory | null, statuteText: string | null, legalBasis: LegalBasis, narrative: string | null, sourceKind: ProbeSourceKind, howObtained: string | null, capturedAt: string | null, requestingOfficer: string, approvingSupervisor: string, priority: RequestPriority, dueAt: string | null, overdue: boolean, examinerId: string | null, verifierId: string | null, adjudicatorId: string | null, declineReason: DeclineReason | null, declineNote: string | null, outcome: RequestOutcome | null, outcomeNote: string | null, createdAt: string, probeVersions: Array<{ id: string, version: number, createdAt: string, steps: Array<{ kind: ProbeEditKind, x: number | null, y: number | null, width: number | null, height: number | null, degrees: number | null, brightness: number | null, contrast: number | null }> }>, searches: Array<{ id: string, probeVersionId: string | null, createdAt: string, candidates: Array<{ searchId: string, rank: number, subjectRef: string, score: number | null, faceImage: string | null }> }>, examinations: Array<{ role: ExaminationRole, principalId: string, conclusion: ExaminationConclusion, note: string | null, createdAt: string, dispositions: Array<{ searchId: string, rank: number, disposition: CandidateDisposition, reason: string | null }> }>, lead: { subjectRef: string, faceImage: string | null, banner: string, examinerId: string | null, verifierId: string | null, adjudicatorId: string | null } | null, history: Array<{ seq: number, at: string, action: string, outcome: string, reason: string | null, status: RequestStatus | null, actorRole: string | null, principalId: string | null }>, examinerChoices: Array<{ id: string, name: string, certifiedUntil: string }> } };

export type RequestProbeQueryVariables = Exact<{
  r: string | number;
  v?: string | number | null | undefined;
}>;


export type RequestProbeQuery = { requestProbe: string };

export type CloseRequestMutationVariables = Exact<{
  r: string | number;
}>;


export type CloseRequestMutation = { closeRequest: { id: string } };

export type RecordOutcomeMutationVariables = Exact<{
  r: string | number;
  o: RequestOutcome;
  n?: string | null | undefined;
}>;


export type RecordOutcomeMutation = { recordOutcome: { id: string } };

export type WithdrawRequestMutationVariables = Exact<{
  r: string | number;
}>;


export type WithdrawRequestMutation = { withdrawRequest: { id: string } };

export type ExportLeadPhotoMutationVariables = Exact<{
  r: string | number;
  a: string;
}>;


export type ExportLeadPhotoMutation = { exportLeadPhoto: { subjectRef: string, image: string } };

export type AcceptRequestMutationVariables = Exact<{
  r: string | number;
  e: string | number;
}>;


export type AcceptRequestMutation = { acceptRequest: { id: string } };

export type DeclineRequestMutationVariables = Exact<{
  r: string | number;
  w: DeclineReason;
  n?: string | null | undefined;
}>;


export type DeclineRequestMutation = { declineRequest: { id: string } };

export type EditRequestProbeMutationVariables = Exact<{
  i: EditRequestProbeInput;
}>;


export type EditRequestProbeMutation = { editRequestProbe: { version: number } };

export type ClaimVerificationMutationVariables = Exact<{
  r: string | number;
}>;


export type ClaimVerificationMutation = { claimVerification: { id: string } };

export type RequestSearchMutationVariables = Exact<{
  i: SearchFacesInput;
}>;


export type RequestSearchMutation = { searchFaces: { id: string, candidates: Array<{ rank: number }> } };

export type RecordDispositionsMutationVariables = Exact<{
  i: RecordDispositionsInput;
}>;


export type RecordDispositionsMutation = { recordDispositions: { status: RequestStatus } };

export type ReleaseLeadMutationVariables = Exact<{
  r: string | number;
  s: string | number;
  k: number;
}>;


export type ReleaseLeadMutation = { releaseLead: { id: string } };

export type RequestRowFragment = { id: string, status: RequestStatus, caseNumber: string, offenseCategory: OffenseCategory | null, legalBasis: LegalBasis, priority: RequestPriority, dueAt: string | null, overdue: boolean, createdAt: string, examinerId: string | null, verifierId: string | null, servingTenantId: string };

export type RequestListQueryVariables = Exact<{
  status?: RequestStatus | null | undefined;
  overdue?: boolean | null | undefined;
  assignedToMe?: boolean | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type RequestListQuery = { requests: { nodes: Array<{ id: string, status: RequestStatus, caseNumber: string, offenseCategory: OffenseCategory | null, legalBasis: LegalBasis, priority: RequestPriority, dueAt: string | null, overdue: boolean, createdAt: string, examinerId: string | null, verifierId: string | null, servingTenantId: string }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type RequestsMeQueryVariables = Exact<{ [key: string]: never; }>;


export type RequestsMeQuery = { me: { role: Role, principalId: string | null, tenant: { id: string, slug: string } } };

export type SubmitRequestMutationVariables = Exact<{
  input: SubmitRequestInput;
}>;


export type SubmitRequestMutation = { submitRequest: { id: string } };

export type SearchPageQueryVariables = Exact<{
  id: string | number;
}>;


export type SearchPageQuery = { me: { role: Role, principalId: string | null }, search: { id: string, createdAt: string, caseNumber: string | null, legalBasis: LegalBasis, offenseCategory: OffenseCategory | null, modelVersion: string, threshold: number, notice: string, reviewStatus: ReviewStatus, reviewOutcome: ReviewOutcome | null, exigentDueAt: string | null, approvedAt: string | null, legalHold: boolean, candidates: Array<{ rank: number, score: number, subjectRef: string, estimatedFalseMatchRate: number | null, falseMatchRateAtLimit: boolean, faceImage: string | null, falseMatchRateInterval: { low: number, high: number } | null, subject: { id: string, name: string | null, dateOfBirth: string | null, bookingNumber: string | null, disposition: string | null, detailsVisible: boolean } | null }>, reviews: Array<{ reviewerId: string, outcome: ReviewOutcome, note: string | null, createdAt: string, decisions: Array<{ rank: number, decision: CandidateDecision }> }> } };

export type ReviewSearchMutationVariables = Exact<{
  i: ReviewSearchInput;
}>;


export type ReviewSearchMutation = { reviewSearch: { id: string } };

export type ApproveExigentSearchMutationVariables = Exact<{
  id: string | number;
  note?: string | null | undefined;
}>;


export type ApproveExigentSearchMutation = { approveExigentSearch: { id: string } };

export type SetLegalHoldMutationVariables = Exact<{
  id: string | number;
  hold: boolean;
  reason?: string | null | undefined;
}>;


export type SetLegalHoldMutation = { setLegalHold: { id: string } };

export type SearchListQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type SearchListQuery = { me: { role: Role }, searches: { nodes: Array<{ id: string, createdAt: string, caseNumber: string | null, legalBasis: LegalBasis, offenseCategory: OffenseCategory | null, reviewStatus: ReviewStatus, reviewOutcome: ReviewOutcome | null, exigentDueAt: string | null, approvedAt: string | null, legalHold: boolean, candidates: Array<{ rank: number }> }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type AwaitingApprovalQueryVariables = Exact<{ [key: string]: never; }>;


export type AwaitingApprovalQuery = { exigentSearchesAwaitingApproval: Array<{ id: string, createdAt: string, caseNumber: string | null, legalBasis: LegalBasis, exigentDueAt: string | null }> };

export type HeldSearchesQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type HeldSearchesQuery = { searches: { nodes: Array<{ id: string, createdAt: string, caseNumber: string | null, legalBasis: LegalBasis, reviewStatus: ReviewStatus, reviewOutcome: ReviewOutcome | null }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type SharingQueryVariables = Exact<{ [key: string]: never; }>;


export type SharingQuery = { sharingAgreements: Array<{ id: string, galleryId: string, tenantId: string, granteeTenantId: string | null, legalBases: Array<LegalBasis>, expiresAt: string, revokedAt: string | null, createdAt: string }>, tenants: Array<{ id: string, slug: string }>, galleries: Array<{ id: string, name: string, tenantId: string, templateCount: number }> };

export type RevokeSharingAgreementMutationVariables = Exact<{
  id: string | number;
}>;


export type RevokeSharingAgreementMutation = { revokeSharingAgreement: { revokedAt: string | null } };

export type CreateSharingAgreementMutationVariables = Exact<{
  i: CreateSharingAgreementInput;
}>;


export type CreateSharingAgreementMutation = { createSharingAgreement: { id: string } };

export type TenantListQueryVariables = Exact<{ [key: string]: never; }>;


export type TenantListQuery = { tenants: Array<{ id: string, slug: string, name: string, status: TenantStatus, isOperator: boolean, createdAt: string }> };

export type QuotasQueryVariables = Exact<{
  s?: string | null | undefined;
}>;


export type QuotasQuery = { quotas: Array<{ period: QuotaPeriod, used: number, limit: number, remaining: number, resetsAt: string }> };

export type SetQuotaMutationVariables = Exact<{
  i: SetQuotaInput;
}>;


export type SetQuotaMutation = { setQuota: { limit: number } };

export type TenantIssuerQueryVariables = Exact<{
  s?: string | null | undefined;
}>;


export type TenantIssuerQuery = { tenantIssuer: { issuer: string, jwksUrl: string, audience: string | null, subjectClaim: string, clientId: string | null, updatedAt: string } | null };

export type SetTenantIssuerMutationVariables = Exact<{
  i: SetTenantIssuerInput;
}>;


export type SetTenantIssuerMutation = { setTenantIssuer: { issuer: string } };

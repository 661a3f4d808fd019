import { LegalBasis, OffenseCategory, OffenseLevel, ProhibitedPurpose, QualityFloorAction, TenantStatus } from '../../models/enums.js';
import { DomainError } from '../shared/errors.js';
import { meaningful } from '../../models/text.js';

/** A tenant's rules over legal bases: data that HUB_ADMIN sets, starting from a jurisdiction preset. */
export interface TenantPolicy {
  allowedBases: LegalBasis[];
  /** bases that must name an offense at or above `offenseThreshold` */
  offenseRequiredFor: LegalBasis[];
  offenseThreshold: OffenseLevel;
  warrantRequiredFor: LegalBasis[];
  caseNumberRequiredFor: LegalBasis[];
  narrativeRequiredFor: LegalBasis[];
  /** exigent searches need a supervisor's approval within this many hours */
  exigentApprovalHours: number;
  /** search details and candidate lists are purged after this many days (unless on legal hold) */
  retentionDays: number;
  /** console sign-in with the agency's identity provider must assert multi-factor authentication (amr/acr); pasted hub tokens open no console session */
  requireMfa: boolean;
  /** a console session with no request for this long ends (CJIS 5.5.5: at most 30) */
  sessionIdleMinutes: number;
  /** a console session ends this long after it opened, however active */
  sessionLifetimeHours: number;
  /** a request's blind verifier does not see the candidates' scores (default: on) */
  blindVerificationScores?: boolean;
  /** floors on the probe's quality components (absent or null: none) */
  qualityFloors?: QualityFloors | null;
}

/** The least a probe must measure, each optional, and what a search does when it falls short. */
export interface QualityFloors {
  action: QualityFloorAction;
  minInterEyePx?: number | null;
  maxYawDeg?: number | null;
  maxPitchDeg?: number | null;
  minSharpness?: number | null;
  minExposure?: number | null;
  maxExposure?: number | null;
  minInFrame?: number | null;
}

/** Session rules of every preset: CJIS 5.5.5's longest idle time, a working shift. */
export const SESSION_DEFAULTS = { requireMfa: false, sessionIdleMinutes: 30, sessionLifetimeHours: 8 } as const;
export const MAX_IDLE_MINUTES = 30;
export const MAX_LIFETIME_HOURS = 24;

export const EXIGENT_BASES = [LegalBasis.IMMINENT_THREAT];

/** What each basis is for, in the catalog's words (sources in docs/policy-notes.md). */
export const LEGAL_BASIS_CATALOG: Record<LegalBasis, string> = {
  [LegalBasis.CRIMINAL_SUSPECT_ID]: 'Identify a suspect of a crime; offense threshold, case number and warrant per policy (VA 15.2-1723.2(i); UT 77-23e-103; MT 44-15-106).',
  [LegalBasis.VICTIM_ID]: 'Identify a victim of a crime (VA ii; MT).',
  [LegalBasis.WITNESS_ID]: 'Identify a witness to a crime (VA iii; NYPD; MT).',
  [LegalBasis.MISSING_PERSON]: 'Identify a missing person (VA iii; MT; WA RCW 43.386.080).',
  [LegalBasis.DECEASED_ID]: 'Identify a deceased person (UT; VA vii; NYPD; MA; MSP).',
  [LegalBasis.INCAPACITATED_PERSON_ID]: 'Identify a person who is incapacitated or cannot communicate (VA vi, viii; Utah "at risk"; NYPD).',
  [LegalBasis.IMMINENT_THREAT]: 'Exigent: an imminent threat to life. Allowed now; a supervisor must approve within the policy deadline (VA xi; WA; MA H4860 #180).',
  [LegalBasis.DETAINEE_NO_ID]: 'Identify a lawfully detained person who has no identification or a false one (VA x, xiv; NYPD).',
};

const RUNG: Record<OffenseLevel, number> = {
  [OffenseLevel.MISDEMEANOR]: 0,
  [OffenseLevel.FELONY]: 1,
  [OffenseLevel.SERIOUS_FELONY]: 2,
  [OffenseLevel.VIOLENT_FELONY]: 3,
};

/** Where each offense category sits on the ladder: violent felonies, other serious felonies, felonies, misdemeanors. */
export const OFFENSE_LEVEL: Record<OffenseCategory, OffenseLevel> = {
  [OffenseCategory.HOMICIDE]: OffenseLevel.VIOLENT_FELONY,
  [OffenseCategory.SEXUAL_ASSAULT]: OffenseLevel.VIOLENT_FELONY,
  [OffenseCategory.ROBBERY]: OffenseLevel.VIOLENT_FELONY,
  [OffenseCategory.AGGRAVATED_ASSAULT]: OffenseLevel.VIOLENT_FELONY,
  [OffenseCategory.KIDNAPPING]: OffenseLevel.VIOLENT_FELONY,
  [OffenseCategory.HUMAN_TRAFFICKING]: OffenseLevel.VIOLENT_FELONY,
  [OffenseCategory.CHILD_EXPLOITATION]: OffenseLevel.VIOLENT_FELONY,
  [OffenseCategory.TERRORISM]: OffenseLevel.VIOLENT_FELONY,
  [OffenseCategory.ARSON]: OffenseLevel.SERIOUS_FELONY,
  [OffenseCategory.BURGLARY]: OffenseLevel.SERIOUS_FELONY,
  [OffenseCategory.WEAPONS]: OffenseLevel.SERIOUS_FELONY,
  [OffenseCategory.FRAUD]: OffenseLevel.FELONY,
  [OffenseCategory.THEFT]: OffenseLevel.FELONY,
  [OffenseCategory.DRUG_OFFENSE]: OffenseLevel.FELONY,
  [OffenseCategory.OTHER_FELONY]: OffenseLevel.FELONY,
  [OffenseCategory.MISDEMEANOR]: OffenseLevel.MISDEMEANOR,
};

export const meetsThreshold = (o: OffenseCategory, t: OffenseLevel) => RUNG[OFFENSE_LEVEL[o]] >= RUNG[t];

// Statements that put a search inside a prohibited purpose (docs/policy-notes.md, "ProhibitedPurpose"):
// narrow phrases, so a crime that merely happened near a protest is not refused for saying so.
const PROHIBITED_STATEMENTS: [ProhibitedPurpose, RegExp][] = [
  [ProhibitedPurpose.LIVE_OR_REALTIME_SURVEILLANCE, /\b(live|real[- ]?time|continuous|ongoing|persistent)\s+(surveillance|monitoring|tracking|identification)\b/i],
  [ProhibitedPurpose.FIRST_AMENDMENT_ACTIVITY, /\b(identify|identifying|who (attended|joined))\b.{0,40}\b(protesters?|demonstrators?|rally|march|vigil|worshipp?ers|congregation|attendees)\b/i],
  [ProhibitedPurpose.IMMIGRATION_ENFORCEMENT, /\b(immigration (status|enforcement|violation|detainer)|deport(ation)?|undocumented|visa overstay)\b/i],
  [ProhibitedPurpose.PROTECTED_CLASS_BASIS, /\bbecause (of )?(he|she|they|the person|the subject)?\s*(is|are|was|were|looks?|appears?|'s|’s)?\s*(black|white|hispanic|latino|latina|asian|muslim|jewish|christian|gay|lesbian|transgender|disabled|foreign|an immigrant)\b/i],
];

export interface SearchDeclaration {
  legalBasis: LegalBasis;
  offenseCategory?: OffenseCategory | null;
  caseNumber?: string | null;
  warrantNumber?: string | null;
  narrative?: string | null;
  offenseDescription?: string | null;
  /** the caller's declaration that the search is not for a prohibited purpose */
  notForProhibitedPurpose: boolean;
}

// messages name enum values in words (a person reads them in the console), never as raw codes
const list = (xs: string[]) => xs.map((x) => x.toLowerCase().replace(/_/g, ' ')).join(', ');
const basis = (b: string) => list([b]);

/** Checks one search against the tenant's status and policy; throws the denial that names its reason. */
export function checkSearchPolicy(policy: TenantPolicy, tenantStatus: TenantStatus, d: SearchDeclaration): void {
  if (tenantStatus !== TenantStatus.ACTIVE) {
    throw new DomainError('TENANT_SUSPENDED', 'Your agency is suspended from face search; the hub operator can tell you why and what reinstates it.');
  }
  if (!d.notForProhibitedPurpose) {
    throw new DomainError('PROHIBITED_PURPOSE', 'Every search must declare it is not for a prohibited purpose (live surveillance, First Amendment activity, immigration enforcement, a protected class as the basis).');
  }
  for (const [purpose, pattern] of PROHIBITED_STATEMENTS) {
    const said = [d.narrative, d.offenseDescription].find((s) => s && pattern.test(s));
    if (said) throw new DomainError('PROHIBITED_PURPOSE', `The stated purpose falls under ${list([purpose])}, which no legal basis allows ("${pattern.exec(said)![0]}").`);
  }
  if (!policy.allowedBases.includes(d.legalBasis)) {
    throw new DomainError('LEGAL_BASIS_NOT_PERMITTED', `Your agency's policy does not permit ${basis(d.legalBasis)} searches; it permits ${list(policy.allowedBases)}.`);
  }
  if (policy.caseNumberRequiredFor.includes(d.legalBasis) && !meaningful(d.caseNumber)) {
    throw new DomainError('CASE_NUMBER_REQUIRED', `A ${basis(d.legalBasis)} search needs the case number it belongs to (caseNumber).`);
  }
  if (policy.offenseRequiredFor.includes(d.legalBasis)) {
    if (!d.offenseCategory) {
      throw new DomainError('OFFENSE_BELOW_THRESHOLD', `A ${basis(d.legalBasis)} search must name the offense (offenseCategory); your policy requires ${list([policy.offenseThreshold])} or above.`);
    }
    if (!meetsThreshold(d.offenseCategory, policy.offenseThreshold)) {
      throw new DomainError('OFFENSE_BELOW_THRESHOLD', `The offense named (${list([d.offenseCategory])}) ranks as a ${list([OFFENSE_LEVEL[d.offenseCategory]])}; your policy permits ${basis(d.legalBasis)} searches only for offenses of ${list([policy.offenseThreshold])} rank or above.`);
    }
  }
  if (policy.warrantRequiredFor.includes(d.legalBasis) && !meaningful(d.warrantNumber)) {
    throw new DomainError('WARRANT_REQUIRED', `Your policy requires a warrant for ${basis(d.legalBasis)} searches: give its number (warrantNumber).`);
  }
  if (policy.narrativeRequiredFor.includes(d.legalBasis) && (!meaningful(d.narrative) || !meaningful(d.offenseDescription))) {
    throw new DomainError('NARRATIVE_REQUIRED', `Your policy requires a statement of the specific crime (offenseDescription) and a factual narrative (narrative) for ${basis(d.legalBasis)} searches.`);
  }
}

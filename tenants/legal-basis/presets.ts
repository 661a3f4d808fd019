import { LegalBasis, OffenseLevel } from '../../models/enums.js';
import { DEFAULT_RETENTION_DAYS } from '../../models/search.repository.js';
import { SESSION_DEFAULTS, type TenantPolicy } from './legal-basis.js';

export interface PolicyPreset {
  id: string;
  name: string;
  policy: TenantPolicy;
  /** where each rule comes from (docs/policy-notes.md gathers them); not legal advice */
  sources: string[];
}

const ALL = Object.values(LegalBasis);

// Jurisdiction presets, as data. A new tenant gets one explicitly (default: MN_DEFAULT).
export const PRESETS: PolicyPreset[] = [
  {
    id: 'MN_DEFAULT',
    name: 'Minnesota-style default (county sheriff serving other agencies)',
    policy: {
      allowedBases: ALL,
      offenseRequiredFor: [LegalBasis.CRIMINAL_SUSPECT_ID],
      offenseThreshold: OffenseLevel.FELONY,
      warrantRequiredFor: [],
      caseNumberRequiredFor: ALL,
      narrativeRequiredFor: [],
      exigentApprovalHours: 48,
      retentionDays: DEFAULT_RETENTION_DAYS,
      ...SESSION_DEFAULTS,
    },
    sources: [
      'Hennepin County Sheriff’s Office practice of searching for other agencies (cbsnews.com, 2022): suspect searches for felonies, each tied to a case number. No Minnesota statute specific to face recognition is encoded.',
      'Exigent approval within 48 h follows the sworn-filing deadline of Massachusetts H4860 amendment #180.',
      'One-year retention: CJIS Security Policy 5.4.7 (audit records at least one year).',
    ],
  },
  {
    id: 'UT_77_23E',
    name: 'Utah Code 77-23e (government use of facial recognition)',
    policy: {
      allowedBases: [LegalBasis.CRIMINAL_SUSPECT_ID, LegalBasis.IMMINENT_THREAT, LegalBasis.DECEASED_ID, LegalBasis.INCAPACITATED_PERSON_ID],
      offenseRequiredFor: [LegalBasis.CRIMINAL_SUSPECT_ID],
      offenseThreshold: OffenseLevel.FELONY,
      warrantRequiredFor: [],
      caseNumberRequiredFor: ALL,
      narrativeRequiredFor: [LegalBasis.CRIMINAL_SUSPECT_ID],
      exigentApprovalHours: 48,
      retentionDays: DEFAULT_RETENTION_DAYS,
      ...SESSION_DEFAULTS,
    },
    sources: [
      'Utah 77-23e-103(2)(b)-(c): a felony, violent crime or threat to life, with a case identification number and a statement of the specific crime with a factual narrative.',
      'Utah 77-23e-103: deceased, incapacitated or at-risk persons may be identified.',
      'Utah 77-23e-106: yearly report of requests by crime type, probable matches and the image source of each match (`npx frhub report --format utah-77-23e-106`).',
    ],
  },
  {
    id: 'MT_44_15',
    name: 'Montana Code 44-15 (facial recognition for public safety)',
    policy: {
      allowedBases: [LegalBasis.CRIMINAL_SUSPECT_ID, LegalBasis.VICTIM_ID, LegalBasis.WITNESS_ID, LegalBasis.MISSING_PERSON, LegalBasis.DECEASED_ID, LegalBasis.IMMINENT_THREAT],
      offenseRequiredFor: [LegalBasis.CRIMINAL_SUSPECT_ID, LegalBasis.VICTIM_ID, LegalBasis.WITNESS_ID],
      offenseThreshold: OffenseLevel.SERIOUS_FELONY,
      warrantRequiredFor: [LegalBasis.CRIMINAL_SUSPECT_ID],
      caseNumberRequiredFor: ALL,
      narrativeRequiredFor: [],
      exigentApprovalHours: 48,
      retentionDays: DEFAULT_RETENTION_DAYS,
      ...SESSION_DEFAULTS,
    },
    sources: [
      'Montana 44-15-106: a listed "serious crime", probable cause and a warrant for suspect identification; victims and witnesses of a serious crime; missing and deceased persons; imminent threats.',
      'Montana bans continuous facial surveillance, including scans of stored video (a prohibited purpose here for every tenant).',
      'Montana 44-15-111: yearly report of searches, offenses investigated, arrests and convictions and the requesting agencies.',
    ],
  },
  {
    id: 'VA_15_2_1723_2',
    name: 'Virginia Code 15.2-1723.2 (local law enforcement use)',
    policy: {
      allowedBases: ALL,
      offenseRequiredFor: [LegalBasis.CRIMINAL_SUSPECT_ID],
      offenseThreshold: OffenseLevel.MISDEMEANOR,
      warrantRequiredFor: [],
      caseNumberRequiredFor: ALL,
      narrativeRequiredFor: [],
      exigentApprovalHours: 48,
      retentionDays: DEFAULT_RETENTION_DAYS,
      ...SESSION_DEFAULTS,
    },
    sources: ['Virginia 15.2-1723.2(i): reasonable suspicion of any crime; (ii)-(xiv): victims, witnesses, missing, deceased, incapacitated, detained persons, imminent threats.'],
  },
];

export const DEFAULT_PRESET = 'MN_DEFAULT';

export function presetById(id: string): PolicyPreset | undefined {
  return PRESETS.find((p) => p.id === id);
}

import { createHash } from 'node:crypto';
import type { ReportAudience } from '../../models/enums.js';
import type { FalseMatchEstimate } from '../search/search-threshold.js';

/** The fixed wording every lead report carries. */
export const LEAD_NOTICE =
  'This is an investigative lead, not an identification. A face-recognition result is not probable cause to arrest, and is not grounds on its own for a photo line-up: ' +
  'any action needs independent evidence that the candidate is the person sought.';

export const REPORT_FORMAT = 'frhub-lead-report/1';

/** The model pack a search used, as the hub knows it. */
export interface PackDescription {
  modelVersion: string;
  id: string;
  version: string;
  files: { role: string; file: string; sha256: string }[];
  calibration: {
    measuredOn: string; date: string; people: number; photos: number; impostorPairs: number; command: string;
    /** the thresholds measured for fixed false-match rates, with the share of same-person pairs each accepts */
    rates: { falseMatchRate: number; threshold: number | null; genuineAccepted: number | null }[];
  } | null;
}

/** One reviewer's word on one candidate. */
export interface Disposition {
  reviewerId: string;
  reviewer: string;
  decision: string;
  /** a request's examinations: EXAMINER, VERIFIER or ADJUDICATOR, and the reason given for a possible lead */
  role?: string;
  reason?: string | null;
}

export interface ReportCandidate extends FalseMatchEstimate {
  rank: number;
  score: number;
  subjectRef: string | null;
  galleryId: string;
  templateId: string;
  /** sha256 of the face shown in the PDF; null where no face is shown */
  faceSha256: string | null;
  dispositions: Disposition[];
}

export interface ReportReview {
  reviewerId: string;
  reviewer: string;
  role: string | null;
  outcome: string;
  note: string | null;
  at: string;
}

export interface ReportGallery {
  galleryId: string;
  name: string | null;
  owner: string | null;
  templates: number | null;
  digest: string | null;
}

export interface ReportSearch {
  searchId: string;
  at: string;
  modelVersion: string;
  /** components: the probe's quality in parts an examiner can act on, as the search recorded them (null: before they were recorded) */
  probe: { sha256: string; bytes: number | null; quality: number; components?: Record<string, number | null> | null };
  threshold: number;
  thresholdHowSet: string | null;
  maxCandidates: number;
  galleries: ReportGallery[];
  receiptDigest: string | null;
  templatesSearched: number | null;
  /** the stored score calibration its rates come from (null: searched before the hub recorded one: the pack's own) */
  calibration?: { id: string; version: number; source: string; measuredOn: string; measuredAt: string } | null;
  candidates: ReportCandidate[];
  reviews: ReportReview[];
  reviewStatus: string;
  conclusion: string;
  /** a request's search: the probe version it used (null: the original photo) */
  probeVersion?: { id: string; version: number; probeOrdinal: number } | null;
}

/** One recorded edit of a request's probe: its steps and parameters, the original untouched. */
export interface ReportProbeVersion {
  id: string;
  version: number;
  steps: Record<string, unknown>[];
  by: string | null;
  at: string;
  /** sha256 of the version's image as the PDF shows it (attached to it); null where faces are not shown */
  imageSha256?: string | null;
}

/** A request's own parts: who asked whom, the probe's provenance and versions, every examination, release and outcome. */
export interface ReportRequest {
  id: string;
  status: string;
  servingAgency: { slug: string; name: string };
  priority: string;
  submittedAt: string;
  dueAt: string | null;
  requestingOfficer: string | null;
  approvingSupervisor: string | null;
  provenance: { sourceKind: string; howObtained: string | null; capturedAt: string | null };
  /** each probe photo as received; `imageSha256`: its printed image in the PDF (null where faces are not shown) */
  probes: { ordinal: number; sha256: string; bytes: number; imageSha256?: string | null; versions: ReportProbeVersion[] }[];
  examinations: { role: string; principalId: string; name: string; conclusion: string; note: string | null; at: string; dispositions: { searchId: string; rank: number; disposition: string; reason: string | null }[] }[];
  decline: { reason: string; note: string | null } | null;
  release: { searchId: string; rank: number; subjectRef: string | null; at: string | null } | null;
  outcome: { outcome: string; note: string | null; at: string | null; attestedAt: string | null } | null;
}

export interface ReportEvent {
  seq: number;
  hash: string;
  action: string;
  at: string;
}

/** The signed document: everything below `signature` is what the signature covers. */
export interface LeadReport {
  format: string;
  reportId: string;
  generatedAt: string;
  audience: ReportAudience;
  subject: { kind: 'SEARCH' | 'REQUEST'; id: string };
  agency: { slug: string; name: string };
  analyst: { id: string | null; name: string | null; role: string | null };
  case: { caseNumber: string | null; legalBasis: string; offenseCategory: string | null; offenseDescription: string | null; warrantNumber: string | null; narrative: string | null };
  modelPack: PackDescription | { modelVersion: string; note: string };
  searches: ReportSearch[];
  /** a request's report only */
  request?: ReportRequest;
  conclusion: string;
  notice: string;
  faces: 'SHOWN' | 'WITHHELD';
  /** what this report cannot show, in words */
  limits: string[];
  auditEvents: ReportEvent[];
  signature?: { alg: string; kid: string; jws: string };
}

const sortKeys = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(sortKeys)
    : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]))
      : v;

/** The bytes the signature covers: the report without its signature, JSON with sorted keys. */
export function canonicalReport(r: LeadReport): string {
  const { signature: _, ...body } = r;
  return JSON.stringify(sortKeys(body));
}

export const reportDigest = (r: LeadReport) => createHash('sha256').update(canonicalReport(r)).digest('hex');

/** The conclusion of a search, in words, from its reviews (never more than they concluded). */
export function conclusionOf(reviewStatus: string, reviews: ReportReview[], candidates: number): string {
  if (!candidates) return 'No candidate scored at or above the threshold: the search produced no lead.';
  if (!reviews.length) return 'Not reviewed: no person has examined the candidates, so the search has produced no lead.';
  const last = reviews[reviews.length - 1];
  if (reviewStatus === 'AWAITING_SECOND_REVIEW') return `One reviewer found a possible lead; a second, independent review is pending, so there is no lead yet.`;
  if (last.outcome === 'POSSIBLE_LEAD') return `Possible lead: ${reviews.length} reviewers, each on their own, found a candidate worth investigating further. This is not an identification.`;
  if (last.outcome === 'NO_LEAD') return 'No lead: the reviewers found no candidate worth investigating further.';
  return `Inconclusive: the review could not decide (${last.outcome}).`;
}

/** The candidate list as released, one line per candidate and reviewer (the discovery package's CSV). */
export function candidateCsv(r: LeadReport): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const rows: unknown[][] = [['search_id', 'rank', 'score', 'subject_ref', 'gallery_id', 'estimated_false_match_rate', 'fmr_95_low', 'fmr_95_high', 'reviewer', 'disposition']];
  for (const s of r.searches) {
    for (const c of s.candidates) {
      const base = [s.searchId, c.rank, c.score.toFixed(6), c.subjectRef ?? 'withheld', c.galleryId, c.estimatedFalseMatchRate ?? '', c.falseMatchRateInterval?.low ?? '', c.falseMatchRateInterval?.high ?? ''];
      if (!c.dispositions.length) rows.push([...base, '', 'not reviewed']);
      for (const d of c.dispositions) rows.push([...base, d.reviewer, d.decision]);
    }
  }
  return rows.map((row) => row.map(cell).join(',')).join('\n') + '\n';
}

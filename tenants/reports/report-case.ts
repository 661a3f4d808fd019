import { createHash } from 'node:crypto';
import type { Queryable } from '../../models/db.js';
import { AuditAction, ReportAudience } from '../../models/enums.js';
import type { FaceCropRepository } from '../../models/face-crop.repository.js';
import { FaceImageError } from '../../models/face-image-cipher.js';
import { ReportRepository, type ReportEventRow } from '../../models/report.repository.js';
import { ReviewRepository } from '../../models/review.repository.js';
import { SearchRepository, type SearchRow } from '../../models/search.repository.js';
import type { ProbeEditor, ProbeEditStep, ScoreCalibrationPort } from '../shared/ports.js';
import { DomainError } from '../shared/errors.js';
import { falseMatchEstimate } from '../search/search-threshold.js';
import type { InForceCalibration } from '../calibration/calibration.service.js';
import type { ExaminationRow, ProbeRow, ProbeVersionRow, RequestRow } from '../../models/request.repository.js';
import { conclusionOf, LEAD_NOTICE, REPORT_FORMAT, type Disposition, type LeadReport, type PackDescription, type ReportEvent, type ReportRequest, type ReportSearch } from './lead-report.js';

/** What the hub knows of the model packs whose scores a report explains. */
export interface ModelDescriber {
  /** the pack of this model version, when it is the one the hub runs (else undefined: its files are not at hand) */
  describe(modelVersion: string): PackDescription | undefined;
  calibration(modelVersion: string): ScoreCalibrationPort | undefined;
  /** the version the hub runs now (a request with no search yet names it) */
  activeModelVersion?: string;
  /** the stored calibration a search recorded (absent: the hub stores none) */
  recorded?(tx: Queryable, calibrationId: string): Promise<InForceCalibration | undefined>;
}

/**
 * "A case": the searches behind one report, read in one transaction. A single search is a case of
 * one; a request (its searches, probe versions, examiners and outcome) extends it with its own parts.
 */
export interface ReportCase {
  subject: { kind: 'SEARCH' | 'REQUEST'; id: string };
  tenantId: string;
  /** the principal who asked (the analyst of a search; the requesting officer of a request) */
  principalId: string | null;
  searches: SearchRow[];
  /** whether the reader may see the candidates' faces (the role that may review them) */
  mayShowFaces: boolean;
  audience: ReportAudience;
  /** more to say under "what this report cannot show" */
  limits?: string[];
  /** a request's report: the request and its own parts, read under the same transaction */
  request?: RequestCase;
}

export interface RequestCase {
  row: RequestRow;
  probes: ProbeRow[];
  versions: ProbeVersionRow[];
  examinations: ExaminationRow[];
  /** the one candidate whose subject and face the reader may see (the requester: the released lead); absent: every one */
  only?: { searchId: string; rank: number } | null;
}

const iso = (d: Date | string) => new Date(d).toISOString();

/**
 * Reads everything a lead report of `c` holds, in the caller's transaction (its row-level security),
 * and returns the unsigned report with the faces it shows (by checksum).
 */
export async function assembleReport(
  tx: Queryable,
  c: ReportCase,
  o: { reportId: string; now: Date; models: ModelDescriber; crops?: FaceCropRepository; editor?: ProbeEditor },
  repos = { reports: new ReportRepository(), searches: new SearchRepository(), reviews: new ReviewRepository() },
): Promise<{ report: LeadReport; faces: Map<string, Uint8Array> }> {
  const ids = c.searches.map((s) => s.id);
  const oversight = c.audience === ReportAudience.OVERSIGHT;
  const rq = c.request;
  const seen = (searchId: string, rank: number) => rq?.only === undefined || (rq.only !== null && rq.only.searchId === searchId && rq.only.rank === rank);
  // the requesting agency's version: no candidate that was not released to it, and no examiner's or reviewer's notes
  const requesting = rq?.only !== undefined;
  const [events, reviews, candidates, crops] = [
    await eventsOf(tx, repos.reports, ids, rq?.row.id),
    await repos.reviews.ofSearches(tx, ids),
    await repos.searches.candidatesOf(tx, ids),
    c.mayShowFaces && !oversight && o.crops ? await o.crops.ofCandidates(tx, ids) : [],
  ];
  const faces = new Map<string, Uint8Array>();
  const faceOf = new Map<string, string>();
  for (const crop of crops) {
    // a kept face that fails its integrity check is never put in a report
    if (crop.jpeg instanceof FaceImageError || !seen(crop.searchId, crop.rank)) continue;
    const sha = createHash('sha256').update(crop.jpeg).digest('hex');
    faces.set(sha, new Uint8Array(crop.jpeg));
    faceOf.set(`${crop.searchId}:${crop.rank}`, sha);
  }
  // a request's probe as received and each recorded version of it, printed where the reader may see faces
  const probeImages = rq && c.mayShowFaces && !oversight && o.editor && o.crops ? await printedProbes(tx, rq, o.editor, o.crops, faces) : new Map<string, string>();
  const people = [...new Set([c.principalId, ...[...reviews.values()].flat().map((r) => r.reviewerId), ...(rq?.examinations ?? []).map((e) => e.principalId), ...(rq?.versions ?? []).map((v) => v.createdBy)]
    .filter((p): p is string => !!p))];
  const names = await repos.reports.principalNames(tx, people);
  const nameOf = (id: string) => names.get(id)?.name ?? id;
  const galleries = await repos.reports.galleries(tx, [...new Set(c.searches.flatMap((s) => s.galleriesSearched))]);
  const searchEvent = (id: string): ReportEventRow | undefined => events.find((e) => e.action === AuditAction.SEARCH && e.details.searchId === id);

  const searches: ReportSearch[] = [];
  // a request's examinations are its candidates' dispositions, each examiner in their role
  const examined = (searchId: string, rank: number): Disposition[] => (rq?.examinations ?? []).flatMap((e) => e.dispositions
    .filter((d) => d.searchId === searchId && d.rank === rank)
    .map((d) => ({ reviewerId: e.principalId, reviewer: nameOf(e.principalId), decision: d.disposition, role: e.role, reason: oversight || !seen(searchId, rank) ? null : d.reason })));
  for (const s of c.searches) {
    const text = (await repos.searches.caseText(tx, s.id))!;
    const ev = searchEvent(s.id);
    // the calibration the search recorded; a search from before calibrations were recorded, the pack's own
    const recorded = s.calibrationId ? await o.models.recorded?.(tx, s.calibrationId) : undefined;
    const cal = recorded?.port ?? o.models.calibration(s.modelVersion);
    const rs = (reviews.get(s.id) ?? []).map((r) => ({ reviewerId: r.reviewerId, reviewer: nameOf(r.reviewerId), role: names.get(r.reviewerId)?.role ?? null, outcome: r.outcome, note: oversight || requesting ? null : r.note, at: iso(r.createdAt), decisions: r.decisions }));
    const receipt = s.galleryReceipt;
    const list = candidates.get(s.id) ?? [];
    searches.push({
      searchId: s.id,
      at: iso(s.createdAt),
      modelVersion: s.modelVersion,
      probe: {
        sha256: s.probeSha256, bytes: typeof ev?.details.bytes === 'number' ? ev.details.bytes : null, quality: s.probeQuality,
        components: (ev?.details.probeQualityComponents as Record<string, number | null> | undefined) ?? null,
      },
      threshold: s.threshold,
      thresholdHowSet: typeof ev?.details.thresholdBasis === 'string' ? ev.details.thresholdBasis : null,
      maxCandidates: text.maxCandidates,
      galleries: s.galleriesSearched.map((g) => {
        const d = receipt?.galleries.find((x) => x.galleryId === g);
        return { galleryId: g, name: galleries.get(g)?.name ?? null, owner: galleries.get(g)?.owner ?? null, templates: d?.templates ?? null, digest: d?.digest ?? null };
      }),
      receiptDigest: receipt?.digest ?? null,
      calibration: recorded ? { id: recorded.id, version: recorded.version, source: recorded.source, measuredOn: recorded.measuredOn, measuredAt: iso(recorded.measuredAt) } : null,
      templatesSearched: receipt?.templates ?? null,
      candidates: list.filter((k) => !requesting || seen(s.id, k.rank)).map((k) => ({
        rank: k.rank,
        score: k.score,
        subjectRef: oversight || !seen(s.id, k.rank) ? null : k.subjectRef,
        galleryId: k.galleryId,
        templateId: k.templateId,
        ...falseMatchEstimate(cal, k.score),
        faceSha256: faceOf.get(`${s.id}:${k.rank}`) ?? null,
        dispositions: [
          ...rs.flatMap((r) => r.decisions.filter((d) => d.rank === k.rank).map((d) => ({ reviewerId: r.reviewerId, reviewer: r.reviewer, decision: d.decision }))),
          ...examined(s.id, k.rank),
        ],
      })),
      reviews: rs.map(({ decisions: _, ...r }) => r),
      reviewStatus: s.reviewStatus,
      conclusion: rq ? examinedConclusion(rq, s.id, list.length) : conclusionOf(s.reviewStatus, rs, list.length),
      ...(rq ? { probeVersion: versionOf(rq, s.probeVersionId) } : {}),
    });
  }
  const first = c.searches[0] as SearchRow | undefined;
  const firstText = first ? (await repos.searches.caseText(tx, first.id))! : undefined;
  const agency = (await repos.reports.tenant(tx, c.tenantId)) ?? { slug: '?', name: '?' };
  const modelVersion = first?.modelVersion ?? o.models.activeModelVersion ?? 'none';
  const pack = o.models.describe(modelVersion);
  const request = rq ? await requestPart(tx, repos.reports, rq, events, nameOf, oversight, seen, probeImages) : undefined;
  const limits = [
    ...(rq && probeImages.size
      ? ['Each probe photo is printed as the hub keeps it, and each version as the hub derives it again from the original by its recorded steps; the prints are scaled down (the checksum is of the photo as received).']
      : rq ? ['The probe photos are kept by the hub but not reproduced here: this report holds each one\'s checksum and size, and each edit as its recorded steps.']
      : ['The probe photo is not kept by the hub: this report holds its checksum, size and face quality, not the photo, nor where it came from.']),
    rq?.row.outcome
      ? 'The outcome is as the requesting agency reported it; the hub does not check it against court or arrest records.'
      : rq ? 'The requesting agency has not reported an outcome (an arrest, a charge, no action) for this request.' : 'Whether a lead led to any action (an arrest, a charge, a photo line-up) is not recorded by the hub.',
    ...(rq && !c.searches.length ? ['No search was run for this request.'] : []),
    ...(rq?.only !== undefined ? ['Only the released lead is shown, with its subject reference and face: the other candidates, and the examiners\' notes, were not released to the requesting agency.'] : []),
    ...(searches.some((s) => !s.receiptDigest) ? ['A search made before the hub kept gallery receipts has no record of what its galleries held at that moment.'] : []),
    ...(pack ? [] : [`The model ${modelVersion} is not the pack the hub runs now: its file checksums and calibration are not at hand.`]),
    ...(oversight ? ['This is the oversight version: it shows no face, no subject reference, no narrative, no names of officers and no reviewer\'s note or reason.'] : c.mayShowFaces ? [] : ['Faces are withheld: the reader\'s role may not see candidates\' faces.']),
    ...(c.limits ?? []),
  ];
  const auditEvents: ReportEvent[] = events.map((e) => ({ seq: e.seq, hash: e.hash, action: e.action, at: iso(e.at) }));
  const report: LeadReport = {
    format: REPORT_FORMAT,
    reportId: o.reportId,
    generatedAt: o.now.toISOString(),
    audience: c.audience,
    subject: c.subject,
    agency: { slug: agency.slug, name: agency.name },
    analyst: { id: c.principalId, name: c.principalId ? (names.get(c.principalId)?.name ?? null) : null, role: c.principalId ? (names.get(c.principalId)?.role ?? null) : null },
    case: rq
      ? {
        caseNumber: rq.row.caseNumber, legalBasis: rq.row.legalBasis, offenseCategory: rq.row.offenseCategory, offenseDescription: rq.row.statuteText,
        warrantNumber: rq.row.warrantNumber, narrative: oversight ? null : rq.row.narrative,
      }
      : {
        caseNumber: first!.caseNumber, legalBasis: first!.legalBasis, offenseCategory: first!.offenseCategory, offenseDescription: firstText!.offenseDescription,
        warrantNumber: firstText!.warrantNumber, narrative: oversight ? null : firstText!.narrative,
      },
    modelPack: pack ?? { modelVersion, note: first ? 'not the pack the hub runs now' : 'no search was run' },
    searches,
    ...(request ? { request } : {}),
    conclusion: rq ? requestConclusion(rq, request!)
      : searches.length === 1 ? searches[0].conclusion : searches.map((s) => `${s.searchId}: ${s.conclusion}`).join(' '),
    notice: LEAD_NOTICE,
    faces: faces.size ? 'SHOWN' : 'WITHHELD',
    limits,
    auditEvents,
  };
  return { report, faces };
}

// a print fits half the page's width: large enough to compare, small enough to keep the report short
const PROBE_PRINT_PX = 480;

/**
 * Prints each probe of a request and each recorded version (the original with its steps applied
 * again, as the examiner searched it) into `images` by checksum; returns the checksum of each by the
 * probe's or version's id. A version that no longer applies is left out, and the report says nothing
 * it did not print.
 */
async function printedProbes(tx: Queryable, rq: RequestCase, editor: ProbeEditor, crops: FaceCropRepository, images: Map<string, Uint8Array>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const keep = (id: string, jpeg: Buffer) => {
    const sha = createHash('sha256').update(jpeg).digest('hex');
    images.set(sha, new Uint8Array(jpeg));
    out.set(id, sha);
  };
  for (const p of rq.probes) {
    const original = await crops.probeBytes(tx, p.id);
    if (!original) continue;
    try {
      keep(p.id, await editor.print(original, PROBE_PRINT_PX));
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
    }
    for (const v of rq.versions.filter((x) => x.probeId === p.id)) {
      try {
        keep(v.id, await editor.print(await editor.apply(original, v.steps as ProbeEditStep[]), PROBE_PRINT_PX));
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
      }
    }
  }
  return out;
}

/** A request's decision events and those of its searches, once each, in chain order. */
async function eventsOf(tx: Queryable, reports: ReportRepository, searchIds: string[], requestId: string | undefined): Promise<ReportEventRow[]> {
  const all = [...await reports.eventsOfSearches(tx, searchIds), ...(requestId ? await reports.eventsOfRequest(tx, requestId) : [])];
  return [...new Map(all.map((e) => [e.seq, e])).values()].sort((a, b) => a.seq - b.seq);
}

function versionOf(rq: RequestCase, id: string | null): ReportSearch['probeVersion'] {
  const v = id ? rq.versions.find((x) => x.id === id) : undefined;
  return v ? { id: v.id, version: v.version, probeOrdinal: rq.probes.find((p) => p.id === v.probeId)?.ordinal ?? 1 } : null;
}

/** A request's search in words: what each examination made of its candidates (the request's conclusion decides). */
function examinedConclusion(rq: RequestCase, searchId: string, candidates: number): string {
  if (!candidates) return 'No candidate scored at or above the threshold.';
  const said = rq.examinations.map((e) => {
    const leads = e.dispositions.filter((d) => d.searchId === searchId && d.disposition === 'POSSIBLE_LEAD').map((d) => `#${d.rank}`);
    return `${e.role.toLowerCase()}: ${leads.length ? `possible lead ${leads.join(', ')}` : 'no possible lead'}`;
  });
  return said.length ? `${said.join('; ')}. The request's conclusion below decides.` : 'Not examined yet: no disposition has been recorded.';
}

const at = (events: ReportEventRow[], match: (e: ReportEventRow) => boolean) => {
  const e = events.find(match);
  return e ? iso(e.at) : null;
};

async function requestPart(
  tx: Queryable, reports: ReportRepository, rq: RequestCase, events: ReportEventRow[], nameOf: (id: string) => string, oversight: boolean,
  /** whether the reader may see this candidate (a reason given for one not released says what it looked like) */
  seen: (searchId: string, rank: number) => boolean,
  /** the printed image of each probe and version, by its id (empty: none shown) */
  images: Map<string, string>,
): Promise<ReportRequest> {
  const r = rq.row;
  // the requesting agency's version (see assembleReport)
  const requesting = rq.only !== undefined;
  const printed = (id: string) => images.get(id) ?? null;
  const serving = (await reports.tenant(tx, r.servingTenantId)) ?? { slug: '?', name: '?' };
  const released = r.leadSearchId !== null && r.leadRank !== null;
  return {
    id: r.id,
    status: r.status,
    servingAgency: { slug: serving.slug, name: serving.name },
    priority: r.priority,
    submittedAt: iso(r.createdAt),
    dueAt: r.dueAt ? iso(r.dueAt) : null,
    requestingOfficer: oversight ? null : r.requestingOfficer,
    approvingSupervisor: oversight ? null : r.approvingSupervisor,
    provenance: { sourceKind: r.sourceKind, howObtained: oversight ? null : r.howObtained, capturedAt: r.capturedAt ? iso(r.capturedAt) : null },
    probes: rq.probes.map((p) => ({
      ordinal: p.ordinal, sha256: p.sha256, bytes: p.bytes, imageSha256: printed(p.id),
      versions: rq.versions.filter((v) => v.probeId === p.id).map((v) => ({
        id: v.id, version: v.version, by: v.createdBy ? nameOf(v.createdBy) : null, at: iso(v.createdAt),
        steps: v.steps.map((st) => Object.fromEntries(Object.entries(st).filter(([, x]) => x !== null && x !== undefined))),
        imageSha256: printed(v.id),
      })),
    })),
    examinations: rq.examinations.map((e) => ({
      role: e.role, principalId: e.principalId, name: nameOf(e.principalId), conclusion: e.conclusion, note: oversight || requesting ? null : e.note, at: iso(e.createdAt),
      dispositions: e.dispositions.filter((d) => !requesting || seen(d.searchId, d.rank)).map((d) => ({ searchId: d.searchId, rank: d.rank, disposition: d.disposition, reason: oversight || !seen(d.searchId, d.rank) ? null : d.reason })),
    })),
    decline: r.declineReason ? { reason: r.declineReason, note: oversight ? null : r.declineNote } : null,
    release: released
      ? { searchId: r.leadSearchId!, rank: r.leadRank!, subjectRef: oversight ? null : r.leadSubjectRef, at: at(events, (e) => e.details.to === 'LEAD_RELEASED') }
      : null,
    outcome: r.outcome
      ? { outcome: r.outcome, note: oversight ? null : r.outcomeNote, at: at(events, (e) => e.action === AuditAction.REQUEST_OUTCOME_RECORDED), attestedAt: r.attestedAt ? iso(r.attestedAt) : null }
      : null,
  };
}

/** The request's conclusion, in words, from where it stands (never more than its examiners concluded). */
function requestConclusion(rq: RequestCase, p: ReportRequest): string {
  const r = rq.row;
  const by = (role: string) => p.examinations.find((e) => e.role === role);
  const how = by('ADJUDICATOR')
    ? `examiner and verifier disagreed; a supervisor (${by('ADJUDICATOR')!.name}) adjudicated`
    : `the examiner${by('EXAMINER') ? ` (${by('EXAMINER')!.name})` : ''} and, blind to the examiner's dispositions, the verifier${by('VERIFIER') ? ` (${by('VERIFIER')!.name})` : ''} agreed`;
  if (p.release) {
    const outcome = p.outcome ? ` The requesting agency reported the outcome ${p.outcome.outcome}.` : '';
    return `Lead released: candidate #${p.release.rank} of search ${p.release.searchId} (${p.release.subjectRef ?? 'subject withheld'}); ${how} that it is a possible lead. This is not an identification.${outcome}`;
  }
  switch (r.status) {
    case 'VERIFIED': return `Verified, not yet released: ${how} on a possible lead; nothing has reached the requesting agency.`;
    case 'NO_LEAD': case 'OUTCOME_RECORDED': case 'CLOSED':
      if (p.decline) return `Declined (${p.decline.reason}): no search result was examined for the requesting agency.`;
      if (!p.examinations.length) return `No lead: the request is ${r.status} without examination.`;
      return `No lead: ${how} that no candidate is worth investigating further.${p.outcome ? ` The requesting agency reported the outcome ${p.outcome.outcome}.` : ''}`;
    case 'DECLINED': return `Declined (${p.decline?.reason ?? 'no reason recorded'}): the serving agency did not examine this request.`;
    case 'WITHDRAWN': return 'Withdrawn by the requesting agency before any lead was released.';
    default: return `Not concluded: the request is ${r.status}, so it has produced no lead.`;
  }
}

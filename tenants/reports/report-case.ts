import { createHash } from 'node:crypto';
import type { Queryable } from '../../models/db.js';
import { AuditAction, ReportAudience } from '../../models/enums.js';
import type { FaceCropRepository } from '../../models/face-crop.repository.js';
import { FaceImageError } from '../../models/face-image-cipher.js';
import { ReportRepository, type ReportEventRow } from '../../models/report.repository.js';
import { ReviewRepository } from '../../models/review.repository.js';
import { SearchRepository, type SearchRow } from '../../models/search.repository.js';
import type { ScoreCalibrationPort } from '../shared/ports.js';
import { falseMatchEstimate } from '../search/search-threshold.js';
import { conclusionOf, LEAD_NOTICE, REPORT_FORMAT, type LeadReport, type PackDescription, type ReportEvent, type ReportSearch } from './lead-report.js';

/** What the hub knows of the model packs whose scores a report explains. */
export interface ModelDescriber {
  /** the pack of this model version, when it is the one the hub runs (else undefined: its files are not at hand) */
  describe(modelVersion: string): PackDescription | undefined;
  calibration(modelVersion: string): ScoreCalibrationPort | undefined;
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
}

const iso = (d: Date | string) => new Date(d).toISOString();

/**
 * Reads everything a lead report of `c` holds, in the caller's transaction (its row-level security),
 * and returns the unsigned report with the faces it shows (by checksum).
 */
export async function assembleReport(
  tx: Queryable,
  c: ReportCase,
  o: { reportId: string; now: Date; models: ModelDescriber; crops?: FaceCropRepository },
  repos = { reports: new ReportRepository(), searches: new SearchRepository(), reviews: new ReviewRepository() },
): Promise<{ report: LeadReport; faces: Map<string, Uint8Array> }> {
  const ids = c.searches.map((s) => s.id);
  const oversight = c.audience === ReportAudience.OVERSIGHT;
  const [events, reviews, candidates, crops] = [
    await repos.reports.eventsOfSearches(tx, ids),
    await repos.reviews.ofSearches(tx, ids),
    await repos.searches.candidatesOf(tx, ids),
    c.mayShowFaces && !oversight && o.crops ? await o.crops.ofCandidates(tx, ids) : [],
  ];
  const faces = new Map<string, Uint8Array>();
  const faceOf = new Map<string, string>();
  for (const crop of crops) {
    // a kept face that fails its integrity check is never put in a report
    if (crop.jpeg instanceof FaceImageError) continue;
    const sha = createHash('sha256').update(crop.jpeg).digest('hex');
    faces.set(sha, new Uint8Array(crop.jpeg));
    faceOf.set(`${crop.searchId}:${crop.rank}`, sha);
  }
  const people = [...new Set([c.principalId, ...[...reviews.values()].flat().map((r) => r.reviewerId)].filter((p): p is string => !!p))];
  const names = await repos.reports.principalNames(tx, people);
  const nameOf = (id: string) => names.get(id)?.name ?? id;
  const galleries = await repos.reports.galleries(tx, [...new Set(c.searches.flatMap((s) => s.galleriesSearched))]);
  const searchEvent = (id: string): ReportEventRow | undefined => events.find((e) => e.action === AuditAction.SEARCH && e.details.searchId === id);

  const searches: ReportSearch[] = [];
  for (const s of c.searches) {
    const text = (await repos.searches.caseText(tx, s.id))!;
    const ev = searchEvent(s.id);
    const cal = o.models.calibration(s.modelVersion);
    const rs = (reviews.get(s.id) ?? []).map((r) => ({ reviewerId: r.reviewerId, reviewer: nameOf(r.reviewerId), role: names.get(r.reviewerId)?.role ?? null, outcome: r.outcome, note: oversight ? null : r.note, at: iso(r.createdAt), decisions: r.decisions }));
    const receipt = s.galleryReceipt;
    const list = candidates.get(s.id) ?? [];
    searches.push({
      searchId: s.id,
      at: iso(s.createdAt),
      modelVersion: s.modelVersion,
      probe: { sha256: s.probeSha256, bytes: typeof ev?.details.bytes === 'number' ? ev.details.bytes : null, quality: s.probeQuality },
      threshold: s.threshold,
      thresholdHowSet: typeof ev?.details.thresholdBasis === 'string' ? ev.details.thresholdBasis : null,
      maxCandidates: text.maxCandidates,
      galleries: s.galleriesSearched.map((g) => {
        const d = receipt?.galleries.find((x) => x.galleryId === g);
        return { galleryId: g, name: galleries.get(g)?.name ?? null, owner: galleries.get(g)?.owner ?? null, templates: d?.templates ?? null, digest: d?.digest ?? null };
      }),
      receiptDigest: receipt?.digest ?? null,
      templatesSearched: receipt?.templates ?? null,
      candidates: list.map((k) => ({
        rank: k.rank,
        score: k.score,
        subjectRef: oversight ? null : k.subjectRef,
        galleryId: k.galleryId,
        templateId: k.templateId,
        ...falseMatchEstimate(cal, k.score),
        faceSha256: faceOf.get(`${s.id}:${k.rank}`) ?? null,
        dispositions: rs.flatMap((r) => r.decisions.filter((d) => d.rank === k.rank).map((d) => ({ reviewerId: r.reviewerId, reviewer: r.reviewer, decision: d.decision }))),
      })),
      reviews: rs.map(({ decisions: _, ...r }) => r),
      reviewStatus: s.reviewStatus,
      conclusion: conclusionOf(s.reviewStatus, rs, list.length),
    });
  }
  const first = c.searches[0];
  const firstText = (await repos.searches.caseText(tx, first.id))!;
  const agency = (await repos.reports.tenant(tx, c.tenantId)) ?? { slug: '?', name: '?' };
  const modelVersion = first.modelVersion;
  const pack = o.models.describe(modelVersion);
  const limits = [
    'The probe photo is not kept by the hub: this report holds its checksum, size and face quality, not the photo, nor where it came from.',
    'Whether a lead led to any action (an arrest, a charge, a photo line-up) is not recorded by the hub.',
    ...(searches.some((s) => !s.receiptDigest) ? ['A search made before the hub kept gallery receipts has no record of what its galleries held at that moment.'] : []),
    ...(pack ? [] : [`The model ${modelVersion} is not the pack the hub runs now: its file checksums and calibration are not at hand.`]),
    ...(oversight ? ['This is the oversight version: it shows no face, no subject reference, no narrative and no reviewer\'s note.'] : c.mayShowFaces ? [] : ['Faces are withheld: the reader\'s role may not see candidates\' faces.']),
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
    case: {
      caseNumber: first.caseNumber, legalBasis: first.legalBasis, offenseCategory: first.offenseCategory, offenseDescription: firstText.offenseDescription,
      warrantNumber: firstText.warrantNumber, narrative: oversight ? null : firstText.narrative,
    },
    modelPack: pack ?? { modelVersion, note: 'not the pack the hub runs now' },
    searches,
    conclusion: searches.length === 1 ? searches[0].conclusion : searches.map((s) => `${s.searchId}: ${s.conclusion}`).join(' '),
    notice: LEAD_NOTICE,
    faces: faces.size ? 'SHOWN' : 'WITHHELD',
    limits,
    auditEvents,
  };
  return { report, faces };
}

import { createHash } from 'node:crypto';
import { totalmem } from 'node:os';
import type { ScopedDb, Queryable } from '../../models/db.js';
import { AuditAction, AuditOutcome, LegalBasis, OffenseCategory, TenantStatus } from '../../models/enums.js';
import type { FaceCropRepository } from '../../models/face-crop.repository.js';
import { FaceImageError } from '../../models/face-image-cipher.js';
import { BINARY_WALK_ABOVE, FaceTemplateRepository, type IndexBuild } from '../../models/face-template.repository.js';
import { defaultIndexBuildCapMb, type IndexBuildMemory } from '../../models/index-memory.js';
import { SearchRepository, type CandidateRow, type SearchRow } from '../../models/search.repository.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { abilityOf, authorize } from '../access/ability.js';
import { checkSearchPolicy, EXIGENT_BASES } from '../legal-basis/legal-basis.js';
import { resolvePolicy } from '../legal-basis/policy.service.js';
import { checkRoom, type QuotaService } from '../quotas/quota.service.js';
import { scopeOf, type Actor } from '../shared/actor.js';
import { DomainError, notFound } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';
import { pageArgs, toPage } from '../shared/paging.js';
import { meaningful } from '../../models/text.js';
import { primaryReads, type Clock, type FaceEmbedder, type LocatedFace, type Page, type QualityComponents, type ReplicaReads, type ScoreCalibrationPort } from '../shared/ports.js';
import { QuotaRepository } from '../../models/quota.repository.js';
import { RequestRepository } from '../../models/request.repository.js';
import { RequestStatus } from '../../models/enums.js';
import type { ExaminationService, RequestProbe } from '../requests/examination.service.js';
import { requestEvent } from '../requests/request.service.js';
import type { CalibrationService, InForceCalibration } from '../calibration/calibration.service.js';
import { galleryReceipt } from './gallery-receipt.js';
import { applyQualityFloors } from './quality-floors.js';
import { DEFAULT_TARGET_FPIR, describeThreshold, falseMatchEstimate, searchThreshold, type FalseMatchEstimate, type ThresholdBasis } from './search-threshold.js';

export interface SearchRequest {
  /** absent for a request's search: the probe comes from the request */
  image?: Buffer | null;
  /** a request this search examines (its assigned examiner only): probe, legal basis, case and offense come from it, the requesting agency's quota pays */
  requestId?: string | null;
  /** the probe version to search with (default: the original photo) */
  probeVersionId?: string | null;
  caseNumber?: string | null;
  legalBasis: LegalBasis;
  offenseCategory?: OffenseCategory | null;
  warrantNumber?: string | null;
  narrative?: string | null;
  offenseDescription?: string | null;
  notForProhibitedPurpose?: boolean | null;
  galleryIds?: string[] | null;
  maxCandidates?: number | null;
  minScore?: number | null;
}

export interface SearchResult extends SearchRow {
  candidates: (CandidateRow & FalseMatchEstimate)[];
  /** how the threshold was derived: on the search's own response (not stored; its audit event records it) */
  thresholdBasis?: ThresholdBasis;
  /** the probe's quality in its components: on the search's own response (its audit event records them) */
  probeQualityComponents?: QualityComponents;
  /** the agency's quality floors the probe fell short of (WARN floors): on the response and in its audit event */
  qualityWarnings?: string[];
}

export interface SearchOptions {
  /** the false-positive identification rate a search's default threshold aims at (FRHUB_TARGET_FPIR) */
  targetFpir?: number;
  /** from this many templates of the model the binary graph is built and walked (FRHUB_BINARY_WALK_ABOVE; 0: never) */
  binaryWalkAbove?: number;
  /** where a request's search finds its probe (and its right to run) */
  examinations?: Pick<ExaminationService, 'probeForSearch'>;
  /** the stored calibrations: the one in force is read by every search and recorded on it (absent: the pack's own, unrecorded) */
  calibrations?: Pick<CalibrationService, 'inForce' | 'byId'>;
}

// FBI NGI returns 2 to 50 candidates, 20 by default (docs/policy-notes.md)
export const DEFAULT_CANDIDATES = 20;
export const MAX_CANDIDATES = 50;

/**
 * One search, end to end: role and certification (CASL), legal basis against the tenant's policy,
 * the galleries it may search (own + shared for that basis), the embedding (outside any
 * transaction), then in ONE transaction the vector query, the quota spend, the search row and its
 * audit event (with read replicas the vector query runs on one, read-only, before that transaction).
 * A refusal at any step spends nothing and is audited with its reason.
 */
export class SearchService {
  constructor(
    private readonly db: ScopedDb,
    private readonly embedder: FaceEmbedder,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    private readonly quotas: QuotaService,
    /** opens the kept crops it shows: the server gives it the image keys */
    private readonly crops: FaceCropRepository,
    private readonly options: SearchOptions = {},
    private readonly reads: ReplicaReads = primaryReads(db),
    private readonly templates = new FaceTemplateRepository(),
    private readonly searches = new SearchRepository(),
    private readonly requests = new RequestRepository(),
    private readonly quotaRows = new QuotaRepository(),
  ) {}

  /**
   * Creates the HNSW index of the active model if it is not there yet (at start), with as much
   * maintenance_work_mem as its graph needs up to `indexBuildMemoryMb`; says what it built, if anything.
   */
  async prepare(
    opts: {
      indexBuildMemoryMb?: number;
      onIndexBuild?: (m: IndexBuildMemory) => void;
      onUnusedIndexes?: (names: string[]) => void;
      onBinaryIndexBuilt?: (b: { templates: number; mb: number; seconds: number }) => void;
    } = {},
  ): Promise<IndexBuild | undefined> {
    const cap = opts.indexBuildMemoryMb ?? defaultIndexBuildCapMb(totalmem());
    const { modelVersion, vectorStorage } = this.embedder;
    const owner = this.db.owner('the vector index is DDL on every tenant\'s templates: only the tables\' owner builds it');
    const built = await this.templates.ensureIndex(owner, modelVersion, this.embedder.dim, cap, opts.onIndexBuild, { storage: vectorStorage });
    // an index of the same model in another storage (the pack's manifest changed): still updated on every enrollment, never walked
    const unused = await this.templates.otherStorageIndexes(owner, modelVersion, vectorStorage);
    if (unused.length) opts.onUnusedIndexes?.(unused);
    // a large model's binary graph, walked instead from its size on (BINARY_WALK_ABOVE)
    const binary = await this.templates.ensureBinaryIndex(owner, modelVersion, this.embedder.dim, cap, this.options.binaryWalkAbove ?? BINARY_WALK_ABOVE);
    if (binary) opts.onBinaryIndexBuilt?.(binary);
    return built;
  }

  async search(actor: Actor, given: SearchRequest): Promise<SearchResult> {
    let req = given;
    const caseNumber = () => (meaningful(req.caseNumber) ? req.caseNumber.trim() : null);
    const event = {
      action: AuditAction.SEARCH,
      caseNumber: caseNumber(),
      legalBasis: req.legalBasis,
      offenseCategory: req.offenseCategory ?? null,
      probeSha256: req.image ? createHash('sha256').update(req.image).digest('hex') : null,
      details: { bytes: req.image?.length ?? null, ...(req.requestId ? { attemptedRequestId: req.requestId } : {}) },
    };
    return this.trail.refusals(actor, event, async () => {
      const now = this.clock.now();
      authorize(actor, abilityOf(actor, now), 'create', 'Search', { tenantId: actor.tenantId });
      const { maxCandidates } = this.limits(req);
      let linked: RequestProbe | undefined;
      // policy, quota and galleries from one read (the quota check here is a cheap early refusal; the spend below is the real one)
      const { galleryIds, exigentHours, qualityFloors, inForce } = await this.db.scoped(scopeOf(actor), async (tx) => {
        if (given.requestId) {
          if (!this.options.examinations) throw new DomainError('BAD_USER_INPUT', 'This hub does not examine requests.');
          linked = await this.options.examinations.probeForSearch(tx, actor, given.requestId, given.probeVersionId);
          req = requestDeclaration(linked, given);
        } else if (given.probeVersionId) {
          throw new DomainError('BAD_USER_INPUT', 'probeVersionId names a version of a request’s probe: send requestId with it.');
        }
        const ctx = (await this.searches.context(tx, actor.tenantId, req.legalBasis))!;
        const policy = resolvePolicy(ctx.preset, ctx.rules);
        checkSearchPolicy(policy, ctx.tenantStatus as TenantStatus, { ...req, notForProhibitedPurpose: req.notForProhibitedPurpose !== false });
        // a request's search counts against the requesting agency
        checkRoom(linked ? await this.quotaRows.status(tx, linked.request.tenantId) : ctx.quotas);
        // the calibration in force now: the search's rates come from it and the search records which
        const inForce = await this.options.calibrations?.inForce(tx, this.embedder.modelVersion);
        // a sandbox's searches never reach a real gallery, nor a real agency's a sandbox's (the database hides them too)
        const granted = ctx.grantedGalleries.filter((g) => !ctx.otherKindGalleries.includes(g));
        return { galleryIds: this.allowedGalleries(ctx.ownGalleries, granted, req.galleryIds, ctx.archivedGalleries), exigentHours: policy.exigentApprovalHours, qualityFloors: policy.qualityFloors, inForce };
      });
      if (!req.image) throw new DomainError('BAD_USER_INPUT', 'A photo is required: send `image` (multipart upload) or `imageBase64`, or a requestId whose probe to search.');
      const image = req.image;
      const probe = await this.embedder.embedOne(image);
      // the agency's floors on the probe's quality: refused before anything is charged, or searched with the shortfalls recorded
      const qualityWarnings = applyQualityFloors(qualityFloors, probe.qualityComponents);
      // the vector query (and the template count its threshold scales with) may run on a read replica
      // (read-only, same row-level security); everything that writes runs on the primary
      const nearest = async (tx: Queryable) => {
        const templatesSearched = await this.templates.countIn(tx, galleryIds);
        const receipt = galleryReceipt(await this.searches.galleryDigests(tx, galleryIds));
        const basis = searchThreshold({
          minScore: req.minScore,
          templatesSearched,
          targetFpir: this.options.targetFpir ?? DEFAULT_TARGET_FPIR,
          verificationThreshold: this.embedder.matchThreshold,
          calibration: this.calibrationOf(probe.modelVersion, inForce),
        });
        const hits = await this.templates.nearest(tx, {
          galleryIds,
          modelVersion: probe.modelVersion,
          embedding: probe.embedding,
          limit: maxCandidates,
          minScore: basis.threshold,
          storage: this.embedder.vectorStorage,
          templatesSearched,
          binaryWalkAbove: this.options.binaryWalkAbove,
        });
        return { basis, hits, receipt };
      };
      return this.reads.readThenWrite(scopeOf(actor), nearest, async (tx, { basis, hits, receipt }) => {
        const { threshold } = basis;
        if (linked) await this.examining(tx, actor, linked);
        await this.quotas.spend(tx, linked?.request.tenantId ?? actor.tenantId);
        const exigent = EXIGENT_BASES.includes(req.legalBasis);
        const row = await this.searches.insert(
          tx,
          {
            tenantId: actor.tenantId,
            principalId: actor.principalId,
            status: 'COMPLETED',
            caseNumber: caseNumber(),
            legalBasis: req.legalBasis,
            offenseCategory: req.offenseCategory ?? null,
            warrantNumber: meaningful(req.warrantNumber) ? req.warrantNumber.trim() : null,
            narrative: req.narrative?.trim() || null,
            offenseDescription: req.offenseDescription?.trim() || null,
            modelVersion: probe.modelVersion,
            threshold,
            maxCandidates,
            probeSha256: probe.imageSha256,
            probeQuality: probe.quality,
            galleriesSearched: galleryIds,
            exigentDueAt: exigent ? new Date(now.getTime() + exigentHours * 3600_000) : null,
            requestId: linked?.request.id ?? null,
            probeVersionId: linked?.probeVersionId ?? null,
            chargedTenantId: linked && linked.request.tenantId !== actor.tenantId ? linked.request.tenantId : null,
            galleryReceipt: receipt,
            calibrationId: probe.modelVersion === this.embedder.modelVersion ? inForce?.id ?? null : null,
          },
          hits,
        );
        const byGallery: Record<string, number> = {};
        for (const h of hits) byGallery[h.galleryId] = (byGallery[h.galleryId] ?? 0) + 1;
        await this.trail.append(tx, actor, {
          ...event,
          caseNumber: caseNumber(),
          legalBasis: req.legalBasis,
          offenseCategory: req.offenseCategory ?? null,
          outcome: AuditOutcome.ALLOWED,
          galleries: galleryIds,
          candidateCount: hits.length,
          modelVersion: probe.modelVersion,
          probeSha256: probe.imageSha256,
          details: { searchId: row.id, bytes: probe.imageBytes, maxCandidates, threshold: Math.round(threshold * 1e6) / 1e6, thresholdBasis: describeThreshold(basis), probeQualityComponents: probe.qualityComponents, ...(qualityWarnings.length ? { qualityWarnings } : {}), candidatesByGallery: byGallery, warrant: meaningful(req.warrantNumber),
            galleryReceipt: { digest: receipt.digest, templates: receipt.templates },
            ...(row.calibrationId ? { calibration: { id: row.calibrationId, version: inForce!.version, source: inForce!.source } } : {}),
            ...(linked ? { examinationRequestId: linked.request.id, probeVersionId: linked.probeVersionId, chargedTenantId: linked.request.tenantId } : {}) },
        });
        return { ...row, thresholdBasis: basis, probeQualityComponents: probe.qualityComponents, qualityWarnings, candidates: this.rated(this.calibrationOf(probe.modelVersion, inForce), hits.map((h, i) => ({ ...h, rank: i + 1 }))) };
      });
    });
  }

  /**
   * The face a search of this photo would use, outlined before the analyst submits: the same access
   * check as a search (role, certification, a suspended agency) and the same face choice and
   * refusals. Not a search: nothing is compared, kept or counted against the quota. Audited all the
   * same (PROBE_PREVIEWED), as biometric processing of a photo: its checksum and size, and the faces
   * found or the refusal's code.
   */
  async previewProbe(actor: Actor, image: Buffer): Promise<LocatedFace> {
    const event = {
      action: AuditAction.PROBE_PREVIEWED,
      probeSha256: createHash('sha256').update(image).digest('hex'),
      details: { bytes: image.length },
    };
    return this.trail.refusals(actor, event, async () => {
      authorize(actor, abilityOf(actor, this.clock.now()), 'create', 'Search', { tenantId: actor.tenantId });
      const face = await this.embedder.locate(image);
      await this.trail.appendAlone(actor, {
        ...event,
        outcome: AuditOutcome.ALLOWED,
        modelVersion: this.embedder.modelVersion,
        details: { ...event.details, facesFound: 1, width: face.width, height: face.height, quality: Math.round(face.quality * 1e4) / 1e4 },
      });
      return face;
    });
  }

  /**
   * The enrolled faces (kept crops) of the candidates of `searchIds`, as JPEG bytes by search id and
   * rank, for a caller who may review each search; another tenant's search is NOT_FOUND, one the
   * caller may not review FORBIDDEN. A candidate without a visible crop is absent (enrolled before
   * crops were kept, or in another agency's gallery shared for searching only). Audited once per
   * search and call (CANDIDATE_FACES_VIEWED): shown in the same transaction, refused (with the
   * refusal's code) once for all of the search's candidates, however many ask.
   */
  async candidateFaces(actor: Actor, searchIds: string[]): Promise<Map<string, Map<number, Buffer> | DomainError>> {
    const ability = abilityOf(actor, this.clock.now());
    const ids = [...new Set(searchIds)];
    // a failure of the transaction itself (the database, the crops) is one refused attempt for the call
    return this.trail.refusals(actor, { action: AuditAction.CANDIDATE_FACES_VIEWED, details: { searchIds: ids } }, () =>
      this.db.scoped(scopeOf(actor), async (tx) => {
        const found = new Map((await this.searches.visibleMany(tx, ids.filter(isUuid))).map((s) => [s.id, s]));
        const result = new Map<string, Map<number, Buffer> | DomainError>();
        for (const id of ids) {
          const search = found.get(id);
          try {
            if (!search) throw notFound('search', id);
            authorize(actor, ability, 'review', 'Search', { ...search });
            onlyItsExaminer(actor, search);
            result.set(id, new Map());
          } catch (e) {
            if (!(e instanceof DomainError)) throw e;
            result.set(id, e);
          }
        }
        const allowed = ids.filter((id) => result.get(id) instanceof Map);
        // which row failed and why, for the operator's audit log only (the caller learns no key or row)
        const tampered = new Map<string, Record<string, unknown>>();
        for (const c of await this.crops.ofCandidates(tx, allowed)) {
          const faces = result.get(c.searchId);
          if (!(faces instanceof Map)) continue; // one face of it failed already
          // one face that does not open withholds the search's faces: bytes that fail their check are never served
          if (c.jpeg instanceof FaceImageError) {
            result.set(c.searchId, tamperedFace(c.searchId, c.rank));
            tampered.set(c.searchId, { rank: c.rank, galleryId: c.jpeg.row.galleryId, imageSha256: c.jpeg.row.imageSha256, keyId: c.jpeg.keyId, cause: c.jpeg.reason });
          } else faces.set(c.rank, c.jpeg);
        }
        // each search's decision once, in this transaction, whatever number of its candidates asked: shown, or refused with its code
        for (const [id, r] of result) {
          const s = found.get(id);
          const about = { action: AuditAction.CANDIDATE_FACES_VIEWED, caseNumber: s?.caseNumber ?? null, legalBasis: s?.legalBasis ?? null, offenseCategory: s?.offenseCategory ?? null };
          if (r instanceof DomainError) await this.trail.appendRefusal(tx, actor, { ...about, details: { searchId: id, ...tampered.get(id) } }, r);
          else await this.trail.append(tx, actor, { ...about, outcome: AuditOutcome.ALLOWED, details: { searchId: id, ranks: [...r.keys()].sort((a, b) => a - b) } });
        }
        return result;
      }),
    );
  }

  /**
   * A request's search moves it into examination (once, audited) and must find it still workable:
   * the update locks the row, so a withdrawal that committed first makes this search a CONFLICT.
   */
  private async examining(tx: Queryable, actor: Actor, linked: RequestProbe): Promise<void> {
    const r = linked.request;
    const moved = await this.requests.transition(tx, r.id, [RequestStatus.ACCEPTED, RequestStatus.IN_EXAMINATION], RequestStatus.IN_EXAMINATION);
    if (!moved) throw new DomainError('CONFLICT', 'This request was withdrawn or moved on while you searched; nothing was charged.');
    if (r.status === RequestStatus.ACCEPTED) {
      await this.trail.append(tx, actor, { action: AuditAction.REQUEST_STATUS_CHANGED, outcome: AuditOutcome.ALLOWED, ...requestEvent(r), details: { examinationRequestId: r.id, from: r.status, to: RequestStatus.IN_EXAMINATION } });
    }
  }

  private limits(req: SearchRequest): { maxCandidates: number } {
    const maxCandidates = req.maxCandidates ?? DEFAULT_CANDIDATES;
    if (!Number.isInteger(maxCandidates) || maxCandidates < 1 || maxCandidates > MAX_CANDIDATES) {
      throw new DomainError('BAD_USER_INPUT', `maxCandidates must be between 1 and ${MAX_CANDIDATES}, got ${maxCandidates}.`);
    }
    if (req.minScore !== null && req.minScore !== undefined && !(req.minScore >= -1 && req.minScore <= 1)) {
      throw new DomainError('BAD_USER_INPUT', `minScore is a cosine similarity in [-1, 1], got ${req.minScore}.`);
    }
    return { maxCandidates };
  }

  /** The calibration in force (else the active pack's own), for scores of the active model version only. */
  private calibrationOf(modelVersion: string, inForce?: InForceCalibration) {
    if (modelVersion !== this.embedder.modelVersion) return undefined;
    return inForce ? inForce.port : this.embedder.calibration;
  }

  /** The calibration a stored search used: the one it recorded; a search from before calibrations were recorded, the pack's own. */
  private async calibrationOfSearch(tx: Queryable, row: SearchRow) {
    const recorded = row.calibrationId ? await this.options.calibrations?.byId(tx, row.calibrationId) : undefined;
    return this.calibrationOf(row.modelVersion, recorded);
  }

  /** Candidates with their estimated false-match rates (null where no calibration describes the search's model version). */
  private rated(cal: ScoreCalibrationPort | undefined, candidates: CandidateRow[]): (CandidateRow & FalseMatchEstimate)[] {
    return candidates.map((c) => ({ ...c, ...falseMatchEstimate(cal, c.score) }));
  }

  /** Own galleries plus those shared for this legal basis; a requested gallery outside them is NOT_FOUND (one's own archived gallery is named as such). */
  private allowedGalleries(own: string[], granted: string[], requested?: string[] | null, archived: string[] = []): string[] {
    const allowed = new Set([...own, ...granted]);
    if (!requested?.length) return [...allowed];
    const ids = [...new Set(requested.map((g) => g.toLowerCase()))];
    for (const id of ids) {
      if (archived.includes(id)) throw new DomainError('BAD_USER_INPUT', `Gallery ${id} is archived and not searched; its agency's administrator can bring it back (updateGallery with archived: false).`);
      if (!allowed.has(id)) throw notFound('gallery', id);
    }
    return ids;
  }

  async get(actor: Actor, id: string): Promise<SearchResult> {
    const ability = abilityOf(actor, this.clock.now());
    return this.db.scoped(scopeOf(actor), async (tx) => {
      const row = isUuid(id) ? await this.searches.byId(tx, actor.tenantId, id) : undefined;
      if (!row) throw notFound('search', id);
      authorize(actor, ability, 'read', 'Search', { ...row });
      onlyItsExaminer(actor, row);
      // reading a candidate list is an access to case data: audited
      await this.trail.append(tx, actor, { action: AuditAction.SEARCH_VIEWED, outcome: AuditOutcome.ALLOWED, caseNumber: row.caseNumber, legalBasis: row.legalBasis, details: { searchId: row.id } });
      return { ...row, candidates: this.rated(await this.calibrationOfSearch(tx, row), await this.searches.candidates(tx, row.id)) };
    });
  }

  /** `legalHold`: true, only searches on legal hold; false, only those not on hold; null or absent, all. */
  async list(actor: Actor, first?: number, after?: string | null, legalHold: boolean | null = null): Promise<Page<SearchResult>> {
    const ability = abilityOf(actor, this.clock.now());
    authorize(actor, ability, 'read', 'Search', { tenantId: actor.tenantId, principalId: actor.principalId });
    const page = pageArgs(first, after);
    // a role whose rule names the searcher (an analyst) lists its own searches only
    const own = ability.can('read', { tenantId: actor.tenantId, __caslSubjectType__: 'Search' as const }) ? null : actor.principalId;
    return this.db.scoped(scopeOf(actor), async (tx) => {
      const p = toPage(await this.searches.list(tx, actor.tenantId, own, page.first, page.after, legalHold ?? null, actor.principalId), page.first);
      const candidates = await this.searches.candidatesOf(tx, p.nodes.map((r) => r.id));
      const nodes = [];
      for (const r of p.nodes) nodes.push({ ...r, candidates: this.rated(await this.calibrationOfSearch(tx, r), candidates.get(r.id) ?? []) });
      return { ...p, nodes };
    });
  }
}

/** The refusal of a search's faces when one of them does not open (the audit event names which and why). */
function tamperedFace(searchId: string, rank: number): DomainError {
  return new DomainError(
    'FACE_IMAGE_TAMPERED',
    `The enrolled faces of search ${searchId} are withheld: the stored face of candidate ${rank} failed its integrity check (altered, or moved from another record). Nothing was shown; tell the hub's operator, who finds it in the audit log.`,
  );
}

/** A request's search declares what the request declared; a caller's own legal basis, if sent, must be the request's. */
function requestDeclaration(linked: RequestProbe, given: SearchRequest): SearchRequest {
  const r = linked.request;
  if (given.image) throw new DomainError('BAD_USER_INPUT', 'A request’s search uses the request’s probe: send requestId without a photo.');
  if (given.legalBasis && given.legalBasis !== r.legalBasis) throw new DomainError('BAD_USER_INPUT', `This request was submitted under ${r.legalBasis}; a search for it cannot name another legal basis.`);
  return {
    ...given,
    image: linked.image,
    caseNumber: r.caseNumber,
    legalBasis: r.legalBasis as LegalBasis,
    offenseCategory: (r.offenseCategory as OffenseCategory | null) ?? null,
    warrantNumber: r.warrantNumber,
    narrative: r.narrative,
    offenseDescription: r.statuteText,
    notForProhibitedPurpose: true,
  };
}

/** A request's search is read through the request (blind verification hides its scores and dispositions); only the examiner who ran it reads it as a search. */
export function onlyItsExaminer(actor: Actor, search: SearchRow): void {
  if (search.requestId && search.principalId !== actor.principalId) {
    throw new DomainError('FORBIDDEN', `Search ${search.id} examined request ${search.requestId}: read it through request(id), which shows what your part in that request allows.`);
  }
}

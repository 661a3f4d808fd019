import { createHash } from 'node:crypto';
import { totalmem } from 'node:os';
import type { Db, Queryable } from '../../models/db.js';
import { AuditAction, AuditOutcome, LegalBasis, OffenseCategory, Role, TenantStatus } from '../../models/enums.js';
import { FaceCropRepository } from '../../models/face-crop.repository.js';
import { FaceTemplateRepository, type IndexBuild } from '../../models/face-template.repository.js';
import { defaultIndexBuildCapMb, type IndexBuildMemory } from '../../models/index-memory.js';
import { SearchRepository, type CandidateRow, type SearchRow } from '../../models/search.repository.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { authorize, defineAbilityFor } from '../policy/ability.js';
import { checkSearchPolicy, EXIGENT_BASES } from '../policy/legal-basis.js';
import { resolvePolicy } from '../policy/policy.service.js';
import { checkRoom, type QuotaService } from '../quotas/quota.service.js';
import { scopeOf, type Actor } from '../shared/actor.js';
import { DomainError, notFound } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';
import { pageArgs, toPage } from '../shared/paging.js';
import { meaningful } from '../../models/text.js';
import { primaryReads, type Clock, type FaceEmbedder, type LocatedFace, type Page, type ReplicaReads } from '../shared/ports.js';
import { galleryReceipt } from './gallery-receipt.js';
import { DEFAULT_TARGET_FPIR, describeThreshold, falseMatchEstimate, searchThreshold, type FalseMatchEstimate, type ThresholdBasis } from './search-threshold.js';

export interface SearchRequest {
  image: Buffer;
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
}

export interface SearchOptions {
  /** the false-positive identification rate a search's default threshold aims at (FRHUB_TARGET_FPIR) */
  targetFpir?: number;
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
    private readonly db: Db,
    private readonly embedder: FaceEmbedder,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    private readonly quotas: QuotaService,
    private readonly options: SearchOptions = {},
    private readonly reads: ReplicaReads = primaryReads(db),
    private readonly templates = new FaceTemplateRepository(),
    private readonly searches = new SearchRepository(),
    private readonly crops = new FaceCropRepository(),
  ) {}

  /**
   * Creates the HNSW index of the active model if it is not there yet (at start), with as much
   * maintenance_work_mem as its graph needs up to `indexBuildMemoryMb`; says what it built, if anything.
   */
  async prepare(
    opts: { indexBuildMemoryMb?: number; onIndexBuild?: (m: IndexBuildMemory) => void; onUnusedIndexes?: (names: string[]) => void } = {},
  ): Promise<IndexBuild | undefined> {
    const cap = opts.indexBuildMemoryMb ?? defaultIndexBuildCapMb(totalmem());
    const { modelVersion, vectorStorage } = this.embedder;
    const built = await this.templates.ensureIndex(this.db, modelVersion, this.embedder.dim, cap, opts.onIndexBuild, { storage: vectorStorage });
    // an index of the same model in another storage (the pack's manifest changed): still updated on every enrollment, never walked
    const unused = await this.templates.otherStorageIndexes(this.db, modelVersion, vectorStorage);
    if (unused.length) opts.onUnusedIndexes?.(unused);
    return built;
  }

  async search(actor: Actor, req: SearchRequest): Promise<SearchResult> {
    const caseNumber = meaningful(req.caseNumber) ? req.caseNumber.trim() : null;
    const event = {
      action: AuditAction.SEARCH,
      caseNumber,
      legalBasis: req.legalBasis,
      offenseCategory: req.offenseCategory ?? null,
      probeSha256: createHash('sha256').update(req.image).digest('hex'),
      details: { bytes: req.image.length },
    };
    return this.trail.refusals(actor, event, async () => {
      const now = this.clock.now();
      authorize(actor, defineAbilityFor(actor, now), 'create', 'Search', { tenantId: actor.tenantId });
      const { maxCandidates } = this.limits(req);
      // policy, quota and galleries from one read (the quota check here is a cheap early refusal; the spend below is the real one)
      const { galleryIds, exigentHours } = await this.db.scoped(scopeOf(actor), async (tx) => {
        const ctx = (await this.searches.context(tx, actor.tenantId, req.legalBasis))!;
        const policy = resolvePolicy(ctx.preset, ctx.rules);
        checkSearchPolicy(policy, ctx.tenantStatus as TenantStatus, { ...req, notForProhibitedPurpose: req.notForProhibitedPurpose !== false });
        checkRoom(ctx.quotas);
        return { galleryIds: this.allowedGalleries(ctx.ownGalleries, ctx.grantedGalleries, req.galleryIds), exigentHours: policy.exigentApprovalHours };
      });
      const probe = await this.embedder.embedOne(req.image);
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
          calibration: this.calibrationOf(probe.modelVersion),
        });
        const hits = await this.templates.nearest(tx, {
          galleryIds,
          modelVersion: probe.modelVersion,
          embedding: probe.embedding,
          limit: maxCandidates,
          minScore: basis.threshold,
          storage: this.embedder.vectorStorage,
          templatesSearched,
        });
        return { basis, hits, receipt };
      };
      return this.reads.readThenWrite(scopeOf(actor), nearest, async (tx, { basis, hits, receipt }) => {
        const { threshold } = basis;
        await this.quotas.spend(tx, actor.tenantId);
        const exigent = EXIGENT_BASES.includes(req.legalBasis);
        const row = await this.searches.insert(
          tx,
          {
            tenantId: actor.tenantId,
            principalId: actor.principalId,
            status: 'COMPLETED',
            caseNumber,
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
            galleryReceipt: receipt,
          },
          hits,
        );
        const byGallery: Record<string, number> = {};
        for (const h of hits) byGallery[h.galleryId] = (byGallery[h.galleryId] ?? 0) + 1;
        await this.trail.append(tx, actor, {
          ...event,
          outcome: AuditOutcome.ALLOWED,
          galleries: galleryIds,
          candidateCount: hits.length,
          modelVersion: probe.modelVersion,
          probeSha256: probe.imageSha256,
          details: { searchId: row.id, bytes: req.image.length, maxCandidates, threshold: Math.round(threshold * 1e6) / 1e6, thresholdBasis: describeThreshold(basis), candidatesByGallery: byGallery, warrant: meaningful(req.warrantNumber), galleryReceipt: { digest: receipt.digest, templates: receipt.templates } },
        });
        return { ...row, thresholdBasis: basis, candidates: this.rated(probe.modelVersion, hits.map((h, i) => ({ ...h, rank: i + 1 }))) };
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
      authorize(actor, defineAbilityFor(actor, this.clock.now()), 'create', 'Search', { tenantId: actor.tenantId });
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
    const ability = defineAbilityFor(actor, this.clock.now());
    const ids = [...new Set(searchIds)];
    const shown = this.db.scoped(scopeOf(actor), async (tx) => {
      const found = new Map((await this.searches.visibleMany(tx, ids.filter(isUuid))).map((s) => [s.id, s]));
      const result = new Map<string, Map<number, Buffer> | DomainError>();
      for (const id of ids) {
        const search = found.get(id);
        try {
          if (!search) throw notFound('search', id);
          authorize(actor, ability, 'review', 'Search', { ...search });
          result.set(id, new Map());
        } catch (e) {
          if (!(e instanceof DomainError)) throw e;
          result.set(id, e);
        }
      }
      const allowed = ids.filter((id) => result.get(id) instanceof Map);
      for (const c of await this.crops.ofCandidates(tx, allowed)) (result.get(c.searchId) as Map<number, Buffer>).set(c.rank, c.jpeg);
      for (const id of allowed) {
        const s = found.get(id)!;
        const ranks = [...(result.get(id) as Map<number, Buffer>).keys()].sort((a, b) => a - b);
        await this.trail.append(tx, actor, { action: AuditAction.CANDIDATE_FACES_VIEWED, outcome: AuditOutcome.ALLOWED, caseNumber: s.caseNumber, legalBasis: s.legalBasis, offenseCategory: s.offenseCategory, details: { searchId: id, ranks } });
      }
      return { result, found };
    });
    // a failure of the transaction itself (the database, the crops) is audited too, once for the call
    const { result, found } = await shown.catch(async (e: unknown) => {
      await this.trail.recordRefusal(actor, { action: AuditAction.CANDIDATE_FACES_VIEWED, details: { searchIds: ids } }, e);
      throw e;
    });
    // each refused search once, whatever number of its candidates asked (the error is marked audited)
    for (const [id, r] of result) {
      if (!(r instanceof DomainError)) continue;
      const s = r.code === 'NOT_FOUND' ? undefined : found.get(id);
      await this.trail.recordRefusal(
        actor,
        { action: AuditAction.CANDIDATE_FACES_VIEWED, caseNumber: s?.caseNumber ?? null, legalBasis: s?.legalBasis ?? null, offenseCategory: s?.offenseCategory ?? null, details: { searchId: id } },
        r,
      );
    }
    return result;
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

  /** The active pack's calibration, for scores of its own model version only. */
  private calibrationOf(modelVersion: string) {
    return modelVersion === this.embedder.modelVersion ? this.embedder.calibration : undefined;
  }

  /** Candidates with their estimated false-match rates (null for a model version the active calibration does not describe). */
  private rated(modelVersion: string, candidates: CandidateRow[]): (CandidateRow & FalseMatchEstimate)[] {
    const cal = this.calibrationOf(modelVersion);
    return candidates.map((c) => ({ ...c, ...falseMatchEstimate(cal, c.score) }));
  }

  /** Own galleries plus those shared for this legal basis; a requested gallery outside them is NOT_FOUND. */
  private allowedGalleries(own: string[], granted: string[], requested?: string[] | null): string[] {
    const allowed = new Set([...own, ...granted]);
    if (!requested?.length) return [...allowed];
    const ids = [...new Set(requested.map((g) => g.toLowerCase()))];
    for (const id of ids) if (!allowed.has(id)) throw notFound('gallery', id);
    return ids;
  }

  async get(actor: Actor, id: string): Promise<SearchResult> {
    const ability = defineAbilityFor(actor, this.clock.now());
    return this.db.scoped(scopeOf(actor), async (tx) => {
      const row = isUuid(id) ? await this.searches.byId(tx, actor.tenantId, id) : undefined;
      if (!row) throw notFound('search', id);
      authorize(actor, ability, 'read', 'Search', { ...row });
      // reading a candidate list is an access to case data: audited
      await this.trail.append(tx, actor, { action: AuditAction.SEARCH_VIEWED, outcome: AuditOutcome.ALLOWED, caseNumber: row.caseNumber, legalBasis: row.legalBasis, details: { searchId: row.id } });
      return { ...row, candidates: this.rated(row.modelVersion, await this.searches.candidates(tx, row.id)) };
    });
  }

  /** `legalHold`: true, only searches on legal hold; false, only those not on hold; null or absent, all. */
  async list(actor: Actor, first?: number, after?: string | null, legalHold: boolean | null = null): Promise<Page<SearchResult>> {
    const ability = defineAbilityFor(actor, this.clock.now());
    authorize(actor, ability, 'read', 'Search', { tenantId: actor.tenantId, principalId: actor.principalId });
    const page = pageArgs(first, after);
    // analysts read their own searches only
    const own = actor.role === Role.AGENCY_ANALYST ? actor.principalId : null;
    return this.db.scoped(scopeOf(actor), async (tx) => {
      const p = toPage(await this.searches.list(tx, actor.tenantId, own, page.first, page.after, legalHold ?? null), page.first);
      const candidates = await this.searches.candidatesOf(tx, p.nodes.map((r) => r.id));
      const nodes = p.nodes.map((r) => ({ ...r, candidates: this.rated(r.modelVersion, candidates.get(r.id) ?? []) }));
      return { ...p, nodes };
    });
  }
}

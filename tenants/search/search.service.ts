import { LegalBasis, OffenseCategory, Role } from '../../models/enums.js';
import type { Queryable, TransactionRunner } from '../../models/db.js';
import { FaceTemplateRepository } from '../../models/face-template.repository.js';
import { GalleryRepository } from '../../models/gallery.repository.js';
import { SearchRepository, type CandidateRow, type SearchRow } from '../../models/search.repository.js';
import { requireRole, type Actor } from '../shared/actor.js';
import { DomainError, notFound } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';
import { pageArgs, toPage } from '../shared/paging.js';
import type { FaceEmbedder, Page } from '../shared/ports.js';

export interface SearchRequest {
  image: Buffer;
  caseNumber?: string | null;
  legalBasis: LegalBasis;
  offenseCategory?: OffenseCategory | null;
  warrantNumber?: string | null;
  galleryIds?: string[] | null;
  maxCandidates?: number | null;
  minScore?: number | null;
}

export interface SearchResult extends SearchRow {
  candidates: CandidateRow[];
}

// FBI NGI returns 2 to 50 candidates, 20 by default (POLICY-NOTES.md)
export const DEFAULT_CANDIDATES = 20;
export const MAX_CANDIDATES = 50;
const SEARCHERS = [Role.AGENCY_ANALYST, Role.AGENCY_SUPERVISOR];

export class SearchService {
  constructor(
    private readonly db: Queryable & TransactionRunner,
    private readonly embedder: FaceEmbedder,
    private readonly galleries = new GalleryRepository(),
    private readonly templates = new FaceTemplateRepository(),
    private readonly searches = new SearchRepository(),
  ) {}

  /** Creates the HNSW index of the active model if it is not there yet (at start). */
  async prepare(): Promise<void> {
    await this.templates.ensureIndex(this.db, this.embedder.modelVersion, this.embedder.dim);
  }

  async search(actor: Actor, req: SearchRequest): Promise<SearchResult> {
    requireRole(actor, SEARCHERS, 'search faces');
    const maxCandidates = req.maxCandidates ?? DEFAULT_CANDIDATES;
    if (!Number.isInteger(maxCandidates) || maxCandidates < 1 || maxCandidates > MAX_CANDIDATES) {
      throw new DomainError('BAD_USER_INPUT', `maxCandidates must be between 1 and ${MAX_CANDIDATES}, got ${maxCandidates}.`);
    }
    const threshold = req.minScore ?? this.embedder.matchThreshold;
    if (!(threshold >= -1 && threshold <= 1)) throw new DomainError('BAD_USER_INPUT', `minScore is a cosine similarity in [-1, 1], got ${req.minScore}.`);
    const galleryIds = await this.allowedGalleries(actor, req.galleryIds);
    const probe = await this.embedder.embedOne(req.image);
    return this.db.transaction(async (tx) => {
      const hits = await this.templates.nearest(tx, {
        galleryIds,
        modelVersion: probe.modelVersion,
        embedding: probe.embedding,
        limit: maxCandidates,
        minScore: threshold,
      });
      const row = await this.searches.insert(
        tx,
        {
          tenantId: actor.tenantId,
          principalId: actor.principalId,
          status: 'COMPLETED',
          caseNumber: req.caseNumber?.trim() || null,
          legalBasis: req.legalBasis,
          offenseCategory: req.offenseCategory ?? null,
          warrantNumber: req.warrantNumber?.trim() || null,
          modelVersion: probe.modelVersion,
          threshold,
          maxCandidates,
          probeSha256: probe.imageSha256,
          probeQuality: probe.quality,
          galleriesSearched: galleryIds,
        },
        hits,
      );
      return { ...row, candidates: hits.map((h, i) => ({ ...h, rank: i + 1 })) };
    });
  }

  /** The caller's own galleries (sharing agreements extend this with governance); a gallery it may not search is NOT_FOUND. */
  private async allowedGalleries(actor: Actor, requested?: string[] | null): Promise<string[]> {
    const own = await this.galleries.idsOfTenant(this.db, actor.tenantId);
    if (!requested?.length) return own;
    for (const id of requested) if (!own.includes(id)) throw notFound('gallery', id);
    return [...new Set(requested)];
  }

  async get(actor: Actor, id: string): Promise<SearchResult> {
    requireRole(actor, SEARCHERS, 'read searches');
    const row = isUuid(id) ? await this.searches.byId(this.db, actor.tenantId, id) : undefined;
    if (!row || (actor.role === Role.AGENCY_ANALYST && row.principalId !== actor.principalId)) throw notFound('search', id);
    return { ...row, candidates: await this.searches.candidates(this.db, row.id) };
  }

  async list(actor: Actor, first?: number, after?: string | null): Promise<Page<SearchRow>> {
    requireRole(actor, SEARCHERS, 'read searches');
    const page = pageArgs(first, after);
    // analysts read their own searches only
    const own = actor.role === Role.AGENCY_ANALYST ? (actor.principalId ?? '00000000-0000-0000-0000-000000000000') : null;
    return toPage(await this.searches.list(this.db, actor.tenantId, own, page.first, page.after), page.first);
  }

  async candidates(searchId: string): Promise<CandidateRow[]> {
    return this.searches.candidates(this.db, searchId);
  }
}

import type { ScopedDb } from '../../models/db.js';
import { AuditAction, AuditOutcome } from '../../models/enums.js';
import type { FaceCropRepository, MoveProgress, PendingPhoto } from '../../models/face-crop.repository.js';
import { FaceTemplateRepository, type IndexBuild, type ModelTemplateCount } from '../../models/face-template.repository.js';
import { GalleryRepository, type GalleryRow } from '../../models/gallery.repository.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { classify, DomainError, notFound } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';
import type { Clock, CropEmbedder } from '../shared/ports.js';

export interface ReembedTick {
  /** photos handled so far, of `total`, counting those done before this run */
  done: number;
  total: number;
  reembedded: number;
  failed: number;
  seconds: number;
}

export interface ReembedFailure {
  imageSha256: string;
  subjectRef: string;
  code: string;
  message: string;
}

export interface ReembedReport {
  gallery: GalleryRow;
  modelVersion: string;
  /** enrolled photos with templates of another model */
  total: number;
  reembedded: number;
  /** already had a template of the target model (an earlier run, or enrolled by a hub on the new pack) */
  skipped: number;
  /** enrolled before crops were kept: only re-enrolling their photos moves them */
  noCrop: number;
  failed: ReembedFailure[];
  index: IndexBuild | undefined;
  seconds: number;
}

export interface GalleryModels {
  gallery: GalleryRow;
  counts: ModelTemplateCount[];
  /** toward the given model version, when one was asked for */
  progress?: MoveProgress;
}

/**
 * Moves a gallery to another model pack from the crops enrollment kept, for the operator's command
 * line (no actor: like purge, it runs with the database's own credentials, and is audited).
 * Resumable: a photo whose template of the target model exists is skipped, so a run after a crash
 * does only what is missing; each batch commits on its own.
 */
export class ReembedService {
  constructor(
    private readonly db: ScopedDb,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    /** opens the kept crops it re-embeds: the command gives it the image keys */
    private readonly crops: FaceCropRepository,
    private readonly galleries = new GalleryRepository(),
    private readonly templates = new FaceTemplateRepository(),
  ) {}

  async status(galleryId: string, target?: string): Promise<GalleryModels> {
    const gallery = await this.gallery(galleryId);
    return this.db.scoped({ tenantId: gallery.tenantId }, async (tx) => ({
      gallery,
      counts: await this.templates.countsByModel(tx, gallery.id),
      progress: target ? await this.crops.progress(tx, gallery.id, target) : undefined,
    }));
  }

  async run(galleryId: string, embedder: CropEmbedder, opts: { batch?: number; requestId: string; indexBuildMemoryMb: number; onTick?: (t: ReembedTick) => void; pack: string }): Promise<ReembedReport> {
    const gallery = await this.gallery(galleryId);
    const scope = { tenantId: gallery.tenantId };
    const target = embedder.modelVersion;
    const event = { action: AuditAction.REEMBED, tenantId: gallery.tenantId, requestId: opts.requestId, galleries: [gallery.id], modelVersion: target };
    const start = await this.db.scoped(scope, async (tx) => {
      await this.trail.append(tx, null, { ...event, outcome: AuditOutcome.ALLOWED, details: { step: 'started', pack: opts.pack } });
      return this.crops.progress(tx, gallery.id, target);
    });
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const failed: ReembedFailure[] = [];
    let reembedded = 0;
    let after = '';
    const batch = Math.max(1, opts.batch ?? 16);
    for (;;) {
      const photos = await this.db.scoped(scope, (tx) => this.crops.pending(tx, gallery.id, target, after, batch));
      if (!photos.length) break;
      after = photos[photos.length - 1].imageSha256;
      const embedded = await Promise.all(photos.map((p) => this.embed(embedder, p)));
      await this.db.scoped(scope, async (tx) => {
        for (const [i, p] of photos.entries()) {
          const e = embedded[i];
          if ('code' in e) {
            failed.push(e);
            continue;
          }
          const t = await this.templates.insert(tx, {
            tenantId: p.tenantId, galleryId: gallery.id, subjectId: p.subjectId, modelVersion: target, embedding: e.embedding, imageSha256: p.imageSha256, quality: e.quality,
            source: { ...p.source, reembeddedFrom: { templateId: p.fromTemplate, modelVersion: p.fromVersion } },
          });
          if (t.created) reembedded++;
        }
      });
      opts.onTick?.({ done: start.done + reembedded + failed.length, total: start.photos, reembedded, failed: failed.length, seconds: seconds() });
    }
    const index = await this.templates.ensureIndex(this.db.owner('the vector index is DDL on every tenant\'s templates: only the tables\' owner builds it'), target, embedder.dim, opts.indexBuildMemoryMb, undefined, { storage: embedder.vectorStorage });
    const report = { gallery, modelVersion: target, total: start.photos, reembedded, skipped: start.done, noCrop: start.noCrop, failed, index, seconds: seconds() };
    await this.db.scoped(scope, (tx) =>
      this.trail.append(tx, null, {
        ...event, outcome: AuditOutcome.ALLOWED,
        details: { step: 'finished', pack: opts.pack, total: report.total, reembedded, skipped: report.skipped, noCrop: report.noCrop, failed: failed.length, failures: [...new Set(failed.map((f) => f.code))] },
      }),
    );
    return report;
  }

  /** Deletes the gallery's templates of every other model once each of its photos has a template of `keep`. */
  async dropOld(galleryId: string, keep: string, requestId: string): Promise<{ dropped: number; counts: ModelTemplateCount[] }> {
    const gallery = await this.gallery(galleryId);
    return this.db.scoped({ tenantId: gallery.tenantId }, async (tx) => {
      const p = await this.crops.progress(tx, gallery.id, keep);
      if (!(await this.templates.countsByModel(tx, gallery.id)).some((c) => c.modelVersion === keep)) {
        throw new DomainError('CONFLICT', `Gallery ${gallery.id} has no templates of ${keep} yet: re-embed it first (frhub reembed without --drop-old); nothing was deleted.`);
      }
      if (p.done < p.photos) {
        throw new DomainError(
          'CONFLICT',
          `The move to ${keep} is incomplete: ${p.photos - p.done} of ${p.photos} enrolled photos have no template of it yet (${p.noCrop} of them without a kept crop: re-enroll those from their photos), so their old templates are the only ones; nothing was deleted. Run frhub reembed again, then --drop-old.`,
          { missing: p.photos - p.done, noCrop: p.noCrop },
        );
      }
      const dropped = await this.templates.dropOtherModels(tx, gallery.id, keep);
      await this.trail.append(tx, null, {
        action: AuditAction.REEMBED_DROP_OLD, outcome: AuditOutcome.ALLOWED, tenantId: gallery.tenantId, requestId, galleries: [gallery.id], modelVersion: keep, details: { dropped },
      });
      return { dropped, counts: await this.templates.countsByModel(tx, gallery.id) };
    });
  }

  private async gallery(id: string): Promise<GalleryRow> {
    const g = isUuid(id) ? await this.db.scoped({ tenantId: null, allTenants: true }, (tx) => this.galleries.visible(tx, id)) : undefined;
    if (!g) throw notFound('gallery', id);
    return g;
  }

  private async embed(embedder: CropEmbedder, p: PendingPhoto): Promise<{ embedding: Float32Array; quality: number } | ReembedFailure> {
    try {
      if (p.unreadable) throw p.unreadable; // never re-embed bytes that failed their integrity check
      const e = await embedder.embedCrop(p.jpeg);
      if (e.embedding.length !== embedder.dim) throw new Error(`the pack gave ${e.embedding.length} numbers, its manifest says ${embedder.dim}`);
      return e;
    } catch (err) {
      const { code } = classify(err);
      return { imageSha256: p.imageSha256, subjectRef: p.subjectRef, code, message: (err as Error).message };
    }
  }
}

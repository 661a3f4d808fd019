import type { ScopedDb } from '../../models/db.js';
import { AuditAction, AuditOutcome } from '../../models/enums.js';
import { FaceTemplateRepository } from '../../models/face-template.repository.js';
import { GalleryRepository, type GalleryRow } from '../../models/gallery.repository.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { notFound } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';

export interface GallerySample {
  gallery: GalleryRow;
  modelVersion: string;
  /** the gallery's templates of that model, of which `faces` is a sample */
  templates: number;
  faces: { subjectId: string; embedding: Float32Array }[];
}

/**
 * A gallery's own templates, sampled for the operator's command line to measure what the pack's
 * scores mean on that gallery's people (`frhub calibrate --gallery`). No actor: like purge and
 * reembed it runs with the database's own credentials; every reading is audited in the gallery's
 * tenant. The embeddings stay in the process that asked: nothing of a face is written anywhere.
 */
export class GallerySampleService {
  constructor(
    private readonly db: ScopedDb,
    private readonly trail: AuditTrail,
    private readonly galleries = new GalleryRepository(),
    private readonly templates = new FaceTemplateRepository(),
  ) {}

  async sample(galleryId: string, modelVersion: string, limit: number, requestId: string): Promise<GallerySample> {
    const gallery = isUuid(galleryId) ? await this.db.scoped({ tenantId: null, allTenants: true }, (tx) => this.galleries.visible(tx, galleryId)) : undefined;
    if (!gallery) throw notFound('gallery', galleryId);
    return this.db.scoped({ tenantId: gallery.tenantId }, async (tx) => {
      const counts = await this.templates.countsByModel(tx, gallery.id);
      const faces = await this.templates.sampleEmbeddings(tx, gallery.id, modelVersion, limit);
      await this.trail.append(tx, null, {
        action: AuditAction.GALLERY_CALIBRATED, outcome: AuditOutcome.ALLOWED, tenantId: gallery.tenantId, requestId, galleries: [gallery.id], modelVersion,
        details: { templatesRead: faces.length, subjects: new Set(faces.map((f) => f.subjectId)).size },
      });
      return { gallery, modelVersion, templates: counts.find((c) => c.modelVersion === modelVersion)?.templates ?? 0, faces };
    });
  }
}

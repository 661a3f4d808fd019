import type { ScopedDb } from '../../models/db.js';
import { AuditAction, AuditOutcome } from '../../models/enums.js';
import type { FaceCropRepository } from '../../models/face-crop.repository.js';
import { FaceTemplateRepository, type ModelTemplateCount } from '../../models/face-template.repository.js';
import { GalleryRepository, type GalleryRow, type SubjectRow } from '../../models/gallery.repository.js';
import { SubjectRepository, type SubjectDemographics } from '../../models/subject.repository.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { abilityOf, authorize } from '../access/ability.js';
import { scopeOf, type Actor } from '../shared/actor.js';
import { DomainError, notFound } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';
import { pageArgs, toPage } from '../shared/paging.js';
import type { Clock, FaceEmbedder, Page } from '../shared/ports.js';
import { demographicsPatch } from './demographics.js';

export interface Enrollment {
  templateId: string;
  subjectId: string;
  galleryId: string;
  subjectRef: string;
  created: boolean;
  quality: number;
  modelVersion: string;
}

export class GalleryService {
  constructor(
    private readonly db: ScopedDb,
    private readonly embedder: FaceEmbedder,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    /** seals what it keeps: the server gives it the image keys */
    private readonly crops: FaceCropRepository,
    private readonly galleries = new GalleryRepository(),
    private readonly templates = new FaceTemplateRepository(),
    private readonly subjectRows = new SubjectRepository(),
  ) {}

  async create(actor: Actor, name: string): Promise<GalleryRow> {
    return this.trail.refusals(actor, { action: AuditAction.GALLERY_CREATED, details: { name } }, async () => {
      authorize(actor, abilityOf(actor, this.clock.now()), 'create', 'Gallery', { tenantId: actor.tenantId });
      if (!name.trim() || name.length > 200) throw new DomainError('BAD_USER_INPUT', 'A gallery name is 1-200 characters.');
      return this.db.scoped(scopeOf(actor), async (tx) => {
        if ((await this.galleries.list(tx, actor.tenantId)).some((g) => g.name === name.trim())) {
          throw new DomainError('CONFLICT', `Your agency already has a gallery named '${name.trim()}'.`);
        }
        const g = await this.galleries.create(tx, actor.tenantId, name.trim());
        await this.trail.append(tx, actor, { action: AuditAction.GALLERY_CREATED, outcome: AuditOutcome.ALLOWED, galleries: [g.id], details: { name: g.name } });
        return g;
      });
    });
  }

  /** The caller's galleries and those shared with its tenant (all of them for the operator's administrators). */
  async list(actor: Actor): Promise<GalleryRow[]> {
    const ability = abilityOf(actor, this.clock.now());
    return this.db.scoped(scopeOf(actor), async (tx) => {
      const rows = await this.galleries.visibleAll(tx);
      return rows.filter((g) => ability.can('read', tagged(g, actor)));
    });
  }

  async get(actor: Actor, id: string): Promise<GalleryRow> {
    const ability = abilityOf(actor, this.clock.now());
    return this.db.scoped(scopeOf(actor), async (tx) => {
      const g = isUuid(id) ? await this.galleries.visible(tx, id) : undefined;
      if (!g) throw notFound('gallery', id);
      authorize(actor, ability, 'read', 'Gallery', { ...g, sharedWithCaller: g.tenantId !== actor.tenantId });
      return g;
    });
  }

  /** Subjects of a gallery of the caller's own tenant: a shared gallery is searchable, not browsable. */
  async subjects(actor: Actor, galleryId: string, first?: number, after?: string | null): Promise<Page<SubjectRow>> {
    const ability = abilityOf(actor, this.clock.now());
    const page = pageArgs(first, after);
    return this.db.scoped(scopeOf(actor), async (tx) => {
      const g = isUuid(galleryId) ? await this.galleries.visible(tx, galleryId) : undefined;
      if (!g) throw notFound('gallery', galleryId);
      authorize(actor, ability, 'read', 'Gallery', { ...g });
      return toPage(await this.galleries.subjects(tx, g.id, page.first, page.after), page.first);
    });
  }

  /** A gallery's templates per model version (a move to a new model pack is complete when the new one has them all). */
  async templateCounts(actor: Actor, galleryId: string): Promise<ModelTemplateCount[]> {
    const ability = abilityOf(actor, this.clock.now());
    return this.db.scoped(scopeOf(actor), async (tx) => {
      const g = isUuid(galleryId) ? await this.galleries.visible(tx, galleryId) : undefined;
      if (!g) throw notFound('gallery', galleryId);
      authorize(actor, ability, 'read', 'Gallery', { ...g, sharedWithCaller: g.tenantId !== actor.tenantId });
      return this.templates.countsByModel(tx, g.id);
    });
  }

  /** Embeds outside the transaction, then stores subject, template and audit event together. */
  async enroll(
    actor: Actor,
    input: { galleryId: string; subjectRef: string; image: Buffer; source?: Record<string, unknown>; demographics?: Partial<Record<keyof SubjectDemographics, string | null>> },
  ): Promise<Enrollment> {
    const event = { action: AuditAction.ENROLL, galleries: isUuid(input.galleryId) ? [input.galleryId] : null, details: { subjectRef: input.subjectRef } };
    return this.trail.refusals(actor, event, async () => {
      const ability = abilityOf(actor, this.clock.now());
      const ref = input.subjectRef.trim();
      if (!ref || ref.length > 200) throw new DomainError('BAD_USER_INPUT', 'subjectRef (e.g. a booking number) is 1-200 characters.');
      const gallery = await this.db.scoped(scopeOf(actor), async (tx) => {
        const g = isUuid(input.galleryId) ? await this.galleries.visible(tx, input.galleryId) : undefined;
        if (!g) throw notFound('gallery', input.galleryId);
        authorize(actor, ability, 'enroll', 'Gallery', { ...g, sharedWithCaller: g.tenantId !== actor.tenantId });
        if (g.archivedAt) throw new DomainError('BAD_USER_INPUT', `The gallery '${g.name}' is archived: bring it back (updateGallery with archived: false) before enrolling into it.`);
        return g;
      });
      // checked before the photo is embedded: a field the gallery does not keep is refused, nothing stored
      const demographics = demographicsPatch(input.demographics ?? {}, gallery);
      // the crop is kept so the gallery can move to another model pack without the photos
      const face = await this.embedder.embedOne(input.image, { keepCrop: true });
      return this.db.scoped(scopeOf(actor), async (tx) => {
        const subject = await this.galleries.upsertSubject(tx, gallery.tenantId, gallery.id, ref);
        let subjectId = subject.id;
        const t = await this.templates.insert(tx, {
          tenantId: gallery.tenantId,
          galleryId: gallery.id,
          subjectId,
          modelVersion: face.modelVersion,
          embedding: face.embedding,
          imageSha256: face.imageSha256,
          quality: face.quality,
          source: { ...input.source, bytes: face.imageBytes, box: face.box },
        });
        if (face.crop) await this.crops.insert(tx, { tenantId: gallery.tenantId, galleryId: gallery.id, imageSha256: face.imageSha256, ...face.crop });
        // the photo is enrolled already (perhaps under another reference): a subject made for it now would stay empty
        if (!t.created && subject.created) await this.galleries.deleteIfEmpty(tx, subject.id);
        if (!t.created) subjectId = (await this.templates.subjectOfTemplate(tx, t.id)) ?? subjectId;
        const subjectRef = t.created ? ref : ((await this.templates.subjectRefOfTemplate(tx, t.id)) ?? ref);
        const demographicFields = Object.keys(demographics);
        if (demographicFields.length) await this.subjectRows.update(tx, subjectId, demographics);
        await this.trail.append(tx, actor, {
          ...event, outcome: AuditOutcome.ALLOWED, modelVersion: face.modelVersion, probeSha256: face.imageSha256,
          // the names of the demographic fields set, never their values
          details: { subjectRef, templateId: t.id, created: t.created, ...(demographicFields.length ? { demographicFields } : {}) },
        });
        return { templateId: t.id, subjectId, galleryId: gallery.id, subjectRef, created: t.created, quality: face.quality, modelVersion: face.modelVersion };
      });
    });
  }
}

const tagged = (g: GalleryRow, actor: Actor) => ({ ...g, sharedWithCaller: g.tenantId !== actor.tenantId, __caslSubjectType__: 'Gallery' as const });

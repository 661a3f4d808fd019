import { Role } from '../../models/enums.js';
import type { Queryable, TransactionRunner } from '../../models/db.js';
import { FaceTemplateRepository } from '../../models/face-template.repository.js';
import { GalleryRepository, type GalleryRow, type SubjectRow } from '../../models/gallery.repository.js';
import { requireRole, type Actor } from '../shared/actor.js';
import { DomainError, notFound } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';
import { pageArgs, toPage } from '../shared/paging.js';
import type { FaceEmbedder, Page } from '../shared/ports.js';

export interface Enrollment {
  templateId: string;
  subjectId: string;
  galleryId: string;
  subjectRef: string;
  created: boolean;
  quality: number;
  modelVersion: string;
}

const ADMINS = [Role.AGENCY_ADMIN, Role.HUB_ADMIN];
const READERS = [Role.AGENCY_ADMIN, Role.HUB_ADMIN, Role.AGENCY_ANALYST, Role.AGENCY_SUPERVISOR];

export class GalleryService {
  constructor(
    private readonly db: Queryable & TransactionRunner,
    private readonly embedder: FaceEmbedder,
    private readonly galleries = new GalleryRepository(),
    private readonly templates = new FaceTemplateRepository(),
  ) {}

  async create(actor: Actor, name: string): Promise<GalleryRow> {
    requireRole(actor, ADMINS, 'create galleries');
    if (!name.trim() || name.length > 200) throw new DomainError('BAD_USER_INPUT', 'A gallery name is 1-200 characters.');
    if ((await this.galleries.list(this.db, actor.tenantId)).some((g) => g.name === name.trim())) {
      throw new DomainError('CONFLICT', `Your agency already has a gallery named '${name.trim()}'.`);
    }
    return this.galleries.create(this.db, actor.tenantId, name.trim());
  }

  async list(actor: Actor): Promise<GalleryRow[]> {
    requireRole(actor, READERS, 'list galleries');
    return this.galleries.list(this.db, actor.tenantId);
  }

  async get(actor: Actor, id: string): Promise<GalleryRow> {
    requireRole(actor, READERS, 'read galleries');
    const g = isUuid(id) ? await this.galleries.byId(this.db, actor.tenantId, id) : undefined;
    if (!g) throw notFound('gallery', id);
    return g;
  }

  async subjects(actor: Actor, galleryId: string, first?: number, after?: string | null): Promise<Page<SubjectRow>> {
    await this.get(actor, galleryId);
    const page = pageArgs(first, after);
    return toPage(await this.galleries.subjects(this.db, galleryId, page.first, page.after), page.first);
  }

  /** Embeds outside the transaction, then stores subject and template together. */
  async enroll(actor: Actor, input: { galleryId: string; subjectRef: string; image: Buffer; source?: Record<string, unknown> }): Promise<Enrollment> {
    requireRole(actor, ADMINS, 'enroll faces');
    const ref = input.subjectRef.trim();
    if (!ref || ref.length > 200) throw new DomainError('BAD_USER_INPUT', 'subjectRef (e.g. a booking number) is 1-200 characters.');
    const gallery = await this.get(actor, input.galleryId);
    const face = await this.embedder.embedOne(input.image);
    return this.db.transaction(async (tx) => {
      const subjectId = await this.galleries.upsertSubject(tx, gallery.id, ref);
      const t = await this.templates.insert(tx, {
        galleryId: gallery.id,
        subjectId,
        modelVersion: face.modelVersion,
        embedding: face.embedding,
        imageSha256: face.imageSha256,
        quality: face.quality,
        source: { ...input.source, bytes: face.imageBytes, box: face.box },
      });
      const subjectRef = t.created ? ref : ((await this.templates.subjectRefOfTemplate(tx, t.id)) ?? ref);
      return { templateId: t.id, subjectId, galleryId: gallery.id, subjectRef, created: t.created, quality: face.quality, modelVersion: face.modelVersion };
    });
  }
}

import type { Queryable, ScopedDb } from '../../models/db.js';
import { AuditAction, AuditOutcome, DEMOGRAPHIC_VOCABULARIES, DemographicField } from '../../models/enums.js';
import { FaceTemplateRepository } from '../../models/face-template.repository.js';
import { GalleryRepository, type GalleryRow } from '../../models/gallery.repository.js';
import { SubjectRepository } from '../../models/subject.repository.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { suppress } from '../shared/suppression.js';
import { abilityOf, authorize } from '../access/ability.js';
import { scopeOf, type Actor } from '../shared/actor.js';
import { DomainError, notFound } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';
import type { Clock } from '../shared/ports.js';

/** A 95% interval of a rate. */
export interface Interval {
  low: number;
  high: number;
}

/** One group's figures, as the inference module measures them (inference/group-rates.ts). */
export interface GroupFigures {
  group: string;
  people: number;
  photos: number;
  impostorPairs: number;
  falseMatches: number;
  falseMatchRate: number | null;
  falseMatchRateInterval: Interval | null;
  genuinePairs: number;
  genuinePeople: number;
  falseNonMatches: number;
  falseNonMatchRate: number | null;
  falseNonMatchRateInterval: Interval | null;
  tooSmall: boolean;
  warning: string | null;
}

/** What measures the groups: the active pack's model and operating threshold, and the measurement (wired by the server). */
export interface GroupRatesPort {
  readonly modelVersion: string;
  /** the pack's verification threshold: the lowest score a search reports */
  readonly threshold: number;
  measure(faces: { person: string; group: string; v: Float32Array }[], threshold: number, order: readonly string[]): GroupFigures[];
}

/** A group's figures as oversight reads them: counts with small cells suppressed ("<5"), and no rate of a suppressed group. */
export interface PublishedGroup extends Omit<GroupFigures, 'people' | 'photos' | 'genuinePeople'> {
  people: string;
  /** null for a suppressed group */
  photos: string | null;
  genuinePeople: string;
  suppressed: boolean;
}

export interface GroupReport {
  gallery: GalleryRow;
  field: DemographicField;
  /** false: the gallery does not keep the field, so nothing was read or measured */
  kept: boolean;
  modelVersion: string;
  threshold: number;
  templatesRead: number;
  /** sampled templates whose subject has no value recorded for the field: measured in no group */
  unrecorded: number;
  groups: PublishedGroup[];
}

/** Templates read at most (whole subjects at a time), as `frhub calibrate --gallery` reads by default. */
export const GROUP_SAMPLE_LIMIT = 4000;

/**
 * The sampled faces of a gallery with each one's group for a demographic field its owner keeps
 * (FIELD_NOT_KEPT otherwise), read in the gallery's tenant's scope. Faces whose subject has no value
 * recorded are counted, not grouped. Embeddings stay in the caller's process.
 */
export async function groupedFaces(
  tx: Queryable, gallery: GalleryRow, field: DemographicField, faces: { subjectId: string; embedding: Float32Array }[], subjects = new SubjectRepository(),
): Promise<{ grouped: { person: string; group: string; v: Float32Array }[]; unrecorded: number }> {
  if (!Object.values(DemographicField).includes(field)) throw new DomainError('BAD_USER_INPUT', `by must be one of ${Object.values(DemographicField).join(', ')}, got '${field}'.`);
  if (!gallery.demographicFields.includes(field)) {
    throw new DomainError('FIELD_NOT_KEPT', `The gallery '${gallery.name}' does not keep ${field}: there is nothing to measure by (it keeps ${gallery.demographicFields.join(', ') || 'no demographic field'}).`, { field, galleryId: gallery.id });
  }
  const values = await subjects.demographicValues(tx, gallery.id, field);
  const grouped = faces.filter((f) => values.has(f.subjectId)).map((f) => ({ person: f.subjectId, group: values.get(f.subjectId)!, v: f.embedding }));
  return { grouped, unrecorded: faces.length - grouped.length };
}

/** The vocabulary's order for a field's groups. */
export const groupOrder = (field: DemographicField): readonly string[] => DEMOGRAPHIC_VOCABULARIES[field].values;

/** Small-cell suppression of one group: 1-4 people show as "<5", with no photo count, pairs or rates (a handful of people could be singled out). */
export function published(g: GroupFigures): PublishedGroup {
  const small = g.people > 0 && g.people < 5;
  return {
    ...g,
    people: suppress(g.people),
    photos: small ? null : String(g.photos),
    genuinePeople: small ? suppress(g.genuinePeople) : String(g.genuinePeople),
    ...(small
      ? { impostorPairs: 0, falseMatches: 0, falseMatchRate: null, falseMatchRateInterval: null, genuinePairs: 0, falseNonMatches: 0, falseNonMatchRate: null, falseNonMatchRateInterval: null }
      : {}),
    suppressed: small,
  };
}

/**
 * The pack's error rates on a gallery's people by a demographic field its owner keeps: for the hub's
 * administrator and oversight (any gallery), counts and rates only, never a face, a subject or a
 * value of one person; every reading audited (GALLERY_CALIBRATED) in the gallery's tenant.
 */
export class GroupRatesService {
  constructor(
    private readonly db: ScopedDb,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    private readonly rates: GroupRatesPort,
    private readonly galleries = new GalleryRepository(),
    private readonly templates = new FaceTemplateRepository(),
  ) {}

  async measure(actor: Actor, input: { galleryId: string; by: DemographicField }): Promise<GroupReport> {
    const event = { action: AuditAction.GALLERY_CALIBRATED, galleries: isUuid(input.galleryId) ? [input.galleryId] : null, details: { galleryId: input.galleryId, by: input.by } };
    return this.trail.refusals(actor, event, async () => {
      // an independent tester (a sandbox's administrator) measures its own galleries; every tenant's, the operator and oversight
      const tester = actor.sandbox === true;
      authorize(actor, abilityOf(actor, this.clock.now()), 'read', 'Statistics', { id: actor.tenantSlug, ...(tester ? { tenantId: actor.tenantId } : {}) });
      const scope = tester ? scopeOf(actor) : { tenantId: null, allTenants: true };
      const found = isUuid(input.galleryId) ? await this.db.scoped(scope, (tx) => this.galleries.visible(tx, input.galleryId)) : undefined;
      const gallery = found && (!tester || found.tenantId === actor.tenantId) ? found : undefined;
      if (!gallery) throw notFound('gallery', input.galleryId);
      const { modelVersion, threshold } = this.rates;
      if (!gallery.demographicFields.includes(input.by)) {
        await this.trail.appendAlone(actor, { ...event, outcome: AuditOutcome.ALLOWED, galleries: [gallery.id], modelVersion, details: { galleryId: gallery.id, galleryTenantId: gallery.tenantId, by: input.by, kept: false } });
        return { gallery, field: input.by, kept: false, modelVersion, threshold, templatesRead: 0, unrecorded: 0, groups: [] };
      }
      const { grouped, unrecorded, read } = await this.db.scoped({ tenantId: gallery.tenantId }, async (tx) => {
        const faces = await this.templates.sampleEmbeddings(tx, gallery.id, modelVersion, GROUP_SAMPLE_LIMIT);
        return { ...(await groupedFaces(tx, gallery, input.by, faces)), read: faces.length };
      });
      const groups = this.rates.measure(grouped, threshold, groupOrder(input.by)).map(published);
      // recorded in the reader's own tenant: who read which gallery, by which field, how much
      await this.trail.appendAlone(actor, {
        ...event, outcome: AuditOutcome.ALLOWED, galleries: [gallery.id], modelVersion,
        details: { galleryId: gallery.id, galleryTenantId: gallery.tenantId, by: input.by, templatesRead: read, groups: groups.length, subjects: new Set(grouped.map((f) => f.person)).size },
      });
      return { gallery, field: input.by, kept: true, modelVersion, threshold, templatesRead: read, unrecorded, groups };
    });
  }

  /**
   * The accountability report's rates by group, in its transaction: each gallery of a real agency that
   * keeps a demographic field, each field it keeps, measured as `measure` does (small cells
   * suppressed). Null when no gallery keeps one.
   */
  async byGroup(tx: Queryable): Promise<PublishedRates[] | null> {
    const galleries = await this.galleries.keepingDemographics(tx);
    if (!galleries.length) return null;
    const out: PublishedRates[] = [];
    for (const gallery of galleries) {
      const faces = await this.templates.sampleEmbeddings(tx, gallery.id, this.rates.modelVersion, GROUP_SAMPLE_LIMIT);
      for (const field of gallery.demographicFields) {
        const { grouped } = await groupedFaces(tx, gallery, field, faces);
        for (const g of this.rates.measure(grouped, this.rates.threshold, groupOrder(field)).map(published)) {
          out.push({
            group: `${gallery.name}: ${field} ${g.group}`, people: g.people, impostorPairs: g.impostorPairs, falseMatchRate: g.falseMatchRate,
            low: g.falseMatchRateInterval?.low ?? null, high: g.falseMatchRateInterval?.high ?? null, falseNonMatchRate: g.falseNonMatchRate, warning: g.warning,
          });
        }
      }
    }
    return out;
  }
}

/** One group's rates as the accountability report prints them: people as published ("<5" for a small group), no rate of a suppressed one. */
export interface PublishedRates {
  group: string;
  people: string;
  impostorPairs: number;
  falseMatchRate: number | null;
  low: number | null;
  high: number | null;
  falseNonMatchRate: number | null;
  warning: string | null;
}

/** `frhub calibrate --gallery --by`: the groups of a sample already read (and audited) by GallerySampleService, in the gallery's tenant's scope. */
export function readGroups(db: ScopedDb, gallery: GalleryRow, field: DemographicField, faces: { subjectId: string; embedding: Float32Array }[]) {
  return db.scoped({ tenantId: gallery.tenantId }, (tx) => groupedFaces(tx, gallery, field, faces));
}

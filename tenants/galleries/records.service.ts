import type { ScopedDb, Queryable } from '../../models/db.js';
import { AuditAction, AuditOutcome, DemographicField, RemovalReason } from '../../models/enums.js';
import { GalleryRepository, type GalleryRow } from '../../models/gallery.repository.js';
import { DEMOGRAPHIC_KEYS, SUBJECT_DETAIL_FIELDS, SubjectRepository, type Remnants, type Removed, type SubjectDemographics, type SubjectDetails, type SubjectRecord } from '../../models/subject.repository.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { abilityOf, authorize } from '../access/ability.js';
import { scopeOf, type Actor } from '../shared/actor.js';
import { DomainError, notFound } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';
import type { Clock } from '../shared/ports.js';
import { demographicsPatch, keptFields } from './demographics.js';

/** A subject as a searcher sees it: the details only where the gallery is the searcher's own tenant's. */
export type SubjectView = SubjectRecord & { detailsVisible: boolean };

export interface RemnantsReport {
  subjectId: string;
  /** true once the subject itself is gone */
  removed: boolean;
  reason: RemovalReason | null;
  removedAt: Date | null;
  remnants: Remnants;
  /** nothing left in any table that holds subject data */
  clean: boolean;
}

export interface RemovalResult extends Removed {
  subjectId: string;
  galleryId: string;
  subjectRef: string;
  reason: RemovalReason;
  /** false: the subject itself stays (removePhoto), with its other photos */
  subjectRemoved: boolean;
}

const DEMOGRAPHIC_NAMES = Object.values(DemographicField).map((f) => DEMOGRAPHIC_KEYS[f].key);
const LIMITS: Record<keyof SubjectDetails, number> = { name: 200, dateOfBirth: 10, bookingDate: 10, bookingNumber: 100, charges: 2000, disposition: 2000 };
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Records over time: a gallery renamed or archived, a subject's details corrected, a subject or one
 * photo removed with its reason (templates, crops and past candidate rows purged in the same
 * transaction as its audit event), and the check that proves nothing of it is left. Only the
 * gallery's own tenant changes its records: another tenant's (even one shared with it) is NOT_FOUND.
 */
export class RecordsService {
  constructor(
    private readonly db: ScopedDb,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    private readonly galleries = new GalleryRepository(),
    private readonly subjects = new SubjectRepository(),
  ) {}

  /** Renames, archives or brings back a gallery, or sets the demographic fields it keeps (a field dropped is cleared on every subject, counted in the audit event). */
  async updateGallery(actor: Actor, input: { galleryId: string; name?: string | null; archived?: boolean | null; demographicFields?: string[] | null }): Promise<GalleryRow> {
    const event = { action: AuditAction.GALLERY_UPDATED, galleries: isUuid(input.galleryId) ? [input.galleryId] : null, details: { galleryId: input.galleryId } };
    return this.trail.refusals(actor, event, () =>
      this.db.scoped(scopeOf(actor), async (tx) => {
        const g = await this.ownGallery(tx, actor, input.galleryId);
        const name = input.name?.trim();
        if (input.name !== undefined && input.name !== null && (!name || name.length > 200)) throw new DomainError('BAD_USER_INPUT', 'A gallery name is 1-200 characters.');
        const archived = input.archived ?? undefined;
        const demographicFields = input.demographicFields ? keptFields(input.demographicFields) : undefined;
        if (name === undefined && archived === undefined && !demographicFields) throw new DomainError('BAD_USER_INPUT', 'Nothing to change: send a new name, archived true/false, or the demographicFields to keep.');
        if (name && name !== g.name && (await this.galleries.list(tx, actor.tenantId)).some((o) => o.name === name)) {
          throw new DomainError('CONFLICT', `Your agency already has a gallery named '${name}'.`);
        }
        await this.galleries.update(tx, g.id, { name, archived, demographicFields });
        // a field the owner stops keeping is not kept any more: its values go in the same transaction
        const dropped = demographicFields ? g.demographicFields.filter((f) => !demographicFields.includes(f)) : [];
        const cleared = await this.subjects.clearDemographics(tx, g.id, dropped);
        const row = (await this.galleries.byId(tx, actor.tenantId, g.id))!;
        await this.trail.append(tx, actor, {
          ...event, outcome: AuditOutcome.ALLOWED,
          details: {
            galleryId: g.id, name: name && name !== g.name ? { from: g.name, to: name } : undefined, archived: archived === undefined ? undefined : { from: !!g.archivedAt, to: archived },
            demographicFields: demographicFields ? { from: g.demographicFields, to: demographicFields, subjectsCleared: cleared } : undefined,
          },
        });
        return row;
      }),
    );
  }

  /** Sets or clears (null) the given details; audited with the names of the fields changed, never their values. */
  async updateSubject(actor: Actor, input: { subjectId: string } & Partial<SubjectDetails> & Partial<Record<keyof SubjectDemographics, string | null>>): Promise<SubjectRecord> {
    const event = { action: AuditAction.SUBJECT_UPDATED, details: { subjectId: input.subjectId } };
    return this.trail.refusals(actor, event, () =>
      this.db.scoped(scopeOf(actor), async (tx) => {
        const s = await this.ownSubject(tx, actor, input.subjectId);
        const gallery = (await this.galleries.byId(tx, actor.tenantId, s.galleryId))!;
        const patch = { ...detailsPatch(input), ...demographicsPatch(input, gallery) };
        const fields = Object.keys(patch);
        if (!fields.length) throw new DomainError('BAD_USER_INPUT', `Nothing to change: send one or more of ${[...SUBJECT_DETAIL_FIELDS, ...DEMOGRAPHIC_NAMES].join(', ')} (null clears one).`);
        await this.subjects.update(tx, s.id, patch);
        await this.trail.append(tx, actor, { ...event, outcome: AuditOutcome.ALLOWED, galleries: [s.galleryId], details: { subjectId: s.id, subjectRef: s.externalRef, fields } });
        return (await this.subjects.ofTenant(tx, actor.tenantId, s.id))!;
      }),
    );
  }

  /**
   * Removes a subject and everything made from its photos: templates of every model version, face
   * crops, and past searches' candidate rows (redacted: rank, score and the reason stay) — those of
   * other agencies' searches of a shared gallery too. One transaction with its audit event, which
   * records what went (ids, counts, reason), never a face or the subject's details.
   */
  async removeSubject(actor: Actor, input: { subjectId: string; reason: RemovalReason }): Promise<RemovalResult> {
    const event = { action: AuditAction.SUBJECT_REMOVED, details: { subjectId: input.subjectId, reason: input.reason } };
    return this.trail.refusals(actor, event, () => {
      checkReason(input.reason);
      return this.purgingScope(actor, async (tx) => {
        const s = await this.ownSubject(tx, actor, input.subjectId);
        const removed = await this.subjects.purgePhotos(tx, s.id, input.reason);
        await this.subjects.delete(tx, s.id);
        const result = { ...removed, subjectId: s.id, galleryId: s.galleryId, subjectRef: s.externalRef, reason: input.reason, subjectRemoved: true };
        await this.trail.append(tx, actor, { ...event, outcome: AuditOutcome.ALLOWED, galleries: [s.galleryId], details: auditOf(result) });
        return result;
      });
    });
  }

  /** Removes one enrolled photo (its templates of every model version, its crop, its candidate rows); the subject and its other photos stay. */
  async removePhoto(actor: Actor, input: { templateId: string; reason: RemovalReason }): Promise<RemovalResult> {
    const event = { action: AuditAction.PHOTO_REMOVED, details: { templateId: input.templateId, reason: input.reason } };
    return this.trail.refusals(actor, event, () => {
      checkReason(input.reason);
      return this.purgingScope(actor, async (tx) => {
        const t = isUuid(input.templateId) ? await this.subjects.templateOfTenant(tx, actor.tenantId, input.templateId) : undefined;
        if (!t) throw notFound('enrolled photo (template)', input.templateId);
        const s = await this.ownSubject(tx, actor, t.subjectId);
        const removed = await this.subjects.purgePhotos(tx, s.id, input.reason, [t.imageSha256]);
        const result = { ...removed, subjectId: s.id, galleryId: s.galleryId, subjectRef: s.externalRef, reason: input.reason, subjectRemoved: false };
        await this.trail.append(tx, actor, { ...event, outcome: AuditOutcome.ALLOWED, galleries: [s.galleryId], details: auditOf(result) });
        return result;
      });
    });
  }

  /**
   * Proves a removal: counts every row still tied to the subject, its templates or its photos (by the
   * ids and checksums its removal events recorded) in each table that holds subject data. NOT_FOUND
   * unless the subject is, or was, the caller's tenant's. Audited.
   */
  async remnants(actor: Actor, id: string): Promise<RemnantsReport> {
    const subjectId = isUuid(id) ? id.toLowerCase() : id;
    const event = { action: AuditAction.SUBJECT_REMNANTS_CHECKED, details: { subjectId } };
    return this.trail.refusals(actor, event, () => {
      authorize(actor, abilityOf(actor, this.clock.now()), 'update', 'Gallery', { tenantId: actor.tenantId });
      return this.purgingScope(actor, async (tx) => {
        const s = isUuid(subjectId) ? await this.subjects.ofTenant(tx, actor.tenantId, subjectId) : undefined;
        const removals = isUuid(subjectId) ? await this.subjects.removalsOf(tx, actor.tenantId, subjectId, [AuditAction.SUBJECT_REMOVED, AuditAction.PHOTO_REMOVED]) : [];
        if (!s && !removals.length) throw notFound('subject', subjectId);
        const listed = (key: string) => removals.flatMap((r) => (Array.isArray(r.details[key]) ? (r.details[key] as string[]) : []));
        const galleryId = s?.galleryId ?? String(removals[0].details.galleryId);
        const remnants = await this.subjects.remnants(tx, { subjectId, galleryId, templateIds: listed('templateIds'), photoSha256s: listed('photoSha256s') });
        const last = removals.filter((r) => r.action === AuditAction.SUBJECT_REMOVED).pop();
        const clean = Object.values(remnants).every((n) => n === 0);
        await this.trail.append(tx, actor, { ...event, outcome: AuditOutcome.ALLOWED, galleries: [galleryId], details: { subjectId, remnants, clean } });
        return { subjectId, removed: !s, reason: (last?.details.reason as RemovalReason) ?? null, removedAt: last?.at ?? null, remnants, clean };
      });
    });
  }

  /** A tenant's subjects by booking number (or reference), for a disposition feed; for who may change its records. */
  async byBookingNumber(actor: Actor, bookingNumber: string): Promise<SubjectRecord[]> {
    authorize(actor, abilityOf(actor, this.clock.now()), 'update', 'Gallery', { tenantId: actor.tenantId });
    const ref = bookingNumber.trim();
    if (!ref || ref.length > 200) throw new DomainError('BAD_USER_INPUT', 'bookingNumber is 1-200 characters.');
    return this.db.scoped(scopeOf(actor), (tx) => this.subjects.byBookingNumber(tx, actor.tenantId, ref));
  }

  /**
   * The subjects of candidates the caller was already shown (its search was authorized and audited),
   * by id: the details only for its own tenant's galleries; a shared gallery's subject shows its
   * reference alone. A subject no longer visible (the agreement ended) is null.
   */
  async ofCandidates(actor: Actor, subjectIds: string[]): Promise<Map<string, SubjectView | null>> {
    const ids = [...new Set(subjectIds.filter(isUuid))];
    const rows = await this.db.scoped(scopeOf(actor), (tx) => this.subjects.visibleMany(tx, ids));
    const found = new Map(rows.map((s) => [s.id, s]));
    const hidden = Object.fromEntries([...SUBJECT_DETAIL_FIELDS, ...DEMOGRAPHIC_NAMES].map((k) => [k, null]));
    return new Map(
      subjectIds.map((id) => {
        const s = found.get(id);
        if (!s) return [id, null];
        const own = s.tenantId === actor.tenantId;
        return [id, own ? { ...s, detailsVisible: true } : { ...s, ...hidden, updatedAt: null, detailsVisible: false }];
      }),
    );
  }

  /**
   * Removals run with every tenant's rows in reach: another agency's past searches of a shared
   * gallery hold candidate rows of the subject. Every lookup here names the caller's tenant itself.
   */
  private purgingScope<T>(actor: Actor, work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.scoped({ tenantId: actor.tenantId, allTenants: true }, work);
  }

  private async ownGallery(tx: Queryable, actor: Actor, galleryId: string): Promise<GalleryRow> {
    const g = isUuid(galleryId) ? await this.galleries.byId(tx, actor.tenantId, galleryId) : undefined;
    if (!g) throw notFound('gallery', galleryId);
    authorize(actor, abilityOf(actor, this.clock.now()), 'update', 'Gallery', { ...g });
    return g;
  }

  private async ownSubject(tx: Queryable, actor: Actor, subjectId: string): Promise<SubjectRecord> {
    const s = isUuid(subjectId) ? await this.subjects.ofTenant(tx, actor.tenantId, subjectId) : undefined;
    if (!s) throw notFound('subject', subjectId);
    await this.ownGallery(tx, actor, s.galleryId);
    return s;
  }
}

function checkReason(reason: RemovalReason): void {
  if (!Object.values(RemovalReason).includes(reason)) throw new DomainError('BAD_USER_INPUT', `reason must be one of ${Object.values(RemovalReason).join(', ')}.`);
}

/** What a removal's audit event keeps: ids, checksums, counts and the reason; never a face or the subject's details. */
const auditOf = (r: RemovalResult) => ({
  subjectId: r.subjectId, galleryId: r.galleryId, subjectRef: r.subjectRef, reason: r.reason, subjectRemoved: r.subjectRemoved,
  templateIds: r.templateIds, templates: r.templateIds.length, photoSha256s: r.photoSha256s, crops: r.crops,
  candidateRows: r.candidateRows, searches: r.searches,
});

/** The details sent, checked: absent stays, null or blank clears, dates are real calendar dates. */
function detailsPatch(input: Partial<SubjectDetails>): Partial<SubjectDetails> {
  const patch: Partial<SubjectDetails> = {};
  for (const k of SUBJECT_DETAIL_FIELDS) {
    const v = input[k];
    if (v === undefined) continue;
    const text = v === null ? null : v.trim() || null;
    if (text && text.length > LIMITS[k]) throw new DomainError('BAD_USER_INPUT', `${k} is at most ${LIMITS[k]} characters.`);
    if (text && (k === 'dateOfBirth' || k === 'bookingDate') && !isCalendarDate(text)) throw new DomainError('BAD_USER_INPUT', `${k} must be a date as YYYY-MM-DD, got '${text}'.`);
    patch[k] = text;
  }
  return patch;
}

function isCalendarDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3] && +m[1] >= 1900;
}

import { DEMOGRAPHIC_VOCABULARIES, DemographicField } from '../../models/enums.js';
import type { GalleryRow } from '../../models/gallery.repository.js';
import { DEMOGRAPHIC_KEYS, type SubjectDemographics } from '../../models/subject.repository.js';
import { DomainError } from '../shared/errors.js';

const FIELDS = Object.values(DemographicField);

/** The demographic fields a gallery keeps, as its owner sends them: known names, each once, in the enum's order. */
export function keptFields(fields: readonly string[]): DemographicField[] {
  const unknown = fields.filter((f) => !FIELDS.includes(f as DemographicField));
  if (unknown.length) throw new DomainError('BAD_USER_INPUT', `demographicFields: ${unknown.join(', ')} is not a demographic field (${FIELDS.join(', ')}).`);
  return FIELDS.filter((f) => fields.includes(f));
}

/**
 * The demographic values sent for a subject of `gallery`, checked: absent stays, null clears (always
 * allowed), a value must be of its field's vocabulary, and only a field the gallery keeps takes one
 * (FIELD_NOT_KEPT otherwise: the owner chose not to keep it, so the hub does not either).
 */
export function demographicsPatch(input: Partial<Record<keyof SubjectDemographics, string | null>>, gallery: GalleryRow): Partial<SubjectDemographics> {
  const patch: Record<string, string | null> = {};
  for (const field of FIELDS) {
    const { key } = DEMOGRAPHIC_KEYS[field];
    const v = input[key];
    if (v === undefined) continue;
    if (v !== null) {
      const { values } = DEMOGRAPHIC_VOCABULARIES[field];
      if (!values.includes(v)) throw new DomainError('BAD_USER_INPUT', `${key} must be one of ${values.join(', ')}, got '${v}'.`);
      if (!gallery.demographicFields.includes(field)) {
        throw new DomainError('FIELD_NOT_KEPT', `The gallery '${gallery.name}' does not keep ${key} (${field}): its agency's administrator chooses the fields it keeps (updateGallery demographicFields); send null or leave it out.`, { field, galleryId: gallery.id });
      }
    }
    patch[key] = v;
  }
  return patch as Partial<SubjectDemographics>;
}

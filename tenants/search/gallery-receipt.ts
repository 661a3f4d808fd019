import { createHash } from 'node:crypto';
import type { GalleryDigest, GalleryReceipt } from '../../models/search.repository.js';

/**
 * The receipt of a search's galleries: one sha256 over the per-gallery lines
 * "<gallery id> <templates> <gallery digest>" sorted by gallery id, so a single value in the audit
 * chain proves what every gallery held when the search ran.
 */
export function galleryReceipt(galleries: GalleryDigest[]): GalleryReceipt {
  const sorted = [...galleries].sort((a, b) => (a.galleryId < b.galleryId ? -1 : a.galleryId > b.galleryId ? 1 : 0));
  const digest = createHash('sha256').update(sorted.map((g) => `${g.galleryId} ${g.templates} ${g.digest}`).join('\n')).digest('hex');
  return { digest, templates: sorted.reduce((n, g) => n + g.templates, 0), galleries: sorted };
}

/** The digest of one gallery's templates, as the database keeps it: the XOR of each template line's sha256 (for checks outside it). */
export function galleryDigestOf(templates: { templateId: string; imageSha256: string; modelVersion: string }[]): string {
  const digest = Buffer.alloc(32);
  for (const t of templates) {
    const h = createHash('sha256').update(`${t.templateId.toLowerCase()} ${t.imageSha256} ${t.modelVersion}`).digest();
    for (let i = 0; i < 32; i++) digest[i] ^= h[i];
  }
  return digest.toString('hex');
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// The one place face images kept at rest are sealed and opened (CJIS Security Policy 5.10.1.2):
// AES-256-GCM with a random 96-bit IV per write; the key id and the row's identity are additional
// authenticated data, so a ciphertext copied onto another row, or sealed under another key id, does
// not open. Stored bytes: IV (12) || ciphertext || tag (16); the key id sits in its own column.

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const IMAGE_KEY_BYTES = 32;

/** One 256-bit key of the image key ring, named by its id. */
export interface ImageKey {
  id: string;
  key: Buffer;
}

/** The image keys the server holds: one current key seals, every kept key opens. */
export interface ImageKeyRing {
  /** the key new and re-encrypted images are sealed with */
  current(): ImageKey;
  /** the key named `id`, or undefined when the ring (read again if need be) has none */
  find(id: string): Buffer | undefined;
}

/** Which row a sealed image belongs to: bound into its ciphertext. */
export interface ImageRowId {
  galleryId: string;
  imageSha256: string;
}

/** An image as stored: the bytes and the key id that sealed them (null: stored before images were encrypted). */
export interface SealedImage {
  keyId: string | null;
  bytes: Buffer;
}

/** A stored image that does not open: altered, moved from another row, or sealed with a key the ring lacks. */
export class FaceImageError extends Error {
  readonly code = 'FACE_IMAGE_TAMPERED';
  constructor(
    readonly reason: 'AUTHENTICATION_FAILED' | 'UNKNOWN_KEY',
    readonly row: ImageRowId,
    readonly keyId: string,
  ) {
    super(
      reason === 'UNKNOWN_KEY'
        ? `The stored face image of gallery ${row.galleryId}, photo ${row.imageSha256} is sealed with image key '${keyId}', which the hub's image key file does not hold.`
        : `The stored face image of gallery ${row.galleryId}, photo ${row.imageSha256} failed its integrity check (altered, or moved from another row).`,
    );
    this.name = 'FaceImageError';
  }
}

const aad = (keyId: string, row: ImageRowId) => Buffer.from(`frhub face image v1\0${keyId}\0${row.galleryId}\0${row.imageSha256}`, 'utf8');

/** Seals `plain` for `row` under the ring's current key. */
export function sealImage(ring: ImageKeyRing, plain: Uint8Array, row: ImageRowId): { keyId: string; bytes: Buffer } {
  const { id, key } = ring.current();
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(id, row));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { keyId: id, bytes: Buffer.concat([iv, body, cipher.getAuthTag()]) };
}

/** The image `sealed` holds for `row`; throws FaceImageError unless it authenticates (never returns unauthenticated bytes). */
export function openImage(ring: ImageKeyRing, sealed: SealedImage, row: ImageRowId): Buffer {
  // written before encryption (the migration's marker); `frhub keys reencrypt-images` seals these
  if (sealed.keyId === null) return sealed.bytes;
  const key = ring.find(sealed.keyId);
  if (!key) throw new FaceImageError('UNKNOWN_KEY', row, sealed.keyId);
  if (sealed.bytes.length < IV_BYTES + TAG_BYTES) throw new FaceImageError('AUTHENTICATION_FAILED', row, sealed.keyId);
  try {
    const decipher = createDecipheriv(ALGORITHM, key, sealed.bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(sealed.keyId, row));
    decipher.setAuthTag(sealed.bytes.subarray(sealed.bytes.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.bytes.subarray(IV_BYTES, sealed.bytes.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new FaceImageError('AUTHENTICATION_FAILED', row, sealed.keyId);
  }
}

/** `openImage`, with a failure as a value: for lists, where one bad row must not hide the others. */
export function tryOpenImage(ring: ImageKeyRing, sealed: SealedImage, row: ImageRowId): Buffer | FaceImageError {
  try {
    return openImage(ring, sealed, row);
  } catch (e) {
    if (e instanceof FaceImageError) return e;
    throw e;
  }
}

import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { IMAGE_KEY_BYTES, type ImageKey, type ImageKeyRing } from '../../models/face-image-cipher.js';

// The keys that seal kept face images (CJIS 5.10.1.2), in a file beside the signing keys and never in
// the database: a stolen database or backup without this file holds no readable face.

/** One key as the file keeps it: `kid` is `v<version>-<random>`, `key` 32 bytes in base64. */
export interface StoredImageKey {
  kid: string;
  key: string;
  createdAt: string;
  /** the one key that seals new images; the others only open what they sealed */
  current?: boolean;
}

/** An image key file that cannot be used; the message says what to do. */
export class ImageKeyFileError extends Error {}

/** Where the image keys live: FRHUB_IMAGE_KEYS_FILE, else beside the signing key set, else in the data directory's keys. */
export function imageKeysFileOf(config: { dataDir: string; signingKeysFile?: string; imageKeysFile?: string }): string {
  if (config.imageKeysFile) return config.imageKeysFile;
  return config.signingKeysFile ? join(dirname(config.signingKeysFile), 'image-keys.json') : join(config.dataDir, 'keys', 'image-keys.json');
}

const versionOf = (kid: string) => Number(/^v(\d+)-/.exec(kid)?.[1] ?? 0);

/** A fresh key, one version above every key in `after`. */
export function generateImageKey(after: StoredImageKey[] = []): StoredImageKey {
  const version = Math.max(0, ...after.map((k) => versionOf(k.kid))) + 1;
  // the random part keeps ids apart across files made separately (two replicas' first starts)
  return { kid: `v${version}-${randomBytes(4).toString('hex')}`, key: randomBytes(IMAGE_KEY_BYTES).toString('base64'), createdAt: new Date().toISOString(), current: true };
}

/** Reads and checks an image key file ({"keys": [...]}, 256-bit keys, unique kids, exactly one current). */
export function readImageKeyFile(file: string): StoredImageKey[] {
  let parsed: { keys?: unknown };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') throw new ImageKeyFileError(`${file} (FRHUB_IMAGE_KEYS_FILE) does not exist: a hub creates it on first start, \`npx frhub keys rotate-images --file ${file}\` creates it too.`);
    throw new ImageKeyFileError(`${file} is not an image key file (JSON {"keys": [...]}): ${(e as Error).message}. Restore it from your backup: the face images sealed with its keys cannot be read without it.`);
  }
  const keys = parsed?.keys;
  if (!Array.isArray(keys) || !keys.length) throw new ImageKeyFileError(`${file} holds no image keys: restore it from your backup (the face images sealed with its keys cannot be read without it).`);
  for (const k of keys as StoredImageKey[]) {
    if (typeof k?.kid !== 'string' || !/^v\d+-[0-9a-f]+$/.test(k.kid) || typeof k.key !== 'string' || Buffer.from(k.key, 'base64').length !== IMAGE_KEY_BYTES) {
      throw new ImageKeyFileError(`${file}: every image key needs a kid (v<version>-<hex>) and a 256-bit key in base64; restore the file from your backup.`);
    }
  }
  if (new Set(keys.map((k: StoredImageKey) => k.kid)).size !== keys.length) throw new ImageKeyFileError(`${file}: two image keys share a kid; restore the file from your backup.`);
  const current = keys.filter((k: StoredImageKey) => k.current === true);
  if (current.length !== 1) throw new ImageKeyFileError(`${file}: exactly one image key must be "current": true (found ${current.length}); \`npx frhub keys rotate-images --file ${file}\` makes a new current key.`);
  return keys as StoredImageKey[];
}

const contents = (keys: StoredImageKey[]) => `${JSON.stringify({ keys }, null, 2)}\n`;

/** Writes the file readable by its owner only (0600), replacing the old one in one rename. */
export function writeImageKeyFile(file: string, keys: StoredImageKey[]): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, contents(keys), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** Creates the file with one key unless it exists; hubs starting at once over one directory end up with the same file. */
export function createImageKeyFileIfMissing(file: string): boolean {
  try {
    statSync(file);
    return false;
  } catch {
    /* not there yet */
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.new`;
  writeFileSync(tmp, contents([generateImageKey()]), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  try {
    linkSync(tmp, file); // fails if another process created it meanwhile: theirs is kept
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

/** The file with a new current key added; the earlier keys stay to open what they sealed. */
export function rotateImageKeyFile(file: string): { keys: StoredImageKey[]; added: StoredImageKey } {
  const old = readImageKeyFile(file).map(({ current: _was, ...k }) => k);
  const added = generateImageKey(old);
  const keys = [added, ...old];
  writeImageKeyFile(file, keys);
  return { keys, added };
}

// a rewrite (temp file + rename) changes the inode even within the same millisecond
const fileVersion = (file: string) => {
  const s = statSync(file);
  return `${s.ino}:${s.mtimeMs}:${s.size}`;
};

const RELOAD_EVERY_MS = 1000;

/**
 * The image key ring of a running hub or command: re-reads its file when it changed (checked at most
 * once a second, and at once when a stored image names a key it does not hold), so a rotation reaches
 * running replicas without a restart.
 */
export class ImageKeys implements ImageKeyRing {
  private checkedAt = Date.now();

  private constructor(
    readonly file: string,
    private keys: Map<string, Buffer>,
    private currentKey: ImageKey,
    private version: string,
  ) {}

  /** Loads `file`; with `create`, makes it (one key, 0600) when it is missing. */
  static load(file: string, opts: { create?: boolean } = {}): ImageKeys {
    try {
      if (opts.create) createImageKeyFileIfMissing(file);
    } catch (e) {
      // a read-only secrets mount, say: the operator makes the file there once
      throw new ImageKeyFileError(`cannot create the image key file ${file} (${(e as Error).message}): create it with \`npx frhub keys rotate-images --file ${file}\` where it may be written, then copy it there (or point FRHUB_IMAGE_KEYS_FILE at it); every replica needs the same file.`);
    }
    const version = fileVersion(file);
    const { keys, current } = ImageKeys.parse(readImageKeyFile(file));
    return new ImageKeys(file, keys, current, version);
  }

  private static parse(stored: StoredImageKey[]): { keys: Map<string, Buffer>; current: ImageKey } {
    const keys = new Map(stored.map((k) => [k.kid, Buffer.from(k.key, 'base64')]));
    const kid = stored.find((k) => k.current)!.kid;
    return { keys, current: { id: kid, key: keys.get(kid)! } };
  }

  current(): ImageKey {
    if (Date.now() - this.checkedAt >= RELOAD_EVERY_MS) this.reload();
    return this.currentKey;
  }

  find(id: string): Buffer | undefined {
    if (!this.keys.has(id)) this.reload();
    return this.keys.get(id);
  }

  /** The key ids the ring holds, the current one first. */
  ids(): string[] {
    return [this.currentKey.id, ...[...this.keys.keys()].filter((k) => k !== this.currentKey.id)];
  }

  private reload(): void {
    this.checkedAt = Date.now();
    try {
      const version = fileVersion(this.file);
      if (version === this.version) return;
      const { keys, current } = ImageKeys.parse(readImageKeyFile(this.file));
      // a key once held is never forgotten by a running process: a file restored without it must not orphan rows sealed meanwhile
      for (const [id, key] of this.keys) if (!keys.has(id)) keys.set(id, key);
      Object.assign(this, { keys, currentKey: current, version });
    } catch {
      // a file being replaced or edited: keep the keys in hand and read it again at the next check
    }
  }
}

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { FaceCropRepository, type KeyRowCount } from '../models/face-crop.repository.js';
import { AuditTrail } from '../tenants/audit/audit-trail.js';
import { ImageResealService, type ResealTick } from '../tenants/galleries/image-reseal.service.js';
import { DomainError } from '../tenants/shared/errors.js';
import { systemClock } from '../tenants/shared/ports.js';
import { generateStoredKey, readKeySetFile, readRetiredKeys, retiredKeyOf, writeKeySetFile, KeySetError, type RetiredKey, type StoredKey } from '../server/auth/hub-tokens.js';
import { loadConfig, type Config } from '../server/config.js';
import { openDatabase } from '../server/database/open-database.js';
import { createImageKeyFileIfMissing, ImageKeyFileError, ImageKeys, imageKeysFileOf, readImageKeyFile, rotateImageKeyFile, writeImageKeyFile, type StoredImageKey } from '../server/database/image-keys.js';
import { CliError, str, UsageError, type Args, type CommandSpec } from './args.js';
import { refuseWhileHeld } from './hub-client.js';

const FILE_OPTION: [string, string] = ['--file <path>', 'the key set file (default: FRHUB_SIGNING_KEYS_FILE)'];
const SHARED = 'Every replica reads the same file (FRHUB_SIGNING_KEYS_FILE); it holds private keys and is written readable by its owner only (0600).';
const DEFAULT_RETIRE_SECONDS = 12 * 3600;

function fileOf(args: Args): string {
  const file = typeof args.flags.file === 'string' ? args.flags.file : process.env.FRHUB_SIGNING_KEYS_FILE;
  if (!file) throw new UsageError('--file <path> is required (or set FRHUB_SIGNING_KEYS_FILE)');
  return resolve(file);
}

function read(file: string): StoredKey[] {
  return readOrExplain(() => readKeySetFile(file));
}

const readRetired = (file: string): RetiredKey[] => readOrExplain(() => readRetiredKeys(file));

function readOrExplain<T>(reading: () => T): T {
  try {
    return reading();
  } catch (e) {
    if (e instanceof KeySetError) throw new CliError(e.message);
    throw e;
  }
}

const at = (seconds: number | undefined) => (seconds ? new Date(seconds * 1000).toISOString() : '-');
const now = () => Math.floor(Date.now() / 1000);

/** One line per key: the one that signs, those that still verify, and until when; then the retired ones. */
function describe(keys: StoredKey[], retired: RetiredKey[] = []): string {
  const live = keys.filter((k) => k.exp === undefined || k.exp > now());
  const signer = live.reduce<StoredKey | undefined>((a, b) => (!a || (b.iat ?? 0) > (a.iat ?? 0) ? b : a), undefined);
  return [
    ...keys.map((k) => `${k.kid}  created ${at(k.iat)}  ${k === signer ? 'signs new tokens' : live.includes(k) ? `verifies until ${at(k.exp)}` : `expired ${at(k.exp)} (verifies only the reports it signed)`}`),
    ...retired.map((k) => `${k.kid}  created ${at(k.iat)}  retired ${at(k.retiredAt ?? k.exp)}: public key kept to verify the reports it signed`),
  ].join('\n');
}

export const keysGenerateSpec: CommandSpec = {
  usage: 'frhub keys generate --file <path> [--force]',
  summary: 'Creates the key set that hub replicas share to sign and verify hub tokens: one new Ed25519 key.',
  options: [FILE_OPTION, ['--force', 'replace an existing file (every token it signed stops working)']],
  details: `${SHARED} Without FRHUB_SIGNING_KEYS_FILE a hub keeps using its own key in <data dir>/keys. To change keys later without logging anyone out, use \`frhub keys rotate\`.`,
  example: 'npx frhub keys generate --file /etc/frhub/signing-keys.json',
  async run(args) {
    const file = fileOf(args);
    if (existsSync(file) && !args.flags.force) throw new CliError(`${file} already exists; \`frhub keys rotate --file ${file}\` adds a key and keeps the old ones verifying (--force replaces it, and every token it signed stops working)`);
    const keys = [await generateStoredKey()];
    writeKeySetFile(file, keys);
    console.log(`wrote ${file} (0600)\n${describe(keys)}`);
    return 0;
  },
};

export const keysRotateSpec: CommandSpec = {
  usage: 'frhub keys rotate --file <path> [--retire-after <seconds>]',
  summary: 'Adds a new signing key to the key set; the keys before it keep verifying tokens for --retire-after seconds, then only the lead reports they signed.',
  options: [FILE_OPTION, ['--retire-after <seconds>', `how long the previous keys still verify (default ${DEFAULT_RETIRE_SECONDS}, the longest default token lifetime)`]],
  details: `${SHARED} Running replicas re-read the file within a second of it changing (and at once on a token signed by a key they do not know); copy it to every replica. Keys past their expiry leave the file's keys; their public parts stay in its "retired" list, so the lead reports they signed still verify (\`frhub report verify\` says the key is retired).`,
  example: 'npx frhub keys rotate --file /etc/frhub/signing-keys.json',
  async run(args) {
    const file = fileOf(args);
    const retire = Number(typeof args.flags['retire-after'] === 'string' ? args.flags['retire-after'] : DEFAULT_RETIRE_SECONDS);
    if (!Number.isInteger(retire) || retire < 0) throw new UsageError(`--retire-after must be a whole number of seconds, got '${args.flags['retire-after']}'`);
    const t = now();
    const before = read(file);
    const kept = before
      .filter((k) => k.exp === undefined || k.exp > t)
      .map((k) => ({ ...k, exp: Math.min(k.exp ?? Infinity, t + retire) }));
    // an expired key leaves the set, its private part with it; its public part stays to verify the reports it signed
    const retired = [...before.filter((k) => !kept.some((c) => c.kid === k.kid)).map((k) => retiredKeyOf(k, k.exp ?? t)), ...readRetired(file)];
    // the new key is newer than any kept one even within the same second
    const fresh = { ...(await generateStoredKey()), iat: Math.max(t, ...kept.map((k) => (k.iat ?? 0) + 1)) };
    const keys = [fresh, ...kept];
    writeKeySetFile(file, keys, retired);
    console.log(`wrote ${file} (0600)\n${describe(keys, retired)}`);
    return 0;
  },
};

export const keysRemoveSpec: CommandSpec = {
  usage: 'frhub keys remove --file <path> --kid <kid>',
  summary: 'Removes one key from the key set at once, retired ones too: tokens and lead reports it signed stop verifying (a leaked key); the newest key cannot be removed.',
  options: [FILE_OPTION, ['--kid <kid>', 'the key to remove (`frhub keys list` shows them)']],
  details: `${SHARED} To replace the key that signs, run \`frhub keys rotate --retire-after 0\` first.`,
  example: 'npx frhub keys remove --file /etc/frhub/signing-keys.json --kid 3Qw…',
  async run(args) {
    const file = fileOf(args);
    const kid = typeof args.flags.kid === 'string' ? args.flags.kid : undefined;
    if (!kid) throw new UsageError('--kid <kid> is required');
    const keys = read(file);
    const retired = readRetired(file);
    if (retired.some((k) => k.kid === kid)) {
      const stillRetired = retired.filter((k) => k.kid !== kid);
      writeKeySetFile(file, keys, stillRetired);
      console.log(`wrote ${file} (0600)\n${describe(keys, stillRetired)}`);
      return 0;
    }
    if (!keys.some((k) => k.kid === kid)) throw new CliError(`${file} has no key '${kid}'; its keys:\n${describe(keys, retired)}`);
    const left = keys.filter((k) => k.kid !== kid);
    const newest = keys.reduce((a, b) => ((b.iat ?? 0) > (a.iat ?? 0) ? b : a));
    if (newest.kid === kid || !left.some((k) => k.exp === undefined || k.exp > now())) {
      throw new CliError(`'${kid}' signs new tokens: run \`frhub keys rotate --file ${file} --retire-after 0\` first, then remove it`);
    }
    writeKeySetFile(file, left, retired);
    console.log(`wrote ${file} (0600)\n${describe(left, retired)}`);
    return 0;
  },
};

export const keysListSpec: CommandSpec = {
  usage: 'frhub keys list --file <path>',
  summary: 'Lists the keys of the key set: which one signs new tokens, and until when the others verify. Prints no key material.',
  options: [FILE_OPTION],
  example: 'npx frhub keys list --file /etc/frhub/signing-keys.json',
  async run(args) {
    const file = fileOf(args);
    console.log(describe(read(file), readRetired(file)));
    return 0;
  },
};

// Image keys: the AES-256-GCM keys that seal kept face images (CJIS 5.10.1.2).
const IMAGE_FILE_OPTION: [string, string] = ['--file <path>', 'the image key file (default: FRHUB_IMAGE_KEYS_FILE, else image-keys.json beside FRHUB_SIGNING_KEYS_FILE, else <data dir>/keys/image-keys.json)'];
const IMAGE_SHARED = 'The file holds secret keys, is written readable by its owner only (0600), and is never stored in the database: back it up apart from the database backups (without it the kept face images cannot be read), and give every replica the same file.';
const BESIDE_EMBEDDED_HUB = 'Beside a hub on the embedded database (no DATABASE_URL): refused (exit status 75); stop the hub, run it, start the hub again. On PostgreSQL it runs beside running hubs.';

function imageFileOf(args: Args): string {
  return typeof args.flags.file === 'string' ? resolve(args.flags.file) : imageKeysFileOf(loadConfig());
}

/** The image keys as configured, for a command that reads kept crops: the file must exist. */
export function imageKeysOf(config: Config, file = imageKeysFileOf(config)): ImageKeys {
  try {
    return ImageKeys.load(file);
  } catch (e) {
    if (e instanceof ImageKeyFileError) throw new CliError(e.message);
    throw e;
  }
}

function readImageKeys(file: string): StoredImageKey[] {
  try {
    return readImageKeyFile(file);
  } catch (e) {
    if (e instanceof ImageKeyFileError) throw new CliError(e.message);
    throw e;
  }
}

/** One line per key (and per kept crops' key id, when the database was asked): which seals, how many crops each holds. */
function describeImageKeys(keys: StoredImageKey[], counts?: KeyRowCount[]): string {
  const rows = (kid: string | null) => counts?.find((c) => c.keyId === kid)?.rows ?? 0;
  const lines = keys.map((k) => `${k.kid}  created ${k.createdAt}  ${k.current ? 'current: seals new images' : 'opens what it sealed'}${counts ? `  ${rows(k.kid)} crop(s)` : ''}`);
  for (const c of counts ?? []) {
    if (c.keyId === null) lines.push(`(clear)  stored before encryption  ${c.rows} crop(s): \`frhub keys reencrypt-images\` seals them`);
    else if (!keys.some((k) => k.kid === c.keyId)) lines.push(`${c.keyId}  NOT IN THE FILE  ${c.rows} crop(s) that cannot be opened: restore the key from your backup of the file`);
  }
  return lines.join('\n');
}

export const keysRotateImagesSpec: CommandSpec = {
  usage: 'frhub keys rotate-images [--file <path>]',
  summary: 'Adds a new current image key (AES-256) that seals face images from now on; the earlier keys stay to open what they sealed. Creates the file if it is missing.',
  options: [IMAGE_FILE_OPTION],
  details: `${IMAGE_SHARED} Running hubs re-read the file within a second of it changing. Then run \`frhub keys reencrypt-images\` to seal the kept images under the new key; \`frhub keys remove-image-key\` removes an old key once no image uses it.`,
  example: 'npx frhub keys rotate-images --file /etc/frhub/image-keys.json',
  async run(args) {
    const file = imageFileOf(args);
    let keys: StoredImageKey[];
    if (createImageKeyFileIfMissing(file)) keys = readImageKeys(file);
    else {
      readImageKeys(file); // a broken file is reported, not replaced
      keys = rotateImageKeyFile(file).keys;
    }
    console.log(`wrote ${file} (0600)\n${describeImageKeys(keys)}\nseal the kept images under ${keys.find((k) => k.current)!.kid}: npx frhub keys reencrypt-images`);
    return 0;
  },
};

export const keysReencryptImagesSpec: CommandSpec = {
  usage: 'frhub keys reencrypt-images [--status] [--batch <n>] [--decrypt]',
  summary: 'Seals every kept face image again under the current image key (after `keys rotate-images`, and once after upgrading, for images stored before encryption), with a progress line; --status prints how many images each key holds.',
  options: [
    ['--status', 'print the kept face images per image key id; change nothing'],
    ['--batch <n>', 'images per transaction (default 64): an interruption loses at most one batch'],
    ['--decrypt', 'write every image back in the clear instead (only to revert the migration that encrypts them; `frhub migrate --revert`)'],
  ],
  details: [
    'Prints a progress line (images done/total, failed) as it goes, then one line per key with the images it holds. Resumable: a second run (even after kill -9) finds only the images not yet under the current key. A row is rewritten only if it still holds what was read, so a hub enrolling meanwhile loses nothing.',
    'An image that fails its integrity check (altered, moved from another row, or sealed with a key the file lacks) is left as it is and listed with its gallery and checksum; exit status 1 then, else 0.',
    'Every run is an audit event (FACE_IMAGES_RESEALED, started and finished).',
    BESIDE_EMBEDDED_HUB,
  ].join('\n'),
  example: 'npx frhub keys rotate-images && npx frhub keys reencrypt-images',
  run: reencryptImagesCommand,
};

async function reencryptImagesCommand(args: Args): Promise<number> {
  if (args.positional.length) throw new UsageError(`unexpected argument '${args.positional[0]}'`);
  const batch = Number(str(args, 'batch', '64'));
  if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) throw new UsageError(`--batch must be a whole number from 1 to 10000, got '${args.flags.batch}'`);
  if (args.flags.status && args.flags.decrypt) throw new UsageError('--status changes nothing: give it without --decrypt');
  const config = loadConfig();
  const file = imageKeysFileOf(config);
  refuseWhileHeld(config, '`frhub keys reencrypt-images`', BESIDE_EMBEDDED_HUB);
  const keys = imageKeysOf(config, file);
  return withReseal(config, keys, async (s) => {
    if (args.flags.status) {
      console.log(describeImageKeys(readImageKeys(file), await s.counts()));
      return 0;
    }
    const r = await s.run({ batch, decrypt: !!args.flags.decrypt, requestId: `cli-reencrypt-images-${Date.now()}`, onTick: progressBar() });
    for (const f of r.failed) console.log(`failed\t${f.galleryId}\t${f.imageSha256}\t${f.keyId ?? '(clear)'}\tFACE_IMAGE_TAMPERED\t${f.cause}`);
    console.log(describeImageKeys(readImageKeys(file), r.counts));
    const unused = readImageKeys(file).filter((k) => !k.current && !r.counts.some((c) => c.keyId === k.kid));
    if (unused.length && !args.flags.decrypt) console.log(`no image uses ${unused.map((k) => k.kid).join(', ')} any more: \`frhub keys remove-image-key --kid <kid>\` removes one (keep a backup of the file until the database backups made before today have expired)`);
    console.log(
      `${args.flags.decrypt ? 'wrote back in the clear' : `sealed under ${r.keyId}`}: ${r.resealed} of ${r.total} image(s), ${r.skipped} changed meanwhile (left to the writer), ${r.failed.length} failed, in ${r.seconds.toFixed(1)} s`,
    );
    return r.failed.length ? 1 : 0;
  });
}

export const keysRemoveImageKeySpec: CommandSpec = {
  usage: 'frhub keys remove-image-key --kid <kid> [--file <path>]',
  summary: 'Removes an old image key from the image key file once no kept face image uses it; the current key, or one still used, is refused.',
  options: [IMAGE_FILE_OPTION, ['--kid <kid>', 'the key to remove (`frhub keys reencrypt-images --status` shows them and their images)']],
  details: `${IMAGE_SHARED} Database backups made while the key was in use still need it: keep a backup of the file until they have expired. ${BESIDE_EMBEDDED_HUB}`,
  example: 'npx frhub keys remove-image-key --kid v1-9f3c2a1b',
  async run(args) {
    const kid = typeof args.flags.kid === 'string' ? args.flags.kid : undefined;
    if (!kid) throw new UsageError('--kid <kid> is required');
    const config = loadConfig();
    const file = typeof args.flags.file === 'string' ? resolve(args.flags.file) : imageKeysFileOf(config);
    const keys = readImageKeys(file);
    const key = keys.find((k) => k.kid === kid);
    if (!key) throw new CliError(`${file} has no image key '${kid}'; its keys:\n${describeImageKeys(keys)}`);
    if (key.current) throw new CliError(`'${kid}' is the current image key: run \`frhub keys rotate-images\` and \`frhub keys reencrypt-images\` first, then remove it`);
    refuseWhileHeld(config, '`frhub keys remove-image-key`', BESIDE_EMBEDDED_HUB);
    const counts = await withReseal(config, imageKeysOf(config, file), (s) => s.counts());
    const used = counts.find((c) => c.keyId === kid)?.rows ?? 0;
    if (used) throw new CliError(`${used} kept face image(s) are sealed with '${kid}': run \`frhub keys reencrypt-images\` first; nothing was removed`);
    const left = keys.filter((k) => k.kid !== kid);
    writeImageKeyFile(file, left);
    console.log(`wrote ${file} (0600)\n${describeImageKeys(left, counts)}`);
    return 0;
  },
};

async function withReseal<T>(config: Config, keys: ImageKeys, work: (s: ImageResealService) => Promise<T>): Promise<T> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart });
  try {
    return await work(new ImageResealService(database.db, systemClock, new AuditTrail(database.db, systemClock), keys, new FaceCropRepository(keys)));
  } catch (e) {
    if (e instanceof DomainError) throw new CliError(e.message);
    throw e;
  } finally {
    await database.close();
  }
}

/** A progress bar on stderr, like `frhub enroll`'s, redrawn at most ten times a second and at the end. */
function progressBar(): (t: ResealTick) => void {
  let last = -Infinity;
  return (t) => {
    if (t.seconds - last < 0.1 && t.done < t.total) return;
    last = t.seconds;
    const pct = Math.round((100 * t.done) / Math.max(t.total, 1));
    const bar = '#'.repeat(Math.floor(pct / 5)).padEnd(20, '.');
    process.stderr.write(`\r[${bar}] ${pct}% ${t.done}/${t.total} images, ${t.failed} failed, ${(t.done / Math.max(t.seconds, 1e-6)).toFixed(0)} images/s${t.done >= t.total ? '\n' : ''}`);
  };
}

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { generateStoredKey, readKeySetFile, writeKeySetFile, KeySetError, type StoredKey } from '../auth.js';
import { CliError, UsageError, type Args, type CommandSpec } from './args.js';

const FILE_OPTION: [string, string] = ['--file <path>', 'the key set file (default: FRHUB_SIGNING_KEYS_FILE)'];
const SHARED = 'Every replica reads the same file (FRHUB_SIGNING_KEYS_FILE); it holds private keys and is written readable by its owner only (0600).';
const DEFAULT_RETIRE_SECONDS = 12 * 3600;

function fileOf(args: Args): string {
  const file = typeof args.flags.file === 'string' ? args.flags.file : process.env.FRHUB_SIGNING_KEYS_FILE;
  if (!file) throw new UsageError('--file <path> is required (or set FRHUB_SIGNING_KEYS_FILE)');
  return resolve(file);
}

function read(file: string): StoredKey[] {
  try {
    return readKeySetFile(file);
  } catch (e) {
    if (e instanceof KeySetError) throw new CliError(e.message);
    throw e;
  }
}

const at = (seconds: number | undefined) => (seconds ? new Date(seconds * 1000).toISOString() : '-');
const now = () => Math.floor(Date.now() / 1000);

/** One line per key: the one that signs, those that still verify, and until when. */
function describe(keys: StoredKey[]): string {
  const live = keys.filter((k) => k.exp === undefined || k.exp > now());
  const signer = live.reduce<StoredKey | undefined>((a, b) => (!a || (b.iat ?? 0) > (a.iat ?? 0) ? b : a), undefined);
  return keys
    .map((k) => `${k.kid}  created ${at(k.iat)}  ${k === signer ? 'signs new tokens' : live.includes(k) ? `verifies until ${at(k.exp)}` : `expired ${at(k.exp)}`}`)
    .join('\n');
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
  summary: 'Adds a new signing key to the key set; the keys before it keep verifying tokens for --retire-after seconds, then stop.',
  options: [FILE_OPTION, ['--retire-after <seconds>', `how long the previous keys still verify (default ${DEFAULT_RETIRE_SECONDS}, the longest default token lifetime)`]],
  details: `${SHARED} Running replicas re-read the file within a second of it changing (and at once on a token signed by a key they do not know); copy it to every replica. Keys past their expiry are dropped from the file.`,
  example: 'npx frhub keys rotate --file /etc/frhub/signing-keys.json',
  async run(args) {
    const file = fileOf(args);
    const retire = Number(typeof args.flags['retire-after'] === 'string' ? args.flags['retire-after'] : DEFAULT_RETIRE_SECONDS);
    if (!Number.isInteger(retire) || retire < 0) throw new UsageError(`--retire-after must be a whole number of seconds, got '${args.flags['retire-after']}'`);
    const t = now();
    const kept = read(file)
      .filter((k) => k.exp === undefined || k.exp > t)
      .map((k) => ({ ...k, exp: Math.min(k.exp ?? Infinity, t + retire) }));
    // the new key is newer than any kept one even within the same second
    const fresh = { ...(await generateStoredKey()), iat: Math.max(t, ...kept.map((k) => (k.iat ?? 0) + 1)) };
    const keys = [fresh, ...kept];
    writeKeySetFile(file, keys);
    console.log(`wrote ${file} (0600)\n${describe(keys)}`);
    return 0;
  },
};

export const keysRemoveSpec: CommandSpec = {
  usage: 'frhub keys remove --file <path> --kid <kid>',
  summary: 'Removes one key from the key set at once: tokens it signed stop working (a leaked key); the newest key cannot be removed.',
  options: [FILE_OPTION, ['--kid <kid>', 'the key to remove (`frhub keys list` shows them)']],
  details: `${SHARED} To replace the key that signs, run \`frhub keys rotate --retire-after 0\` first.`,
  example: 'npx frhub keys remove --file /etc/frhub/signing-keys.json --kid 3Qw…',
  async run(args) {
    const file = fileOf(args);
    const kid = typeof args.flags.kid === 'string' ? args.flags.kid : undefined;
    if (!kid) throw new UsageError('--kid <kid> is required');
    const keys = read(file);
    if (!keys.some((k) => k.kid === kid)) throw new CliError(`${file} has no key '${kid}'; its keys:\n${describe(keys)}`);
    const left = keys.filter((k) => k.kid !== kid);
    const newest = keys.reduce((a, b) => ((b.iat ?? 0) > (a.iat ?? 0) ? b : a));
    if (newest.kid === kid || !left.some((k) => k.exp === undefined || k.exp > now())) {
      throw new CliError(`'${kid}' signs new tokens: run \`frhub keys rotate --file ${file} --retire-after 0\` first, then remove it`);
    }
    writeKeySetFile(file, left);
    console.log(`wrote ${file} (0600)\n${describe(left)}`);
    return 0;
  },
};

export const keysListSpec: CommandSpec = {
  usage: 'frhub keys list --file <path>',
  summary: 'Lists the keys of the key set: which one signs new tokens, and until when the others verify. Prints no key material.',
  options: [FILE_OPTION],
  example: 'npx frhub keys list --file /etc/frhub/signing-keys.json',
  async run(args) {
    console.log(describe(read(fileOf(args))));
    return 0;
  },
};

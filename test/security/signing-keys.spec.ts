import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role } from '../../models/enums';
import { AuthError, generateStoredKey, loadKeySet, mintToken, readKeySetFile, readRetiredKeys, verifyToken } from '../../server/auth/hub-tokens';
import { reportDigest } from '../../tenants/reports/lead-report';
import { frhubInProcess, frhubSpawned } from '../support/cli';
import { bookingPhoto } from '../support/fixtures';
import { movableClock, startHub, type TestHub } from '../support/hub';
import { until } from '../support/until';

const jose = require('jose') as typeof import('jose');

/** Runs `frhub <argv>` in this process; its exit status and what it printed. */
const frhub = (...argv: string[]) => frhubInProcess(argv);

const kidOf = (token: string) => jose.decodeProtectedHeader(token).kid;
const kids = (file: string) => readKeySetFile(file).map((k) => k.kid);

describe('the shared signing key set: generate, rotate, remove', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'frhub-keys-'));
    file = join(dir, 'conf', 'signing-keys.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('`keys generate` writes one Ed25519 private key, readable by its owner only, and will not overwrite it', async () => {
    expect((await frhub('keys', 'generate', '--file', file)).code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const [key] = readKeySetFile(file);
    expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: expect.any(String), d: expect.any(String) });
    const again = await frhub('keys', 'generate', '--file', file);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already exists; `frhub keys rotate --file .*` adds a key/);
    expect(kids(file)).toEqual([key.kid]);
  });

  it('every keys command explains itself with --help and runs nothing', async () => {
    for (const sub of ['generate', 'rotate', 'remove', 'list']) {
      const r = await frhub('keys', sub, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`usage: frhub keys ${sub} --file <path>`));
      expect(r.out).toMatch(/example:/);
    }
    expect((await frhub('keys', 'rotate')).code).toBe(64);
  });

  it('after a rotation the new key signs (its kid in the header), the old key’s tokens still verify until it is removed or expires', async () => {
    await frhub('keys', 'generate', '--file', file);
    const before = await loadKeySet(file);
    const oldKid = before.kid;
    const oldToken = await mintToken(before, { tenant: 'metro-pd', role: Role.AGENCY_ANALYST });
    expect(kidOf(oldToken)).toBe(oldKid);

    expect((await frhub('keys', 'rotate', '--file', file)).code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const after = await loadKeySet(file);
    expect(after.kid).not.toBe(oldKid);
    expect(kids(file)).toEqual([after.kid, oldKid]);
    // the old key verifies for the default 12 hours, then stops
    const old = readKeySetFile(file).find((k) => k.kid === oldKid)!;
    expect(old.exp! - Math.floor(Date.now() / 1000)).toBeGreaterThan(12 * 3600 - 60);
    const newToken = await mintToken(after, { tenant: 'metro-pd', role: Role.AGENCY_ANALYST });
    expect(kidOf(newToken)).toBe(after.kid);
    await expect(verifyToken(after, oldToken)).resolves.toMatchObject({ tenant: 'metro-pd', sub: 'svc:AGENCY_ANALYST' });
    await expect(verifyToken(after, newToken)).resolves.toMatchObject({ tenant: 'metro-pd' });

    // a replica that loaded the old set learns the new key from the file when a token names it
    await expect(verifyToken(before, newToken)).resolves.toMatchObject({ tenant: 'metro-pd' });

    // the newest key cannot be removed; the old one can, and its tokens are refused at once
    const refused = await frhub('keys', 'remove', '--file', file, '--kid', after.kid);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/signs new tokens: run `frhub keys rotate/);
    expect((await frhub('keys', 'remove', '--file', file, '--kid', oldKid)).code).toBe(0);
    expect(kids(file)).toEqual([after.kid]);
    await expect(verifyToken(await loadKeySet(file), oldToken)).rejects.toThrow(AuthError);
    await expect(verifyToken(await loadKeySet(file), oldToken)).rejects.toThrow(/^Unauthenticated: the token is not valid for this hub/);
    await expect(verifyToken(await loadKeySet(file), newToken)).resolves.toMatchObject({ tenant: 'metro-pd' });
  });

  it('a MAC the hub made (a sign-in cookie) verifies on a replica that has not read a rotation yet: a miss reads the file again', async () => {
    const { createHmac, timingSafeEqual } = require('node:crypto') as typeof import('node:crypto');
    const purpose = 'console oidc flow';
    const macOf = (key: Buffer) => createHmac('sha256', key).update('payload').digest();
    const verifies = (mac: Buffer) => (key: Buffer) => timingSafeEqual(macOf(key), mac);
    await frhub('keys', 'generate', '--file', file);
    const stale = await loadKeySet(file); // a replica that loaded the set before the rotation
    const before = macOf(stale.macKey(purpose));
    await frhub('keys', 'rotate', '--file', file);
    const fresh = await loadKeySet(file); // one that started after it: the new key makes its MACs
    const after = macOf(fresh.macKey(purpose));
    expect(after.equals(before)).toBe(false);
    expect(macOf(fresh.macKey('another purpose')).equals(after)).toBe(false);
    await expect(stale.macMatches(purpose, verifies(after))).resolves.toBe(true);
    // the old key's MACs still verify everywhere until it is removed
    await expect(fresh.macMatches(purpose, verifies(before))).resolves.toBe(true);
    await expect(stale.macMatches(purpose, verifies(before))).resolves.toBe(true);
    // a MAC of another purpose, or of a key the set never had, does not
    await expect(stale.macMatches('another purpose', verifies(after))).resolves.toBe(false);
    const elsewhere = join(dir, 'elsewhere.json');
    await frhub('keys', 'generate', '--file', elsewhere);
    await expect(stale.macMatches(purpose, verifies(macOf((await loadKeySet(elsewhere)).macKey(purpose))))).resolves.toBe(false);
  });

  it('`keys rotate --retire-after 0` ends the old key at once; `keys list` names which key signs, without key material', async () => {
    await frhub('keys', 'generate', '--file', file);
    const before = await loadKeySet(file);
    const oldToken = await mintToken(before, { tenant: 'hub', role: Role.HUB_ADMIN });
    await frhub('keys', 'rotate', '--file', file, '--retire-after', '0');
    const after = await loadKeySet(file);
    await expect(verifyToken(after, oldToken)).rejects.toThrow(AuthError);
    const list = await frhub('keys', 'list', '--file', file);
    expect(list.out).toContain(`${after.kid}  created`);
    expect(list.out).toMatch(/signs new tokens/);
    expect(list.out).toMatch(/expired/);
    for (const k of readKeySetFile(file)) expect(list.out).not.toContain(k.d);
    // a second rotation drops the expired key from the file
    await frhub('keys', 'rotate', '--file', file);
    expect(kids(file)).toHaveLength(2);
    expect(kids(file)).not.toContain(before.kid);
  });

  it('a retired key stops verifying once the keys’ clock passes its expiry, without waiting for it', async () => {
    await frhub('keys', 'generate', '--file', file);
    const clock = movableClock();
    const before = await loadKeySet(file, clock);
    const week = 7 * 86_400;
    const oldToken = await mintToken(before, { tenant: 'metro-pd', role: Role.AGENCY_ANALYST, ttlSeconds: week });
    await frhub('keys', 'rotate', '--file', file);
    const after = await loadKeySet(file, clock);
    const newToken = await mintToken(after, { tenant: 'metro-pd', role: Role.AGENCY_ANALYST, ttlSeconds: week });
    await expect(verifyToken(after, oldToken)).resolves.toMatchObject({ tenant: 'metro-pd' });
    const retiresAt = readKeySetFile(file).find((k) => k.kid === before.kid)!.exp!;
    clock.advance(retiresAt * 1000 - clock.now().getTime() + 1000);
    await expect(verifyToken(after, oldToken)).rejects.toThrow(/^Unauthenticated: the token is not valid for this hub/);
    await expect(verifyToken(after, newToken)).resolves.toMatchObject({ tenant: 'metro-pd' });
    expect(after.jwks().keys.map((k) => k.kid)).toEqual([after.kid]);
    // and a token is refused once that clock passes its own expiry
    clock.advance(week * 1000);
    await expect(verifyToken(after, newToken)).rejects.toThrow(/^Unauthenticated: the token has expired/);
  });

  it('a key set file that is missing or not a key set is refused with what to do', async () => {
    await expect(loadKeySet(file)).rejects.toThrow(/does not exist: create it with `npx frhub keys generate --file/);
    require('node:fs').mkdirSync(join(dir, 'conf'));
    require('node:fs').writeFileSync(file, JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'abc' }] }));
    await expect(loadKeySet(file)).rejects.toThrow(/every key must be an Ed25519 private JWK with a kid/);
  });
});

describe('a hub on a shared key set', () => {
  let t: TestHub;
  let file: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'frhub-keys-'));
    file = join(dir, 'signing-keys.json');
    await frhub('keys', 'generate', '--file', file);
    t = await startHub({ FRHUB_SIGNING_KEYS_FILE: file });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const jwks = async () => {
    const res = await fetch(`${t.url}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    return (await res.json()) as { keys: Record<string, unknown>[] };
  };
  const role = async (token: string) => {
    const r = await t.gql(token, `{ me { role } }`);
    return r.data?.me?.role ?? r.errors?.[0].extensions.code;
  };

  it('publishes the public keys as JWKS (never `d`), follows a rotation, and refuses a removed key’s tokens', async () => {
    const first = readKeySetFile(file)[0];
    const published = await jwks();
    expect(published.keys).toEqual([{ kty: 'OKP', crv: 'Ed25519', x: first.x, kid: first.kid, alg: 'EdDSA', use: 'sig' }]);
    expect(JSON.stringify(published)).not.toContain(first.d);

    const oldToken = await mintToken(await loadKeySet(file), { tenant: 'hub', role: Role.HUB_ADMIN });
    expect(await role(oldToken)).toBe('HUB_ADMIN');
    await frhub('keys', 'rotate', '--file', file);
    const rotated = await loadKeySet(file);
    const newToken = await mintToken(rotated, { tenant: 'hub', role: Role.HUB_ADMIN });
    // the running hub has not restarted: a token naming the new key makes it read the file again
    expect(await role(newToken)).toBe('HUB_ADMIN');
    expect(await role(oldToken)).toBe('HUB_ADMIN');
    const both = await jwks();
    expect(both.keys.map((k) => k.kid)).toEqual([rotated.kid, first.kid]);
    for (const k of both.keys) expect(Object.keys(k).sort()).toEqual(expect.arrayContaining(['crv', 'kid', 'kty', 'x']));
    for (const k of both.keys) expect(k).not.toHaveProperty('d');
    expect(both.keys[1].exp).toEqual(expect.any(Number));
    // tokens the hub mints itself are signed by the newest key
    expect(kidOf(await t.token('hub', Role.HUB_ADMIN))).toBe(rotated.kid);

    await frhub('keys', 'remove', '--file', file, '--kid', first.kid);
    // a running hub checks the file at most once a second: wait for it to have read the removal
    await until('the hub to refuse the removed key’s token', () => role(oldToken), (r) => r === 'UNAUTHENTICATED', { deadlineMs: 15_000, everyMs: 100 });
    expect(await role(newToken)).toBe('HUB_ADMIN');
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([rotated.kid]);
    expect(readFileSync(file, 'utf8')).toContain(rotated.kid);
  });
});

describe('a lead report outlives the key that signed it', () => {
  let t: TestHub;
  let file: string;
  let dir: string;
  let analystId: string;
  let searchId: string;
  const VERIFY = `query($f: String!) { verifyReport(fileBase64: $f) { intact signedBy signingKeyStatus signingKeyRetiredAt signatureValid contentIntact problems } }`;
  // the hub mints with whichever key signs now, so a token made after a rotation still signs in
  const analyst = () => t.token('metro-pd', undefined, analystId);
  const verify = async (bytes: Buffer | string) => (await t.gql(await analyst(), VERIFY, { f: Buffer.from(bytes).toString('base64') })).data.verifyReport;
  const report = async (ext: 'json' | 'pdf') => {
    const res = await fetch(`${t.url}/reports/searches/${searchId}.${ext}`, { headers: { authorization: `Bearer ${await analyst()}` } });
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'frhub-keys-'));
    file = join(dir, 'signing-keys.json');
    await frhub('keys', 'generate', '--file', file);
    t = await startHub({ FRHUB_SIGNING_KEYS_FILE: file });
    await t.createTenant('metro-pd');
    const admin = await t.token('metro-pd', Role.AGENCY_ADMIN);
    const g = (await t.gql(admin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
    const enrolled = await t.gql(admin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId } }`, { i: { galleryId: g, subjectRef: 'BK-1001', imageBase64: (await bookingPhoto('BK-1001', true)).toString('base64') } });
    expect(enrolled.errors).toBeUndefined();
    analystId = (await t.principal('metro-pd', Role.AGENCY_ANALYST, { name: 'Analyst Avery' })).id;
    const s = await t.gql(await analyst(), `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`, {
      i: { imageBase64: (await bookingPhoto('BK-1001')).toString('base64'), legalBasis: 'CRIMINAL_SUSPECT_ID', offenseCategory: 'ROBBERY', caseNumber: 'MPD-2026-0417', minScore: -1 },
    });
    expect(s.errors).toBeUndefined();
    searchId = s.data.searchFaces.id;
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies after its key retired and left the key set, says the key is retired, and refuses a key the hub never had or removed', async () => {
    const first = readKeySetFile(file)[0].kid;
    const json = await report('json');
    const pdf = await report('pdf');
    expect(JSON.parse(json.toString()).signature.kid).toBe(first);
    expect(await verify(json)).toMatchObject({ intact: true, signedBy: first, signingKeyStatus: 'CURRENT', signingKeyRetiredAt: null });

    // the key retires at once: it verifies no token any more, but still the reports it signed
    expect((await frhub('keys', 'rotate', '--file', file, '--retire-after', '0')).code).toBe(0);
    // a running hub checks the file at most once a second
    await until('the hub reads the rotated key set', () => verify(json), (v) => v.signingKeyStatus === 'RETIRED', { everyMs: 100 });
    for (const bytes of [json, pdf]) {
      const v = await verify(bytes);
      expect(v).toMatchObject({ intact: true, signatureValid: true, contentIntact: true, signedBy: first, signingKeyStatus: 'RETIRED', problems: [] });
      expect(Date.parse(v.signingKeyRetiredAt)).toBeLessThanOrEqual(Date.now());
    }
    // the next rotation takes it out of the set's keys: only its public part stays, in "retired"
    expect((await frhub('keys', 'rotate', '--file', file)).code).toBe(0);
    expect(readKeySetFile(file).map((k) => k.kid)).not.toContain(first);
    expect(readRetiredKeys(file).map((k) => k.kid)).toEqual([first]);
    expect(readRetiredKeys(file)[0]).not.toHaveProperty('d');
    expect((await frhub('keys', 'list', '--file', file)).out).toMatch(new RegExp(`${first}  created .* retired .*: public key kept to verify the reports it signed`));
    const newest = readKeySetFile(file)[0].kid;
    await until('the hub signs with the newest key', async () => JSON.parse((await report('json')).toString()).signature.kid, (kid) => kid === newest, { everyMs: 100 });
    expect(await verify(pdf)).toMatchObject({ intact: true, signedBy: first, signingKeyStatus: 'RETIRED' });
    // the retired key signs nothing new: a report made now carries the newest key
    expect(JSON.parse((await report('json')).toString()).signature.kid).toBe(readKeySetFile(file)[0].kid);

    // `frhub report verify` beside the hub says so on its lines, and ends `intact`
    const path = join(dir, 'lead-report.json');
    writeFileSync(path, json);
    const url = t.hub.database.kind === 'postgres' ? String((t.hub.database.dataSource.options as { url?: string }).url) : '';
    const cli = await frhubSpawned(['report', 'verify', path], { FRHUB_DATA_DIR: t.dataDir, DATABASE_URL: url, FRHUB_SIGNING_KEYS_FILE: file });
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`signature: valid, hub key ${first} \\(retired since [0-9T:.-]+Z: it no longer signs`));
    expect(cli.stdout.trim().split('\n').pop()).toMatch(new RegExp(`^intact: .*\\(key ${first}, retired\\)`));

    // the same content signed by a key the hub never had, named by its own kid or by the retired key's: altered
    const foreign = await generateStoredKey();
    const content = JSON.parse(json.toString());
    for (const kid of [foreign.kid, first]) {
      const jws = await new jose.CompactSign(new TextEncoder().encode(JSON.stringify({ sha256: reportDigest(content) })))
        .setProtectedHeader({ alg: 'EdDSA', typ: 'frhub-lead-report+jws', kid })
        .sign(await jose.importJWK(foreign, 'EdDSA'));
      const forged = JSON.stringify({ ...content, signature: { alg: 'EdDSA', kid, jws } }, null, 2);
      const v = await verify(forged);
      expect(v).toMatchObject({ intact: false, signatureValid: false, signedBy: null, signingKeyStatus: null });
      expect(v.problems.join(' ')).toMatch(kid === first ? /signature verification failed/ : new RegExp(`key ${foreign.kid} is not one this hub holds or has retired`));
    }

    // a retired key removed (it leaked) vouches for nothing any more
    expect((await frhub('keys', 'remove', '--file', file, '--kid', first)).code).toBe(0);
    expect(readRetiredKeys(file)).toEqual([]);
    const removed = await until('the hub reads the key set without the removed key', () => verify(json), (v) => v.intact === false, { everyMs: 100 });
    expect(removed).toMatchObject({ intact: false, signatureValid: false });
    expect(removed.problems.join(' ')).toMatch(new RegExp(`key ${first} is not one this hub holds or has retired`));
  });
});

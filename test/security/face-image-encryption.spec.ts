import { createDecipheriv } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import sharp from 'sharp';
import type { QueryRunner } from 'typeorm';
import { FaceCropsSealedCrypt1765027978000 } from '../../migrations/1765027978000-face-crops-sealed';
import { Role } from '../../models/enums';
import { loadConfig } from '../../server/config';
import { createHub, type Hub } from '../../server/composition/create-hub';
import { readImageKeyFile } from '../../server/database/image-keys';
import { frhubInProcess } from '../support/cli';
import { hubClient, type HubClient } from '../support/client';
import { bookingPhoto } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';
import { until } from '../support/until';
import { hubWorkspace, type HubWorkspace } from '../support/process';

// CJIS Security Policy 5.10.1.2 (encryption at rest): the face crops enrollment keeps are sealed with
// AES-256-GCM under a key kept in a file, never in the database; the row's identity is bound into
// each ciphertext. Checked against the bytes the database really holds, and through the real API.

const SEARCH = `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id candidates { rank subjectRef } } }`;
const FACES = `query($id: ID!) { search(id: $id) { candidates { rank subjectRef faceImage } } }`;
const ENROLL = 'mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId } }';
const EVERY_TENANT = { tenantId: null, allTenants: true };
const JPEG = Buffer.from([0xff, 0xd8, 0xff]);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

interface Row {
  galleryId: string;
  imageSha256: string;
  keyId: string | null;
  image: Buffer;
}

const rowsOf = (hub: Hub): Promise<Row[]> =>
  hub.database.db.scoped(EVERY_TENANT, (tx) => tx.query(`SELECT gallery_id AS "galleryId", image_sha256 AS "imageSha256", key_id AS "keyId", image FROM face_crops ORDER BY gallery_id, image_sha256`));
const setImage = (hub: Hub, row: Row, image: Buffer, keyId = row.keyId) =>
  hub.database.db.scoped(EVERY_TENANT, (tx) => tx.query(`UPDATE face_crops SET image = $1, key_id = $2 WHERE gallery_id = $3 AND image_sha256 = $4`, [image, keyId, row.galleryId, row.imageSha256]));

/** Opens a stored crop by the documented format alone (IV 12 || ciphertext || tag 16; AAD names key and row), not through the hub's code. */
function decrypt(keyFile: string, row: Row): Buffer {
  const key = Buffer.from(readImageKeyFile(keyFile).find((k) => k.kid === row.keyId)!.key, 'base64');
  const d = createDecipheriv('aes-256-gcm', key, row.image.subarray(0, 12));
  d.setAAD(Buffer.from(`frhub face image v1\0${row.keyId}\0${row.galleryId}\0${row.imageSha256}`));
  d.setAuthTag(row.image.subarray(row.image.length - 16));
  return Buffer.concat([d.update(row.image.subarray(12, row.image.length - 16)), d.final()]);
}

const codes = (r: { errors?: { extensions: { code: string } }[] }) => [...new Set((r.errors ?? []).map((e) => e.extensions.code))];
const servedFaces = (r: { data?: { search?: { candidates: { faceImage: string | null }[] } } }) =>
  (r.data?.search?.candidates ?? []).map((c) => c.faceImage).filter((f): f is string => !!f).map((f) => Buffer.from(f.split(',')[1], 'base64'));

describe('face images encrypted at rest (AES-256-GCM, key file beside the signing key)', () => {
  let t: TestHub;
  let hubAdmin: string;
  let analyst: { id: string; token: string };
  let bookings: string;
  let copies: string;
  let searchId: string;
  let keyFile: string;

  beforeAll(async () => {
    t = await startHub();
    keyFile = join(t.dataDir, 'keys', 'image-keys.json');
    hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    await t.createTenant('river-pd');
    const admin = await t.token('river-pd', Role.AGENCY_ADMIN);
    bookings = (await t.gql(admin, 'mutation { createGallery(input: { name: "Bookings" }) { id } }')).data.createGallery.id;
    copies = (await t.gql(admin, 'mutation { createGallery(input: { name: "Copies" }) { id } }')).data.createGallery.id;
    for (const ref of ['BK-1001', 'BK-1002', 'BK-1003']) {
      expect((await t.gql(admin, ENROLL, { i: { galleryId: bookings, subjectRef: ref, imageBase64: (await bookingPhoto(ref)).toString('base64') } })).errors).toBeUndefined();
    }
    // the same photo in a second gallery: the same crop, kept in another row
    expect((await t.gql(admin, ENROLL, { i: { galleryId: copies, subjectRef: 'BK-1002', imageBase64: (await bookingPhoto('BK-1002')).toString('base64') } })).errors).toBeUndefined();
    analyst = await t.principal('river-pd', Role.AGENCY_ANALYST);
    const r = await t.gql(analyst.token, SEARCH, { i: { imageBase64: (await bookingPhoto('BK-1002', true)).toString('base64'), legalBasis: 'VICTIM_ID', caseNumber: 'R-17' } });
    expect(r.errors).toBeUndefined();
    searchId = r.data.searchFaces.id;
  }, 180_000);
  afterAll(() => t?.close());

  it('makes the image key file on first start beside the signing key: readable by its owner only, one current 256-bit key', () => {
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(t.dataDir, 'keys')).mode & 0o077).toBe(0);
    const keys = readImageKeyFile(keyFile);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kid: expect.stringMatching(/^v1-[0-9a-f]{8}$/), current: true });
    expect(Buffer.from(keys[0].key, 'base64')).toHaveLength(32);
  });

  it('stores no face image in the database: no JPEG or PNG signature, the same image sealed differently per row, each under the current key', async () => {
    const rows = await rowsOf(t.hub);
    expect(rows).toHaveLength(4);
    const current = readImageKeyFile(keyFile)[0].kid;
    for (const row of rows) {
      expect(row.keyId).toBe(current);
      expect(row.image.subarray(0, 3).equals(JPEG)).toBe(false);
      expect(row.image.subarray(0, 4).equals(PNG)).toBe(false);
      const jpeg = decrypt(keyFile, row);
      expect(jpeg.subarray(0, 3).equals(JPEG)).toBe(true);
      // no run of the image's bytes (past its standard header) shows through
      expect(row.image.includes(jpeg.subarray(200, 232))).toBe(false);
    }
    const [a, b] = rows.filter((r) => r.imageSha256 === rows.find((x) => x.galleryId === copies)!.imageSha256);
    expect(decrypt(keyFile, a).equals(decrypt(keyFile, b))).toBe(true);
    expect(a.image.equals(b.image)).toBe(false);
    expect(a.image.subarray(0, 12).equals(b.image.subarray(0, 12))).toBe(false);
  });

  it('serves the candidates’ enrolled faces through the API, opened: the same JPEG the row seals', async () => {
    const r = await t.gql(analyst.token, FACES, { id: searchId });
    expect(r.errors).toBeUndefined();
    const faces = servedFaces(r);
    expect(faces.length).toBeGreaterThanOrEqual(2);
    const sealed = (await rowsOf(t.hub)).map((row) => decrypt(keyFile, row));
    for (const face of faces) {
      expect((await sharp(face).metadata()).format).toBe('jpeg');
      expect(sealed.some((s) => s.equals(face))).toBe(true);
    }
  });

  it('refuses a ciphertext moved to another row (even one sealing the same image), altered by one byte, or under an unknown key: FACE_IMAGE_TAMPERED, nothing served, audited', async () => {
    const rows = await rowsOf(t.hub);
    const sha = rows.find((r) => r.galleryId === copies)!.imageSha256;
    const inBookings = rows.find((r) => r.galleryId === bookings && r.imageSha256 === sha)!;
    const inCopies = rows.find((r) => r.galleryId === copies)!;
    const other = rows.find((r) => r.galleryId === bookings && r.imageSha256 !== sha)!;
    const flipped = Buffer.from(inBookings.image);
    flipped[Math.floor(flipped.length / 2)] ^= 0x01;
    const attacks: [string, () => Promise<unknown>, string][] = [
      ['swapped with the same image’s row of another gallery', async () => { await setImage(t.hub, inBookings, inCopies.image); await setImage(t.hub, inCopies, inBookings.image); }, 'AUTHENTICATION_FAILED'],
      ['swapped with another photo’s row', async () => { await setImage(t.hub, inBookings, other.image); await setImage(t.hub, other, inBookings.image); }, 'AUTHENTICATION_FAILED'],
      ['one byte altered', () => setImage(t.hub, inBookings, flipped), 'AUTHENTICATION_FAILED'],
      ['the tag cut off', () => setImage(t.hub, inBookings, inBookings.image.subarray(0, inBookings.image.length - 16)), 'AUTHENTICATION_FAILED'],
      ['a key id the file lacks', () => setImage(t.hub, inBookings, inBookings.image, 'v9-00000000'), 'UNKNOWN_KEY'],
    ];
    const restore = async () => {
      for (const row of [inBookings, inCopies, other]) await setImage(t.hub, row, row.image, row.keyId);
    };
    try {
      for (const [what, attack, cause] of attacks) {
        await attack();
        const r = await t.gql(analyst.token, FACES, { id: searchId });
        expect([what, codes(r), JSON.stringify(r).includes('data:image')]).toEqual([what, ['FACE_IMAGE_TAMPERED'], false]);
        expect(r.errors![0].message).toMatch(/failed its integrity check/);
        // which row and key is for the operator's audit log, not the caller
        expect(JSON.stringify(r.errors)).not.toMatch(new RegExp(`${inBookings.imageSha256}|${inBookings.keyId}|v9-`));
        const [event] = (await t.gql(hubAdmin, `{ auditEvents(first: 1, action: "CANDIDATE_FACES_VIEWED") { nodes { outcome reason principalId details } } }`)).data.auditEvents.nodes;
        expect([what, event]).toEqual([what, expect.objectContaining({ outcome: 'FAILED', reason: 'FACE_IMAGE_TAMPERED', principalId: analyst.id, details: expect.objectContaining({ searchId, cause }) })]);
        await restore();
      }
    } finally {
      await restore();
    }
    const again = await t.gql(analyst.token, FACES, { id: searchId });
    expect(again.errors).toBeUndefined();
    expect(servedFaces(again).length).toBeGreaterThanOrEqual(2);
  });
});

describe('image key rotation and `frhub keys reencrypt-images`', () => {
  const PG = !!process.env.DATABASE_URL;
  let ws: HubWorkspace;
  let env: Record<string, string>;
  let hub: Hub | undefined;
  let client: HubClient;
  let analyst: string;
  let galleryId: string;
  let searchId: string;
  let keyFile: string;

  const open = async () => {
    hub = await createHub(loadConfig({ ...process.env, ...env, FRHUB_MODEL_DIR: resolve(__dirname, '../../data/models'), FRHUB_INFERENCE_PROVIDER: 'cpu' }), { logger: pino({ level: 'silent' }) });
    client = hubClient((await hub.listen(0, '127.0.0.1')).url, hub.keys);
  };
  const frhub = (...argv: string[]) => frhubInProcess(argv, env);
  const enroll = async (ref: string, photo?: Buffer) => {
    const admin = await client.token('river-pd', Role.AGENCY_ADMIN);
    expect((await client.gql(admin, ENROLL, { i: { galleryId, subjectRef: ref, imageBase64: (photo ?? (await bookingPhoto(ref))).toString('base64') } })).errors).toBeUndefined();
  };

  beforeAll(async () => {
    ws = await hubWorkspace();
    // the key file named by FRHUB_IMAGE_KEYS_FILE: made there on first start
    keyFile = join(ws.dataDir, 'conf', 'image-keys.json');
    env = { FRHUB_DATA_DIR: ws.dataDir, DATABASE_URL: ws.databaseUrl ?? '', FRHUB_IMAGE_KEYS_FILE: keyFile };
    await open();
    const hubAdmin = await client.token('hub', Role.HUB_ADMIN);
    await client.gql(hubAdmin, 'mutation { createTenant(input: { slug: "river-pd", name: "River PD" }) { id } }');
    galleryId = (await client.gql(await client.token('river-pd', Role.AGENCY_ADMIN), 'mutation { createGallery(input: { name: "Bookings" }) { id } }')).data.createGallery.id;
    for (const ref of ['BK-1001', 'BK-1002', 'BK-1003']) await enroll(ref);
    const p = await client.gql(hubAdmin, `mutation($i: CreatePrincipalInput!) { createPrincipal(input: $i) { id } }`, { i: { tenantSlug: 'river-pd', name: 'analyst', role: Role.AGENCY_ANALYST, certifiedUntil: '2099-01-01T00:00:00Z' } });
    analyst = await client.token('river-pd', undefined, p.data.createPrincipal.id);
    const r = await client.gql(analyst, SEARCH, { i: { imageBase64: (await bookingPhoto('BK-1001', true)).toString('base64'), legalBasis: 'VICTIM_ID', caseNumber: 'R-18', minScore: -1 } });
    expect(r.errors).toBeUndefined();
    searchId = r.data.searchFaces.id;
    // a crop as a hub before encryption stored it: clear bytes, no key id (what the migration leaves)
    const [first] = await rowsOf(hub!);
    await setImage(hub!, first, decrypt(keyFile, first), null);
  }, 240_000);

  afterAll(async () => {
    await hub?.close();
    await ws?.drop();
  });

  it('prints its usage, options and an example on --help, and runs nothing', async () => {
    const r = await frhub('keys', 'reencrypt-images', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: frhub keys reencrypt-images \[--status\] \[--batch <n>\] \[--decrypt\][^]*--status[^]*\nexample:\n {2}npx frhub keys rotate-images && npx frhub keys reencrypt-images\n$/);
    expect((await frhub('keys', 'rotate-images', '--help')).out).toMatch(/example:\n {2}npx frhub keys rotate-images --file \S+\n$/);
  });

  it('a new current key after rotation; re-encryption leaves every crop under it (the clear one too), old keys kept until unused; faces still served', async () => {
    const [v1] = readImageKeyFile(keyFile);
    const rotated = await frhub('keys', 'rotate-images');
    expect(rotated.code).toBe(0);
    const keys = readImageKeyFile(keyFile);
    const v2 = keys.find((k) => k.current)!;
    expect(v2.kid).toMatch(/^v2-/);
    expect(keys.map((k) => k.kid).sort()).toEqual([v1.kid, v2.kid].sort());
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    // the running hub reads the rotated file within a second: what it seals next is under the new key
    await until('the running hub holds the rotated key as current', async () => hub!.imageKeys.current().id, (kid) => kid === v2.kid, { everyMs: 100 });
    await enroll('BK-1002', await bookingPhoto('BK-1002', true));
    const byKey = async () => (await rowsOf(hub!)).reduce<Record<string, number>>((a, r) => ({ ...a, [r.keyId ?? 'clear']: (a[r.keyId ?? 'clear'] ?? 0) + 1 }), {});
    expect(await byKey()).toEqual({ clear: 1, [v1.kid]: 2, [v2.kid]: 1 });
    // the clear crop is served as it is meanwhile
    expect(servedFaces(await client.gql(analyst, FACES, { id: searchId })).length).toBeGreaterThanOrEqual(3);

    if (!PG) {
      // PGlite is one process's database: refused beside the running hub, like every command that needs it
      const refused = await frhub('keys', 'reencrypt-images');
      expect(refused.code).toBe(75);
      expect(refused.err).toMatch(/`frhub keys reencrypt-images` needs the embedded database to itself, but the hub is running on http:\/\/127\.0\.0\.1:\d+/);
      expect(await byKey()).toEqual({ clear: 1, [v1.kid]: 2, [v2.kid]: 1 });
      await hub!.close();
      hub = undefined;
    }
    const status = await frhub('keys', 'reencrypt-images', '--status');
    expect(status.code).toBe(0);
    expect(status.out).toContain(`${v2.kid}  created ${v2.createdAt}  current: seals new images  1 crop(s)`);
    expect(status.out).toContain(`${v1.kid}  created ${v1.createdAt}  opens what it sealed  2 crop(s)`);
    expect(status.out).toMatch(/\(clear\) {2}stored before encryption {2}1 crop\(s\)/);
    // the old key is refused while crops use it, the current one always
    expect((await frhub('keys', 'remove-image-key', '--kid', v1.kid)).err).toMatch(/2 kept face image\(s\) are sealed with 'v1-[0-9a-f]+': run `frhub keys reencrypt-images` first; nothing was removed/);
    expect((await frhub('keys', 'remove-image-key', '--kid', v2.kid)).err).toMatch(/is the current image key/);

    const run = await frhub('keys', 'reencrypt-images', '--batch', '2');
    expect(run.code).toBe(0);
    expect(run.err).toMatch(/\r\[#{20}\] 100% 3\/3 images, 0 failed, \d+ images\/s\n/);
    expect(run.out).toContain(`sealed under ${v2.kid}: 3 of 3 image(s), 0 changed meanwhile (left to the writer), 0 failed`);
    expect(run.out).toContain(`no image uses ${v1.kid} any more`);
    // resumable: a second run finds nothing left
    expect((await frhub('keys', 'reencrypt-images')).out).toContain(`sealed under ${v2.kid}: 0 of 0 image(s)`);
    expect((await frhub('keys', 'remove-image-key', '--kid', v1.kid)).code).toBe(0);
    expect(readImageKeyFile(keyFile).map((k) => k.kid)).toEqual([v2.kid]);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    if (!hub) await open();
    const rows = await rowsOf(hub!);
    expect(rows.map((r) => r.keyId)).toEqual([v2.kid, v2.kid, v2.kid, v2.kid]);
    for (const row of rows) expect(row.image.subarray(0, 3).equals(JPEG)).toBe(false);
    const faces = servedFaces(await client.gql(analyst, FACES, { id: searchId }));
    expect(faces.length).toBeGreaterThanOrEqual(3);
    const opened = rows.map((r) => decrypt(keyFile, r));
    for (const face of faces) expect(opened.some((o) => o.equals(face))).toBe(true);
    // each run audited: started and finished
    const events = (await client.gql(await client.token('hub', Role.HUB_ADMIN), `{ auditEvents(first: 20, action: "FACE_IMAGES_RESEALED") { nodes { outcome details } } }`)).data.auditEvents.nodes;
    expect(events.filter((e: { details: { step: string } }) => e.details.step === 'finished').map((e: { outcome: string; details: { resealed: number } }) => [e.outcome, e.details.resealed])).toEqual([
      ['ALLOWED', 0],
      ['ALLOWED', 3],
    ]);
    expect(readFileSync(keyFile, 'utf8')).not.toContain(v1.key);
  }, 240_000);

  it('--decrypt writes every crop back in the clear, so that the migration’s down() may run (refused before); up() and a run seal them again', async () => {
    const migration = new FaceCropsSealedCrypt1765027978000();
    // a runner of its own, released before the next query: the embedded database has one connection
    const withRunner = async (work: (runner: QueryRunner) => Promise<void>) => {
      const runner = hub!.database.dataSource.createQueryRunner();
      try {
        await work(runner);
      } finally {
        await runner.release();
      }
    };
    const beside = async (argv: string[]) => {
      if (!PG) await hub!.close();
      try {
        return await frhub(...argv);
      } finally {
        if (!PG) await open();
      }
    };
    await expect(withRunner((r) => migration.down(r))).rejects.toThrow(/4 face crop\(s\) are encrypted: run `frhub keys reencrypt-images --decrypt` first/);
    const clear = await beside(['keys', 'reencrypt-images', '--decrypt']);
    expect(clear.out).toContain('wrote back in the clear: 4 of 4 image(s)');
    const rows = await rowsOf(hub!);
    expect(rows.map((r) => [r.keyId, r.image.subarray(0, 3).equals(JPEG)])).toEqual(rows.map(() => [null, true]));
    const columns = async () => (await hub!.database.db.query<{ c: string }>(`SELECT column_name AS c FROM information_schema.columns WHERE table_name = 'face_crops' AND column_name IN ('jpeg', 'image', 'key_id') ORDER BY 1`)).map((r) => r.c);
    await withRunner((r) => migration.down(r));
    expect(await columns()).toEqual(['jpeg']);
    await withRunner((r) => migration.up(r));
    expect(await columns()).toEqual(['image', 'key_id']);
    const sealed = await beside(['keys', 'reencrypt-images']);
    expect(sealed.code).toBe(0);
    const current = readImageKeyFile(keyFile).find((k) => k.current)!.kid;
    expect((await rowsOf(hub!)).map((r) => r.keyId)).toEqual(rows.map(() => current));
    expect(servedFaces(await client.gql(analyst, FACES, { id: searchId })).length).toBeGreaterThanOrEqual(3);
  }, 240_000);
});

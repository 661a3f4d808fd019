import { createDecipheriv } from 'node:crypto';
import { join } from 'node:path';
import { FaceCropRepository } from '../../models/face-crop.repository';
import { ImageKeys, readImageKeyFile } from '../../server/database/image-keys';
import { bookingPhoto } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';
import { DISPOSE, examinationCast, SEARCH, SUBMIT, submission } from '../support/requests';

// CJIS Security Policy 5.10.1.2 for a request's images: the probe photos an agency sends and the face
// of a released lead are sealed like enrollment crops (AES-256-GCM, the row's identity bound in), read
// back here from the bytes the database really holds; a byte changed is FACE_IMAGE_TAMPERED.

const EVERY_TENANT = { tenantId: null, allTenants: true };
const JPEG = Buffer.from([0xff, 0xd8, 0xff]);
interface Sealed { id: string; part: string; keyId: string | null; image: Buffer }

function decrypt(keyFile: string, row: Sealed): Buffer {
  const key = Buffer.from(readImageKeyFile(keyFile).find((k) => k.kid === row.keyId)!.key, 'base64');
  const d = createDecipheriv('aes-256-gcm', key, row.image.subarray(0, 12));
  d.setAAD(Buffer.from(`frhub face image v1\0${row.keyId}\0${row.id}\0${row.part}`));
  d.setAuthTag(row.image.subarray(row.image.length - 16));
  return Buffer.concat([d.update(row.image.subarray(12, row.image.length - 16)), d.final()]);
}

describe("a request's probe photos and its released lead's face, encrypted at rest", () => {
  let t: TestHub;
  let cast: Awaited<ReturnType<typeof examinationCast>>;
  let id: string;
  let keyFile: string;
  let probe: Buffer;
  const sql = <T>(q: string, p: unknown[] = []) => t.hub.database.db.scoped(EVERY_TENANT, (tx) => tx.query(q, p)) as Promise<T>;
  const probes = () => sql<Sealed[]>(`SELECT id, sha256 AS part, key_id AS "keyId", image FROM request_probes WHERE request_id = $1`, [id]);
  const lead = async () => (await sql<Sealed[]>(`SELECT id, 'lead' AS part, lead_face_key_id AS "keyId", lead_face AS image FROM requests WHERE id = $1`, [id]))[0];
  const code = (r: { errors?: { extensions: { code: string } }[] }) => r.errors?.[0]?.extensions.code ?? 'ok';

  beforeAll(async () => {
    t = await startHub();
    keyFile = join(t.dataDir, 'keys', 'image-keys.json');
    cast = await examinationCast(t);
    probe = await bookingPhoto('BK-1002', true);
    const r = await t.gql(cast.requester.token, SUBMIT, { input: { ...submission, servingTenantSlug: 'hub', imageBase64: probe.toString('base64') } });
    expect(r.errors).toBeUndefined();
    id = r.data.submitRequest.id;
    await t.gql(cast.supervisor.token, `mutation($r: ID!, $e: ID!) { acceptRequest(requestId: $r, examinerId: $e) { status } }`, { r: id, e: cast.examiner.id });
    const search = (await t.gql(cast.examiner.token, SEARCH, { i: { requestId: id, minScore: -1, maxCandidates: 2 } })).data.searchFaces;
    const dispositions = search.candidates.map((c: { rank: number }) => ({ searchId: search.id, rank: c.rank, disposition: c.rank === 1 ? 'POSSIBLE_LEAD' : 'EXCLUDED', reason: c.rank === 1 ? 'scar over the left brow' : null }));
    expect((await t.gql(cast.examiner.token, DISPOSE, { i: { requestId: id, conclusion: 'POSSIBLE_LEAD', dispositions } })).errors).toBeUndefined();
    await t.gql(cast.verifier.token, `mutation($r: ID!) { claimVerification(requestId: $r) { status } }`, { r: id });
    expect((await t.gql(cast.verifier.token, DISPOSE, { i: { requestId: id, conclusion: 'POSSIBLE_LEAD', dispositions } })).errors).toBeUndefined();
    const released = await t.gql(cast.examiner.token, `mutation($r: ID!, $s: ID!) { releaseLead(requestId: $r, searchId: $s, rank: 1) { status } }`, { r: id, s: search.id });
    expect(released.errors).toBeUndefined();
  }, 240_000);
  afterAll(() => t?.close());

  it('keeps the probe sealed under the current key, bound to its row: the bytes sent, never a JPEG in the database', async () => {
    const [row] = await probes();
    const current = readImageKeyFile(keyFile).find((k) => k.current)!.kid;
    expect(row.keyId).toBe(current);
    expect(row.image.subarray(0, 3).equals(JPEG)).toBe(false);
    expect(row.image.includes(probe.subarray(200, 232))).toBe(false);
    expect(decrypt(keyFile, row).equals(probe)).toBe(true);
    // still served, opened, to its examiner
    const served = await t.gql(cast.examiner.token, `query($r: ID!) { requestProbe(requestId: $r) }`, { r: id });
    expect(Buffer.from(served.data.requestProbe.split(',')[1], 'base64').subarray(0, 3).equals(JPEG)).toBe(true);
  });

  it("keeps the released lead's face sealed, and shows it to the requester opened", async () => {
    const row = await lead();
    expect(row.keyId).toBe(readImageKeyFile(keyFile).find((k) => k.current)!.kid);
    expect(row.image.subarray(0, 3).equals(JPEG)).toBe(false);
    const face = decrypt(keyFile, row);
    expect(face.subarray(0, 3).equals(JPEG)).toBe(true);
    const shown = (await t.gql(cast.requester.token, `query($id: ID!) { request(id: $id) { lead { faceImage } } }`, { id })).data.request.lead.faceImage;
    expect(Buffer.from(shown.split(',')[1], 'base64').equals(face)).toBe(true);
  });

  it('a probe or lead face altered by one byte, or moved to another row, is FACE_IMAGE_TAMPERED: nothing shown', async () => {
    const [row] = await probes();
    const flipped = Buffer.from(row.image);
    flipped[20] ^= 1;
    await sql(`UPDATE request_probes SET image = $1 WHERE id = $2`, [flipped, row.id]);
    expect(code(await t.gql(cast.examiner.token, `query($r: ID!) { requestProbe(requestId: $r) }`, { r: id }))).toBe('FACE_IMAGE_TAMPERED');
    await sql(`UPDATE request_probes SET image = $1 WHERE id = $2`, [row.image, row.id]);
    expect(code(await t.gql(cast.examiner.token, `query($r: ID!) { requestProbe(requestId: $r) }`, { r: id }))).toBe('ok');

    // the lead's face replaced by the probe's ciphertext (same key, another row): does not open
    const face = await lead();
    await sql(`UPDATE requests SET lead_face = $1 WHERE id = $2`, [row.image, id]);
    const moved = await t.gql(cast.requester.token, `query($id: ID!) { request(id: $id) { lead { faceImage } } }`, { id });
    expect(code(moved)).toBe('FACE_IMAGE_TAMPERED');
    expect(JSON.stringify(moved.data ?? {})).not.toContain('base64');
    await sql(`UPDATE requests SET lead_face = $1 WHERE id = $2`, [face.image, id]);
  });

  it('the key status counts them, so an image key is never removed while a request image needs it', async () => {
    const counts = await t.hub.database.db.scoped(EVERY_TENANT, (tx) => tx.query(`SELECT count(*)::int AS n FROM request_probes WHERE key_id IS NOT NULL`));
    expect(counts[0].n).toBeGreaterThan(0);
    const byKey = await t.hub.database.db.scoped(EVERY_TENANT, (tx) => new FaceCropRepository(ImageKeys.load(keyFile)).countsByKey(tx));
    const current = readImageKeyFile(keyFile).find((k) => k.current)!.kid;
    // three enrolled crops, one probe, one lead face
    expect(byKey).toEqual([{ keyId: current, rows: 5 }]);
  });
});

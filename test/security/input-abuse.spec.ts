import { deflateSync, crc32 } from 'node:zlib';
import sharp from 'sharp';
import { AuditAction, Role } from '../../models/enums';
import { portrait } from '../support/fixtures';
import { startHub, uploadRequest, type TestHub } from '../support/hub';

// Abuse of every argument and every upload trick: each refusal has a stable code (never
// INTERNAL_SERVER_ERROR), the hub keeps serving, and every searchFaces attempt that reaches the
// operation has its audit event. (Faults of the multipart envelope itself are the HTTP layer's.)
const MAX_BYTES = 1024 * 1024;

/** A valid PNG of width x height, 1-bit grey, all black: tiny on the wire, huge once decoded. */
function hugePng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body) >>> 0, body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc((Math.ceil(width / 8) + 1) * height);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

describe('input abuse on every argument and upload', () => {
  let t: TestHub;
  let hubAdmin: string;
  let admin: string;
  let analyst: string;
  let photo: Buffer;
  let galleryId: string;
  let attempts = 0;
  const SEARCH = `mutation($input: SearchFacesInput!) { searchFaces(input: $input) { id } }`;
  const ENROLL = `mutation($input: EnrollFaceInput!) { enrollFace(input: $input) { templateId } }`;
  const valid = () => ({ imageBase64: photo.toString('base64'), legalBasis: 'VICTIM_ID', caseNumber: 'C-1', minScore: -1 });
  const search = async (input: Record<string, unknown>) => {
    attempts++;
    return t.gql(analyst, SEARCH, { input: { ...valid(), ...input } });
  };
  const codeOf = (r: { errors?: { extensions: { code: string } }[] }) => r.errors?.[0]?.extensions.code ?? 'OK';
  const subjects = async () => (await t.gql(admin, `query($g: ID!) { subjects(galleryId: $g, first: 100) { nodes { subjectRef } } }`, { g: galleryId })).data?.subjects?.nodes?.length;

  beforeAll(async () => {
    t = await startHub({ FRHUB_MAX_IMAGE_BYTES: String(MAX_BYTES) });
    hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    await t.createTenant('metro-pd');
    admin = await t.token('metro-pd', Role.AGENCY_ADMIN);
    analyst = (await t.principal('metro-pd', Role.AGENCY_ANALYST)).token;
    photo = await portrait();
    galleryId = (await t.gql(admin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
    await t.gql(admin, ENROLL, { input: { galleryId, subjectRef: 'B-1', imageBase64: photo.toString('base64') } });
  });
  afterAll(() => t?.close());

  afterEach(async () => {
    expect(await (await fetch(`${t.url}/healthz`)).json()).toEqual({ status: 'ok' });
  });

  it.each([
    ['an empty case number (treated as none: the policy asks for one)', 'CASE_NUMBER_REQUIRED', { caseNumber: '' }],
    ['a 100k-character narrative', 'BAD_USER_INPUT', { narrative: 'n'.repeat(100_000) }],
    ['a 100k-character warrant number', 'BAD_USER_INPUT', { warrantNumber: 'w'.repeat(100_000) }],
    ['a control character in the offense description', 'BAD_USER_INPUT', { offenseDescription: 'robbery\u0007' }],
    ['an RTL override in the warrant number', 'BAD_USER_INPUT', { warrantNumber: 'W-\u202e1234' }],
    ['a zero-width joiner in a gallery id', 'BAD_USER_INPUT', { galleryIds: ['\u200d'] }],
    ['a gallery id that is not a UUID', 'NOT_FOUND', { galleryIds: ['x'] }],
    ['maxCandidates 0', 'BAD_USER_INPUT', { maxCandidates: 0 }],
    ['maxCandidates 51', 'BAD_USER_INPUT', { maxCandidates: 51 }],
    ['minScore 5', 'BAD_USER_INPUT', { minScore: 5 }],
    ['imageBase64 that is not base64', 'BAD_USER_INPUT', { imageBase64: '!!!not base64!!!' }],
    ['imageBase64 of random bytes', 'UNSUPPORTED_IMAGE', { imageBase64: Buffer.from('hello, not a photo').toString('base64') }],
    ['imageBase64 over the limit', 'IMAGE_TOO_LARGE', { imageBase64: Buffer.alloc(MAX_BYTES + 10).toString('base64') }],
    ['no photo at all', 'BAD_USER_INPUT', { imageBase64: null }],
    ['a prohibited purpose undeclared', 'PROHIBITED_PURPOSE', { notForProhibitedPurpose: false }],
  ])('searchFaces with %s: %s', async (_what, code, input) => {
    expect(codeOf(await search(input))).toBe(code);
  });

  it.each([
    ['an unknown legal basis', { legalBasis: 'NOPE' }],
    ['maxCandidates beyond a 32-bit Int', { maxCandidates: 2 ** 40 }],
    ['a number for the case number', { caseNumber: 12 }],
  ])('GraphQL refuses %s before the operation runs: BAD_USER_INPUT', async (_what, input) => {
    const r = await t.gql(analyst, SEARCH, { input: { ...valid(), ...input } });
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
  });

  it('other arguments: text limits and ids everywhere', async () => {
    const cases: [string, string, Record<string, unknown>, string][] = [
      [admin, `mutation($n: String!) { createGallery(input: { name: $n }) { id } }`, { n: 'g'.repeat(100_000) }, 'BAD_USER_INPUT'],
      [admin, `mutation($n: String!) { createGallery(input: { name: $n }) { id } }`, { n: '\u200b' }, 'BAD_USER_INPUT'],
      [admin, `mutation($n: String!) { createGallery(input: { name: $n }) { id } }`, { n: 'a\u0000b' }, 'BAD_USER_INPUT'],
      [admin, ENROLL, { input: { galleryId, subjectRef: 'B\u0000-2', imageBase64: photo.toString('base64') } }, 'BAD_USER_INPUT'],
      [admin, ENROLL, { input: { galleryId: 'not-an-id', subjectRef: 'B-2', imageBase64: photo.toString('base64') } }, 'NOT_FOUND'],
      [analyst, `query($id: ID!) { search(id: $id) { id } }`, { id: 'x' }, 'NOT_FOUND'],
      [analyst, `query($id: ID!) { search(id: $id) { id } }`, { id: 'x'.repeat(100_000) }, 'BAD_USER_INPUT'],
      [analyst, `query($a: String) { searches(after: $a) { nodes { id } } }`, { a: 'forged' }, 'BAD_USER_INPUT'],
      [hubAdmin, `query($t: ID) { auditEvents(tenantId: $t) { nodes { seq } } }`, { t: 'x' }, 'BAD_USER_INPUT'],
      [hubAdmin, `mutation($s: String!) { createTenant(input: { slug: $s, name: "x" }) { id } }`, { s: 'Not A Slug!' }, 'BAD_USER_INPUT'],
      [hubAdmin, `mutation($s: String!) { setTenantStatus(slug: $s, status: SUSPENDED) { id } }`, { s: 'LONE\ud800' }, 'BAD_USER_INPUT'],
      [hubAdmin, `query { transparencyReport(year: 99999) { year } }`, {}, 'BAD_USER_INPUT'],
    ];
    for (const [token, query, variables, code] of cases) {
      const r = await t.gql(token, query, variables);
      expect([query, JSON.stringify(variables).slice(0, 80), codeOf(r)]).toEqual([query, JSON.stringify(variables).slice(0, 80), code]);
    }
  });

  describe('uploads', () => {
    const upload = async (file: Buffer, filename = 'photo.jpg', input: Record<string, unknown> = {}) => {
      attempts++;
      return uploadRequest(t.url, analyst, SEARCH, { legalBasis: 'VICTIM_ID', caseNumber: 'C-1', minScore: -1, ...input }, file, filename);
    };

    it('a real JPEG followed by megabytes of zeros is refused (IMAGE_TOO_LARGE), not truncated and accepted; nothing is enrolled', async () => {
      const padded = Buffer.concat([photo, Buffer.alloc(3 * MAX_BYTES)]);
      const before = await subjects();
      expect(codeOf(await upload(padded))).toBe('IMAGE_TOO_LARGE');
      const enrolled = await uploadRequest(t.url, admin, ENROLL, { galleryId, subjectRef: 'PADDED-1' }, padded);
      expect(codeOf(enrolled)).toBe('IMAGE_TOO_LARGE');
      expect(await subjects()).toBe(before);
      const [last] = (await t.gql(hubAdmin, `{ auditEvents(action: "ENROLL", first: 1) { nodes { outcome reason } } }`)).data.auditEvents.nodes;
      expect(last).toEqual({ outcome: 'FAILED', reason: 'IMAGE_TOO_LARGE' });
    });

    it('a photo of exactly the limit is not mistaken for a truncated one; one byte more is refused', async () => {
      const exact = Buffer.concat([photo, Buffer.alloc(MAX_BYTES - photo.length)]);
      expect(codeOf(await upload(exact))).toBe('OK');
      expect(codeOf(await upload(Buffer.concat([exact, Buffer.alloc(1)])))).toBe('IMAGE_TOO_LARGE');
    });

    it.each(['variables.input.caseNumber', 'variables.input.legalBasis', 'variables.input.galleryIds.0', 'variables.other'])('a map that puts the file at %s is a stable refusal', async (path) => {
      const form = new FormData();
      form.append('operations', JSON.stringify({ query: SEARCH, variables: { input: { legalBasis: 'VICTIM_ID', caseNumber: 'C-1', galleryIds: ['x'] } } }));
      form.append('map', JSON.stringify({ 0: [path] }));
      form.append('0', new Blob([photo]), 'photo.jpg');
      const res = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${analyst}`, 'apollo-require-preflight': 'true' }, body: form });
      const body = (await res.json()) as { errors?: { message: string; extensions: { code: string } }[] };
      expect(['BAD_USER_INPUT', 'NOT_FOUND']).toContain(codeOf(body));
      // GraphQL refuses a file where text belongs before the operation starts; otherwise the operation ran (and is audited)
      if (!/^Variable "\$input" got invalid value/.test(body.errors![0].message)) attempts++;
    });

    it('an upload and imageBase64 together are BAD_USER_INPUT', async () => {
      expect(codeOf(await upload(photo, 'photo.jpg', { imageBase64: photo.toString('base64') }))).toBe('BAD_USER_INPUT');
    });

    it.each([
      ['a text file', 'UNSUPPORTED_IMAGE', () => Promise.resolve(Buffer.from('just some text, not a photo'))],
      ['an SVG', 'UNSUPPORTED_IMAGE', () => Promise.resolve(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><rect width="100" height="100"/></svg>'))],
      ['a valid 16000x16000 PNG', 'IMAGE_TOO_LARGE', () => Promise.resolve(hugePng(16000, 16000))],
      ['a truncated JPEG', 'CORRUPT_IMAGE', () => Promise.resolve(photo.subarray(0, photo.length / 2))],
      ['a GIF', 'OK', () => sharp(photo).gif().toBuffer()],
      ['a WebP', 'OK', () => sharp(photo).webp().toBuffer()],
      ['a TIFF', 'OK', () => sharp(photo).tiff().toBuffer()],
      ['an empty file', 'UNSUPPORTED_IMAGE', () => Promise.resolve(Buffer.alloc(0))],
    ])('%s: %s', async (_what, code, make) => {
      const r = await upload(await make());
      expect(codeOf(r)).not.toBe('INTERNAL_SERVER_ERROR');
      expect(codeOf(r)).toBe(code);
    });
  });

  it('every searchFaces attempt that reached the operation has its audit event, and the chain verifies', async () => {
    const events = (await t.gql(hubAdmin, `{ auditEvents(action: "${AuditAction.SEARCH}", first: 500) { nodes { outcome reason } } }`)).data.auditEvents.nodes;
    expect(events.length).toBe(attempts);
    expect(events.every((e: { reason: string | null }) => e.reason !== 'INTERNAL_ERROR')).toBe(true);
    const auditor = (await t.principal('hub', Role.OVERSIGHT_AUDITOR)).token;
    expect((await t.gql(auditor, `{ verifyAuditChain { ok } }`)).data.verifyAuditChain.ok).toBe(true);
  });
});

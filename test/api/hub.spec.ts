import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { Role } from '../../models/enums';
import { emitSchema, SCHEMA_FILE } from '../../schema/build-schema';
import { parseArgs } from '../../cli/args';
import { tokenCommand, tokenSpec } from '../../cli/hub-commands';
import { BOOKING_FACES, bookingPhoto, portrait, sampleImage } from '../support/fixtures';
import { startHub, uploadRequest, type TestHub } from '../support/hub';

const ENROLL = `mutation($input: EnrollFaceInput!) { enrollFace(input: $input) { templateId subjectRef created quality modelVersion galleryId } }`;
const SEARCH = `mutation($input: SearchFacesInput!) { searchFaces(input: $input) {
  id status caseNumber legalBasis modelVersion threshold probeQuality notice candidates { rank score subjectRef galleryId templateId } } }`;

/** Each of the three people in face-api's sample photo, cropped: (left, top, width, height). */
const PEOPLE = BOOKING_FACES;
const crop = bookingPhoto;
const b64 = (b: Buffer) => b.toString('base64');

describe('GraphQL API over HTTP', () => {
  let t: TestHub;
  let admin: string;
  let metroAdmin: string;
  let analyst: string;
  let analystId: string;
  let galleryId: string;

  beforeAll(async () => {
    t = await startHub();
    admin = await t.token('hub', Role.HUB_ADMIN);
    for (const slug of ['metro-pd', 'river-pd']) {
      const r = await t.gql(admin, `mutation($i: CreateTenantInput!) { createTenant(input: $i) { slug } }`, { i: { slug, name: slug.toUpperCase() } });
      expect(r.errors).toBeUndefined();
    }
    metroAdmin = await t.token('metro-pd', Role.AGENCY_ADMIN);
    const p = await t.gql(admin, `mutation($i: CreatePrincipalInput!) { createPrincipal(input: $i) { id role } }`, {
      i: { tenantSlug: 'metro-pd', name: 'Det. Rivera', role: 'AGENCY_ANALYST', certifiedUntil: '2030-01-01T00:00:00Z' },
    });
    analystId = p.data.createPrincipal.id;
    analyst = await t.token('metro-pd', undefined, analystId);
    galleryId = (await t.gql(metroAdmin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
  });
  afterAll(() => t?.close());

  describe('authentication', () => {
    const codeFor = async (token: string) => (await t.gql(token, `{ me { role } }`)).errors?.[0].extensions.code;

    it('accepts a hub token and names the caller', async () => {
      const r = await t.gql(analyst, `{ me { role principalId tenant { slug } } }`);
      expect(r.data.me).toEqual({ role: 'AGENCY_ANALYST', principalId: analystId, tenant: { slug: 'metro-pd' } });
    });

    it('audits tokens minted by `frhub token` (checked against the hub it names) once the hub picks them up', async () => {
      const printed: string[] = [];
      const log = jest.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(line));
      const env = { dir: process.env.FRHUB_DATA_DIR, url: process.env.DATABASE_URL };
      // the hub's data directory and database: the command checks the tenant there (through the hub's API on PGlite)
      process.env.FRHUB_DATA_DIR = t.dataDir;
      process.env.DATABASE_URL = t.databaseUrl;
      try {
        await tokenCommand(parseArgs(['--tenant', 'metro-pd', '--role', 'AGENCY_SUPERVISOR', '--ttl', '600'], tokenSpec.options!));
      } finally {
        process.env.FRHUB_DATA_DIR = env.dir;
        if (env.url === undefined) delete process.env.DATABASE_URL;
        else process.env.DATABASE_URL = env.url;
        log.mockRestore();
      }
      expect((await t.gql(printed[0], `{ me { role } }`)).data.me.role).toBe('AGENCY_SUPERVISOR');
      await t.hub.auditIssuedTokens();
      await t.hub.auditIssuedTokens();
      const events = (await t.gql(admin, `{ auditEvents(action: "TOKEN_ISSUED", first: 10) { nodes { actorRole details } } }`)).data.auditEvents.nodes;
      const sha = require('node:crypto').createHash('sha256').update(printed[0]).digest('hex');
      expect(events.filter((e: { details: { tokenSha256: string } }) => e.details.tokenSha256 === sha)).toEqual([
        { actorRole: 'AGENCY_SUPERVISOR', details: expect.objectContaining({ via: 'cli', tenant: 'metro-pd', tokenSha256: sha }) },
      ]);
    });

    it('refuses missing, unsigned, forged, unknown-tenant and unknown-principal tokens with UNAUTHENTICATED', async () => {
      const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 'frhub', sub: 'svc:HUB_ADMIN', tenant: 'hub', role: 'HUB_ADMIN' })).toString('base64url')}.`;
      const jose = require('jose');
      const { privateKey } = await jose.generateKeyPair('EdDSA', { crv: 'Ed25519' });
      const forged = await new jose.SignJWT({ tenant: 'hub', role: 'HUB_ADMIN' }).setProtectedHeader({ alg: 'EdDSA' }).setIssuer('frhub').setSubject('svc:HUB_ADMIN').setExpirationTime('1h').sign(privateKey);
      const expired = await new jose.SignJWT({ tenant: 'hub', role: 'HUB_ADMIN' }).setProtectedHeader({ alg: 'EdDSA' }).setIssuer('frhub').setSubject('svc:HUB_ADMIN').setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(t.hub.keys.privateKey);
      const wrongIssuer = await new jose.SignJWT({ tenant: 'hub', role: 'HUB_ADMIN' }).setProtectedHeader({ alg: 'EdDSA' }).setIssuer('someone-else').setSubject('svc:HUB_ADMIN').setExpirationTime('1h').sign(t.hub.keys.privateKey);
      expect((await t.gql(null, `{ me { role } }`)).errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
      for (const token of [none, forged, expired, wrongIssuer, 'garbage', await t.token('no-such-agency', Role.HUB_ADMIN), await t.token('metro-pd', undefined, '00000000-0000-4000-8000-000000000000')]) {
        expect(await codeFor(token)).toBe('UNAUTHENTICATED');
      }
    });
  });

  describe('enrollment and search', () => {
    beforeAll(async () => {
      for (const ref of Object.keys(PEOPLE)) {
        const r = await uploadRequest(t.url, metroAdmin, ENROLL, { galleryId, subjectRef: ref }, await crop(ref));
        expect(r.errors).toBeUndefined();
        expect(r.data.enrollFace).toMatchObject({ subjectRef: ref, created: true, galleryId });
      }
    });

    it('is idempotent: the same image again returns the existing template', async () => {
      const again = await t.gql(metroAdmin, ENROLL, { input: { galleryId, subjectRef: 'BK-1001', imageBase64: b64(await crop('BK-1001')) } });
      expect(again.data.enrollFace.created).toBe(false);
      const subjects = await t.gql(metroAdmin, `query($g: ID!) { gallery(id: $g) { templateCount } subjects(galleryId: $g, first: 2) { nodes { subjectRef } pageInfo { hasNextPage endCursor } } }`, { g: galleryId });
      expect(subjects.data.gallery.templateCount).toBe(3);
      expect(subjects.data.subjects.nodes).toHaveLength(2);
      expect(subjects.data.subjects.pageInfo.hasNextPage).toBe(true);
      const rest = await t.gql(metroAdmin, `query($g: ID!, $a: String) { subjects(galleryId: $g, first: 2, after: $a) { nodes { subjectRef } pageInfo { hasNextPage } } }`, { g: galleryId, a: subjects.data.subjects.pageInfo.endCursor });
      expect(rest.data.subjects.nodes).toHaveLength(1);
      expect(rest.data.subjects.pageInfo.hasNextPage).toBe(false);
    });

    it.each(Object.keys(PEOPLE))('finds %s at rank 1 from a different photo of the face', async (ref) => {
      const r = await uploadRequest(t.url, analyst, SEARCH, { caseNumber: '2026-000123', legalBasis: 'CRIMINAL_SUSPECT_ID', offenseCategory: 'ROBBERY', minScore: 0 }, await crop(ref, true));
      expect(r.errors).toBeUndefined();
      const s = r.data.searchFaces;
      expect(s.candidates[0].subjectRef).toBe(ref);
      expect(s.candidates.map((c: { rank: number }) => c.rank)).toEqual([1, 2, 3]);
      expect(s.candidates[0].score).toBeGreaterThan(s.candidates[1].score);
      expect(s).toMatchObject({ status: 'COMPLETED', caseNumber: '2026-000123', legalBasis: 'CRIMINAL_SUSPECT_ID', modelVersion: t.hub.engine.modelVersion });
      expect(s.notice).toMatch(/leads only/);
    });

    it('applies the threshold after ranking: a stranger at the calibrated threshold returns no candidates', async () => {
      const stranger = await sharp(sampleImage(2)).extract({ left: 0, top: 0, width: 1920, height: 1367 }).jpeg().toBuffer();
      const r = await t.gql(analyst, SEARCH, { input: { imageBase64: b64(stranger), legalBasis: 'VICTIM_ID', caseNumber: 'C-1', maxCandidates: 5 } }).catch(() => undefined);
      // sample2 is a group photo: the hub asks for one face; a cropped face of a person not enrolled scores below threshold
      expect(['MULTIPLE_FACES', undefined]).toContain(r?.errors?.[0].extensions.code);
      // the same person, cropped from the same photo as an enrolled face, scores near 1; a minScore just above that score returns nothing
      const probe = { imageBase64: b64(await portrait()), legalBasis: 'VICTIM_ID', caseNumber: 'C-1' };
      const top = (await t.gql(analyst, SEARCH, { input: { ...probe, minScore: -1 } })).data.searchFaces.candidates[0].score;
      expect(top).toBeGreaterThan(0.95);
      const one = await t.gql(analyst, SEARCH, { input: { ...probe, minScore: (top + 1) / 2 } });
      expect(one.data.searchFaces.candidates).toEqual([]);
    });

    it('reads searches back: search(id) and a newest-first connection', async () => {
      const list = await t.gql(analyst, `{ searches(first: 2) { nodes { id candidates { rank } } pageInfo { hasNextPage endCursor } } }`);
      expect(list.data.searches.nodes).toHaveLength(2);
      const one = await t.gql(analyst, `query($id: ID!) { search(id: $id) { id candidates { subjectRef } } }`, { id: list.data.searches.nodes[0].id });
      expect(one.data.search.id).toBe(list.data.searches.nodes[0].id);
    });

    it('keeps tenants apart: another agency sees NOT_FOUND for this gallery and these searches', async () => {
      const river = await t.token('river-pd', Role.AGENCY_ADMIN);
      expect((await t.gql(river, `query($g: ID!) { gallery(id: $g) { id } }`, { g: galleryId })).errors?.[0].extensions.code).toBe('NOT_FOUND');
      expect((await t.gql(river, `query($g: ID!) { gallery(id: $g) { id } }`, { g: '00000000-0000-4000-8000-000000000000' })).errors?.[0].extensions.code).toBe('NOT_FOUND');
      const riverAnalystId = (await t.gql(admin, `mutation { createPrincipal(input: { tenantSlug: "river-pd", name: "Det. Okafor", role: AGENCY_ANALYST, certifiedUntil: "2030-01-01T00:00:00Z" }) { id } }`)).data.createPrincipal.id;
      const riverAnalyst = await t.token('river-pd', undefined, riverAnalystId);
      const r = await t.gql(riverAnalyst, SEARCH, { input: { imageBase64: b64(await crop('BK-1001')), legalBasis: 'VICTIM_ID', caseNumber: 'C-1', galleryIds: [galleryId] } });
      expect(r.errors?.[0].extensions.code).toBe('NOT_FOUND');
      const own = await t.gql(riverAnalyst, SEARCH, { input: { imageBase64: b64(await crop('BK-1001')), legalBasis: 'VICTIM_ID', caseNumber: 'C-1', minScore: -1 } });
      expect(own.data.searchFaces.candidates).toEqual([]);
    });

    it('denies by role: an analyst cannot enroll or create tenants', async () => {
      expect((await t.gql(analyst, ENROLL, { input: { galleryId, subjectRef: 'X', imageBase64: b64(await crop('BK-1001')) } })).errors?.[0].extensions.code).toBe('FORBIDDEN');
      expect((await t.gql(metroAdmin, `mutation { createTenant(input: { slug: "rogue", name: "R" }) { id } }`)).errors?.[0].extensions.code).toBe('FORBIDDEN');
    });
  });

  describe('bad input: a stable code, a message to act on, and the server keeps serving', () => {
    const cases: [string, () => Promise<Record<string, unknown>>, string][] = [
      ['a truncated JPEG', async () => ({ imageBase64: b64((await crop('BK-1001')).subarray(0, 5000)), legalBasis: 'VICTIM_ID', caseNumber: 'C-1' }), 'CORRUPT_IMAGE'],
      ['text instead of an image', async () => ({ imageBase64: b64(Buffer.from('hello')), legalBasis: 'VICTIM_ID', caseNumber: 'C-1' }), 'UNSUPPORTED_IMAGE'],
      ['no image at all', async () => ({ legalBasis: 'VICTIM_ID', caseNumber: 'C-1' }), 'BAD_USER_INPUT'],
      ['a photo with no face', async () => ({ imageBase64: b64(await sharp({ create: { width: 400, height: 300, channels: 3, background: '#357' } }).png().toBuffer()), legalBasis: 'VICTIM_ID', caseNumber: 'C-1' }), 'NO_FACE_FOUND'],
      ['a group photo', async () => ({ imageBase64: b64(sampleImage(1)), legalBasis: 'VICTIM_ID', caseNumber: 'C-1' }), 'MULTIPLE_FACES'],
      ['too many candidates', async () => ({ imageBase64: b64(await portrait()), legalBasis: 'VICTIM_ID', caseNumber: 'C-1', maxCandidates: 500 }), 'BAD_USER_INPUT'],
      ['an unknown legal basis', async () => ({ imageBase64: b64(await portrait()), legalBasis: 'CURIOSITY' }), 'BAD_USER_INPUT'],
    ];
    it.each(cases)('%s -> %s', async (_label, input, code) => {
      const r = await t.gql(analyst, SEARCH, { input: await input() });
      expect(r.errors?.[0].extensions.code).toBe(code);
      expect(r.errors?.[0].message).not.toMatch(/SELECT|at .*\.ts:|stack/i);
    });

    it('an upload over the size limit is refused, and the hub still answers', async () => {
      const small = await startHub({ FRHUB_MAX_IMAGE_BYTES: '10000' });
      try {
        const r = await uploadRequest(small.url, await small.token('hub', Role.HUB_ADMIN), SEARCH, { legalBasis: 'VICTIM_ID', caseNumber: 'C-1' }, readFileSync(require.resolve('@vladmandic/face-api/demo/sample1.jpg')));
        expect(r.errors?.[0].extensions.code).toBe('IMAGE_TOO_LARGE');
        expect((await fetch(`${small.url}/readyz`)).status).toBe(200);
      } finally {
        await small.close();
      }
    });

    it('refuses a query built from too many aliases', async () => {
      const ok = `{ ${Array.from({ length: 5 }, (_, i) => `a${i}: me { role }`).join(' ')} }`;
      expect((await t.gql(analyst, ok)).errors).toBeUndefined();
      const aliases = `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: me { role }`).join(' ')} }`;
      const r = await t.gql(analyst, aliases);
      expect(r.errors?.[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
      expect(r.errors?.[0].message).toMatch(/40 aliases; the limit is 30/);
    });

    it('refuses a query whose cost (fields x page sizes) is over the limit', async () => {
      const page = (i: number) => `p${i}: searches(first: 100) { nodes { id caseNumber legalBasis candidates { rank score subjectRef galleryId templateId } } pageInfo { endCursor } }`;
      expect((await t.gql(analyst, `{ ${page(0)} }`)).errors).toBeUndefined();
      const r = await t.gql(analyst, `{ ${Array.from({ length: 20 }, (_, i) => page(i)).join(' ')} }`);
      expect(r.errors?.[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
      expect(r.errors?.[0].message).toMatch(/would cost \d+ .*the limit is 10000/);
    });

    it('still serves: health, readiness and metrics', async () => {
      expect(await (await fetch(`${t.url}/healthz`)).json()).toEqual({ status: 'ok' });
      expect(((await (await fetch(`${t.url}/readyz`)).json()) as { status: string }).status).toBe('ready');
      expect(await (await fetch(`${t.url}/metrics`)).text()).toMatch(/frhub_graphql_operation_seconds/);
    });
  });

  it('inferenceStatus reports the pack and provider', async () => {
    const r = await t.gql(analyst, `{ inferenceStatus { pack provider embeddingDim queueDepth } }`);
    expect(r.data.inferenceStatus).toMatchObject({ pack: 'builtin-dlib', provider: 'cpu', embeddingDim: 128 });
  });
});

describe('schema/schema.graphql', () => {
  it('is the schema the code emits (run `npm run schema` and commit it when this fails)', async () => {
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    const emitted = await emitSchema(`${SCHEMA_FILE}.check`);
    require('node:fs').rmSync(`${SCHEMA_FILE}.check`);
    expect(emitted).toBe(committed);
  });
});

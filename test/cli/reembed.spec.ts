import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import pino from 'pino';
import sharp from 'sharp';
import { loadConfig } from '../../server/config';
import { createHub, type Hub } from '../../server/composition/create-hub';
import { FaceEngine, DEFAULT_INFERENCE_CONFIG } from '../../inference/face-engine';
import { loadPack, modelVersionOf } from '../../inference/model-pack';
import { Role } from '../../models/enums';
import { openImage } from '../../models/face-image-cipher';
import { hubClient, type HubClient } from '../support/client';
import { demoPeople, portrait } from '../support/fixtures';
import { frhubSpawned } from '../support/cli';
import { hubWorkspace, spawnHub, type HubWorkspace } from '../support/process';

// `frhub reembed`: a gallery moved to builtin-faceres from the crops enrollment kept, spawned as operators run it.

const ROOT = resolve(__dirname, '../..');
const MODELS = join(ROOT, 'data/models');
const PG = !!process.env.DATABASE_URL;
const DLIB = modelVersionOf(loadPack(join(MODELS, 'builtin-dlib')).manifest);
const FACERES = modelVersionOf(loadPack(join(MODELS, 'builtin-faceres')).manifest);
const SEARCH = `mutation($input: SearchFacesInput!) { searchFaces(input: $input) { modelVersion candidates { rank score subjectRef } } }`;
const COUNTS = `query($id: ID!) { gallery(id: $id) { templateCount templateCounts { modelVersion templates withCrop } } }`;

/** the left person of sample 1, whom portrait() shows */
const PORTRAIT_SUBJECT = 'S1-1';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const frhub = frhubSpawned;

describe('frhub reembed: a gallery moved to another model pack from kept crops', () => {
  let ws: HubWorkspace;
  let env: Record<string, string>;
  let hub: Hub | undefined;
  let client: HubClient;
  let galleryId: string;
  /** a gallery whose one photo was enrolled before crops were kept */
  let legacyId: string;
  let legacyPhoto: Buffer;
  let enrolled: number;
  let admin: string;

  beforeAll(async () => {
    execFileSync('node', [join(ROOT, 'cli/build.cjs')], { cwd: ROOT, stdio: 'ignore' });
    ws = await hubWorkspace();
    env = { FRHUB_DATA_DIR: ws.dataDir, DATABASE_URL: ws.databaseUrl ?? '' };
    hub = await createHub(loadConfig({ ...process.env, ...env, FRHUB_MODEL_DIR: MODELS, FRHUB_INFERENCE_PROVIDER: 'cpu' }), { logger: pino({ level: 'silent' }) });
    const { url } = await hub.listen(0, '127.0.0.1');
    client = hubClient(url, hub.keys);
    admin = await client.token('hub', Role.HUB_ADMIN);
    await client.gql(admin, `mutation { createTenant(input: { slug: "metro-pd", name: "Metro PD" }) { id } }`);
    const agencyAdmin = await client.token('metro-pd', Role.AGENCY_ADMIN);
    galleryId = (await client.gql(agencyAdmin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
    enrolled = 0;
    const all = await demoPeople();
    legacyId = (await client.gql(agencyAdmin, `mutation { createGallery(input: { name: "Legacy" }) { id } }`)).data.createGallery.id;
    legacyPhoto = all[0].image;
    await client.gql(agencyAdmin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { created } }`, { i: { galleryId: legacyId, subjectRef: 'L-1', imageBase64: legacyPhoto.toString('base64') } });
    for (const p of all) {
      const r = await client.gql(agencyAdmin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { created } }`, { i: { galleryId, subjectRef: p.ref, imageBase64: p.image.toString('base64') } });
      if (r.data?.enrollFace.created) enrolled++;
    }
  }, 300_000);

  afterAll(async () => {
    await hub?.close();
    await ws?.drop();
  });

  it('prints its usage, options and an example on --help, and runs nothing', async () => {
    const r = await frhub(['reembed', '--help'], { FRHUB_DATA_DIR: join(ws.dataDir, 'none'), DATABASE_URL: '' });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^usage: frhub reembed --gallery <id> \(--pack <id\|dir>[^]*\noptions:\n[^]*--drop-old[^]*--status[^]*\nexample:\n  npx frhub reembed --gallery \S+ --pack builtin-faceres\n$/);
  });

  it('keeps a crop of each enrolled face, which another pack finds the face in again; counts per model are visible to the owner only', async () => {
    expect(enrolled).toBeGreaterThanOrEqual(30);
    // kept sealed (test/security/face-image-encryption.spec.ts): opened here with the hub's image keys
    const sealed: { image: Buffer; keyId: string; imageSha256: string; width: number; height: number }[] = await hub!.database.db.scoped({ tenantId: null, allTenants: true }, (tx) =>
      tx.query(`SELECT c.image, c.key_id AS "keyId", c.image_sha256 AS "imageSha256", c.width, c.height FROM face_crops c JOIN face_templates t USING (gallery_id, image_sha256) WHERE c.gallery_id = $1`, [galleryId]),
    );
    const crops = sealed.map((c) => ({ ...c, jpeg: openImage(hub!.imageKeys, { keyId: c.keyId, bytes: c.image }, { galleryId, imageSha256: c.imageSha256 }) }));
    expect(crops).toHaveLength(enrolled);
    const engine = await FaceEngine.create({ ...DEFAULT_INFERENCE_CONFIG, modelDir: MODELS, pack: 'builtin-faceres', provider: 'cpu' });
    try {
      for (const c of crops) {
        const meta = await sharp(c.jpeg).metadata();
        expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', c.width, c.height]);
        expect(Math.max(c.width, c.height)).toBeLessThanOrEqual(256);
        const a = await engine.analyze(c.jpeg, { select: 'prominent' });
        // the face is centred, about 2/5 of the crop wide
        const f = a.faces[0].box;
        expect(Math.abs(f.x + f.width / 2 - c.width / 2)).toBeLessThan(c.width / 8);
        expect(f.width / c.width).toBeGreaterThan(0.25);
      }
    } finally {
      await engine.close();
    }
    console.log(`kept crops: ${crops.length}, mean ${Math.round(crops.reduce((a, c) => a + c.jpeg.length, 0) / crops.length)} bytes per face`);
    const counts = await client.gql(admin, COUNTS, { id: galleryId });
    expect(counts.data.gallery.templateCounts).toEqual([{ modelVersion: DLIB, templates: enrolled, withCrop: enrolled }]);
    // a photo enrolled before crops were kept (its crop removed here) gets one when enrolled again
    const legacyCrops = () => hub!.database.db.scoped({ tenantId: null, allTenants: true }, async (tx) => (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM face_crops WHERE gallery_id = $1`, [legacyId]))[0].n);
    const dropLegacyCrop = () => hub!.database.db.scoped({ tenantId: null, allTenants: true }, (tx) => tx.query(`DELETE FROM face_crops WHERE gallery_id = $1`, [legacyId]));
    await dropLegacyCrop();
    expect(await legacyCrops()).toBe(0);
    const again = await client.gql(await client.token('metro-pd', Role.AGENCY_ADMIN), `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { created } }`, { i: { galleryId: legacyId, subjectRef: 'L-1', imageBase64: legacyPhoto.toString('base64') } });
    expect(again.data.enrollFace.created).toBe(false);
    expect(await legacyCrops()).toBe(1);
    await dropLegacyCrop();
    await client.gql(admin, `mutation { createTenant(input: { slug: "north-pd", name: "North PD" }) { id } }`);
    for (const [slug, role] of [['north-pd', Role.AGENCY_ADMIN], ['hub', Role.OVERSIGHT_AUDITOR]] as const) {
      const r = await client.gql(await client.token(slug, role), COUNTS, { id: galleryId });
      expect({ slug, code: r.errors?.[0].extensions.code }).toEqual({ slug, code: 'NOT_FOUND' });
    }
  }, 120_000);

  it('refuses beside a hub on the embedded database (exit status 75) but shows --status through its API; on PostgreSQL it runs beside the hub', async () => {
    const statusLines = `gallery ${galleryId} (Bookings): templates per model version\n  ${DLIB}: ${enrolled} template(s), ${enrolled} with a kept crop\n`;
    if (PG) {
      // beside the running hub, straight to the database (the move itself runs beside it in the next tests)
      expect(await frhub(['reembed', '--gallery', galleryId, '--status'], env)).toMatchObject({ code: 0, stdout: statusLines, stderr: '' });
      return;
    }
    const r = await frhub(['reembed', '--gallery', galleryId, '--pack', 'builtin-faceres'], env);
    expect(r).toMatchObject({ code: 75, stdout: '' });
    expect(r.stderr).toMatch(/^frhub reembed: `frhub reembed` needs the embedded database to itself, but the hub is running on .*\. Stop the hub, run `frhub reembed` \(a second run does only what is missing\), start the hub again; on PostgreSQL \(DATABASE_URL\) it runs beside the hub\.\n$/);
    const s = await frhub(['reembed', '--gallery', galleryId, '--status'], env);
    expect(s).toMatchObject({ code: 0, stdout: statusLines });
    expect(s.stderr).toMatch(/going through its API\n$/);
    await hub!.close();
    hub = undefined;
  }, 120_000);

  it('refuses, counts and says how to fix photos enrolled before crops were kept', async () => {
    const r = await frhub(['reembed', '--gallery', legacyId, '--pack', 'builtin-faceres'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^re-embedded 0, skipped 0 \\(already in ${escape(FACERES)}\\), without a crop 1, failed 0, of 1 photo\\(s\\) of gallery ${legacyId} in [\\d.]+ s \\([\\d.]+ photos/s\\)\n$`));
    expect(r.stderr).toContain('frhub reembed: 1 photo(s) were enrolled before crops were kept: re-enroll them from their photos into the same gallery (enrollFace, or `frhub enroll` after deleting <data dir>/enroll-<gallery>.progress.json; the template already there gets its crop), then run `frhub reembed` again.\n');
  }, 120_000);

  it('re-embeds with progress; after kill -9 a second run does only what is missing; --drop-old waits for the move to complete', async () => {
    let killed = false;
    const first = await frhub(['reembed', '--gallery', galleryId, '--pack', 'builtin-faceres', '--batch', '2'], env, {
      onStderr: (all, child) => {
        if (!killed && /^reembed: \d+\/\d+ photos/m.test(all)) {
          killed = true;
          child.kill('SIGKILL');
        }
      },
    });
    expect(first.code).toBeNull();
    expect(first.stderr).toMatch(new RegExp(`^reembed: (\\d+)/${enrolled} photos \\(\\d+%\\), [\\d.]+ photos/s, ETA \\d+ s, 0 failed$`, 'm'));
    const status = await frhub(['reembed', '--gallery', galleryId, '--status', '--pack', 'builtin-faceres'], env);
    const [, done] = /move to .*: (\d+)\/(\d+) photo\(s\) re-embedded, 0 without a kept crop; incomplete\n$/.exec(status.stdout) ?? [];
    expect(Number(done)).toBeGreaterThanOrEqual(2);
    expect(Number(done)).toBeLessThan(enrolled);

    const drop = await frhub(['reembed', '--gallery', galleryId, '--pack', 'builtin-faceres', '--drop-old'], env);
    expect(drop).toMatchObject({ code: 1, stdout: '' });
    expect(drop.stderr).toContain(`The move to ${FACERES} is incomplete: ${enrolled - Number(done)} of ${enrolled} enrolled photos have no template of it yet`);

    const second = await frhub(['reembed', '--gallery', galleryId, '--pack', 'builtin-faceres'], env);
    expect(second.code).toBe(0);
    const last = second.stdout.trim().split('\n').pop();
    expect(last).toMatch(new RegExp(`^re-embedded ${enrolled - Number(done)}, skipped ${done} \\(already in ${escape(FACERES)}\\), without a crop 0, failed 0, of ${enrolled} photo\\(s\\) of gallery ${galleryId} in [\\d.]+ s \\([\\d.]+ photos/s\\)$`));
    console.log(`reembed (second run): ${last}`);
    const again = await frhub(['reembed', '--gallery', galleryId, '--status', '--pack', 'builtin-faceres'], env);
    expect(again.stdout).toContain(`  ${DLIB}: ${enrolled} template(s), ${enrolled} with a kept crop\n  ${FACERES}: ${enrolled} template(s), ${enrolled} with a kept crop\nmove to ${FACERES}: ${enrolled}/${enrolled} photo(s) re-embedded, 0 without a kept crop; complete`);
  }, 600_000);

  it('both models stay searchable: a hub on builtin-faceres finds the person with the new templates, one on the default pack with the old; each search names its model', async () => {
    for (const [pack, version] of [['builtin-faceres', FACERES], ['builtin-dlib', DLIB]]) {
      const served = await spawnHub(ws, { FRHUB_MODEL_PACK: pack });
      try {
        const adminToken = await served.token('hub', Role.HUB_ADMIN);
        const p = await served.gql(adminToken, `mutation($i: CreatePrincipalInput!) { createPrincipal(input: $i) { id } }`, {
          i: { tenantSlug: 'metro-pd', name: `analyst ${pack}`, role: Role.AGENCY_ANALYST, certifiedUntil: '2099-01-01T00:00:00Z' },
        });
        const analyst = await served.token('metro-pd', undefined, p.data.createPrincipal.id);
        const r = await served.gql(analyst, SEARCH, { input: { imageBase64: (await portrait()).toString('base64'), legalBasis: 'VICTIM_ID', caseNumber: `C-${pack}` } });
        expect(r.errors).toBeUndefined();
        expect(r.data.searchFaces.modelVersion).toBe(version);
        expect(r.data.searchFaces.candidates[0].subjectRef).toBe(PORTRAIT_SUBJECT);
      } finally {
        served.child.kill('SIGTERM');
        await served.exited;
      }
    }
  }, 300_000);

  it('--drop-old deletes the old model\'s templates once complete, keeps the crops, and is audited; a photo\'s crop goes with its last template', async () => {
    const r = await frhub(['reembed', '--gallery', galleryId, '--pack', 'builtin-faceres', '--drop-old'], env);
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toBe(`  ${FACERES}: ${enrolled} template(s), ${enrolled} with a kept crop\ndropped ${enrolled} template(s) of other models from gallery ${galleryId}; it now holds ${FACERES} only (the kept crops stay with its templates)\n`);
    const config = loadConfig({ ...process.env, ...env, FRHUB_MODEL_DIR: MODELS, FRHUB_INFERENCE_PROVIDER: 'cpu' });
    await hub?.close();
    hub = await createHub({ ...config, inference: { ...config.inference, pack: 'builtin-faceres' } }, { logger: pino({ level: 'silent' }) });
    const db = hub.database.db;
    const all = { tenantId: null, allTenants: true };
    const [g] = await db.scoped(all, (tx) => tx.query<{ n: number; tenantId: string }>(`SELECT template_count AS n, tenant_id AS "tenantId" FROM galleries WHERE id = $1`, [galleryId]));
    expect(g.n).toBe(enrolled);
    const actions = await db.scoped(all, (tx) => tx.query(`SELECT action, details->>'step' AS step FROM audit_events WHERE action IN ('REEMBED', 'REEMBED_DROP_OLD') AND $1 = ANY(galleries) ORDER BY seq`, [galleryId]));
    // the killed run audited its start; the second its start and end
    expect(actions).toEqual([{ action: 'REEMBED', step: 'started' }, { action: 'REEMBED', step: 'started' }, { action: 'REEMBED', step: 'finished' }, { action: 'REEMBED_DROP_OLD', step: null }]);
    const crops = () => db.scoped(all, async (tx) => (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM face_crops WHERE gallery_id = $1`, [galleryId]))[0].n);
    expect(await crops()).toBe(enrolled);
    // the tenant's own scope deletes one photo's template: its crop goes with it (row-level security lets it)
    await db.scoped({ tenantId: g.tenantId }, (tx) => tx.query(`DELETE FROM face_templates WHERE id = (SELECT id FROM face_templates WHERE gallery_id = $1 ORDER BY id LIMIT 1)`, [galleryId]));
    expect(await crops()).toBe(enrolled - 1);
    // another tenant's scope sees no crop at all
    const [other] = await db.scoped(all, (tx) => tx.query<{ id: string }>(`SELECT id FROM tenants WHERE slug = 'north-pd'`));
    expect(await db.scoped({ tenantId: other.id }, async (tx) => (await tx.query(`SELECT count(*)::int AS n FROM face_crops`))[0].n)).toBe(0);
  }, 180_000);
});

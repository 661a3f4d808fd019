import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { loadPack, modelVersionOf } from '../../inference/model-pack';
import { AuditAction, Role } from '../../models/enums';
import { loadConfig } from '../../server/config';
import { openDatabase } from '../../server/database/open-database';
import { createHub, type Hub } from '../../server/composition/create-hub';
import { hubClient } from '../support/client';
import { frhubSpawned } from '../support/cli';
import { demoPeople } from '../support/fixtures';
import { hubWorkspace, type HubWorkspace } from '../support/process';

// `frhub calibrate --gallery`: what the pack's scores mean on one gallery's own people, spawned as an
// operator runs it, its figures checked against the gallery's templates read independently here.

const ROOT = resolve(__dirname, '../..');
const MODELS = join(ROOT, 'data/models');
const PG = !!process.env.DATABASE_URL;
const DLIB = modelVersionOf(loadPack(join(MODELS, 'builtin-dlib')).manifest);
const MATCH = loadPack(join(MODELS, 'builtin-dlib')).manifest.thresholds.match;

const frhub = frhubSpawned;

const LINE = /^calibration: impostor_pairs=(\d+) genuine_pairs=(\d+) people=(\d+) fmr_at_threshold=([\d.]+) ci95=([\d.]+)-([\d.]+)$/m;

describe('frhub calibrate --gallery: the pack\'s score distributions on a gallery\'s own people', () => {
  let ws: HubWorkspace;
  let env: Record<string, string>;
  let hub: Hub | undefined;
  let galleryId: string;
  /** [subject, embedding] of every template, read straight from the database */
  let templates: { subject: string; v: number[] }[];

  beforeAll(async () => {
    execFileSync('node', [join(ROOT, 'cli/build.cjs')], { cwd: ROOT, stdio: 'ignore' });
    ws = await hubWorkspace();
    env = { FRHUB_DATA_DIR: ws.dataDir, DATABASE_URL: ws.databaseUrl ?? '' };
    hub = await createHub(loadConfig({ ...process.env, ...env, FRHUB_MODEL_DIR: MODELS, FRHUB_INFERENCE_PROVIDER: 'cpu' }), { logger: pino({ level: 'silent' }) });
    const { url } = await hub.listen(0, '127.0.0.1');
    const client = hubClient(url, hub.keys);
    await client.gql(await client.token('hub', Role.HUB_ADMIN), `mutation { createTenant(input: { slug: "metro-pd", name: "Metro PD" }) { id } }`);
    const admin = await client.token('metro-pd', Role.AGENCY_ADMIN);
    galleryId = (await client.gql(admin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
    for (const p of await demoPeople()) await client.gql(admin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { created } }`, { i: { galleryId, subjectRef: p.ref, imageBase64: p.image.toString('base64') } });
    templates = (
      await hub.database.db.scoped({ tenantId: null, allTenants: true }, (tx) => tx.query<{ subject: string; e: string }>(`SELECT subject_id AS subject, embedding::text AS e FROM face_templates WHERE gallery_id = $1`, [galleryId]))
    ).map((r) => ({ subject: r.subject, v: JSON.parse(r.e) }));
  }, 300_000);

  afterAll(async () => {
    await hub?.close();
    await ws?.drop();
  });

  /** impostor pairs, genuine pairs, people, and the impostor pairs at or above `t`, counted here */
  const truth = (t: number) => {
    let impostor = 0, genuine = 0, above = 0;
    for (let a = 0; a < templates.length; a++) {
      for (let b = a + 1; b < templates.length; b++) {
        if (templates[a].subject === templates[b].subject) genuine++;
        else {
          impostor++;
          if (templates[a].v.reduce((s, x, i) => s + x * templates[b].v[i], 0) >= t) above++;
        }
      }
    }
    return { impostor, genuine, people: new Set(templates.map((x) => x.subject)).size, above };
  };

  it('prints its usage, options and an example on --help, and runs nothing', async () => {
    const r = await frhub(['calibrate', '--help'], { FRHUB_DATA_DIR: join(ws.dataDir, 'none'), DATABASE_URL: '' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: frhub calibrate --gallery <id>[^]*\noptions:\n[^]*--max-templates[^]*\nexample:\n  npx frhub calibrate --gallery \S+\n$/);
  });

  (PG ? it.skip : it)('beside a hub on the embedded database: refused with exit status 75, nothing read', async () => {
    const r = await frhub(['calibrate', '--gallery', galleryId], env);
    expect(r.code).toBe(75);
    expect(r.stderr).toMatch(/holds|held/);
  });

  it('counts the gallery\'s pairs and people exactly, and its rate at the threshold lies in its 95% interval', async () => {
    await hub!.close();
    hub = undefined;
    expect(templates.length).toBeGreaterThanOrEqual(30);
    for (const threshold of [MATCH, 0.87]) {
      const r = await frhub(['calibrate', '--gallery', galleryId, ...(threshold === MATCH ? [] : ['--threshold', String(threshold)])], env);
      expect(r.stderr).not.toMatch(/Error|at \w+ \(/);
      expect(r.code).toBe(0);
      const m = LINE.exec(r.stdout);
      expect(m).not.toBeNull();
      const [impostor, genuine, people, fmr, lo, hi] = m!.slice(1).map(Number);
      const t = truth(threshold);
      expect({ impostor, genuine, people }).toEqual({ impostor: t.impostor, genuine: t.genuine, people: t.people });
      const measured = t.above / t.impostor;
      if (t.above === 0) expect(fmr).toBe(0);
      else expect(Math.abs(fmr - measured) / measured).toBeLessThan(0.1);
      expect(lo).toBeLessThanOrEqual(measured);
      expect(hi).toBeGreaterThan(measured);
      // the interval counts pairs of people, never more than the pairs measured
      expect(hi).toBeGreaterThanOrEqual(1 - 0.05 ** (1 / Math.min(t.impostor, (t.people * (t.people - 1)) / 2)) - 1e-9);
      expect(r.stdout).toContain('shipped calibration (');
      expect(r.stdout).toContain(`threshold ${threshold.toFixed(4)}:`);
    }
  });

  it('reads an unknown gallery as not found (exit 1), and audits each reading in the gallery\'s tenant', async () => {
    const r = await frhub(['calibrate', '--gallery', '00000000-0000-4000-8000-000000000000'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not found|no gallery/i);
    const database = await openDatabase({ databaseUrl: ws.databaseUrl, dataDir: ws.dataDir, migrate: false });
    try {
      const events = await database.db.scoped({ tenantId: null, allTenants: true }, (tx) =>
        tx.query(`SELECT tenant_id, galleries, model_version, details FROM audit_events WHERE action = $1 ORDER BY seq`, [AuditAction.GALLERY_CALIBRATED]),
      );
      expect(events).toHaveLength(2);
      for (const e of events) {
        expect(e.galleries).toEqual([galleryId]);
        expect(e.model_version).toBe(DLIB);
        expect(e.details).toMatchObject({ templatesRead: templates.length });
      }
    } finally {
      await database.close();
    }
  });
});

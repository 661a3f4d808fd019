import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { AuditAction, Role } from '../../models/enums';
import { loadConfig } from '../../server/config';
import { openDatabase } from '../../server/database/open-database';
import { createHub, type Hub } from '../../server/composition/create-hub';
import { hubClient } from '../support/client';
import { frhubSpawned as frhub } from '../support/cli';
import { demoPeople } from '../support/fixtures';
import { hubWorkspace, type HubWorkspace } from '../support/process';

// `frhub calibrate --gallery <id> --store`, `frhub calibrate list` and `frhub calibrate adopt`, spawned
// as an operator runs them: the measurement kept as a version, listed beside the shipped one, adopted
// and adopted back, each adoption audited.

const ROOT = resolve(__dirname, '../..');
const LINE = /^calibration: impostor_pairs=(\d+) genuine_pairs=(\d+) people=(\d+) fmr_at_threshold=([\d.]+) ci95=([\d.]+)-([\d.]+)$/;

describe('frhub calibrate --store, list and adopt', () => {
  let ws: HubWorkspace;
  let env: Record<string, string>;
  let hub: Hub | undefined;
  let galleryId: string;

  beforeAll(async () => {
    execFileSync('node', [join(ROOT, 'cli/build.cjs')], { cwd: ROOT, stdio: 'ignore' });
    ws = await hubWorkspace();
    env = { FRHUB_DATA_DIR: ws.dataDir, DATABASE_URL: ws.databaseUrl ?? '' };
    hub = await createHub(loadConfig({ ...process.env, ...env, FRHUB_MODEL_DIR: join(ROOT, 'data/models'), FRHUB_INFERENCE_PROVIDER: 'cpu' }), { logger: pino({ level: 'silent' }) });
    const { url } = await hub.listen(0, '127.0.0.1');
    const client = hubClient(url, hub.keys);
    const admin = await client.token('hub', Role.HUB_ADMIN);
    galleryId = (await client.gql(admin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
    for (const p of (await demoPeople()).slice(0, 12)) await client.gql(admin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { created } }`, { i: { galleryId, subjectRef: p.ref, imageBase64: p.image.toString('base64') } });
    // the embedded database is the hub's alone: the commands run once it has stopped
    await hub.close();
    hub = undefined;
  }, 300_000);
  afterAll(async () => {
    await hub?.close();
    await ws?.drop();
  });

  it('stores the measurement as a version (the contract line still last), lists it beside the shipped one, adopts it and the shipped one again', async () => {
    const stored = await frhub(['calibrate', '--gallery', galleryId, '--store'], env);
    expect(stored.stderr).not.toMatch(/Error|at \w+ \(/);
    expect(stored.code).toBe(0);
    const out = stored.stdout.trimEnd().split('\n');
    expect(out[out.length - 1]).toMatch(LINE);
    const [, impostor, genuine, people] = LINE.exec(out[out.length - 1])!.map(Number);
    const storedLine = out.find((l) => l.startsWith('stored: '))!;
    const [, version, id] = /calibration (\d+) ([0-9a-f-]{36}) gallery: .*; (\d+) people, (\d+) different-person pairs/.exec(storedLine)!;
    expect(storedLine).toContain(`${people} people, ${impostor} different-person pairs`);
    expect(genuine).toBeGreaterThan(0);

    const list = await frhub(['calibrate', 'list'], env);
    expect(list.code).toBe(0);
    const rows = list.stdout.split('\n').filter((l) => / calibration \d+ /.test(l));
    expect(rows).toHaveLength(2);
    expect(rows.find((l) => l.includes(id))).toMatch(new RegExp(`^  calibration ${version} ${id} gallery: .*false-match rate at the threshold`));
    expect(rows.find((l) => l.includes(' shipped: '))).toMatch(/^\* calibration \d+ \S+ shipped: /);

    const adopted = await frhub(['calibrate', 'adopt', id], env);
    expect(adopted.code).toBe(0);
    expect(adopted.stdout).toMatch(new RegExp(`^adopted: \\* calibration ${version} ${id} gallery`));
    expect((await frhub(['calibrate', 'list'], env)).stdout).toMatch(new RegExp(`\\n\\* calibration ${version} ${id} gallery`));
    const back = await frhub(['calibrate', 'adopt', 'shipped'], env);
    expect(back.code).toBe(0);
    expect(back.stdout).toMatch(/^adopted: \* calibration \d+ \S+ shipped: /);

    const unknown = await frhub(['calibrate', 'adopt', '00000000-0000-4000-8000-000000000000'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/not found|no calibration/i);

    const database = await openDatabase({ databaseUrl: ws.databaseUrl, dataDir: ws.dataDir, migrate: false });
    try {
      const events = await database.db.scoped({ tenantId: null, allTenants: true }, (tx) =>
        tx.query<{ action: string; details: unknown }>(`SELECT action, details FROM audit_events WHERE action IN ($1, $2) ORDER BY seq`, [AuditAction.CALIBRATION_STORED, AuditAction.CALIBRATION_ADOPTED]));
      expect(events.map((e) => e.action)).toEqual([AuditAction.CALIBRATION_STORED, AuditAction.CALIBRATION_ADOPTED, AuditAction.CALIBRATION_ADOPTED]);
      expect(events[1].details).toMatchObject({ calibrationId: id, source: 'GALLERY', adoptedBy: expect.stringMatching(/^frhub calibrate adopt \(/) });
      expect(events[2].details).toMatchObject({ source: 'SHIPPED', previousCalibrationId: id });
      // nothing of a face in what was stored: score distributions only
      const [row] = await database.db.scoped({ tenantId: null, allTenants: true }, (tx) => tx.query(`SELECT data::text AS d FROM score_calibrations WHERE id = $1`, [id]));
      expect(row.d).not.toMatch(/embedding|\[(-?\d\.\d+,){100,}/);
    } finally {
      await database.close();
    }
  });
});

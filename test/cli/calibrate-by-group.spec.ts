import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { loadPack } from '../../inference/model-pack';
import { AuditAction, Role } from '../../models/enums';
import { loadConfig } from '../../server/config';
import { createHub, type Hub } from '../../server/composition/create-hub';
import { hubClient, type HubClient } from '../support/client';
import { frhubSpawned } from '../support/cli';
import { describeWithShared, SHARED } from '../support/fixtures';
import { hubWorkspace, type HubWorkspace } from '../support/process';

// Error rates by group on real photos (../shared/faces/lfw50: research data, skipped when absent).
// The groups are TEST FIXTURE LABELS, not anyone's real demographics: the first 22 people in
// alphabetical order are labelled AGE_35_TO_44 and the next 4 AGE_65_AND_OVER, only to make one
// group large enough to measure and one too small. Checked: the sample sizes against the templates
// read here, an interval around each rate, the tiny group's warning (and its suppression for
// oversight), and the contract line still last.

const ROOT = resolve(__dirname, '../..');
const MODELS = join(ROOT, 'data/models');
const MATCH = loadPack(join(MODELS, 'builtin-dlib')).manifest.thresholds.match;
const BIG = 'AGE_35_TO_44';
const TINY = 'AGE_65_AND_OVER';
const LINE = /^calibration: impostor_pairs=(\d+) genuine_pairs=(\d+) people=(\d+) fmr_at_threshold=([\d.]+) ci95=([\d.]+)-([\d.]+)$/;

describeWithShared('by group: false-match and false non-match rates per group of a demographic field the gallery keeps', () => {
  let ws: HubWorkspace;
  let env: Record<string, string>;
  let hub: Hub | undefined;
  let client: HubClient;
  let galleryId: string;
  /** every template read straight from the database: subject, its fixture label, embedding */
  let templates: { subject: string; group: string; v: number[] }[];

  beforeAll(async () => {
    execFileSync('node', [join(ROOT, 'cli/build.cjs')], { cwd: ROOT, stdio: 'ignore' });
    ws = await hubWorkspace();
    env = { FRHUB_DATA_DIR: ws.dataDir, DATABASE_URL: ws.databaseUrl ?? '' };
    hub = await createHub(loadConfig({ ...process.env, ...env, FRHUB_MODEL_DIR: MODELS, FRHUB_INFERENCE_PROVIDER: 'cpu' }), { logger: pino({ level: 'silent' }) });
    const { url } = await hub.listen(0, '127.0.0.1');
    client = hubClient(url, hub.keys);
    await client.gql(await client.token('hub', Role.HUB_ADMIN), `mutation { createTenant(input: { slug: "metro-pd", name: "Metro PD" }) { id } }`);
    const admin = await client.token('metro-pd', Role.AGENCY_ADMIN);
    galleryId = (await client.gql(admin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
    await client.gql(admin, `mutation($g: ID!) { updateGallery(input: { galleryId: $g, demographicFields: [AGE_BAND] }) { id } }`, { g: galleryId });
    const root = join(SHARED, 'faces/lfw50');
    for (const [i, person] of readdirSync(root).sort().slice(0, 26).entries()) {
      for (const photo of readdirSync(join(root, person)).sort().slice(0, 3)) {
        const r = await client.gql(admin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { created } }`, {
          i: { galleryId, subjectRef: person, imageBase64: readFileSync(join(root, person, photo)).toString('base64'), ageBand: i < 22 ? BIG : TINY },
        });
        if (r.errors && !/NO_FACE_FOUND|MULTIPLE_FACES|LOW_QUALITY/.test(r.errors[0].extensions.code)) throw new Error(JSON.stringify(r.errors));
      }
    }
    templates = (
      await hub.database.db.scoped({ tenantId: null, allTenants: true }, (tx) =>
        tx.query<{ subject: string; group: string; e: string }>(`SELECT t.subject_id AS subject, s.age_band AS "group", t.embedding::text AS e FROM face_templates t JOIN subjects s ON s.id = t.subject_id WHERE t.gallery_id = $1`, [galleryId]),
      )
    ).map((r) => ({ subject: r.subject, group: r.group, v: JSON.parse(r.e) }));
  }, 900_000);

  afterAll(async () => {
    await hub?.close();
    await ws?.drop();
  });

  /** a group's sample sizes and counts at the threshold, worked out here from the templates */
  const truth = (group: string) => {
    const mine = templates.filter((x) => x.group === group);
    const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
    let impostor = 0, genuine = 0, falseMatches = 0, falseNonMatches = 0;
    for (let a = 0; a < mine.length; a++) {
      for (let b = a + 1; b < mine.length; b++) {
        const s = dot(mine[a].v, mine[b].v);
        if (mine[a].subject === mine[b].subject) (genuine++, s < MATCH && falseNonMatches++);
        else (impostor++, s >= MATCH && falseMatches++);
      }
    }
    const photos = new Map<string, number>();
    for (const x of mine) photos.set(x.subject, (photos.get(x.subject) ?? 0) + 1);
    return { people: photos.size, photos: mine.length, impostor, genuine, falseMatches, falseNonMatches, genuinePeople: [...photos.values()].filter((n) => n > 1).length };
  };

  it('GraphQL, for HUB_ADMIN and OVERSIGHT_AUDITOR: counts and rates with intervals per group; the tiny group suppressed and warned of; audited', async () => {
    expect(templates.length).toBeGreaterThanOrEqual(70);
    const big = truth(BIG);
    expect(big.people).toBe(22);
    expect(truth(TINY).people).toBe(4);
    const hubAdmin = await client.token('hub', Role.HUB_ADMIN);
    const auditor = await client.token('hub', Role.OVERSIGHT_AUDITOR);
    const query = `query($g: ID!) { galleryRatesByGroup(galleryId: $g, by: AGE_BAND) { kept threshold templatesRead unrecorded groups {
      group people photos impostorPairs falseMatches falseMatchRate falseMatchRateInterval { low high } genuinePairs genuinePeople falseNonMatches falseNonMatchRate falseNonMatchRateInterval { low high } tooSmall warning suppressed } } }`;
    for (const token of [hubAdmin, auditor]) {
      const r = await client.gql(token, query, { g: galleryId });
      expect(r.errors).toBeUndefined();
      const m = r.data.galleryRatesByGroup;
      expect(m).toMatchObject({ kept: true, threshold: MATCH, templatesRead: templates.length, unrecorded: 0 });
      expect(m.groups.map((g: { group: string }) => g.group)).toEqual([BIG, TINY]);
      const [g, tiny] = m.groups;
      expect(g).toMatchObject({
        people: '22', photos: String(big.photos), impostorPairs: big.impostor, falseMatches: big.falseMatches, genuinePairs: big.genuine, genuinePeople: String(big.genuinePeople),
        falseNonMatches: big.falseNonMatches, tooSmall: false, warning: null, suppressed: false,
      });
      expect(g.falseMatchRate).toBeCloseTo(big.falseMatches / big.impostor, 12);
      expect(g.falseMatchRateInterval.low).toBeLessThanOrEqual(g.falseMatchRate);
      expect(g.falseMatchRateInterval.high).toBeGreaterThan(g.falseMatchRate);
      expect(g.falseNonMatchRate).toBeCloseTo(big.falseNonMatches / big.genuine, 12);
      expect(g.falseNonMatchRateInterval.low).toBeLessThanOrEqual(g.falseNonMatchRate);
      expect(g.falseNonMatchRateInterval.high).toBeGreaterThan(g.falseNonMatchRate);
      // 1-4 people: "<5", no photo count, pairs or rates, and the plain warning
      expect(tiny).toMatchObject({ people: '<5', photos: null, genuinePeople: '<5', impostorPairs: 0, falseMatchRate: null, falseMatchRateInterval: null, falseNonMatchRate: null, tooSmall: true, suppressed: true });
      expect(tiny.warning).toMatch(/^only 4 people: too few to say anything of its false-match rate \(at least 10 needed\)/);
    }
    const events = await hub!.database.db.scoped({ tenantId: null, allTenants: true }, (tx) =>
      tx.query<{ role: string }>(`SELECT actor_role AS role, galleries, details FROM audit_events WHERE action = $1 ORDER BY seq`, [AuditAction.GALLERY_CALIBRATED]),
    );
    expect(events.map((e) => e.role)).toEqual([Role.HUB_ADMIN, Role.OVERSIGHT_AUDITOR]);
    expect(events[0]).toMatchObject({ galleries: [galleryId], details: { by: 'AGE_BAND', templatesRead: templates.length, groups: 2, subjects: 26 } });
    // an agency's own administrator may not read it (counts for oversight and the operator only): no such statistics for it
    const agency = await client.gql(await client.token('metro-pd', Role.AGENCY_ADMIN), query, { g: galleryId });
    expect(agency.errors?.[0].extensions.code).toBe('NOT_FOUND');
    // a field the gallery does not keep: nothing read
    const race = await client.gql(hubAdmin, `query($g: ID!) { galleryRatesByGroup(galleryId: $g, by: RACE) { kept templatesRead groups { group } } }`, { g: galleryId });
    expect(race.data.galleryRatesByGroup).toEqual({ kept: false, templatesRead: 0, groups: [] });
  });

  it('`frhub calibrate --gallery --by AGE_BAND` prints each group with its sizes, rates and intervals, warns of the tiny group, and the calibration line stays last', async () => {
    await hub!.close();
    hub = undefined;
    const r = await frhubSpawned(['calibrate', '--gallery', galleryId, '--by', 'age_band'], env);
    expect(r.stderr).not.toMatch(/Error|at \w+ \(/);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toMatch(LINE);
    const [impostor, genuine, people] = LINE.exec(lines[lines.length - 1])!.slice(1, 4).map(Number);
    expect(people).toBe(26);
    expect(impostor).toBe((templates.length * (templates.length - 1)) / 2 - genuine);
    for (const group of [BIG, TINY]) {
      const t = truth(group);
      const line = lines.find((l) => l.startsWith(`group ${group}: `));
      expect(line).toContain(`people=${t.people} photos=${t.photos} impostor_pairs=${t.impostor} false_matches=${t.falseMatches} `);
      expect(line).toContain(`genuine_pairs=${t.genuine} genuine_people=${t.genuinePeople} false_non_matches=${t.falseNonMatches} `);
      expect(line).toMatch(/ fmr=\S+ \(95% [\d.e+-]+ to [\d.e+-]+\) /);
    }
    const afterTiny = lines[lines.findIndex((l) => l.startsWith(`group ${TINY}: `)) + 1];
    expect(afterTiny).toMatch(/^ {2}warning: only 4 people: too few to say anything/);
    expect(lines[lines.findIndex((l) => l.startsWith(`group ${BIG}: `)) + 1]).not.toMatch(/warning/);
    expect(r.stdout).toMatch(/too small to say anything with fewer than 10 people/);
  });

  it('refuses a field the gallery does not keep (exit 1) and one that is no field (exit 64)', async () => {
    const race = await frhubSpawned(['calibrate', '--gallery', galleryId, '--by', 'RACE'], env);
    expect(race.code).toBe(1);
    expect(race.stderr).toMatch(/does not keep RACE/);
    const bad = await frhubSpawned(['calibrate', '--gallery', galleryId, '--by', 'height'], env);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/--by must be one of SEX, RACE, ETHNICITY, AGE_BAND/);
  });
});

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import pino from 'pino';
import { Role } from '../../models/enums.js';
import { mintToken } from '../../server/auth/hub-tokens.js';
import { loadConfig } from '../../server/config.js';
import { createHub } from '../../server/composition/create-hub.js';
import { str, UsageError, type Args, type CommandSpec } from '../args.js';
import { FaceLikeVectors, load, uuid } from './search.js';
import { scratchDatabase } from '../../server/database/scratch-database.js';
import { percentiles } from './stats.js';
import { openDatabase } from '../../server/database/open-database.js';
import { vectorIndexName } from '../../models/face-template.repository.js';
import { VectorStorage } from '../../models/index-memory.js';
import { sampleFace } from '../inference-commands.js';

/** Faces to enroll: lfw50's first photo of each person when ../shared is there, else a package's sample. */
function galleryPhotos(): [string, Buffer][] {
  const lfw = resolve(__dirname, '../../../../shared/faces/lfw50');
  if (!existsSync(lfw)) return [];
  return readdirSync(lfw).sort().map((p) => [p, readFileSync(join(lfw, p, readdirSync(join(lfw, p)).sort()[0]))]);
}

export const benchApiSpec: CommandSpec = {
  usage: 'frhub bench api [--duration <s>] [--clients <1,4,16,64>] [--templates <n>] [--database-url <url>] [--keep] [--reuse <database>]',
  summary:
    'searchFaces over real HTTP (autocannon, closed loop: each client sends its next search when the last one is answered): latency, throughput, and the time split into inference, database and the rest. Uses a scratch database and data directory of its own.',
  options: [
    ['--duration <s>', 'seconds per client level (default 10)'],
    ['--clients <list>', 'comma-separated client counts (default 1,4,16,64)'],
    ['--templates <n>', "synthetic face-like templates of the hub's model to seed in 10 more galleries of the searched agency, beside its real photos (default 0); the hub builds its index over them at start, as after an import"],
    ['--database-url <url>', 'a PostgreSQL server to make the scratch database on (default DATABASE_URL, else embedded)'],
    ['--keep', 'keep the scratch database (PostgreSQL) and print its name, to measure again without loading or building'],
    ['--reuse <database>', 'measure on a database kept by --keep (same --templates)'],
  ],
  example: 'npx frhub bench api --duration 5 --clients 1,4',
  run: benchApiCommand,
};

const SEED_GALLERIES = 10;

/**
 * `frhub bench api [--duration s] [--clients 1,4,16,64] [--templates n] [--database-url url] [--keep|--reuse db]`:
 * end-to-end searchFaces over HTTP with closed-loop clients (autocannon), latency and throughput,
 * split by the hub's Server-Timing header into inference, database and the rest (GraphQL, HTTP, policy code).
 */
export async function benchApiCommand(args: Args): Promise<number> {
  const duration = Number(str(args, 'duration', '10'));
  const levels = str(args, 'clients', '1,4,16,64').split(',').map(Number);
  if (!(duration > 0) || levels.some((c) => !Number.isInteger(c) || c < 1)) throw new UsageError('--duration takes seconds > 0 and --clients whole numbers >= 1, comma-separated');
  const templates = Number(str(args, 'templates', '0'));
  if (!Number.isInteger(templates) || templates < 0) throw new UsageError('--templates must be a whole number >= 0');
  const serverUrl = typeof args.flags['database-url'] === 'string' ? args.flags['database-url'] : process.env.DATABASE_URL;
  const reuse = typeof args.flags.reuse === 'string' ? args.flags.reuse : undefined;
  const keep = args.flags.keep === true || reuse !== undefined;
  if (keep && !serverUrl) throw new UsageError('--keep and --reuse need a PostgreSQL server (--database-url or DATABASE_URL)');
  if (reuse !== undefined && !/^frhub_bench_api_[a-z0-9_]+$/.test(reuse)) throw new UsageError('--reuse takes a database name printed by --keep (frhub_bench_api_...)');
  const dataDir = mkdtempSync(join(tmpdir(), 'frhub-bench-api-'));
  const scratch = reuse ? { url: Object.assign(new URL(serverUrl!), { pathname: `/${reuse}` }).toString(), drop: async () => {} } : await scratchDatabase(serverUrl, 'frhub_bench_api');
  const config = loadConfig({ ...process.env, FRHUB_DATA_DIR: dataDir, DATABASE_URL: scratch.url ?? '', FRHUB_MODEL_DIR: join(process.cwd(), 'data/models'), FRHUB_PURGE_INTERVAL_MINUTES: '0' });
  const logger = pino({ level: 'warn' });
  let hub = await createHub(config, { logger });
  try {
    let { url } = await hub.listen(0);
    const gql = async (token: string, query: string, variables?: Record<string, unknown>) => {
      const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
      const body = (await res.json()) as { data?: any; errors?: unknown[] };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data;
    };
    const admin = () => mintToken(hub.keys, { tenant: 'hub', role: Role.HUB_ADMIN });
    const [known] = await hub.database.db.query(`SELECT p.id FROM principals p JOIN tenants t ON t.id = p.tenant_id WHERE t.slug = 'bench-pd' AND p.name = 'Analyst'`);
    if (reuse && !known) throw new UsageError(`database ${reuse} holds no bench agency: give a database kept by bench api --keep`);
    let photos = 0;
    if (!known) {
      await gql(await admin(), `mutation { createTenant(input: { slug: "bench-pd", name: "Bench PD", monthlyQuota: 100000000 }) { id } }`);
      await gql(await admin(), `mutation { createPrincipal(input: { tenantSlug: "bench-pd", name: "Analyst", role: AGENCY_ANALYST, certifiedUntil: "2099-01-01T00:00:00Z" }) { id } }`);
      const agencyAdmin = await mintToken(hub.keys, { tenant: 'bench-pd', role: Role.AGENCY_ADMIN });
      const galleryId = (await gql(agencyAdmin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).createGallery.id;
      const real = galleryPhotos();
      for (const [ref, img] of real.length ? real : [['sample', await sampleFace()] as [string, Buffer]]) {
        await gql(agencyAdmin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId } }`, { i: { galleryId, subjectRef: ref, imageBase64: img.toString('base64') } }).catch(() => undefined);
      }
      if (templates > 0) {
        // the seed goes in with the index dropped and the hub stopped, then a fresh start builds the graph once, as after an import
        const model = hub.engine.modelVersion;
        const dim = hub.engine.manifest.recognizer.dim;
        const [tenant] = await hub.database.db.query<{ id: string }>(`SELECT id FROM tenants WHERE slug = 'bench-pd'`);
        await hub.close();
        const database = await openDatabase({ databaseUrl: scratch.url, dataDir, migrate: false });
        try {
          for (const s of Object.values(VectorStorage)) await database.db.query(`DROP INDEX IF EXISTS ${vectorIndexName(model, s)}`);
          for (let g = 0; g < SEED_GALLERIES; g++) await database.db.query(`INSERT INTO galleries (id, tenant_id, name) VALUES ($1, $2, $3)`, [uuid(1, g), tenant.id, `seed ${g}`]);
          const started = performance.now();
          await load(database, scratch.url, tenant.id, templates, 10, new FaceLikeVectors(dim, Math.ceil(templates / 10)), (i) => i % SEED_GALLERIES, model);
          await database.db.query(`UPDATE galleries g SET template_count = (SELECT count(*) FROM face_templates t WHERE t.gallery_id = g.id) WHERE tenant_id = $1`, [tenant.id]);
          await database.db.query(`ANALYZE face_templates`);
          console.log(`seed: ${templates} synthetic ${dim}-d templates of ${model} in ${SEED_GALLERIES} galleries in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        } finally {
          await database.close();
        }
        const started = performance.now();
        hub = await createHub(config, { logger });
        console.log(`hub start with its index build over ${templates} templates: ${((performance.now() - started) / 1000).toFixed(1)} s`);
        ({ url } = await hub.listen(0));
      }
    }
    const [{ id: principalId }] = await hub.database.db.query<{ id: string }>(`SELECT p.id FROM principals p JOIN tenants t ON t.id = p.tenant_id WHERE t.slug = 'bench-pd' AND p.name = 'Analyst'`);
    const [{ n: galleryTemplates }] = await hub.database.db.query<{ n: number }>(`SELECT coalesce(sum(g.template_count), 0)::int AS n FROM galleries g JOIN tenants t ON t.id = g.tenant_id WHERE t.slug = 'bench-pd'`);
    photos = galleryTemplates - (templates > 0 ? templates : 0);
    const analyst = await mintToken(hub.keys, { tenant: 'bench-pd', principalId });
    const probe = await sampleFace();
    const input = { imageBase64: probe.toString('base64'), legalBasis: 'CRIMINAL_SUSPECT_ID', offenseCategory: 'ROBBERY', caseNumber: 'BENCH-1' };
    const body = JSON.stringify({ query: `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id candidates { rank } } }`, variables: { i: input } });
    for (let i = 0; i < 10; i++) await gql(analyst, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`, { i: input });
    console.log(
      `frhub bench api — database ${hub.database.kind}, inference ${hub.engine.status().provider}, ${galleryTemplates} templates searched (${photos} real photos${templates ? ` + ${templates} synthetic` : ''}), model ${hub.engine.modelVersion}, probe ${probe.length} bytes as imageBase64, autocannon, ${duration} s per level`,
    );
    const rows: { clients: number; rate: number }[] = [];
    for (const clients of levels) {
      const split = { inference: [] as number[], db: [] as number[], rest: [] as number[] };
      let failed = 0;
      const codes = new Map<string, number>();
      const result = await autocannon({
        url: `${url}/graphql`,
        connections: clients,
        duration,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${analyst}` },
            body,
            onResponse: (status: number, resBody: string, _ctx: object, headers?: Record<string, string | string[] | undefined>) => {
              if (status !== 200 || resBody.includes('"errors"')) {
                // a refusal (rate limit, overload) is answered fast: count it apart, with its code, never as a search
                failed++;
                const code = /"code":"([A-Z_]+)"/.exec(resBody)?.[1] ?? `HTTP ${status}`;
                codes.set(code, (codes.get(code) ?? 0) + 1);
                return;
              }
              const dur = Object.fromEntries([...String(headers?.['server-timing'] ?? '').matchAll(/(\w+);dur=([\d.]+)/g)].map((m) => [m[1], Number(m[2])]));
              if (dur.total === undefined) return;
              split.inference.push(dur.inference);
              split.db.push(dur.db);
              split.rest.push(dur.total - dur.inference - dur.db);
            },
          },
        ],
      });
      // autocannon drops the requests in flight at the end; let the hub finish them before the next level or its close
      await new Promise((r) => setTimeout(r, result.latency.max + 200));
      const done = result.requests.total - failed;
      const rate = done / duration;
      rows.push({ clients, rate });
      const med = (xs: number[]) => (xs.length ? percentiles(xs).p50.toFixed(1) : '-');
      const share = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      const all = share(split.inference) + share(split.db) + share(split.rest) || 1;
      const pct = (xs: number[]) => `${Math.round((100 * share(xs)) / all)}%`;
      console.log(
        `${String(clients).padStart(2)} client(s): ${rate.toFixed(1)} searches/s  latency p50 ${result.latency.p50.toFixed(1)} ms  p99 ${result.latency.p99.toFixed(1)} ms  errors ${failed + result.errors + result.timeouts}${codes.size ? ` (${[...codes].map(([c, k]) => `${c} ${k}`).join(', ')})` : ''}  | server p50: inference ${med(split.inference)} ms, database ${med(split.db)} ms, GraphQL+policy+HTTP ${med(split.rest)} ms  | share of server time: inference ${pct(split.inference)}, database ${pct(split.db)}, GraphQL+policy+HTTP ${pct(split.rest)}`,
      );
    }
    const best = rows.reduce((a, b) => (b.rate > a.rate ? b : a));
    const at = rows.find((r) => r.rate >= 0.9 * best.rate)!;
    console.log(`saturation: ${best.rate.toFixed(1)} searches/s at most (${best.clients} clients); 90% of it from ${at.clients} client(s) on`);
  } finally {
    await hub.close();
    if (keep) console.log(`kept database ${new URL(scratch.url!).pathname.slice(1)}: measure again with --reuse ${new URL(scratch.url!).pathname.slice(1)}`);
    else await scratch.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return 0;
}

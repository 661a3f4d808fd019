import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { Role } from '../../models/enums.js';
import { mintToken } from '../auth.js';
import { loadConfig } from '../config.js';
import { createHub } from '../hub.js';
import { str, type Args, type CommandSpec } from './args.js';
import { scratchDatabase } from '../scratch-database.js';
import { percentiles } from './bench-stats.js';
import { sampleFace } from './inference-commands.js';

/** Faces to enroll: lfw50's first photo of each person when ../shared is there, else a package's sample. */
function galleryPhotos(): [string, Buffer][] {
  const lfw = resolve(__dirname, '../../../../shared/faces/lfw50');
  if (!existsSync(lfw)) return [];
  return readdirSync(lfw).sort().map((p) => [p, readFileSync(join(lfw, p, readdirSync(join(lfw, p)).sort()[0]))]);
}

export const benchApiSpec: CommandSpec = {
  usage: 'frhub bench api [--duration <s>] [--clients <1,4,16>] [--database-url <url>]',
  summary: 'searchFaces over real HTTP with closed-loop clients: latency, throughput, and the time split into inference, database and the rest. Uses a scratch database and data directory of its own.',
  options: [
    ['--duration <s>', 'seconds per client level (default 10)'],
    ['--clients <list>', 'comma-separated client counts (default 1,4,16)'],
    ['--database-url <url>', 'a PostgreSQL server to make the scratch database on (default DATABASE_URL, else embedded)'],
  ],
  example: 'npx frhub bench api --duration 5 --clients 1,4',
  run: benchApiCommand,
};

/**
 * `frhub bench api [--duration s] [--clients 1,4,16] [--database-url url]`: end-to-end searchFaces
 * over HTTP with closed-loop clients, latency and throughput, split by the hub's Server-Timing
 * header into inference, database and the rest (GraphQL, HTTP, policy code).
 */
export async function benchApiCommand(args: Args): Promise<number> {
  const duration = Number(str(args, 'duration', '10'));
  const levels = str(args, 'clients', '1,4,16').split(',').map(Number);
  const dataDir = mkdtempSync(join(tmpdir(), 'frhub-bench-api-'));
  const scratch = await scratchDatabase(typeof args.flags['database-url'] === 'string' ? args.flags['database-url'] : process.env.DATABASE_URL, 'frhub_bench_api');
  const config = loadConfig({ ...process.env, FRHUB_DATA_DIR: dataDir, DATABASE_URL: scratch.url ?? '', FRHUB_MODEL_DIR: join(process.cwd(), 'data/models'), FRHUB_PURGE_INTERVAL_MINUTES: '0' });
  const hub = await createHub(config, { logger: pino({ level: 'warn' }) });
  try {
    const { url } = await hub.listen(0);
    const gql = async (token: string, query: string, variables?: Record<string, unknown>) => {
      const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
      const body = (await res.json()) as { data?: any; errors?: unknown[] };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return { data: body.data, timing: res.headers.get('server-timing') ?? '' };
    };
    const admin = await mintToken(hub.keys, { tenant: 'hub', role: Role.HUB_ADMIN });
    await gql(admin, `mutation { createTenant(input: { slug: "bench-pd", name: "Bench PD", monthlyQuota: 100000000 }) { id } }`);
    const p = (await gql(admin, `mutation { createPrincipal(input: { tenantSlug: "bench-pd", name: "Analyst", role: AGENCY_ANALYST, certifiedUntil: "2099-01-01T00:00:00Z" }) { id } }`)).data.createPrincipal.id;
    const analyst = await mintToken(hub.keys, { tenant: 'bench-pd', principalId: p });
    const agencyAdmin = await mintToken(hub.keys, { tenant: 'bench-pd', role: Role.AGENCY_ADMIN });
    const galleryId = (await gql(agencyAdmin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
    const probe = await sampleFace();
    const photos = galleryPhotos();
    for (const [ref, img] of photos.length ? photos : [['sample', probe] as [string, Buffer]]) {
      await gql(agencyAdmin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId } }`, { i: { galleryId, subjectRef: ref, imageBase64: img.toString('base64') } }).catch(() => undefined);
    }
    const input = { imageBase64: probe.toString('base64'), legalBasis: 'CRIMINAL_SUSPECT_ID', offenseCategory: 'ROBBERY', caseNumber: 'BENCH-1' };
    const search = () => gql(analyst, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id candidates { rank } } }`, { i: input });
    for (let i = 0; i < 10; i++) await search();
    console.log(`frhub bench api — database ${hub.database.kind}, inference ${hub.engine.status().provider}, gallery of ${photos.length || 1} faces, probe ${probe.length} bytes as imageBase64, ${duration} s per level`);
    for (const clients of levels) {
      const lat: number[] = [];
      const split = { inference: [] as number[], db: [] as number[], rest: [] as number[] };
      const until = performance.now() + duration * 1000;
      await Promise.all(Array.from({ length: clients }, async () => {
        while (performance.now() < until) {
          const s = performance.now();
          const { timing } = await search();
          lat.push(performance.now() - s);
          const dur = Object.fromEntries([...timing.matchAll(/(\w+);dur=([\d.]+)/g)].map((m) => [m[1], Number(m[2])]));
          split.inference.push(dur.inference);
          split.db.push(dur.db);
          split.rest.push(dur.total - dur.inference - dur.db);
        }
      }));
      const p = percentiles(lat);
      const med = (xs: number[]) => percentiles(xs).p50.toFixed(1);
      console.log(`${String(clients).padStart(2)} client(s): ${(lat.length / duration).toFixed(1)} searches/s  latency p50 ${p.p50.toFixed(1)} ms  p99 ${p.p99.toFixed(1)} ms  | server p50: inference ${med(split.inference)} ms, database ${med(split.db)} ms, GraphQL+policy+HTTP ${med(split.rest)} ms`);
    }
  } finally {
    await hub.close();
    await scratch.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return 0;
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { vectorLiteral, type Queryable } from '../../models/db.js';
import { BINARY_WALK_ABOVE, binaryIndexName, efSearchFor, FaceTemplateRepository, MAX_EF_SEARCH, vectorIndexName, type VectorIndexSpec } from '../../models/face-template.repository.js';
import { defaultIndexBuildCapMb, describeIndexBuildMemory, HNSW_EF_CONSTRUCTION, HNSW_M, indexBuildMemory, VectorStorage } from '../../models/index-memory.js';
import { openDatabase, type Database } from '../../server/database/open-database.js';
import { str, UsageError, type Args, type CommandSpec } from '../args.js';
import { scratchDatabase } from '../../server/database/scratch-database.js';
import { percentiles } from './stats.js';

const MODEL = 'bench-synthetic@1';
/** Rows per COPY statement (and transaction) of the load. */
const COPY_CHUNK = 10_000;
const GALLERIES = 100;

/** Deterministic PRNG (mulberry32) and Gaussian samples, so runs are comparable. */
function rng(seed: number) {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { u, gauss: () => Math.sqrt(-2 * Math.log(u() || 1e-12)) * Math.cos(2 * Math.PI * u()) };
}

const unit = (v: Float32Array) => {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
};

/**
 * Face-like embeddings: identity centres drawn around a few hundred population groups (different
 * people score ~0.3 within a group, ~0 across), and several noisy samples around each identity
 * (same person ~0.8): never uniform noise, on which HNSW recall means nothing.
 */
export class FaceLikeVectors {
  private readonly r = rng(7);
  readonly centres: Float32Array[];
  constructor(readonly dim: number, identities: number) {
    const groups = Array.from({ length: 256 }, () => unit(Float32Array.from({ length: dim }, () => this.r.gauss())));
    const spread = Math.sqrt(2.2 / dim);
    this.centres = Array.from({ length: identities }, () => unit(Float32Array.from(groups[Math.floor(this.r.u() * groups.length)], (x) => x + spread * this.r.gauss())));
  }
  /** Advances the generator past the load's `n` samples, so a reused database is probed as a fresh one would be. */
  skip(n: number): void {
    for (let k = 0; k < n * this.dim; k++) this.r.gauss();
  }
  sample(identity: number): Float32Array {
    const c = this.centres[identity];
    const sigma = Math.sqrt(0.5 / this.dim);
    return unit(Float32Array.from(c, (x) => x + sigma * this.r.gauss()));
  }
}

const literal = (v: Float32Array) => `[${Array.from(v, (x) => x.toFixed(6)).join(',')}]`;
export const uuid = (kind: number, i: number) => `00000000-0000-4000-${(8000 + kind).toString(16)}-${i.toString(16).padStart(12, '0')}`;

export const benchSearchSpec: CommandSpec = {
  usage:
    'frhub bench search [--templates <n>] [--dim <d>] [--queries <n>] [--ef <n,...>] [--storage <vector,halfvec>] [--m <n>] [--ef-construction <n>] [--per-identity <n>] [--database-url <url>] [--index-memory <mb>] [--keep] [--reuse <database>] [--scopes <unfiltered,10,1>] [--explain <n>] [--parallel-off] [--prewarm] [--binary-rerank <n,...>]',
  summary:
    'pgvector at scale: load rate, HNSW build time, recall@10 against exact search, the share of searches whose person is found, and p50/p99 latency, unfiltered and filtered. Uses a scratch database of its own.',
  options: [
    ['--templates <n>', 'templates to seed (default 100000)'],
    ['--dim <d>', 'embedding size (default 512)'],
    ['--queries <n>', 'queries per setting (default 200)'],
    ['--ef <n,...>', 'hnsw.ef_search values to try (default 100)'],
    ['--storage <s,...>', 'index storage to build and measure, one index each: vector, halfvec (default vector); none builds neither (with --binary-rerank)'],
    ['--m <n>', `HNSW m (default ${HNSW_M}, the hub's)`],
    ['--ef-construction <n>', `HNSW ef_construction (default ${HNSW_EF_CONSTRUCTION}, the hub's)`],
    ['--per-identity <n>', 'templates per synthetic identity (default 10)'],
    ['--database-url <url>', 'a PostgreSQL server to make the scratch database on (default DATABASE_URL, else embedded)'],
    ['--index-memory <mb>', 'cap on maintenance_work_mem for the index build (default FRHUB_INDEX_BUILD_MEMORY_MB, else a quarter of memory)'],
    ['--keep', 'keep the scratch database (PostgreSQL) and print its name, to measure again without loading'],
    ['--reuse <database>', 'measure on a database kept by --keep (same --templates, --dim and --per-identity); its indexes are rebuilt only when missing or of another m / ef_construction; the exact answers are kept there too (bench_truth)'],
    ['--scopes <list>', 'which searches to measure: unfiltered, 10 (10% of the galleries), 1 (1%); default unfiltered,10,1'],
    ['--explain <n>', "EXPLAIN (ANALYZE, BUFFERS) of the hub's query for the first n probes of each storage: shared buffers hit / read, time in the plan, and the last plan"],
    ['--parallel-off', "also measure the hub's query with max_parallel_workers_per_gather = 0"],
    ['--prewarm', "load the table and each index into shared buffers (pg_prewarm) before measuring, and say how long that took"],
    ['--binary-rerank <n,...>', "also build an HNSW index on binary_quantize(embedding)::bit(dim) (bit_hamming_ops, the hub's m and ef_construction, the hub's name for it: from FRHUB_BINARY_WALK_ABOVE's default of templates on, the hub's own query walks it) and measure a walk of it for the n nearest by Hamming distance, re-ranked by the exact cosine (one setting per n)"],
  ],
  example: 'npx frhub bench search --templates 20000 --ef 40,100 --storage vector,halfvec',
  run: benchSearchCommand,
};

const positive = (args: Args, name: string, fallback: string): number => {
  const v = Number(str(args, name, fallback));
  if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${name} must be a whole number >= 1`);
  return v;
};

/**
 * `frhub bench search --templates 100000 [--dim 512] [--queries 200] [--ef 100] [--storage vector,halfvec] [--database-url url]`:
 * seeds templates (COPY on PostgreSQL, batched INSERT on PGlite), builds the HNSW index (one per
 * storage asked for), and prints load rate, build time, and for unfiltered and filtered (1% and 10%
 * of templates allowed) top-10 queries: recall@10 against exact search, `found`, the share of
 * searches whose person (any of their templates) is in the ten, and p50/p99 latency.
 */
export async function benchSearchCommand(args: Args): Promise<number> {
  const n = positive(args, 'templates', '100000');
  const dim = positive(args, 'dim', '512');
  const queries = positive(args, 'queries', '200');
  const efs = str(args, 'ef', '100').split(',').map(Number);
  if (efs.some((e) => !Number.isInteger(e) || e < 10 || e > MAX_EF_SEARCH)) throw new UsageError(`--ef takes whole numbers from 10 to ${MAX_EF_SEARCH}, comma-separated`);
  const storageArg = str(args, 'storage', VectorStorage.VECTOR);
  // `none`: no vector or halfvec graph, to measure the binary graph (--binary-rerank) alone
  const storages = (storageArg === 'none' ? [] : storageArg.split(',')) as VectorStorage[];
  const known = Object.values(VectorStorage) as string[];
  if (storages.some((x) => !known.includes(x))) throw new UsageError(`--storage takes ${known.join(', ')} (comma-separated)`);
  const m = positive(args, 'm', String(HNSW_M));
  const efConstruction = positive(args, 'ef-construction', String(HNSW_EF_CONSTRUCTION));
  const perIdentity = positive(args, 'per-identity', '10');
  const memoryCap = Number(str(args, 'index-memory', process.env.FRHUB_INDEX_BUILD_MEMORY_MB || String(defaultIndexBuildCapMb(totalmem()))));
  if (!Number.isInteger(memoryCap) || memoryCap < 1) throw new UsageError(`--index-memory (or FRHUB_INDEX_BUILD_MEMORY_MB) must be a whole number of megabytes >= 1`);
  const serverUrl = typeof args.flags['database-url'] === 'string' ? args.flags['database-url'] : process.env.DATABASE_URL;
  const reuse = typeof args.flags.reuse === 'string' ? args.flags.reuse : undefined;
  const keep = args.flags.keep === true || reuse !== undefined;
  if (keep && !serverUrl) throw new UsageError('--keep and --reuse need a PostgreSQL server (--database-url or DATABASE_URL)');
  if (reuse !== undefined && !/^frhub_bench_search_[a-z0-9_]+$/.test(reuse)) throw new UsageError(`--reuse takes a database name printed by --keep (frhub_bench_search_...)`);
  const scopeKeys = str(args, 'scopes', 'unfiltered,10,1').split(',');
  if (scopeKeys.some((k) => !['unfiltered', '10', '1'].includes(k))) throw new UsageError('--scopes takes unfiltered, 10 and 1 (comma-separated)');
  const explain = Number(str(args, 'explain', '0'));
  if (!Number.isInteger(explain) || explain < 0) throw new UsageError('--explain must be a whole number of probes >= 0');
  const parallelOff = args.flags['parallel-off'] === true;
  const prewarm = args.flags.prewarm === true;
  const reranks = typeof args.flags['binary-rerank'] === 'string' ? args.flags['binary-rerank'].split(',').map(Number) : [];
  if (reranks.some((k) => !Number.isInteger(k) || k < 10 || k > MAX_EF_SEARCH)) throw new UsageError(`--binary-rerank takes whole numbers from 10 to ${MAX_EF_SEARCH}, comma-separated`);
  if ((explain || prewarm || reranks.length) && !serverUrl) throw new UsageError('--explain, --prewarm and --binary-rerank need PostgreSQL (--database-url or DATABASE_URL)');
  const dataDir = mkdtempSync(join(tmpdir(), 'frhub-bench-search-'));
  const scratch = reuse ? keptDatabase(serverUrl!, reuse) : await scratchDatabase(serverUrl, 'frhub_bench_search');
  const database = await openDatabase({ databaseUrl: scratch.url, dataDir, migrate: true });
  try {
    const identities = Math.ceil(n / perIdentity);
    const vectors = new FaceLikeVectors(dim, identities);
    console.log(
      `frhub bench search — database ${database.kind}, ${n} templates (${identities} identities x ${perIdentity} samples, ${dim}-d, ${GALLERIES} galleries), ${queries} queries, ef_search ${efs.join(', ')}, storage ${storages.join(', ')}, m ${m}, ef_construction ${efConstruction}`,
    );
    const tenant = uuid(0, 1);
    // an identity lives in one gallery: identity i in gallery i % GALLERIES
    const galleryOf = (identity: number) => identity % GALLERIES;
    const [{ loaded }] = await database.db.query(`SELECT count(*)::int AS loaded FROM face_templates WHERE model_version = $1`, [MODEL]);
    if (loaded === 0) {
      await database.db.query(`INSERT INTO tenants (id, slug, name) VALUES ($1, 'bench-pd', 'Bench')`, [tenant]);
      for (let g = 0; g < GALLERIES; g++) await database.db.query(`INSERT INTO galleries (id, tenant_id, name) VALUES ($1, $2, $3)`, [uuid(1, g), tenant, `g${g}`]);
      const started = performance.now();
      const method = await load(database, scratch.url, tenant, n, perIdentity, vectors, galleryOf);
      await database.db.query(`UPDATE galleries g SET template_count = (SELECT count(*) FROM face_templates t WHERE t.gallery_id = g.id)`);
      const loadSecs = (performance.now() - started) / 1000;
      console.log(`load: ${n} templates in ${loadSecs.toFixed(1)} s = ${Math.round(n / loadSecs)} templates/s (${method})`);
    } else if (loaded !== n) {
      throw new UsageError(`database ${reuse} holds ${loaded} templates, not ${n}: give the --templates it was kept with`);
    } else {
      console.log(`load: reusing ${loaded} templates in ${reuse}`);
      vectors.skip(n);
    }
    const [toast] = await database.db.query<{ toast: string; bytes: string; storage: string }>(
      `SELECT pg_relation_size(reltoastrelid) AS toast, pg_table_size('face_templates') AS bytes,
              (SELECT attstorage FROM pg_attribute WHERE attrelid = 'face_templates'::regclass AND attname = 'embedding') AS storage
         FROM pg_class WHERE relname = 'face_templates'`,
    );
    console.log(`storage: embedding column storage '${toast.storage}' (p = PLAIN), TOAST table ${toast.toast} bytes, table ${mb(toast.bytes)}`);
    for (const storage of storages) await buildIndex(database, scratch.url, n, dim, memoryCap, { storage, m, efConstruction });
    if (reranks.length) await buildBinaryIndex(database, scratch.url, n, dim, memoryCap, m, efConstruction);
    await database.db.query(`ANALYZE face_templates`);
    await database.db.query(`CREATE TABLE IF NOT EXISTS bench_truth (scope text, queries int, probe int, ids uuid[], PRIMARY KEY (scope, queries, probe))`);
    if (prewarm) {
      await database.db.query(`CREATE EXTENSION IF NOT EXISTS pg_prewarm`);
      const names = ['face_templates', 'subjects', ...storages.map((x) => vectorIndexName(MODEL, x)), ...(reranks.length ? [BINARY_INDEX] : [])];
      for (const name of names) {
        const s = performance.now();
        const [{ blocks }] = await database.db.query(`SELECT pg_prewarm($1::regclass) AS blocks`, [name]);
        console.log(`pg_prewarm ${name}: ${blocks} blocks (${mb(Number(blocks) * 8192)}) in ${((performance.now() - s) / 1000).toFixed(1)} s`);
      }
    }

    const all = Array.from({ length: GALLERIES }, (_, g) => uuid(1, g));
    const scopes: [string, string[], string][] = [
      ['unfiltered (all galleries)', all, 'unfiltered'],
      ['filtered 10% (10 galleries)', all.slice(0, 10), '10'],
      ['filtered 1% (1 gallery)', all.slice(0, 1), '1'],
    ];
    const r = rng(99);
    for (const [scope, galleryIds, key] of scopes) {
      // the probes are drawn for every scope, measured or not, so a scope's probes never depend on --scopes

      const allowed = new Set(galleryIds.map((g) => Number.parseInt(g.slice(-12), 16)));
      const probes = Array.from({ length: queries }, () => {
        let id: number;
        do id = Math.floor(r.u() * identities);
        while (!allowed.has(galleryOf(id)));
        return { identity: id, embedding: vectors.sample(id) };
      });
      if (!scopeKeys.includes(key)) continue;
      // the exact answer, once per probe (kept in the database when it is kept): every setting below is scored against it
      const truthKey = `${key}|${perIdentity}`;
      const cached: { probe: number; ids: string[] }[] = keep ? await database.db.query(`SELECT probe, ids FROM bench_truth WHERE scope = $1 AND queries = $2 ORDER BY probe`, [truthKey, queries]) : [];
      const truth: Set<string>[] = [];
      if (cached.length === probes.length) {
        for (const c of cached) truth.push(new Set(c.ids));
        console.log(`exact answers (${scope}): ${truth.length} reused from bench_truth`);
      } else {
        const tick = ticker(`exact answers (${scope})`, probes.length);
        for (const p of probes) {
          tick(truth.length);
          const q = { galleryIds, modelVersion: MODEL, embedding: p.embedding, limit: 10, minScore: -1, exactBelow: Number.POSITIVE_INFINITY };
          const ids = (await nearest(database, tenant, q)).map((h) => h.templateId);
          if (keep) await database.db.query(`INSERT INTO bench_truth VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [truthKey, queries, truth.length, ids]);
          truth.push(new Set(ids));
        }
        tick.done(truth.length);
      }
      // a named walk is that graph's (binaryWalkAbove 0); the hub's row takes the hub's own choice, the binary graph included
      const query = (storage: VectorStorage, ef?: number, exactBelow?: number, extra?: string[], binaryWalkAbove?: number) => (p: { embedding: Float32Array }) =>
        nearest(database, tenant, { galleryIds, modelVersion: MODEL, embedding: p.embedding, limit: 10, minScore: -1, efSearch: ef, exactBelow, storage, binaryWalkAbove }, extra);
      const hub = (storage: VectorStorage) =>
        `as the hub serves it (${reranks.length && n >= BINARY_WALK_ABOVE ? 'the binary graph, its nearest re-ranked by the exact cosine' : `${storage}: exact scan below 5k templates in the allowed galleries, else ef_search ${efSearchFor(n)} for ${n} templates`})`;
      const settings: [string, (p: { embedding: Float32Array }) => Promise<Hit[]>][] = [
        ...storages.flatMap((storage) => efs.map((ef): [string, (p: { embedding: Float32Array }) => Promise<Hit[]>] => [`HNSW ${storage}${galleryIds.length < GALLERIES ? ' + iterative scan' : ''}, ef_search ${ef}`, query(storage, ef, 0, undefined, 0)])),
        ...storages.map((storage): [string, (p: { embedding: Float32Array }) => Promise<Hit[]>] => [hub(storage), query(storage)]),
        ...(parallelOff ? storages.map((storage): [string, (p: { embedding: Float32Array }) => Promise<Hit[]>] => [`${hub(storage)}, max_parallel_workers_per_gather 0`, query(storage, undefined, undefined, ['SET LOCAL max_parallel_workers_per_gather = 0'])]) : []),
        ...reranks.map((k): [string, (p: { embedding: Float32Array }) => Promise<Hit[]>] => [`binary_quantize bit(${dim}) HNSW, ${k} nearest by Hamming distance re-ranked by exact cosine (ef_search ${Math.max(k, efSearchFor(n))})`, (p) => binaryNearest(database, tenant, galleryIds, p.embedding, k, Math.max(k, efSearchFor(n)))]),
      ];
      for (const storage of storages.slice(0, explain ? storages.length : 0)) {
        const plans: Explained[] = [];
        for (const p of probes.slice(0, explain)) plans.push(await explainNearest(database, tenant, { galleryIds, modelVersion: MODEL, embedding: p.embedding, limit: 10, minScore: -1, storage, binaryWalkAbove: 0 }));
        const sum = (f: (x: Explained) => number) => plans.reduce((a, x) => a + f(x), 0) / plans.length;
        console.log(
          `${scope}, EXPLAIN (ANALYZE, BUFFERS) of the hub's ${storage} walk, mean of ${plans.length}: shared buffers hit ${sum((x) => x.hit).toFixed(0)}, read ${sum((x) => x.read).toFixed(0)}, execution ${sum((x) => x.ms).toFixed(2)} ms, planning ${sum((x) => x.planMs).toFixed(2)} ms`,
        );
        // the probe's 512 numbers and the gallery list would bury the plan
        console.log(plans[plans.length - 1].text.replace(/'\[[^']*\]'/g, "'[…]'").replace(/'\{[^']*\}'/g, "'{…}'").replace(/^/gm, '    '));
      }
      for (const k of explain ? reranks : []) {
        const plans: any[] = [];
        for (const p of probes.slice(0, explain)) {
          const [row] = await binaryNearest(database, tenant, galleryIds, p.embedding, k, Math.max(k, efSearchFor(n)), 'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)');
          plans.push(row['QUERY PLAN'][0]);
        }
        const mean = (f: (x: any) => number) => (plans.reduce((a, x) => a + f(x), 0) / plans.length).toFixed(1);
        console.log(
          `${scope}, EXPLAIN (ANALYZE, BUFFERS) of the binary walk + re-rank of ${k}, mean of ${plans.length}: shared buffers hit ${mean((x) => x.Plan['Shared Hit Blocks'])}, read ${mean((x) => x.Plan['Shared Read Blocks'])}, execution ${mean((x) => x['Execution Time'])} ms`,
        );
      }
      for (const [label, run] of settings) {
        const times: number[] = [];
        let recall = 0;
        let found = 0;
        const tick = ticker(`queries (${scope}, ${label})`, probes.length);
        for (const [i, p] of probes.entries()) {
          tick(i);
          const s = performance.now();
          const got = await run(p);
          times.push(performance.now() - s);
          recall += got.filter((h) => truth[i].has(h.templateId)).length / Math.max(1, truth[i].size);
          if (got.some((h) => h.subjectId === uuid(2, p.identity))) found++;
        }
        tick.done(probes.length);
        const pc = percentiles(times);
        console.log(`${scope}, ${label}: recall@10 ${(recall / probes.length).toFixed(4)}  found ${(found / probes.length).toFixed(4)}  p50 ${pc.p50.toFixed(2)} ms  p99 ${pc.p99.toFixed(2)} ms`);
      }
    }
  } finally {
    await database.close();
    if (keep) console.log(`kept database ${new URL(scratch.url!).pathname.slice(1)}: measure again with --reuse ${new URL(scratch.url!).pathname.slice(1)}`);
    else await scratch.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return 0;
}

const mb = (bytes: number | string) => `${(Number(bytes) / 1024 / 1024).toFixed(0)} MB`;

/** A database an earlier --keep run left on the server. */
function keptDatabase(serverUrl: string, name: string): { url: string; drop(): Promise<void> } {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: async () => {} };
}

/** Builds the index of one storage (rebuilt when a kept one has another m / ef_construction), with progress. */
async function buildIndex(database: Database, url: string | undefined, n: number, dim: number, memoryCap: number, spec: VectorIndexSpec) {
  const name = vectorIndexName(MODEL, spec.storage);
  const [existing] = await database.db.query(`SELECT indexdef FROM pg_indexes WHERE indexname = $1`, [name]);
  if (existing && !String(existing.indexdef).includes(`m='${spec.m}', ef_construction='${spec.efConstruction}'`)) await database.db.query(`DROP INDEX ${name}`);
  const watch = watchIndexBuild(database, url, n);
  try {
    const built = await new FaceTemplateRepository().ensureIndex(
      database.db,
      MODEL,
      dim,
      memoryCap,
      (mem) => {
        console.log(describeIndexBuildMemory(mem));
        watch.start();
      },
      spec,
    );
    const [size] = await database.db.query<{ bytes: string }>(`SELECT pg_relation_size($1::regclass) AS bytes`, [name]);
    if (built) console.log(`HNSW index build (${spec.storage}, m ${spec.m}, ef_construction ${spec.efConstruction}, cosine): ${built.seconds.toFixed(1)} s (${name}, maintenance_work_mem ${built.setting}, index ${mb(size.bytes)})`);
    else console.log(`HNSW index (${spec.storage}, m ${spec.m}, ef_construction ${spec.efConstruction}): reusing ${name}, index ${mb(size.bytes)}`);
  } finally {
    await watch.stop();
  }
}

/** Progress on stderr at most every 5 s (stdout keeps the figures other tools read). */
function ticker(what: string, total: number) {
  const started = performance.now();
  let last = started;
  const say = (done: number) => {
    const secs = (performance.now() - started) / 1000;
    process.stderr.write(`[bench] ${what}: ${done}/${total} (${Math.round((100 * done) / total)}%), ${Math.round(done / secs)}/s, ${secs.toFixed(0)} s\n`);
  };
  const tick = (done: number) => {
    const now = performance.now();
    if (now - last < 5000) return;
    last = now;
    say(done);
  };
  return Object.assign(tick, { done: (done: number) => last - started >= 5000 && say(done) });
}

/**
 * Reports the index build every 5 s from PostgreSQL's pg_stat_progress_create_index, read on a
 * connection of its own. PGlite has no such view and builds inside this process, holding the event
 * loop until it ends: it gets one line at the start.
 */
function watchIndexBuild(database: Database, url: string | undefined, templates: number) {
  let timer: NodeJS.Timeout | undefined;
  let client: import('pg').Client | undefined;
  let started = 0;
  let ready: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const say = (line: string) => process.stderr.write(`[bench] index build running, ${((performance.now() - started) / 1000).toFixed(0)} s${line}\n`);
  const poll = async () => {
    if (!client) return;
    const rows = (
      await client.query(
        `SELECT phase, blocks_done, blocks_total, tuples_done, tuples_total FROM pg_stat_progress_create_index WHERE datname = current_database()`,
      )
    ).rows;
    for (const p of rows) say(`: ${p.phase}, tuples ${p.tuples_done}/${Number(p.tuples_total) || templates}, blocks ${p.blocks_done}/${p.blocks_total}`);
  };
  return {
    start() {
      started = performance.now();
      if (database.kind !== 'postgres') return void process.stderr.write(`[bench] index build running (PGlite builds in this process and reports nothing until it ends)\n`);
      const connect = async () => {
        if (!url) return;
        const { Client } = require('pg') as typeof import('pg');
        client = new Client({ connectionString: url });
        await client.connect();
      };
      ready = connect().catch((err) => process.stderr.write(`[bench] cannot watch the index build: ${err.message}\n`));
      timer = setInterval(() => void ready.then(poll).catch((err) => stopped || process.stderr.write(`[bench] progress: ${err.message}\n`)), 5000);
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await ready;
      await client?.end();
    },
  };
}

type Hit = { templateId: string; subjectId: string };

/** The hub's query (FaceTemplateRepository.nearest) in the tenant's scope; `extra` settings go in its transaction first. */
const nearest = (database: Database, tenantId: string, q: Parameters<FaceTemplateRepository['nearest']>[1], extra: string[] = []) =>
  database.db.scoped({ tenantId }, async (tx: Queryable) => {
    for (const sql of extra) await tx.query(sql);
    return new FaceTemplateRepository().nearest(tx, q);
  });

/** The part of EXPLAIN (FORMAT JSON)'s answer read here. */
interface ExplainJson {
  Plan: { 'Shared Hit Blocks': number; 'Shared Read Blocks': number };
  'Execution Time': number;
  'Planning Time': number;
}

interface Explained {
  hit: number;
  read: number;
  ms: number;
  planMs: number;
  text: string;
}

/** EXPLAIN (ANALYZE, BUFFERS) of the very statement the hub sends: its final SELECT is caught on the way to the database. */
async function explainNearest(database: Database, tenantId: string, q: Parameters<FaceTemplateRepository['nearest']>[1]): Promise<Explained> {
  return database.db.scoped({ tenantId }, async (tx: Queryable) => {
    let out: Explained | undefined;
    const spy: Queryable = {
      query: async (sql: string, params?: unknown[]) => {
        if (!/^\s*SELECT c\.\*/.test(sql)) return tx.query(sql, params);
        const [row] = await tx.query<{ 'QUERY PLAN': [ExplainJson] }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
        const [plan] = row['QUERY PLAN'];
        const text = (await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, params)).map((x) => x['QUERY PLAN']).join('\n');
        out = { hit: plan.Plan['Shared Hit Blocks'], read: plan.Plan['Shared Read Blocks'], ms: plan['Execution Time'], planMs: plan['Planning Time'], text };
        return [];
      },
    };
    await new FaceTemplateRepository().nearest(spy, q);
    return out!;
  });
}

// the hub's own name for the model's binary graph: with it in place, "as the hub serves it" walks it from BINARY_WALK_ABOVE templates on
const BINARY_INDEX = binaryIndexName(MODEL);

/** The binary-quantized graph: one bit per dimension (sign), walked by Hamming distance; 1/32 of the vector's size. */
async function buildBinaryIndex(database: Database, url: string | undefined, n: number, dim: number, memoryCap: number, m: number, efConstruction: number) {
  const [existing] = await database.db.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE indexname = $1`, [BINARY_INDEX]);
  if (existing && String(existing.indexdef).includes(`m='${m}', ef_construction='${efConstruction}'`)) {
    const [size] = await database.db.query<{ bytes: string }>(`SELECT pg_relation_size($1::regclass) AS bytes`, [BINARY_INDEX]);
    return console.log(`HNSW bit(${dim}) index (m ${m}, ef_construction ${efConstruction}): reusing ${BINARY_INDEX}, index ${mb(size.bytes)}`);
  }
  if (existing) await database.db.query(`DROP INDEX ${BINARY_INDEX}`);
  const watch = watchIndexBuild(database, url, n);
  watch.start();
  let built: Awaited<ReturnType<FaceTemplateRepository['ensureBinaryIndex']>>;
  try {
    // the hub's own build, from the first template on
    built = await new FaceTemplateRepository().ensureBinaryIndex(database.db, MODEL, dim, memoryCap, 1, { m, efConstruction });
  } finally {
    await watch.stop();
  }
  const [size] = await database.db.query<{ bytes: string }>(`SELECT pg_relation_size($1::regclass) AS bytes`, [BINARY_INDEX]);
  console.log(`HNSW bit(${dim}) index build (m ${m}, ef_construction ${efConstruction}, bit_hamming_ops): ${built!.seconds.toFixed(1)} s (maintenance_work_mem ${built!.mb}MB, index ${mb(size.bytes)})`);
}

/** Walks the binary graph for the `k` nearest by Hamming distance, then orders those by the exact cosine: the ten best. */
const binaryNearest = (database: Database, tenantId: string, galleryIds: string[], embedding: Float32Array, k: number, ef: number, explain = ''): Promise<any[]> =>
  database.db.scoped({ tenantId }, async (tx: Queryable) => {
    await tx.query(`SET LOCAL hnsw.ef_search = ${Math.min(MAX_EF_SEARCH, ef)}; SET LOCAL hnsw.iterative_scan = relaxed_order`);
    const dim = embedding.length;
    return tx.query(
      `${explain} SELECT c.id AS "templateId", c.subject_id AS "subjectId" FROM (
         SELECT t.id, t.subject_id, t.embedding FROM face_templates t
          WHERE t.model_version = '${MODEL}' AND t.gallery_id = ANY($2::uuid[])
          ORDER BY binary_quantize(t.embedding)::bit(${dim}) <~> binary_quantize($1::vector)::bit(${dim})
          LIMIT $3
       ) c JOIN subjects s ON s.id = c.subject_id
       ORDER BY c.embedding <=> $1::vector, c.id
       LIMIT 10`,
      [vectorLiteral(embedding), galleryIds, k],
    );
  });

/** Seeds `n` templates of `model` (subjects uuid(2, i), templates uuid(3, k), galleries uuid(1, galleryOf(i)), which must exist): COPY on PostgreSQL. */
export async function load(database: Database, url: string | undefined, tenant: string, n: number, perIdentity: number, vectors: FaceLikeVectors, galleryOf: (i: number) => number, model = MODEL): Promise<string> {
  const identities = Math.ceil(n / perIdentity);
  const subjectRows = function* () {
    for (let i = 0; i < identities; i++) yield `${uuid(2, i)}\t${tenant}\t${uuid(1, galleryOf(i))}\tS-${i}\n`;
  };
  const templateRows = function* () {
    const tick = ticker('load (rows sent)', n);
    for (let k = 0; k < n; k++) {
      tick(k);
      const i = Math.floor(k / perIdentity);
      yield `${uuid(3, k)}\t${tenant}\t${uuid(1, galleryOf(i))}\t${uuid(2, i)}\t${model}\t${literal(vectors.sample(i))}\tsha-${k}\t0.9\n`;
    }
  };
  if (url) {
    const { Client } = require('pg') as typeof import('pg');
    const { from } = require('pg-copy-streams') as typeof import('pg-copy-streams');
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      await pipeline(Readable.from(subjectRows()), c.query(from(`COPY subjects (id, tenant_id, gallery_id, external_ref) FROM STDIN`)));
      // one COPY per 10,000 rows: each insert's trigger updates its gallery's digest row (face_template_content), and in a
      // single 1M-row transaction those 10,000 updates per gallery row chain up and the load turns quadratic (it ran for hours)
      const rows = templateRows();
      for (let sent = 0; sent < n; sent += COPY_CHUNK) {
        const part = function* () {
          for (let j = 0; j < COPY_CHUNK; j++) {
            const r = rows.next();
            if (r.done) return;
            yield r.value;
          }
        };
        await pipeline(Readable.from(part()), c.query(from(`COPY face_templates (id, tenant_id, gallery_id, subject_id, model_version, embedding, image_sha256, quality) FROM STDIN`)));
      }
    } finally {
      await c.end();
    }
    return 'COPY';
  }
  // PGlite: batched multi-row INSERT is faster than COPY there
  const batch = async (rows: Generator<string>, table: string, cols: string, casts: string[]) => {
    let chunk: string[][] = [];
    const flush = async () => {
      if (!chunk.length) return;
      const values = chunk.map((r, i) => `(${r.map((_, j) => `$${i * r.length + j + 1}${casts[j] ?? ''}`).join(', ')})`).join(', ');
      await database.db.query(`INSERT INTO ${table} (${cols}) VALUES ${values}`, chunk.flat());
      chunk = [];
    };
    for (const line of rows) {
      chunk.push(line.trimEnd().split('\t'));
      if (chunk.length === 200) await flush();
    }
    await flush();
  };
  await batch(subjectRows(), 'subjects', 'id, tenant_id, gallery_id, external_ref', []);
  await batch(templateRows(), 'face_templates', 'id, tenant_id, gallery_id, subject_id, model_version, embedding, image_sha256, quality', ['', '', '', '', '', '::vector', '', '::real']);
  return 'batched INSERT';
}

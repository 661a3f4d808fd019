import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../server/database/open-database';
import { scratchDatabase } from '../../server/database/scratch-database';
import { atLeast, binaryIndexName, EF_SEARCH, efSearchFor, FaceTemplateRepository, HALFVEC_SINCE, MAX_EF_SEARCH, vectorIndexName } from '../../models/face-template.repository';
import { HNSW_EF_CONSTRUCTION, HNSW_M, PG_DEFAULT_MAINTENANCE_MB, VectorStorage, type IndexBuildMemory } from '../../models/index-memory';
import type { Queryable } from '../../models/db';
import { Role } from '../../models/enums';
import { portrait } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';

// The HNSW index is built under a maintenance_work_mem sized for its graph (SET LOCAL, so no pooled
// connection keeps it): PGlite, or PostgreSQL when DATABASE_URL is set.

const DIM = 16;
const TENANT = '00000000-0000-4000-8000-000000000001';
const GALLERY = '00000000-0000-4000-8001-000000000001';
const SUBJECT = '00000000-0000-4000-8002-000000000001';

describe(`the model's HNSW index is built with memory sized for its graph (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let database: Database;
  let dataDir: string;
  let drop: () => Promise<void>;
  const repo = new FaceTemplateRepository();

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'frhub-index-'));
    const scratch = await scratchDatabase(process.env.DATABASE_URL || undefined, 'frhub_index');
    drop = scratch.drop;
    database = await openDatabase({ databaseUrl: scratch.url, dataDir, migrate: true });
    await database.db.query(`INSERT INTO tenants (id, slug, name) VALUES ($1, 'index-pd', 'Index')`, [TENANT]);
    await database.db.query(`INSERT INTO galleries (id, tenant_id, name) VALUES ($1, $2, 'g')`, [GALLERY, TENANT]);
    await database.db.query(`INSERT INTO subjects (id, tenant_id, gallery_id, external_ref) VALUES ($1, $2, $3, 'S-1')`, [SUBJECT, TENANT, GALLERY]);
    for (const [model, n] of [['index-test@1', 120], ['index-test@2', 30]] as const) {
      await database.db.query(
        `INSERT INTO face_templates (id, tenant_id, gallery_id, subject_id, model_version, embedding, image_sha256, quality)
         SELECT gen_random_uuid(), $1, $2, $3, $4, (SELECT array_agg(random())::real[] FROM generate_series(1, ${DIM}) WHERE i > 0)::vector, $4 || '-' || i, 0.9
           FROM generate_series(1, $5::int) i`,
        [TENANT, GALLERY, SUBJECT, model, n],
      );
    }
  });

  afterAll(async () => {
    await database?.close();
    await drop?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('counts the model\'s templates, sets maintenance_work_mem for the build only, and builds the index once', async () => {
    const seen: IndexBuildMemory[] = [];
    const built = await repo.ensureIndex(database.db, 'index-test@1', DIM, 10, (m) => seen.push(m));
    expect(built).toMatchObject({ templates: 120, dim: DIM, capMb: 10, mb: 10, setting: '10MB' });
    expect(seen).toEqual([expect.objectContaining({ templates: 120, mb: 10 })]);
    const [index] = await database.db.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE indexname = $1`, [vectorIndexName('index-test@1')]);
    expect(index.indexdef).toMatch(new RegExp(`USING hnsw .*m='?${HNSW_M}'?.*ef_construction='?${HNSW_EF_CONSTRUCTION}'?.*WHERE .*index-test@1`));
    // SET LOCAL ended with the build's transaction: whichever pooled connection answers has its own setting
    for (let i = 0; i < 4; i++) expect((await database.db.query(`SELECT current_setting('maintenance_work_mem') AS s`))[0].s).not.toBe('10MB');
    expect(await repo.ensureIndex(database.db, 'index-test@1', DIM, 10)).toBeUndefined();
  });

  it('builds a pack\'s halfvec index beside the vector one, walks it, and still scores in full precision', async () => {
    const built = await repo.ensureIndex(database.db, 'index-test@1', DIM, 64, undefined, { storage: VectorStorage.HALFVEC });
    expect(built).toMatchObject({ templates: 120 });
    const name = vectorIndexName('index-test@1', VectorStorage.HALFVEC);
    expect(name).not.toBe(vectorIndexName('index-test@1'));
    // each storage sees the other's index as one it no longer walks (the hub warns about it at start)
    expect(await repo.otherStorageIndexes(database.db, 'index-test@1', VectorStorage.HALFVEC)).toEqual([vectorIndexName('index-test@1')]);
    expect(await repo.otherStorageIndexes(database.db, 'index-test@1', VectorStorage.VECTOR)).toEqual([name]);
    expect(await repo.otherStorageIndexes(database.db, 'index-test@2', VectorStorage.VECTOR)).toEqual([]);
    const [index] = await database.db.query(`SELECT indexdef FROM pg_indexes WHERE indexname = $1`, [name]);
    expect(index.indexdef).toMatch(/USING hnsw \(\(\(?embedding\)?::halfvec\(16\)\) halfvec_cosine_ops\).*WHERE .*index-test@1/);
    const [{ v }] = await database.db.query<{ v: string }>(`SELECT embedding::text AS v FROM face_templates WHERE model_version = 'index-test@1' LIMIT 1`);
    const probe = Float32Array.from(JSON.parse(v) as number[], (x, i) => x + (i % 3) * 0.01);
    const q = { galleryIds: [GALLERY], modelVersion: 'index-test@1', embedding: probe, limit: 5, minScore: -1, efSearch: 200 };
    const plans: string[] = [];
    const [viaHalfvec, exact] = await database.db.transaction(async (tx) => {
      // the same transaction, with each SELECT explained first: the plan must be able to walk the halfvec
      // index (120 rows would otherwise be sorted whole, which is right at that size)
      await tx.query(`SET LOCAL enable_seqscan = off`);
      const explaining: Queryable = {
        query: async (sql, params) => {
          if (/^\s*SELECT c\.\*/.test(sql)) plans.push((await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).map((r) => r['QUERY PLAN']).join('\n'));
          return tx.query(sql, params);
        },
      };
      return [await repo.nearest(explaining, { ...q, exactBelow: 0, storage: VectorStorage.HALFVEC }), await repo.nearest(tx, { ...q, exactBelow: Number.POSITIVE_INFINITY })];
    });
    expect(plans[0]).toContain(name);
    expect(viaHalfvec.map((h) => h.templateId)).toEqual(exact.map((h) => h.templateId));
    // 16-bit distances would differ from the exact ones by ~1e-3: the scores are the full-precision cosine
    viaHalfvec.forEach((h, i) => expect(Math.abs(h.score - exact[i].score)).toBeLessThan(1e-6));
  });

  it('builds the binary graph only from its threshold on, walks it there, and ranks what it finds by the exact cosine', async () => {
    // 120 templates of their own model, centred like face embeddings (each coordinate's sign is a bit)
    const model = 'index-test@bin';
    await database.db.query(
      `INSERT INTO face_templates (id, tenant_id, gallery_id, subject_id, model_version, embedding, image_sha256, quality)
       SELECT gen_random_uuid(), $1, $2, $3, $4, (SELECT array_agg(random() - 0.5)::real[] FROM generate_series(1, ${DIM}) WHERE i > 0)::vector, $4 || '-' || i, 0.9
         FROM generate_series(1, 120) i`,
      [TENANT, GALLERY, SUBJECT, model],
    );
    await repo.ensureIndex(database.db, model, DIM, 64);
    // under a threshold of 121, or with the walk turned off (0), nothing is built
    expect(await repo.ensureBinaryIndex(database.db, model, DIM, 64, 121)).toBeUndefined();
    expect(await repo.ensureBinaryIndex(database.db, model, DIM, 64, 0)).toBeUndefined();
    const name = binaryIndexName(model);
    expect(await database.db.query(`SELECT 1 FROM pg_indexes WHERE indexname = $1`, [name])).toEqual([]);
    expect(await repo.ensureBinaryIndex(database.db, model, DIM, 64, 100)).toMatchObject({ templates: 120 });
    expect(await repo.ensureBinaryIndex(database.db, model, DIM, 64, 100)).toBeUndefined();
    const [index] = await database.db.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE indexname = $1`, [name]);
    expect(index.indexdef).toMatch(/USING hnsw .*binary_quantize\(embedding\)\)?::bit\(16\)\)? bit_hamming_ops\).*WHERE .*index-test@bin/);
    try {
      const [{ v }] = await database.db.query<{ v: string }>(`SELECT embedding::text AS v FROM face_templates WHERE model_version = $1 ORDER BY id LIMIT 1`, [model]);
      const probe = Float32Array.from(JSON.parse(v) as number[], (x, i) => x + (i % 3) * 0.001);
      const q = { galleryIds: [GALLERY], modelVersion: model, embedding: probe, limit: 5, minScore: -1, exactBelow: 0 };
      const plans: string[] = [];
      const [walked, under, exact] = await database.db.transaction(async (tx) => {
        await tx.query(`SET LOCAL enable_seqscan = off`);
        const explaining: Queryable = {
          query: async (sql, params) => {
            if (/^\s*SELECT c\.\*/.test(sql)) plans.push((await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).map((r) => r['QUERY PLAN']).join('\n'));
            return tx.query(sql, params);
          },
        };
        return [
          await repo.nearest(explaining, { ...q, binaryWalkAbove: 100 }),
          await repo.nearest(explaining, { ...q, binaryWalkAbove: 121 }),
          await repo.nearest(tx, { ...q, exactBelow: Number.POSITIVE_INFINITY }),
        ];
      });
      // from its threshold on the binary graph is walked; under it, the vector graph
      expect(plans[0]).toContain(name);
      expect(plans[1]).not.toContain(name);
      expect(plans[1]).toContain(vectorIndexName(model));
      // the template the probe was made from comes first, every score is the full-precision cosine, best first
      expect(walked[0].templateId).toBe(exact[0].templateId);
      expect(walked).toHaveLength(5);
      const cosine = new Map(exact.map((h) => [h.templateId, h.score]));
      walked.forEach((h, i) => {
        if (cosine.has(h.templateId)) expect(Math.abs(h.score - cosine.get(h.templateId)!)).toBeLessThan(1e-6);
        if (i > 0) expect(h.score).toBeLessThanOrEqual(walked[i - 1].score);
      });
      expect(under.map((h) => h.templateId)).toEqual(exact.map((h) => h.templateId));
      // row-level security holds on the binary walk: another tenant's scope finds none of these templates
      const other = '00000000-0000-4000-8000-0000000000ff';
      expect(await database.db.scoped({ tenantId: other }, (tx) => repo.nearest(tx, { ...q, binaryWalkAbove: 100 }))).toEqual([]);
      expect((await database.db.scoped({ tenantId: TENANT }, (tx) => repo.nearest(tx, { ...q, binaryWalkAbove: 100 })))[0].templateId).toBe(exact[0].templateId);
    } finally {
      await database.db.query(`DROP INDEX ${name}`);
      await database.db.query(`DROP INDEX ${vectorIndexName(model)}`);
      await database.db.query(`DELETE FROM face_templates WHERE model_version = $1`, [model]);
    }
  });

  it('asks for pgvector 0.7 or newer before a halfvec index (and this database has it)', async () => {
    expect(['0.6.2', '0.5.1', '0.6'].map((v) => atLeast(v, HALFVEC_SINCE))).toEqual([false, false, false]);
    expect(['0.7.0', '0.7', '0.8.0', '0.10.0', '1.0.0'].map((v) => atLeast(v, HALFVEC_SINCE))).toEqual([true, true, true, true, true]);
    const [{ extversion }] = await database.db.query<{ extversion: string }>(`SELECT extversion FROM pg_extension WHERE extname = 'vector'`);
    expect(atLeast(extversion, HALFVEC_SINCE)).toBe(true);
  });

  it('walks a larger graph with a longer candidate list, chosen from the graph\'s size', async () => {
    expect([1, 50_000, 100_000].map(efSearchFor)).toEqual([EF_SEARCH, EF_SEARCH, EF_SEARCH]);
    expect(efSearchFor(1_000_000)).toBe(800);
    expect(efSearchFor(10_000_000)).toBe(MAX_EF_SEARCH);
    for (let n = 100_000; n < 5_000_000; n *= 1.5) expect(efSearchFor(n * 1.5)).toBeGreaterThanOrEqual(efSearchFor(n));
    const [{ v }] = await database.db.query<{ v: string }>(`SELECT embedding::text AS v FROM face_templates WHERE model_version = 'index-test@1' LIMIT 1`);
    const q = { galleryIds: [GALLERY], modelVersion: 'index-test@1', embedding: Float32Array.from(JSON.parse(v) as number[]), limit: 5, minScore: -1, exactBelow: 0 };
    const efAfter = (extra: object) =>
      database.db.transaction(async (tx) => {
        await repo.nearest(tx, { ...q, ...extra });
        return Number((await tx.query(`SELECT current_setting('hnsw.ef_search') AS ef`))[0].ef);
      });
    // the index's own count (pg_class.reltuples, set by its build) is 120 templates
    expect(await repo.graphSize(database.db, 'index-test@1')).toBe(120);
    expect(await efAfter({})).toBe(EF_SEARCH);
    expect(await efAfter({ templatesSearched: 1_000_000 })).toBe(800);
    expect(await efAfter({ efSearch: 40 })).toBe(40);
  });

  it('gives a small graph PostgreSQL\'s default, within a larger cap', async () => {
    const built = await repo.ensureIndex(database.db, 'index-test@2', DIM, 4096);
    expect(built).toMatchObject({ templates: 30, mb: PG_DEFAULT_MAINTENANCE_MB, setting: `${PG_DEFAULT_MAINTENANCE_MB}MB` });
  });
});

describe('the search service builds the active model\'s index at start with the memory it is given', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startHub();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('prepare() counts the enrolled templates and builds under the capped maintenance_work_mem', async () => {
    const admin = await t.token('hub', Role.HUB_ADMIN);
    const galleryId = (await t.gql(admin, `mutation { createGallery(input: { name: "index-build" }) { id } }`)).data.createGallery.id;
    const enrolled = await t.gql(admin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { modelVersion } }`, {
      i: { galleryId, subjectRef: 'IB-1', imageBase64: (await portrait()).toString('base64') },
    });
    expect(enrolled.errors).toBeUndefined();
    const model = enrolled.data.enrollFace.modelVersion;
    // the index the hub built on its empty table at start goes, so that this prepare() builds one
    expect(await t.hub.services.searches.prepare()).toBeUndefined();
    await t.hub.database.db.query(`DROP INDEX ${vectorIndexName(model)}`);
    const seen: IndexBuildMemory[] = [];
    const built = await t.hub.services.searches.prepare({ indexBuildMemoryMb: 12, onIndexBuild: (m) => seen.push(m) });
    expect(built).toMatchObject({ templates: 1, capMb: 12, mb: 12, setting: '12MB' });
    expect(seen).toHaveLength(1);
    expect(await t.hub.database.db.query(`SELECT 1 FROM pg_indexes WHERE indexname = $1`, [vectorIndexName(model)])).toHaveLength(1);
  });
});

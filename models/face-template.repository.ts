import { createHash, randomUUID } from 'node:crypto';
import { vectorLiteral, type Queryable, type TransactionRunner } from './db.js';
import { HNSW_EF_CONSTRUCTION, HNSW_M, indexBuildMemory, VectorStorage, type IndexBuildMemory } from './index-memory.js';

export interface TemplateInsert {
  tenantId: string;
  galleryId: string;
  subjectId: string;
  modelVersion: string;
  embedding: Float32Array;
  imageSha256: string;
  quality: number;
  source: Record<string, unknown>;
}

export interface ModelTemplateCount {
  modelVersion: string;
  templates: number;
  withCrop: number;
}

export interface VectorQuery {
  galleryIds: string[];
  modelVersion: string;
  embedding: Float32Array;
  limit: number;
  minScore: number;
  /** HNSW candidate list size; at least `limit` */
  efSearch?: number;
  /** below this many templates in the allowed galleries an exact scan is used */
  exactBelow?: number;
  /** which of the model's indexes to walk (its pack's choice; default full-precision vector) */
  storage?: VectorStorage;
  /** templates in the allowed galleries, when the caller has counted them already */
  templatesSearched?: number;
  /** a model whose binary graph holds at least this many elements is walked in it (BINARY_WALK_ABOVE; 0: never) */
  binaryWalkAbove?: number;
}

export interface VectorHit {
  templateId: string;
  subjectId: string;
  galleryId: string;
  subjectRef: string;
  score: number;
}

/** Below this many templates in the allowed galleries an exact scan beats the index (bench:search, README). */
export const EXACT_SCAN_BELOW = 5_000;

/** HNSW candidate list up to 100k templates: recall@10 1.000 on 100k face-like 512-d templates at p50 4.8 ms with the hub's graph (m 32; bench:search). */
export const EF_SEARCH = 200;
/** pgvector's ceiling for hnsw.ef_search. */
export const MAX_EF_SEARCH = 1000;

/**
 * hnsw.ef_search for a graph of `templates` elements: EF_SEARCH up to 100k, four times as much per
 * tenfold beyond it (800 at a million, where the hub's graph returned the searched person in 200 of
 * 200 searches against 195 at 200, recall@10 0.978 against 0.954: test/bench/RESULTS.md), never
 * above pgvector's ceiling. The graph's size, not the allowed galleries', decides: a filtered walk
 * crosses the whole graph.
 */
export function efSearchFor(templates: number): number {
  const scaled = EF_SEARCH * Math.pow(Math.max(1, templates) / 100_000, Math.log10(4));
  return Math.min(MAX_EF_SEARCH, Math.max(EF_SEARCH, Math.round(scaled)));
}

/**
 * From this many templates of one model, the hub also keeps a binary graph (one bit per dimension, its
 * sign; a thirty-second of the vector) and walks it, re-ranking its nearest by the exact cosine. At a
 * million 512-d templates that was the best query measured (recall@10 0.988 against the halfvec walk's
 * 0.977, p50 11.1 against 15.2 ms); at 100k it was 2.4x slower (test/bench/RESULTS.md).
 */
export const BINARY_WALK_ABOVE = 1_000_000;
/** How many of the binary walk's nearest are re-ranked by the exact cosine (100: recall@10 0.988 at 1M; 400 gained nothing). */
export const BINARY_RERANK = 100;

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** One HNSW index per embedding model and storage: a partial expression index over that model's rows. */
export function vectorIndexName(modelVersion: string, storage = VectorStorage.VECTOR): string {
  const key = storage === VectorStorage.VECTOR ? modelVersion : `${modelVersion}|${storage}`;
  return `face_templates_hnsw_${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/** The model's binary graph, beside its vector or halfvec one. */
export function binaryIndexName(modelVersion: string): string {
  return `face_templates_hnsw_${createHash('sha256').update(`${modelVersion}|bit`).digest('hex').slice(0, 16)}`;
}
const binaryOf = (column: string, dim: number) => `binary_quantize(${column})::bit(${Number(dim)})`;

/** How the index stores each embedding: `halfvec` halves the graph's memory and I/O; the table keeps full precision. */
const indexed = (storage: VectorStorage, dim: number) => `embedding::${storage}(${Number(dim)})`;
const opclass = (storage: VectorStorage) => `${storage}_cosine_ops`;

/** The HNSW graph's shape: the storage is the pack's choice, m and ef_construction the hub's (HNSW_M, HNSW_EF_CONSTRUCTION). */
export interface VectorIndexSpec {
  storage: VectorStorage;
  m: number;
  efConstruction: number;
}

/** pgvector's first version with the halfvec type. */
export const HALFVEC_SINCE = [0, 7, 0];
export const atLeast = (version: string, least: number[]) => {
  const v = version.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < least.length; i++) if ((v[i] ?? 0) !== least[i]) return (v[i] ?? 0) > least[i];
  return true;
};

export const DEFAULT_INDEX_SPEC: VectorIndexSpec = { storage: VectorStorage.VECTOR, m: HNSW_M, efConstruction: HNSW_EF_CONSTRUCTION };

export interface IndexBuild extends IndexBuildMemory {
  /** maintenance_work_mem as the build saw it (read back inside its transaction) */
  setting: string;
  storage: VectorStorage;
  efConstruction: number;
  seconds: number;
}

export class FaceTemplateRepository {
  /**
   * Builds the model's HNSW index when it is not there yet, with maintenance_work_mem sized for its
   * graph (SET LOCAL: one transaction, so the pooled connection gets its setting back); undefined when
   * the index was there. `before` sees the sizing first, so a long build says what it was given.
   */
  async ensureIndex(
    db: TransactionRunner,
    modelVersion: string,
    dim: number,
    memoryCapMb: number,
    before?: (m: IndexBuildMemory) => void,
    spec: Partial<VectorIndexSpec> = {},
  ): Promise<IndexBuild | undefined> {
    const { storage, m, efConstruction } = { ...DEFAULT_INDEX_SPEC, ...spec };
    const name = vectorIndexName(modelVersion, storage);
    return db.transaction(async (tx) => {
      const [{ present }] = await tx.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [name]);
      if (present) return undefined;
      if (storage === VectorStorage.HALFVEC) {
        const [ext] = await tx.query<{ extversion: string }>(`SELECT extversion FROM pg_extension WHERE extname = 'vector'`);
        if (!ext || !atLeast(ext.extversion, HALFVEC_SINCE)) {
          throw new Error(
            `model ${modelVersion} asks for a halfvec index, which pgvector has since ${HALFVEC_SINCE.join('.')}; this database has ${ext ? `pgvector ${ext.extversion}` : 'no pgvector'}: run ALTER EXTENSION vector UPDATE after installing a newer pgvector, or remove "index": { "storage": "halfvec" } from the pack's manifest`,
          );
        }
      }
      const [{ n }] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM face_templates WHERE model_version = $1`, [modelVersion]);
      const memory = indexBuildMemory(n, Number(dim), memoryCapMb, m, storage);
      before?.(memory);
      // max_parallel_maintenance_workers is left to the server: pgvector (0.6+) builds in parallel with the server's default of 2, and each worker needs 32 MB of maintenance_work_mem
      await tx.query(`SET LOCAL maintenance_work_mem = '${memory.mb}MB'`);
      const [{ setting }] = await tx.query<{ setting: string }>(`SELECT current_setting('maintenance_work_mem') AS setting`);
      const started = performance.now();
      await tx.query(
        `CREATE INDEX IF NOT EXISTS ${name} ON face_templates
         USING hnsw ((${indexed(storage, dim)}) ${opclass(storage)}) WITH (m = ${Math.floor(m)}, ef_construction = ${Math.floor(efConstruction)})
         WHERE model_version = ${quote(modelVersion)}`,
      );
      return { ...memory, setting, storage, efConstruction, seconds: (performance.now() - started) / 1000 };
    });
  }

  /**
   * Builds the model's binary graph once it has `minTemplates` templates (BINARY_WALK_ABOVE), if not
   * there yet: one bit per dimension, Hamming distance, the hub's m and ef_construction; about half the
   * build memory of the vector graph. Undefined when nothing was built.
   */
  async ensureBinaryIndex(
    db: TransactionRunner,
    modelVersion: string,
    dim: number,
    memoryCapMb: number,
    minTemplates = BINARY_WALK_ABOVE,
    spec: Pick<VectorIndexSpec, 'm' | 'efConstruction'> = DEFAULT_INDEX_SPEC,
  ): Promise<{ templates: number; mb: number; seconds: number } | undefined> {
    if (minTemplates <= 0) return undefined;
    const name = binaryIndexName(modelVersion);
    return db.transaction(async (tx) => {
      const [{ present }] = await tx.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [name]);
      if (present) return undefined;
      const [{ n }] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM face_templates WHERE model_version = $1`, [modelVersion]);
      if (n < minTemplates) return undefined;
      // the neighbour lists dominate the graph, as in the vector graph; each element's own bits are 1/32 of it
      const mb = Math.min(Math.max(1, Math.floor(memoryCapMb)), Math.max(64, Math.ceil(indexBuildMemory(n, Number(dim), memoryCapMb, spec.m).mb / 2)));
      await tx.query(`SET LOCAL maintenance_work_mem = '${mb}MB'`);
      const started = performance.now();
      await tx.query(
        `CREATE INDEX IF NOT EXISTS ${name} ON face_templates
         USING hnsw ((${binaryOf('embedding', dim)}) bit_hamming_ops) WITH (m = ${Math.floor(spec.m)}, ef_construction = ${Math.floor(spec.efConstruction)})
         WHERE model_version = ${quote(modelVersion)}`,
      );
      return { templates: n, mb, seconds: (performance.now() - started) / 1000 };
    });
  }

  /** Idempotent: the same image into the same gallery returns the template already there. */
  async insert(db: Queryable, t: TemplateInsert): Promise<{ id: string; created: boolean }> {
    // the gallery's template count moves with the insert, in the same statement
    const inserted = await db.query<{ id: string }>(
      `WITH ins AS (
         INSERT INTO face_templates (id, tenant_id, gallery_id, subject_id, model_version, embedding, image_sha256, quality, source)
         VALUES ($1, $9, $2, $3, $4, $5::vector, $6, $7, $8)
         ON CONFLICT (gallery_id, image_sha256, model_version) DO NOTHING RETURNING id, gallery_id),
       counted AS (UPDATE galleries g SET template_count = g.template_count + 1 FROM ins WHERE g.id = ins.gallery_id RETURNING g.id)
       SELECT id FROM ins`,
      [randomUUID(), t.galleryId, t.subjectId, t.modelVersion, vectorLiteral(t.embedding), t.imageSha256, t.quality, JSON.stringify(t.source), t.tenantId],
    );
    if (inserted.length) return { id: inserted[0].id, created: true };
    const [existing] = await db.query<{ id: string }>(`SELECT id FROM face_templates WHERE gallery_id = $1 AND image_sha256 = $2 AND model_version = $3`, [
      t.galleryId,
      t.imageSha256,
      t.modelVersion,
    ]);
    return { id: existing.id, created: false };
  }

  /**
   * Up to `limit` of a gallery's templates of one model with their subject, whole subjects at a time
   * in an order fixed by a hash of the subject's id (so every run samples the same people, and people
   * with several photos keep them all: the genuine pairs).
   */
  async sampleEmbeddings(db: Queryable, galleryId: string, modelVersion: string, limit: number): Promise<{ subjectId: string; embedding: Float32Array }[]> {
    const rows: { subjectId: string; e: string }[] = await db.query(
      `SELECT subject_id AS "subjectId", embedding::text AS e FROM face_templates
        WHERE gallery_id = $1 AND model_version = $2 ORDER BY md5(subject_id::text), id LIMIT $3`,
      [galleryId, modelVersion, limit],
    );
    return rows.map((r) => ({ subjectId: r.subjectId, embedding: Float32Array.from(JSON.parse(r.e) as number[]) }));
  }

  /** A gallery's templates per model version, and how many of them have a kept crop (so can move to another model). */
  async countsByModel(db: Queryable, galleryId: string): Promise<ModelTemplateCount[]> {
    return db.query(
      `SELECT t.model_version AS "modelVersion", count(*)::int AS templates, count(c.image_sha256)::int AS "withCrop"
         FROM face_templates t LEFT JOIN face_crops c ON c.gallery_id = t.gallery_id AND c.image_sha256 = t.image_sha256
        WHERE t.gallery_id = $1 GROUP BY t.model_version ORDER BY t.model_version`,
      [galleryId],
    );
  }

  /** Deletes a gallery's templates of every model but `keep` (their crops stay with `keep`'s templates); the count follows. */
  async dropOtherModels(db: Queryable, galleryId: string, keep: string): Promise<number> {
    const [r] = await db.query<{ n: number; touched: number }>(
      `WITH gone AS (DELETE FROM face_templates WHERE gallery_id = $1 AND model_version <> $2 RETURNING id),
       counted AS (UPDATE galleries SET template_count = template_count - (SELECT count(*) FROM gone) WHERE id = $1 RETURNING id)
       SELECT (SELECT count(*) FROM gone)::int AS n, (SELECT count(*) FROM counted)::int AS touched`,
      [galleryId, keep],
    );
    return r.n;
  }

  /** The model's indexes of other storages than `storage`: left by an earlier pack manifest, no longer walked. */
  async otherStorageIndexes(db: Queryable, modelVersion: string, storage: VectorStorage): Promise<string[]> {
    const others = Object.values(VectorStorage).filter((s) => s !== storage).map((s) => vectorIndexName(modelVersion, s));
    const present = await Promise.all(others.map(async (name) => ((await db.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [name]))[0].present ? name : undefined)));
    return present.filter((n): n is string => n !== undefined);
  }

  /**
   * Elements in the model's index as PostgreSQL last counted them (pg_class.reltuples: set by the
   * build, kept by (auto)vacuum; 0 where never counted, as on PGlite after a build on an empty table).
   */
  async graphSize(db: Queryable, modelVersion: string, storage = VectorStorage.VECTOR): Promise<number> {
    const name = vectorIndexName(modelVersion, storage);
    return (await this.elements(db, [name])).get(name) ?? 0;
  }

  /** Each named index's elements as last counted (pg_class.reltuples); an index that is not there is absent. */
  private async elements(db: Queryable, indexes: string[]): Promise<Map<string, number>> {
    const rows = await db.query<{ name: string; n: number }>(`SELECT relname AS name, greatest(reltuples, 0)::float8 AS n FROM pg_class WHERE relname = ANY($1::text[])`, [indexes]);
    return new Map(rows.map((r) => [r.name, Number(r.n)]));
  }

  async subjectOfTemplate(db: Queryable, templateId: string): Promise<string | undefined> {
    return (await db.query<{ id: string }>(`SELECT subject_id AS id FROM face_templates WHERE id = $1`, [templateId]))[0]?.id;
  }

  async subjectRefOfTemplate(db: Queryable, templateId: string): Promise<string | undefined> {
    return (await db.query<{ ref: string }>(`SELECT s.external_ref AS ref FROM face_templates t JOIN subjects s ON s.id = t.subject_id WHERE t.id = $1`, [templateId]))[0]?.ref;
  }

  /** Templates in the galleries (all models), from the counts kept at enrollment. */
  async countIn(db: Queryable, galleryIds: string[]): Promise<number> {
    const [r] = await db.query<{ n: number }>(`SELECT coalesce(sum(template_count), 0)::int AS n FROM galleries WHERE id = ANY($1::uuid[])`, [galleryIds]);
    return r.n;
  }

  /**
   * Nearest templates by cosine similarity within the allowed galleries. Must run inside a
   * transaction (SET LOCAL). The HNSW path uses pgvector's iterative scan so a gallery filter never
   * silently returns fewer rows than exist; small gallery sets use an exact scan instead. The score
   * threshold is applied outside the ORDER BY … LIMIT, and ties are ordered by template id.
   */
  async nearest(db: Queryable, q: VectorQuery): Promise<VectorHit[]> {
    if (q.galleryIds.length === 0) return [];
    const dim = q.embedding.length;
    const exactBelow = q.exactBelow ?? EXACT_SCAN_BELOW;
    // the allowed galleries' template count, read at most once (the caller may have counted them already)
    let counted: Promise<number> | undefined;
    const templates = () => (counted ??= q.templatesSearched !== undefined ? Promise.resolve(q.templatesSearched) : this.countIn(db, q.galleryIds));
    const exact = exactBelow > 0 && (!Number.isFinite(exactBelow) || (await templates()) < exactBelow);
    const storage = q.storage ?? VectorStorage.VECTOR;
    const exactDistance = `(t.embedding <=> $1::vector)`;
    const distance = exact ? exactDistance : `(t.${indexed(storage, dim)} <=> $1::${storage}(${dim}))`;
    if (!exact) {
      // both graphs' sizes in one round trip: the binary graph from its threshold on, else the model's own
      const [binary, own] = [binaryIndexName(q.modelVersion), vectorIndexName(q.modelVersion, storage)];
      const sizes = await this.elements(db, [binary, own]);
      const walkAbove = q.binaryWalkAbove ?? BINARY_WALK_ABOVE;
      if (walkAbove > 0 && (sizes.get(binary) ?? 0) >= walkAbove) return this.binaryNearest(db, q, sizes.get(binary)!);
      const ef = Math.max(q.limit, Math.min(MAX_EF_SEARCH, Math.floor(q.efSearch ?? efSearchFor(Math.max(await templates(), sizes.get(own) ?? 0)))));
      await db.query(`SET LOCAL hnsw.ef_search = ${ef}; SET LOCAL hnsw.iterative_scan = relaxed_order`);
    }
    // the score is always the full-precision cosine, whatever precision the index walked in
    return db.query(
      `SELECT c.* FROM (
         SELECT t.id AS "templateId", t.subject_id AS "subjectId", t.gallery_id AS "galleryId", s.external_ref AS "subjectRef",
                1 - ${exactDistance} AS score
           FROM face_templates t JOIN subjects s ON s.id = t.subject_id
          WHERE t.model_version = ${quote(q.modelVersion)} AND t.gallery_id = ANY($2::uuid[])
          ORDER BY ${distance}
          LIMIT $3
       ) c
       WHERE c.score >= $4
       ORDER BY c.score DESC, c."templateId"
       LIMIT $5`,
      // relaxed_order may emit a slightly better row after the LIMIT cut, and a halfvec walk orders by
      // rounded distances: over-fetch, then re-rank on the full-precision score
      [vectorLiteral(q.embedding), q.galleryIds, exact ? q.limit : q.limit * 2, q.minScore, q.limit],
    );
  }

  /** The binary graph's nearest BINARY_RERANK (by Hamming distance, within the allowed galleries), ordered by the exact cosine. */
  private async binaryNearest(db: Queryable, q: VectorQuery, graph: number): Promise<VectorHit[]> {
    const dim = q.embedding.length;
    const rerank = Math.max(BINARY_RERANK, q.limit * 2);
    const ef = Math.min(MAX_EF_SEARCH, Math.max(rerank, Math.floor(q.efSearch ?? efSearchFor(graph))));
    await db.query(`SET LOCAL hnsw.ef_search = ${ef}; SET LOCAL hnsw.iterative_scan = relaxed_order`);
    return db.query<VectorHit>(
      `SELECT c.* FROM (
         SELECT t.id AS "templateId", t.subject_id AS "subjectId", t.gallery_id AS "galleryId", s.external_ref AS "subjectRef",
                1 - (t.embedding <=> $1::vector) AS score
           FROM (SELECT w.id, w.subject_id, w.gallery_id, w.embedding FROM face_templates w
                  WHERE w.model_version = ${quote(q.modelVersion)} AND w.gallery_id = ANY($2::uuid[])
                  ORDER BY ${binaryOf('w.embedding', dim)} <~> ${binaryOf('$1::vector', dim)}
                  LIMIT $3) t
           JOIN subjects s ON s.id = t.subject_id
       ) c
       WHERE c.score >= $4
       ORDER BY c.score DESC, c."templateId"
       LIMIT $5`,
      [vectorLiteral(q.embedding), q.galleryIds, rerank, q.minScore, q.limit],
    );
  }
}

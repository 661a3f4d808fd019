/**
 * HNSW build parameters of the hub's index: twice pgvector's defaults (16, 64). Measured at a million
 * face-like 512-d templates (test/bench/RESULTS.md, "A million templates"), pgvector's defaults
 * found every template of the searched person (recall@10) 0.91 of the time at ef_search 800, these
 * 0.978 (the person among the ten: 0.995 against 1.000; both halfvec), for 20% more index and about twice the build time.
 */
export const HNSW_M = 32;
export const HNSW_EF_CONSTRUCTION = 128;

/** PostgreSQL's own default maintenance_work_mem: sizing never asks for less than a server would give anyway. */
export const PG_DEFAULT_MAINTENANCE_MB = 64;
/** PostgreSQL refuses maintenance_work_mem below 1 MB. */
export const PG_MIN_MAINTENANCE_MB = 1;

export enum VectorStorage {
  VECTOR = 'vector',
  HALFVEC = 'halfvec',
}

export interface IndexBuildMemory {
  /** what maintenance_work_mem is set to for the build */
  mb: number;
  /** what the whole graph needs in memory, before the cap */
  neededMb: number;
  capMb: number;
  templates: number;
  dim: number;
  m: number;
}

const MB = 1024 * 1024;

/**
 * Bytes one element of pgvector's in-memory HNSW graph takes, after HnswGetMaxInMemoryElements in
 * pgvector's src/hnswbuild.c (0.5): sizeof(HnswElementData) + sizeof(HnswNeighborArray)·(avgLevel+1)
 * + sizeof(HnswCandidate)·m·(avgLevel+2) + sizeof(ItemPointerData) + VECTOR_SIZE(dim), with
 * avgLevel = ln 2 · ml and ml = 1 / ln m. Since 0.6 the build counts the memory it actually allocates
 * against maintenance_work_mem ("hnsw graph no longer fits into maintenance_work_mem after N tuples"),
 * so allocation headers are added and the whole is given a margin.
 */
export function hnswElementBytes(dim: number, m = HNSW_M, storage = VectorStorage.VECTOR): number {
  const avgLevel = Math.log(2) / Math.log(m);
  const element = 128; // HnswElementData: heap tids, level, lock, relative pointers
  const neighbourArrays = 16 * (avgLevel + 1);
  const candidates = 16 * m * (avgLevel + 2);
  const value = 8 + (storage === VectorStorage.HALFVEC ? 2 : 4) * dim;
  const allocationHeaders = 4 * 16;
  return (element + neighbourArrays + candidates + 6 + value + allocationHeaders) * 1.1;
}

/**
 * maintenance_work_mem for building the HNSW index over `templates` embeddings of `dim` dimensions:
 * the whole graph (pgvector builds far slower once it spills to disk), at least PostgreSQL's default,
 * at most `capMb` (FRHUB_INDEX_BUILD_MEMORY_MB).
 */
export function indexBuildMemory(templates: number, dim: number, capMb: number, m = HNSW_M, storage = VectorStorage.VECTOR): IndexBuildMemory {
  const neededMb = Math.ceil((Math.max(0, templates) * hnswElementBytes(dim, m, storage)) / MB);
  const cap = Math.max(PG_MIN_MAINTENANCE_MB, Math.floor(capMb));
  return { mb: Math.min(cap, Math.max(PG_DEFAULT_MAINTENANCE_MB, neededMb)), neededMb, capMb: cap, templates, dim, m };
}

/** The default cap: a quarter of the machine's memory (the database may share it with the hub). */
export function defaultIndexBuildCapMb(totalMemoryBytes: number): number {
  return Math.max(PG_DEFAULT_MAINTENANCE_MB, Math.floor(totalMemoryBytes / 4 / MB));
}

/** The line the hub and the bench print before a build. */
export function describeIndexBuildMemory(b: IndexBuildMemory): string {
  const short = b.neededMb > b.mb ? `; the graph needs ~${b.neededMb} MB and will spill to disk, slower: raise FRHUB_INDEX_BUILD_MEMORY_MB` : '';
  return `index build memory: ${b.mb} MB for ${b.templates} templates of ${b.dim} dims (cap ${b.capMb} MB)${short}`;
}

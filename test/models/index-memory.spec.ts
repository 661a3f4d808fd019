import { totalmem } from 'node:os';
import { ConfigError, loadConfig } from '../../server/config';
import { INDEX_STORAGES } from '../../inference/model-pack.js';
import { defaultIndexBuildCapMb, describeIndexBuildMemory, hnswElementBytes, indexBuildMemory, PG_DEFAULT_MAINTENANCE_MB, VectorStorage } from '../../models/index-memory.js';
import { BINARY_WALK_ABOVE } from '../../models/face-template.repository.js';

describe('indexBuildMemory (maintenance_work_mem for an HNSW build)', () => {
  const cap = 64 * 1024;

  it('grows with the template count and the dimension', () => {
    expect(indexBuildMemory(200_000, 512, cap).mb).toBeGreaterThan(indexBuildMemory(100_000, 512, cap).mb);
    expect(indexBuildMemory(200_000, 1024, cap).mb).toBeGreaterThan(indexBuildMemory(200_000, 512, cap).mb);
    expect(indexBuildMemory(200_000, 512, cap, 32).mb).toBeGreaterThan(indexBuildMemory(200_000, 512, cap, 16).mb);
  });

  it('matches pgvector: ~3 GB of graph for a million 512-d vectors at m 16, half the vector bytes for halfvec', () => {
    const million = indexBuildMemory(1_000_000, 512, cap, 16);
    expect(million.neededMb).toBeGreaterThan(2600);
    expect(million.neededMb).toBeLessThan(3600);
    expect(million.mb).toBe(million.neededMb);
    expect(hnswElementBytes(512, 16) - hnswElementBytes(512, 16, VectorStorage.HALFVEC)).toBeCloseTo(1024 * 1.1, 5);
  });

  it('never goes above the cap, nor below PostgreSQL\'s default, nor below its 1 MB minimum', () => {
    expect(indexBuildMemory(1_000_000, 512, 1024).mb).toBe(1024);
    expect(indexBuildMemory(10, 512, cap).mb).toBe(PG_DEFAULT_MAINTENANCE_MB);
    expect(indexBuildMemory(0, 512, cap).mb).toBe(PG_DEFAULT_MAINTENANCE_MB);
    expect(indexBuildMemory(1_000_000, 512, 16).mb).toBe(16);
    expect(indexBuildMemory(1_000_000, 512, 0).mb).toBe(1);
    for (const n of [0, 1, 1e3, 1e5, 1e7]) for (const c of [1, 100, 4096]) expect(indexBuildMemory(n, 512, c).mb).toBeLessThanOrEqual(c);
  });

  it('says what it gave, and that a capped build spills', () => {
    expect(describeIndexBuildMemory(indexBuildMemory(50_000, 512, 4096, 16))).toBe('index build memory: 150 MB for 50000 templates of 512 dims (cap 4096 MB)');
    expect(describeIndexBuildMemory(indexBuildMemory(1_000_000, 512, 1024))).toMatch(/^index build memory: 1024 MB for 1000000 templates of 512 dims \(cap 1024 MB\); the graph needs ~\d+ MB and will spill to disk/);
  });

  it('defaults the cap to a quarter of the machine, at least PostgreSQL\'s default', () => {
    expect(defaultIndexBuildCapMb(24 * 1024 ** 3)).toBe(6 * 1024);
    expect(defaultIndexBuildCapMb(64 * 1024 ** 2)).toBe(PG_DEFAULT_MAINTENANCE_MB);
  });
});

describe('FRHUB_INDEX_BUILD_MEMORY_MB', () => {
  it('caps the build at the megabytes it says, defaults to a quarter of the machine, refuses what is not a whole number >= 1', () => {
    expect(loadConfig({ FRHUB_INDEX_BUILD_MEMORY_MB: '2048' }).indexBuildMemoryMb).toBe(2048);
    expect(loadConfig({}).indexBuildMemoryMb).toBe(defaultIndexBuildCapMb(totalmem()));
    for (const bad of ['0', '1.5', 'lots', '-1']) expect(() => loadConfig({ FRHUB_INDEX_BUILD_MEMORY_MB: bad })).toThrow(ConfigError);
  });

  it('knows the same index storages as a pack manifest may name', () => {
    expect([...INDEX_STORAGES].sort()).toEqual(Object.values(VectorStorage).sort());
  });
});

describe('FRHUB_BINARY_WALK_ABOVE', () => {
  it('defaults to a million templates, takes 0 (never), refuses what is not a whole number >= 0', () => {
    expect(loadConfig({}).binaryWalkAbove).toBe(BINARY_WALK_ABOVE);
    expect(BINARY_WALK_ABOVE).toBe(1_000_000);
    expect(loadConfig({ FRHUB_BINARY_WALK_ABOVE: '0' }).binaryWalkAbove).toBe(0);
    expect(loadConfig({ FRHUB_BINARY_WALK_ABOVE: '250000' }).binaryWalkAbove).toBe(250_000);
    for (const bad of ['1.5', 'lots', '-1']) expect(() => loadConfig({ FRHUB_BINARY_WALK_ABOVE: bad })).toThrow(ConfigError);
  });
});

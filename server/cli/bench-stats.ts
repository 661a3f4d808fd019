/** Percentiles of a sample of latencies, for the benchmark commands' printed figures. */
export function percentiles(xs: number[]): { p50: number; p95: number; p99: number; mean: number } {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99), mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length) };
}

export function stats(xs: number[]): string {
  const p = percentiles(xs);
  return `median ${p.p50.toFixed(1)} ms  p95 ${p.p95.toFixed(1)} ms`;
}

/** A database of its own on the given PostgreSQL server, dropped afterwards; or none (embedded PGlite). */
export async function scratchDatabase(url: string | undefined, prefix: string): Promise<{ url?: string; drop(): Promise<void> }> {
  if (!url) return { drop: async () => {} };
  const { Client } = require('pg') as typeof import('pg');
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = async (sql: string) => {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

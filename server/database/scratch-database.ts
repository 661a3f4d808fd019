/**
 * A database of its own on the given PostgreSQL server, dropped afterwards (benchmarks, and test
 * suites running in parallel); with no URL, nothing: the caller uses embedded PGlite.
 */
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

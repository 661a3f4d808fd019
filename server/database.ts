import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { InitialSchema1764100000000 } from '../migrations/1764100000000-initial-schema.js';
import type { Queryable, TransactionRunner } from '../models/db.js';

export const MIGRATIONS = [InitialSchema1764100000000];

export interface Database {
  kind: 'pglite' | 'postgres';
  dataSource: DataSource;
  db: Queryable & TransactionRunner;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/**
 * PostgreSQL when a URL is given; otherwise embedded PGlite (PostgreSQL in WASM, with pgvector),
 * file-backed in dataDir and served over the PostgreSQL wire protocol on loopback, so TypeORM's
 * ordinary `pg` driver runs the same queries against both.
 */
export async function openDatabase(opts: { databaseUrl?: string; dataDir: string; migrate: boolean }): Promise<Database> {
  let stopEmbedded: (() => Promise<void>) | undefined;
  let url = opts.databaseUrl;
  if (!url) {
    const { PGlite } = require('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
    const { vector } = require('@electric-sql/pglite-pgvector') as typeof import('@electric-sql/pglite-pgvector');
    const { PGLiteSocketServer } = require('@electric-sql/pglite-socket') as typeof import('@electric-sql/pglite-socket');
    const dir = join(opts.dataDir, 'pglite');
    mkdirSync(dir, { recursive: true });
    const pg = await PGlite.create(dir, { extensions: { vector } });
    const port = await freePort();
    const server = new PGLiteSocketServer({ db: pg, port, host: '127.0.0.1', maxConnections: 8 });
    await server.start();
    url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
    stopEmbedded = async () => {
      await server.stop();
      await pg.close();
    };
  }
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    migrations: MIGRATIONS,
    migrationsTableName: 'frhub_migrations',
    synchronize: false,
    logging: false,
    extra: { max: opts.databaseUrl ? 10 : 4 },
  });
  await dataSource.initialize();
  if (opts.migrate) await dataSource.runMigrations({ transaction: 'each' });
  const db: Queryable & TransactionRunner = {
    query: (sql, params) => dataSource.query(sql, params),
    transaction: (work) => dataSource.transaction((m) => work({ query: (sql, params) => m.query(sql, params) })),
  };
  return {
    kind: opts.databaseUrl ? 'postgres' : 'pglite',
    dataSource,
    db,
    async close() {
      await dataSource.destroy();
      await stopEmbedded?.();
    },
  };
}

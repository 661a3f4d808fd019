import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { InitialSchema1764100000000 } from '../migrations/1764100000000-initial-schema.js';
import { Governance1764200000000 } from '../migrations/1764200000000-governance.js';
import { GalleryTemplateCounts1764300000000 } from '../migrations/1764300000000-gallery-template-counts.js';
import { TenantIssuers1764400000000 } from '../migrations/1764400000000-tenant-issuers.js';
import { OneReviewPerReviewer1764530000000 } from '../migrations/1764530000000-one-review-per-reviewer.js';
import type { Db, TenantScope } from '../models/db.js';
import { isUuid } from '../tenants/shared/ids.js';

export const MIGRATIONS = [InitialSchema1764100000000, Governance1764200000000, GalleryTemplateCounts1764300000000, TenantIssuers1764400000000, OneReviewPerReviewer1764530000000];
/** The role every scoped transaction runs as: not the tables' owner, no BYPASSRLS. */
export const APP_ROLE = 'frhub_app';

export interface Database {
  kind: 'pglite' | 'postgres';
  dataSource: DataSource;
  db: Db;
  close(): Promise<void>;
}

/** TypeORM answers UPDATE/DELETE … RETURNING with [rows, rowCount]; every caller here wants the rows. */
function rowsOf(result: unknown): any {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0];
  return result;
}

/** One round trip: the application role and the tenant, both reset when the transaction ends. */
function scopeStatement(scope: TenantScope): string {
  if (scope.tenantId !== null && !isUuid(scope.tenantId)) throw new Error(`tenant scope must be a UUID, got ${scope.tenantId}`);
  return `SET LOCAL ROLE ${APP_ROLE}; SELECT set_config('frhub.tenant_id', '${scope.tenantId ?? ''}', true), set_config('frhub.all_tenants', '${scope.allTenants ? 'on' : 'off'}', true)`;
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
    // PGlite has one backend; pglite-socket interleaves the extended-protocol messages of concurrent
    // connections outside a transaction ("unnamed prepared statement does not exist"), so the
    // embedded database gets one connection and every statement queues for it
    extra: { max: opts.databaseUrl ? 10 : 1 },
  });
  await dataSource.initialize();
  if (opts.migrate) await dataSource.runMigrations({ transaction: 'each' });
  const db: Db = {
    query: async (sql, params) => rowsOf(await dataSource.query(sql, params)),
    transaction: (work) => dataSource.transaction((m) => work({ query: async (sql, params) => rowsOf(await m.query(sql, params)) })),
    scoped: (scope, work) =>
      dataSource.transaction(async (m) => {
        await m.query(scopeStatement(scope));
        return work({ query: async (sql, params) => rowsOf(await m.query(sql, params)) });
      }),
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

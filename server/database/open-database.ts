import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { InitialSchema1764100000000 } from '../../migrations/1764100000000-initial-schema.js';
import { Governance1764200000000 } from '../../migrations/1764200000000-governance.js';
import { GalleryTemplateCounts1764300000000 } from '../../migrations/1764300000000-gallery-template-counts.js';
import { TenantIssuers1764400000000 } from '../../migrations/1764400000000-tenant-issuers.js';
import { OneReviewPerReviewer1764530000000 } from '../../migrations/1764530000000-one-review-per-reviewer.js';
import { TenantRowSecurity1764570000000 } from '../../migrations/1764570000000-tenant-row-security.js';
import { FaceCrops1764600000000 } from '../../migrations/1764600000000-face-crops.js';
import { FaceCropsSealedCrypt1765027978000 } from '../../migrations/1765027978000-face-crops-sealed.js';
import { IssuerClientId1764660000000 } from '../../migrations/1764660000000-issuer-client-id.js';
import { SessionsSessions1765017170000 } from '../../migrations/1765017170000-sessions.js';
import { RecordsOverTime1765018180000 } from '../../migrations/1765018180000-records-over-time.js';
import { RequestsExamination1765019000000 } from '../../migrations/1765019000000-requests.js';
import { SearchReceiptsReports1765020200000 } from '../../migrations/1765020200000-search-receipts.js';
import { GalleryContentDigest1765030000000 } from '../../migrations/1765030000000-gallery-content-digest.js';
import { RequestSpendOnly1765031100000 } from '../../migrations/1765031100000-request-spend-only.js';
import { RequestImagesSealed1765031200000 } from '../../migrations/1765031200000-request-images-sealed.js';
import { ScoreCalibrationsCalib1765050230000 } from '../../migrations/1765050230000-score-calibrations-calib.js';
import { DemographicFieldsGroups1765041230000 } from '../../migrations/1765041230000-demographic-fields-groups.js';
import { SandboxTenantsGroups1765041240000 } from '../../migrations/1765041240000-sandbox-tenants-groups.js';
import { brandDb, type Db, type Queryable, type Row, type TenantScope } from '../../models/db.js';
import { isUuid } from '../../tenants/shared/ids.js';
import { anchorFileOf, AuditAnchor, databaseKey } from '../audit/audit-anchor.js';
import { DataDirLock } from './data-dir-lock.js';
import { LockKey, withLock } from './advisory-locks.js';

export const MIGRATIONS = [InitialSchema1764100000000, Governance1764200000000, GalleryTemplateCounts1764300000000, TenantIssuers1764400000000, OneReviewPerReviewer1764530000000, TenantRowSecurity1764570000000, FaceCrops1764600000000, IssuerClientId1764660000000, SessionsSessions1765017170000, RecordsOverTime1765018180000, RequestsExamination1765019000000, SearchReceiptsReports1765020200000, FaceCropsSealedCrypt1765027978000, GalleryContentDigest1765030000000, RequestSpendOnly1765031100000, RequestImagesSealed1765031200000, DemographicFieldsGroups1765041230000, SandboxTenantsGroups1765041240000, ScoreCalibrationsCalib1765050230000];
/** The role every scoped transaction runs as: not the tables' owner, no BYPASSRLS. */
export const APP_ROLE = 'frhub_app';

export interface Database {
  kind: 'pglite' | 'postgres';
  dataSource: DataSource;
  db: Db;
  /** the audit chain's head, anchored in the data directory */
  anchor: AuditAnchor;
  /** names the hub's address in the embedded database's lock, for the CLI beside it */
  announce(url: string): void;
  close(): Promise<void>;
}

export interface OpenOptions {
  databaseUrl?: string;
  dataDir: string;
  migrate: boolean;
  /** false: open a database whose chain lost anchored events (only `frhub audit verify`, to report it) */
  checkAnchor?: boolean;
  log?: (message: string) => void;
}

/**
 * TypeORM answers UPDATE/DELETE … RETURNING with [rows, rowCount]; every caller here wants the rows.
 * Their shape is the SQL's: the repository that wrote the statement names it (Queryable.query<R>).
 */
function rowsOf<R extends object = Row>(result: unknown): R[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0];
  return result as R[];
}

/** One round trip: the application role and the tenant, both reset when the transaction ends (read replicas use it too). */
export function scopeStatement(scope: TenantScope): string {
  if (scope.tenantId !== null && !isUuid(scope.tenantId)) throw new Error(`tenant scope must be a UUID, got ${scope.tenantId}`);
  return `SET LOCAL ROLE ${APP_ROLE}; SELECT set_config('frhub.tenant_id', '${scope.tenantId ?? ''}', true), set_config('frhub.all_tenants', '${scope.allTenants ? 'on' : 'off'}', true)`;
}

/**
 * The database as services see it. The audit repository tells the connection of each event it appends
 * (`auditAppended`, the anchor's hook): `onAppended` runs once a transaction that appended has ended
 * (committed or rolled back: the anchor reads the committed head), or at once after an append outside one.
 */
function asDb(dataSource: DataSource, onAppended: () => void = () => {}): Db {
  const transaction = <T>(scope: TenantScope | null, work: (tx: Queryable) => Promise<T>): Promise<T> => {
    let appended = false;
    return dataSource
      .transaction(async (m) => {
        if (scope) await m.query(scopeStatement(scope));
        return work({ query: async (sql, params) => rowsOf(await m.query(sql, params)), auditAppended: () => void (appended = true) });
      })
      .finally(() => appended && onAppended());
  };
  return brandDb({
    query: async (sql, params) => rowsOf(await dataSource.query(sql, params)),
    auditAppended: onAppended,
    transaction: (work) => transaction(null, work),
    scoped: (scope, work) => transaction(scope, work),
  });
}

/** PGlite in `<dataDir>/pglite`, under an exclusive lock (a second opener corrupts it), on a loopback socket. */
async function openEmbedded(dataDir: string): Promise<{ url: string; lock: DataDirLock; stop(): Promise<void> }> {
  const { PGlite } = require('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
  const { vector } = require('@electric-sql/pglite-pgvector') as typeof import('@electric-sql/pglite-pgvector');
  const { PGLiteSocketServer } = require('@electric-sql/pglite-socket') as typeof import('@electric-sql/pglite-socket');
  const dir = join(dataDir, 'pglite');
  mkdirSync(dataDir, { recursive: true });
  const lock = DataDirLock.acquire(dataDir, dir);
  try {
    mkdirSync(dir, { recursive: true });
    const pg = await PGlite.create(dir, { extensions: { vector } });
    // a Unix socket in a private (0700) directory: a TCP port would let any local user in as superuser
    const socketDir = mkdtempSync(join(tmpdir(), 'frhub-pglite-'));
    const server = new PGLiteSocketServer({ db: pg, path: join(socketDir, '.s.PGSQL.5432'), maxConnections: 8 });
    await server.start();
    const stop = async () => {
      try {
        await server.stop();
        await pg.close();
      } finally {
        rmSync(socketDir, { recursive: true, force: true });
        lock.release();
      }
    };
    return { url: `postgres://postgres:postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`, lock, stop };
  } catch (e) {
    lock.release();
    throw e;
  }
}

/**
 * PostgreSQL when a URL is given; otherwise embedded PGlite (PostgreSQL in WASM, with pgvector),
 * file-backed in dataDir and served over the PostgreSQL wire protocol on loopback, so TypeORM's
 * ordinary `pg` driver runs the same queries against both. Throws DataDirLockedError when another
 * process holds the embedded database, AuditAnchorError when the audit chain lost anchored events.
 */
export async function openDatabase(opts: OpenOptions): Promise<Database> {
  const embedded = opts.databaseUrl ? undefined : await openEmbedded(opts.dataDir);
  const url = opts.databaseUrl ?? embedded!.url;
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
  const anchor = new AuditAnchor(asDb(dataSource), anchorFileOf(opts.dataDir), databaseKey(opts.databaseUrl), opts.log);
  const close = async () => {
    try {
      if (dataSource.isInitialized) {
        // a full disk must not keep the database open: the anchor stays at the last head written, a lower bound that still holds
        await anchor.close().catch((e: Error) => opts.log?.(`could not anchor the audit chain head at close (${e.message}): it stays at the last head written`));
        await dataSource.destroy();
      }
    } finally {
      await embedded?.stop();
    }
  };
  try {
    await dataSource.initialize();
    // replicas starting at once: one migrates, the others wait for it and then find nothing to do
    if (opts.migrate) await withLock(opts.databaseUrl ? dataSource : undefined, LockKey.SCHEMA, () => dataSource.runMigrations({ transaction: 'each' }));
    if (opts.checkAnchor !== false) await anchor.check();
  } catch (e) {
    await close().catch(() => {});
    throw e;
  }
  const db = asDb(dataSource, () => anchor.touch());
  return {
    kind: opts.databaseUrl ? 'postgres' : 'pglite',
    dataSource,
    db,
    anchor,
    announce: (hubUrl) => embedded?.lock.announce(hubUrl),
    close,
  };
}

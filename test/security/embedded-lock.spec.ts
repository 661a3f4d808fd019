import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { AuditAnchorError, AuditAnchorFileError, anchorFileOf, databaseKey, readAnchor } from '../../server/audit/audit-anchor';
import { DataDirLockedError, lockFileOf } from '../../server/database/data-dir-lock';
import { loadConfig } from '../../server/config';
import { openDatabase, type Database } from '../../server/database/open-database';
import { createHub } from '../../server/composition/create-hub';
import { scratchDatabase } from '../../server/database/scratch-database';
import { AuditAction, AuditOutcome } from '../../models/enums';
import { AuditTrail } from '../../tenants/audit/audit-trail';
import { verifyChain } from '../../tenants/audit/audit.service';
import { systemClock } from '../../tenants/shared/ports';
import { until } from '../support/until';

// The embedded database's lock (PGlite corrupts when two processes open it) and the audit chain's
// anchor outside the database (a restored older copy loses a tail that the chain alone cannot show).

const ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);

async function append(database: Database, n: number): Promise<void> {
  const trail = new AuditTrail(database.db, systemClock);
  for (let i = 0; i < n; i++) await database.db.scoped({ tenantId: null, allTenants: true }, (tx) => trail.append(tx, null, { action: AuditAction.AUDIT_READ, outcome: AuditOutcome.ALLOWED }));
}

const head = (database: Database) => database.db.scoped({ tenantId: null, allTenants: true }, async (tx) => (await tx.query(`SELECT seq::int8::float8 AS seq FROM audit_head`))[0].seq as number);

/** A copy of the database as it is now, and the way to put it back: the directory, or a template database. */
async function snapshot(dataDir: string, url?: string): Promise<{ restore(): Promise<void>; drop(): Promise<void> }> {
  if (!url) {
    cpSync(join(dataDir, 'pglite'), join(dataDir, 'pglite.copy'), { recursive: true });
    return {
      restore: async () => {
        rmSync(join(dataDir, 'pglite'), { recursive: true, force: true });
        cpSync(join(dataDir, 'pglite.copy'), join(dataDir, 'pglite'), { recursive: true });
      },
      drop: async () => {},
    };
  }
  const { Client } = require('pg') as typeof import('pg');
  const name = new URL(url).pathname.slice(1);
  const admin = async (sql: string) => {
    const c = new Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}_copy TEMPLATE ${name}`);
  return {
    restore: async () => {
      await admin(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin(`CREATE DATABASE ${name} TEMPLATE ${name}_copy`);
    },
    drop: () => admin(`DROP DATABASE IF EXISTS ${name}_copy WITH (FORCE)`),
  };
}

describe('the embedded database is one process\'s: an exclusive lock on data/pglite', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'frhub-lock-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses a second opener while the first holds it, naming the holder and what to do; the lock goes with close', async () => {
    const first = await openDatabase({ dataDir, migrate: true });
    first.announce('http://127.0.0.1:4999');
    let second: unknown;
    try {
      await openDatabase({ dataDir, migrate: true }).then((db) => db.close(), (e) => (second = e));
    } finally {
      await first.close();
    }
    expect(second).toBeInstanceOf(DataDirLockedError);
    expect((second as Error).message).toMatch(new RegExp(`^the hub is running on http://127\\.0\\.0\\.1:4999 \\(pid ${process.pid}, since .*\\) and holds ${join(dataDir, 'pglite')}: stop it first, or use its API`));
    expect(existsSync(lockFileOf(dataDir))).toBe(false);
    const again = await openDatabase({ dataDir, migrate: true });
    await again.close();
  });

  it('refuses a second process too, and says which command holds it when no hub serves', async () => {
    const first = await openDatabase({ dataDir, migrate: true });
    try {
      execFileSync('node', [join(ROOT, 'cli/build.cjs')], { cwd: ROOT, stdio: 'ignore' });
      const other = spawnSync('node', ['-e', `require('${ROOT}/dist/server/database/open-database.js').openDatabase({ dataDir: '${dataDir}', migrate: true }).then(() => process.exit(0), (e) => { console.log(e.constructor.name + ': ' + e.message); process.exit(3); })`], { encoding: 'utf8', timeout: 60_000 });
      expect(other.status).toBe(3);
      expect(other.stdout).toMatch(new RegExp(`^DataDirLockedError: ${join(dataDir, 'pglite')} is in use by \`.*\` \\(pid ${process.pid}, since .*\\): wait for it to finish or stop it, then try again\\.`));
      expect(await head(first)).toBe(0);
    } finally {
      await first.close();
    }
  });

  it('serves the embedded database on a Unix socket only its owner may reach, never on a TCP port', async () => {
    const db = await openDatabase({ dataDir, migrate: true });
    let socketDir: string;
    try {
      const url = new URL((db.dataSource.options as { url: string }).url);
      socketDir = url.searchParams.get('host')!;
      expect(url.port).toBe('');
      expect(statSync(socketDir).mode & 0o777).toBe(0o700);
      expect(readdirSync(socketDir)).toEqual(['.s.PGSQL.5432']);
    } finally {
      await db.close();
    }
    expect(existsSync(socketDir)).toBe(false);
  });

  it('takes over a lock whose process is gone', async () => {
    const gone = spawnSync('node', ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    const pid = Number(gone.stdout.trim());
    writeFileSync(lockFileOf(dataDir), JSON.stringify({ pid, host: require('node:os').hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'frhub serve', url: 'http://127.0.0.1:4000' }));
    const db = await openDatabase({ dataDir, migrate: true });
    try {
      expect(JSON.parse(readFileSync(lockFileOf(dataDir), 'utf8')).pid).toBe(process.pid);
    } finally {
      await db.close();
    }
  });
  it('takes over a lock that names this very pid but that this process does not hold (a container restarted after kill -9: pid 1 again)', async () => {
    writeFileSync(lockFileOf(dataDir), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'frhub serve', url: 'http://127.0.0.1:4000' }));
    const db = await openDatabase({ dataDir, migrate: true });
    try {
      const lock = JSON.parse(readFileSync(lockFileOf(dataDir), 'utf8'));
      expect(lock.pid).toBe(process.pid);
      expect(lock.url).toBeUndefined();
    } finally {
      await db.close();
    }
  });

  it('takes over a lock whose pid now belongs to another process (started later than the holder), and keeps one whose holder still runs', async () => {
    if (!existsSync(`/proc/${process.pid}/stat`)) return console.warn('skipped: no /proc to read a process\'s start time from');
    const other = spawn('node', ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      const lock = (processStart: string) => writeFileSync(lockFileOf(dataDir), JSON.stringify({ pid: other.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'frhub serve', processStart }));
      lock('00000000-0000-0000-0000-000000000000:1');
      const db = await openDatabase({ dataDir, migrate: true });
      await db.close();
      const stat = readFileSync(`/proc/${other.pid}/stat`, 'utf8');
      lock(`${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}:${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`);
      await expect(openDatabase({ dataDir, migrate: true })).rejects.toBeInstanceOf(DataDirLockedError);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('refuses a lock taken on another host, and says how to remove it once that host is known to be gone', async () => {
    writeFileSync(lockFileOf(dataDir), JSON.stringify({ pid: 1, host: 'gone-container', startedAt: '2026-01-01T00:00:00.000Z', command: 'frhub serve', url: 'http://10.0.0.9:4000' }));
    const refused = await openDatabase({ dataDir, migrate: true }).then((db) => db.close(), (e: unknown) => e);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect((refused as Error).message).toContain(`if you know no frhub runs there any more (that machine or container is gone), delete ${lockFileOf(dataDir)} and try again`);
  });

  it('releases the database and its lock when the hub cannot start (a damaged signing key): the next open succeeds', async () => {
    mkdirSync(join(dataDir, 'keys'));
    writeFileSync(join(dataDir, 'keys', 'hub-signing-key.jwk.json'), '{"kty": "OKP",');
    const config = loadConfig({ FRHUB_DATA_DIR: dataDir, FRHUB_MODEL_DIR: join(ROOT, 'data/models'), FRHUB_INFERENCE_PROVIDER: 'cpu' });
    await expect(createHub(config, { logger: pino({ level: 'silent' }) })).rejects.toThrow(SyntaxError);
    expect(existsSync(lockFileOf(dataDir))).toBe(false);
    const again = await openDatabase({ dataDir, migrate: true });
    await again.close();
  });
});

describe('the audit chain\'s head is anchored outside the database and checked at start', () => {
  const PG = process.env.DATABASE_URL || undefined;
  let dataDir: string;
  let scratch: { url?: string; drop(): Promise<void> };
  const open = (checkAnchor?: boolean) => openDatabase({ databaseUrl: scratch.url, dataDir, migrate: true, checkAnchor });
  const anchored = () => readAnchor(anchorFileOf(dataDir), databaseKey(scratch.url));

  beforeAll(() => execFileSync('node', [join(ROOT, 'cli/build.cjs')], { cwd: ROOT, stdio: 'ignore' }));
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'frhub-anchor-'));
    scratch = await scratchDatabase(PG, 'frhub_anchor');
  });
  afterEach(async () => {
    await scratch.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`refuses a database restored from an older copy, naming the missing events (${PG ? 'PostgreSQL' : 'PGlite'}); \`frhub audit verify\` says the same and exits 1`, async () => {
    let db = await open();
    await append(db, 3);
    await db.close();
    expect(anchored()).toMatchObject({ seq: 3 });
    const copy = await snapshot(dataDir, scratch.url);
    try {
      db = await open();
      await append(db, 4);
      await db.close();
      const before = readFileSync(anchorFileOf(dataDir), 'utf8');
      expect(anchored()).toMatchObject({ seq: 7 });
      await copy.restore();

      const refused = await open().then(async (d) => {
        await d.close();
        return undefined;
      }, (e: unknown) => e);
      expect(refused).toBeInstanceOf(AuditAnchorError);
      expect((refused as AuditAnchorError).check.missing).toEqual([4, 7]);
      expect((refused as Error).message).toMatch(/^the audit chain lost events: .*audit-head\.json anchored audit event 7 .* but the database's chain ends at 3; events 4-7 are missing/);
      // the evidence stays: a refused database moves neither the anchor nor the lock
      expect(readFileSync(anchorFileOf(dataDir), 'utf8')).toBe(before);
      expect(existsSync(lockFileOf(dataDir))).toBe(false);

      const cli = await run('node', [join(ROOT, 'cli/frhub.cjs'), 'audit', 'verify'], { cwd: ROOT, env: { ...process.env, FRHUB_DATA_DIR: dataDir, DATABASE_URL: scratch.url ?? '' } }).then(
        () => ({ code: 0, stdout: '' }),
        (e: { code: number; stdout: string }) => e,
      );
      expect(cli.code).toBe(1);
      expect(cli.stdout).toContain('audit chain ok: 3 events verified');
      expect(cli.stdout).toMatch(/anchor FAILED: the audit chain lost events: .* events 4-7 are missing/);
    } finally {
      await copy.drop();
    }
  });

  it('does not alarm after a rolled-back append (its sequence number goes back with it) nor after a clean restart', async () => {
    let db = await open();
    await append(db, 2);
    const trail = new AuditTrail(db.db, systemClock);
    let flushed: Promise<void> | undefined;
    await expect(db.db.scoped({ tenantId: null, allTenants: true }, async (tx) => {
      await trail.append(tx, null, { action: AuditAction.AUDIT_READ, outcome: AuditOutcome.ALLOWED });
      expect((await tx.query(`SELECT seq::int8::float8 AS seq FROM audit_head`))[0].seq).toBe(3);
      // the anchor reads while the append is uncommitted: it must see the committed head only
      flushed = db.anchor.flush();
      throw new Error('rolled back');
    })).rejects.toThrow('rolled back');
    await flushed;
    expect(anchored()).toMatchObject({ seq: 2 });
    await append(db, 1);
    await db.close();
    expect(anchored()).toMatchObject({ seq: 3 });

    db = await open();
    try {
      expect(await head(db)).toBe(3);
      expect(await db.anchor.compare()).toMatchObject({ ok: true, missing: null });
      expect(await db.db.scoped({ tenantId: null, allTenants: true }, (tx) => verifyChain(tx))).toEqual({ ok: true, firstBrokenSequence: null, checked: 3 });
    } finally {
      await db.close();
    }
  });
  it('anchors after a transaction that appended, and sends nothing after one that only read', async () => {
    const db = await open();
    const statements: string[] = [];
    const logger = db.dataSource.logger;
    const logQuery = logger.logQuery.bind(logger);
    logger.logQuery = (query, parameters, runner) => (statements.push(query), logQuery(query, parameters, runner));
    try {
      await append(db, 1);
      await db.anchor.flush();
      await db.db.scoped({ tenantId: null, allTenants: true }, (tx) => tx.query(`SELECT count(*) FROM audit_events`));
      await db.db.query(`SELECT 1`);
      statements.length = 0;
      // the transactions have ended: no anchor is due, so nothing will be sent (no sleep needed to see it)
      expect(db.anchor.due).toBe(false);
      expect(statements).toEqual([]);
      await append(db, 1);
      expect(db.anchor.due).toBe(true);
      statements.length = 0;
      await until('the anchor after an append', async () => anchored(), (a) => a?.seq === 2, { deadlineMs: 10_000, everyMs: 20 });
      expect(db.anchor.due).toBe(false);
      expect(statements.some((q) => q.includes('audit_head'))).toBe(true);
    } finally {
      logger.logQuery = logQuery;
      await db.close();
    }
  });

  it('refuses to start on a damaged anchor file, naming it and what to do, and leaves it as it was', async () => {
    const db = await open();
    await append(db, 1);
    await db.close();
    writeFileSync(anchorFileOf(dataDir), '{"heads": {"pglite": {"seq": 3,');
    const refused = await open().then((d) => d.close(), (e: unknown) => e);
    expect(refused).toBeInstanceOf(AuditAnchorFileError);
    expect((refused as Error).message).toMatch(new RegExp(`^${anchorFileOf(dataDir).replace(/[.]/g, '\\.')} \\(the audit chain's anchor\\) is not valid JSON: .*Restore it from a backup`));
    expect(readFileSync(anchorFileOf(dataDir), 'utf8')).toBe('{"heads": {"pglite": {"seq": 3,');
    expect(existsSync(lockFileOf(dataDir))).toBe(false);
  });
});

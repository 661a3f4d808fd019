import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

// A PostgreSQL 15 + pgvector cluster of a test's own, on a private loopback port, that the test may
// stop, restart and fail over (as .ci/postgres.sh starts the CI one): never the shared server of DATABASE_URL.
const PGBIN = '/usr/lib/postgresql/15/bin';
const run = promisify(execFile);

/** Why a private cluster cannot be made here (initdb runs as the `postgres` user, so as root), or null. */
export function privatePostgresMissing(): string | null {
  if (!existsSync(join(PGBIN, 'initdb'))) return `no PostgreSQL 15 binaries in ${PGBIN} (bash .ci/postgres.sh start installs them)`;
  if (!existsSync('/usr/share/postgresql/15/extension/vector.control')) return 'pgvector is not installed for PostgreSQL 15 (bash .ci/postgres.sh start builds it)';
  if (process.getuid?.() !== 0) return 'initdb must run as the postgres user: run the tests as root, as CI does';
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolvePort(port));
    });
  });
}

const asPostgres = (command: string) => run('su', ['postgres', '-c', command], { timeout: 60_000 });
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface PgNode {
  port: number;
  dataDir: string;
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database?: string): string;
  start(): Promise<void>;
  /** fast: disconnects clients and checkpoints; immediate: as if the machine lost power */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** a streaming hot standby of this node (pg_basebackup -R) on another private port */
  standby(): Promise<PgNode>;
  /** a standby becomes a primary (pg_ctl promote), waiting until it takes writes */
  promote(): Promise<void>;
  /** runs statements one by one (outside a transaction, as ALTER SYSTEM needs), giving the last one's rows */
  sql(...statements: string[]): Promise<any[]>;
}

function node(root: string, dataDir: string, port: number): PgNode {
  const options = `-p ${port} -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=100 -c fsync=off -c hot_standby=on -c hot_standby_feedback=on`;
  const self: PgNode = {
    port,
    dataDir,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: async () => void (await asPostgres(`${PGBIN}/pg_ctl -D ${quote(dataDir)} -l ${quote(join(root, `log-${port}`))} -o ${quote(options)} -w start`)),
    stop: async (mode = 'fast') => void (await asPostgres(`${PGBIN}/pg_ctl -D ${quote(dataDir)} -m ${mode} -w stop`)),
    async standby() {
      const dir = join(root, `standby-${Date.now()}`);
      mkdirSync(dir);
      chownSync(dir, ...owner());
      chmodSync(dir, 0o700);
      await asPostgres(`${PGBIN}/pg_basebackup -h 127.0.0.1 -p ${port} -U postgres -D ${quote(dir)} -R -X stream -c fast`);
      const other = node(root, dir, await freePort());
      await other.start();
      return other;
    },
    async promote() {
      await asPostgres(`${PGBIN}/pg_ctl -D ${quote(dataDir)} -w promote`);
    },
    async sql(...statements) {
      const c = new Client({ connectionString: self.url() });
      await c.connect();
      try {
        let rows: any[] = [];
        for (const st of statements) rows = (await c.query(st)).rows;
        return rows;
      } finally {
        await c.end();
      }
    },
  };
  return self;
}

/** The same data directory served on another port (stopped, then started there): an address moving to a promoted standby. */
export async function reopenOn(n: PgNode, port: number): Promise<PgNode> {
  await n.stop('fast');
  const moved = node(dirname(n.dataDir), n.dataDir, port);
  await moved.start();
  return moved;
}

let postgresOwner: [number, number] | undefined;
function owner(): [number, number] {
  if (!postgresOwner) {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
    postgresOwner = [id('-u'), id('-g')];
  }
  return postgresOwner;
}

/** A fresh cluster (initdb, trust auth on loopback), started; `destroy` stops every node of it and removes its files. */
export async function privatePostgres(): Promise<{ primary: PgNode; nodes: PgNode[]; destroy(): Promise<void> }> {
  const root = mkdtempSync(join(tmpdir(), 'frhub-pg-'));
  chownSync(root, ...owner());
  const dataDir = join(root, 'primary');
  await asPostgres(`${PGBIN}/initdb -D ${quote(dataDir)} -U postgres --auth=trust -E UTF8 >/dev/null`);
  const primary = node(root, dataDir, await freePort());
  await primary.start();
  const nodes = [primary];
  const standby = primary.standby.bind(primary);
  primary.standby = async () => {
    const s = await standby();
    nodes.push(s);
    return s;
  };
  return {
    primary,
    nodes,
    async destroy() {
      for (const n of nodes) await n.stop('immediate').catch(() => {});
      rmSync(root, { recursive: true, force: true });
    },
  };
}

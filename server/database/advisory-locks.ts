import type { DataSource, QueryRunner } from 'typeorm';

/**
 * PostgreSQL advisory lock keys of the hub (one number per kind of work; advisory locks are per
 * database, so hubs on other databases of the same server never contend).
 */
export enum LockKey {
  /** migrations, the HNSW index build and the operator tenant's bootstrap at start */
  SCHEMA = 0x66726801,
  /** the replica holding it runs the scheduled work (retention purge) */
  SCHEDULER = 0x66726802,
  /** moving `frhub token` ledger lines into the audit chain */
  TOKEN_LEDGER = 0x66726803,
}

/**
 * Runs `work` while this process holds an advisory lock, taken on a connection of its own (the work
 * uses the pool); `wait: false` gives up at once (undefined) when another replica holds it. No
 * dataSource (the embedded database: one process, one connection) runs the work without a lock.
 */
export async function withLock<T>(dataSource: DataSource | undefined, key: LockKey, work: () => Promise<T>, opts: { wait: boolean } = { wait: true }): Promise<T | undefined> {
  if (!dataSource) return work();
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    if (opts.wait) await runner.query('SELECT pg_advisory_lock($1)', [key]);
    else if (!(await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [key]))[0].locked) return undefined;
    try {
      return await work();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => {});
    }
  } finally {
    await runner.release();
  }
}

/**
 * Which replica runs the scheduled work: the one holding the SCHEDULER lock on a connection it keeps.
 * Others try again at each tick, so when the holder dies (its connection, and the lock, go with it)
 * the next replica to tick takes over.
 */
export class SchedulerLock {
  private runner: QueryRunner | undefined;
  private held = false;

  /** dataSource undefined: the embedded database, where this process is the only hub */
  constructor(
    private readonly dataSource: DataSource | undefined,
    private readonly onChange: (held: boolean, err?: unknown) => void = () => {},
  ) {}

  async holds(): Promise<boolean> {
    if (!this.dataSource) return true;
    try {
      this.runner ??= this.dataSource.createQueryRunner();
      if (this.held) {
        await this.runner.query('SELECT 1'); // the lock lives as long as this connection does
        return true;
      }
      this.held = (await this.runner.query('SELECT pg_try_advisory_lock($1) AS locked', [LockKey.SCHEDULER]))[0].locked === true;
      if (this.held) this.onChange(true);
      return this.held;
    } catch (err) {
      const was = this.held;
      await this.drop();
      if (was) this.onChange(false, err);
      return false;
    }
  }

  /** Gives the lock back (the next replica to tick takes it). */
  async close(): Promise<void> {
    await this.drop();
  }

  private async drop(): Promise<void> {
    const runner = this.runner;
    this.runner = undefined;
    this.held = false;
    if (!runner) return;
    // never hand a connection that still holds the lock back to the pool
    await runner.query('SELECT pg_advisory_unlock_all()').catch(() => {});
    await runner.release().catch(() => {});
  }
}

/** The migrations this hub knows that the database has not applied (a replica is not ready until none are left). */
export async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  const known = dataSource.migrations.map((m) => m.name ?? m.constructor.name);
  const table = dataSource.options.migrationsTableName ?? 'migrations';
  const [{ present }] = await dataSource.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [table]);
  if (!present) return known;
  const applied = new Set((await dataSource.query(`SELECT name FROM ${table}`)).map((r: { name: string }) => r.name));
  return known.filter((n) => !applied.has(n));
}

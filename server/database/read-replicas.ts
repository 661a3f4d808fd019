import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, type PoolClient, type QueryResult } from 'pg';
import type { Db, Queryable, Row, TenantScope } from '../../models/db.js';
import { ReplicationRepository } from '../../models/replication.repository.js';
import { primaryReads, type ReplicaReads } from '../../tenants/shared/ports.js';
import { scopeStatement } from './open-database.js';

/** DATABASE_READ_URLS and how the hub treats the standbys it names (docs/scaling.md, "Read replicas"). */
export interface ReadReplicaSettings {
  urls: string[];
  /** how long a search waits for a standby to replay the primary's position before it reads on the primary */
  maxWaitMs: number;
  /** connect and statement limit on a standby: past it the standby counts as not answering */
  timeoutMs: number;
  /** how long a standby that stopped answering is left alone before a search tries it again */
  retryMs: number;
}

export enum ReadSource {
  REPLICA = 'replica',
  PRIMARY = 'primary',
}

/** Why a search read on the primary although standbys are configured. */
export enum FallbackReason {
  /** the standby had not replayed the primary's position within maxWaitMs */
  LAGGING = 'lagging',
  /** no standby answered (refused, timed out, broke off, or is not a standby) */
  UNAVAILABLE = 'unavailable',
}

/** What the hub counts and logs. */
export interface ReplicaEvents {
  read(source: ReadSource): void;
  /** time spent on a standby (waiting for it included), for the request's database time */
  elapsed(seconds: number): void;
  fallback(reason: FallbackReason): void;
  down(replica: string, err: unknown, retryMs: number): void;
  up(replica: string): void;
}

/** The standby (or the way to it) failed: the read goes to the primary. */
class StandbyFailure extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

const LAGGING = Symbol('lagging');

/** host:port/database, never the credentials: a label for logs and metrics. */
export function replicaName(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}${u.pathname}`;
}

/** SQLSTATEs a standby answers for which the primary would answer: recovery conflicts, shutdown, overload, connection. */
const RETRY_ON_PRIMARY = /^(08|53|57P0|40001$|3D000$)/;

/** Socket errors (ECONNREFUSED, ECONNRESET) and pg's own timeouts carry no SQLSTATE; the server's errors do. */
function asFailure(e: unknown): unknown {
  const code = (e as { code?: unknown })?.code;
  const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
  return !sqlState || RETRY_ON_PRIMARY.test(code as string) ? new StandbyFailure(e) : e;
}

class Standby {
  readonly name: string;
  private readonly pool: Pool;
  /** 0: answering; otherwise when a search may try it again */
  downUntil = 0;

  constructor(url: string, s: ReadReplicaSettings) {
    this.name = replicaName(url);
    this.pool = new Pool({ connectionString: url, max: 10, connectionTimeoutMillis: s.timeoutMs, query_timeout: s.timeoutMs, keepAlive: true, idleTimeoutMillis: 30_000 });
    // an idle connection the standby drops must not take the process down; the next search finds out
    this.pool.on('error', () => {});
  }

  /** `read` in a read-only transaction under `scope`, once this standby has replayed `lsn` (LAGGING if not within waitMs). */
  async read<R>(scope: TenantScope, lsn: string, waitMs: number, read: (tx: Queryable) => Promise<R>, repo: ReplicationRepository): Promise<R | typeof LAGGING> {
    const client = await this.pool.connect().catch((e) => Promise.reject(new StandbyFailure(e)));
    const tx = queryable(client);
    let failed: StandbyFailure | undefined;
    try {
      const deadline = performance.now() + waitMs;
      for (;;) {
        const replayed = await repo.replayedUpTo(tx, lsn);
        if (replayed === null) throw new StandbyFailure(`${this.name} is not in recovery: a read replica must be a hot standby of DATABASE_URL`);
        if (replayed) break;
        const left = deadline - performance.now();
        if (left <= 0) return LAGGING;
        await sleep(Math.min(5, left));
      }
      // the snapshot is taken after the check, so it holds every commit up to lsn
      await tx.query('BEGIN TRANSACTION READ ONLY');
      try {
        await tx.query(scopeStatement(scope));
        const out = await read(tx);
        await tx.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      }
    } catch (e) {
      if (e instanceof StandbyFailure) failed = e;
      throw e;
    } finally {
      // a connection that failed is not handed to the next search
      client.release(failed);
    }
  }

  /** Bounded: a standby that no longer answers must not hold up the hub's shutdown. */
  close(timeoutMs: number): Promise<void> {
    return Promise.race([this.pool.end(), sleep(timeoutMs, undefined, { ref: false })]);
  }
}

/** The standby's statements, their failures marked as the standby's. */
function queryable(client: PoolClient): Queryable {
  return {
    query: async <R extends object = Row>(sql: string, params?: unknown[]) => {
      // several statements in one text answer one result each: the last one's rows are the answer
      const r: QueryResult<R> | QueryResult<R>[] = await client.query(sql, params as unknown[] | undefined).catch((e) => Promise.reject(asFailure(e)));
      return Array.isArray(r) ? r[r.length - 1].rows : r.rows;
    },
  };
}

/**
 * Searches' vector queries on streaming standbys, everything else on the primary. A standby is read
 * only once it has replayed the primary's WAL position taken at the read's start (so a completed
 * enrollment is always found); one that lags past maxWaitMs, or does not answer, sends the read to
 * the primary. One that does not answer is left alone for retryMs, then tried again.
 */
export class ReadReplicaSet implements ReplicaReads {
  private readonly standbys: Standby[];
  private readonly onPrimary: ReplicaReads;
  private next = 0;

  constructor(
    private readonly primary: Db,
    private readonly settings: ReadReplicaSettings,
    private readonly events: ReplicaEvents,
    private readonly repo = new ReplicationRepository(),
  ) {
    this.standbys = settings.urls.map((u) => new Standby(u, settings));
    this.onPrimary = primaryReads(primary);
  }

  async readThenWrite<R, T>(scope: TenantScope, read: (tx: Queryable) => Promise<R>, write: (tx: Queryable, read: R) => Promise<T>): Promise<T> {
    const lsn = await this.repo.flushedPosition(this.primary);
    for (const standby of this.candidates()) {
      let rows: R | typeof LAGGING;
      const started = performance.now();
      try {
        rows = await standby.read(scope, lsn, this.settings.maxWaitMs, read, this.repo);
      } catch (e) {
        if (!(e instanceof StandbyFailure)) throw e;
        this.markDown(standby, e.cause);
        continue;
      } finally {
        this.events.elapsed((performance.now() - started) / 1000);
      }
      this.markUp(standby);
      if (rows === LAGGING) return this.fallback(FallbackReason.LAGGING, scope, read, write);
      this.events.read(ReadSource.REPLICA);
      return this.primary.scoped(scope, (tx) => write(tx, rows as R));
    }
    return this.fallback(FallbackReason.UNAVAILABLE, scope, read, write);
  }

  /** Each standby, and whether it answered last time it was asked. */
  status(): { replica: string; up: boolean }[] {
    return this.standbys.map((s) => ({ replica: s.name, up: s.downUntil === 0 }));
  }

  close(): Promise<void> {
    return Promise.all(this.standbys.map((s) => s.close(this.settings.timeoutMs))).then(() => {});
  }

  private fallback<R, T>(reason: FallbackReason, scope: TenantScope, read: (tx: Queryable) => Promise<R>, write: (tx: Queryable, read: R) => Promise<T>): Promise<T> {
    this.events.fallback(reason);
    this.events.read(ReadSource.PRIMARY);
    return this.onPrimary.readThenWrite(scope, read, write);
  }

  /** Answering standbys from the next in turn; one that is down joins when its retry time has come (one search tries it). */
  private candidates(): Standby[] {
    const now = Date.now();
    const start = this.next++ % this.standbys.length;
    const order = [...this.standbys.slice(start), ...this.standbys.slice(0, start)];
    return order.filter((s) => {
      if (s.downUntil === 0) return true;
      if (s.downUntil > now) return false;
      s.downUntil = now + this.settings.retryMs;
      return true;
    });
  }

  private markDown(s: Standby, err: unknown): void {
    const wasUp = s.downUntil === 0;
    s.downUntil = Date.now() + this.settings.retryMs;
    if (wasUp) this.events.down(s.name, err, this.settings.retryMs);
  }

  private markUp(s: Standby): void {
    if (s.downUntil === 0) return;
    s.downUntil = 0;
    this.events.up(s.name);
  }
}

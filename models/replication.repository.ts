import type { Queryable } from './db.js';

/** Where a streaming standby stands against its primary, in WAL positions (compared as pg_lsn by the server). */
export class ReplicationRepository {
  /** On the primary: WAL flushed so far; with synchronous_commit on, every commit visible there ends at or before it. */
  async flushedPosition(db: Queryable): Promise<string> {
    const [r] = await db.query<{ lsn: string }>(`SELECT pg_current_wal_flush_lsn()::text AS lsn`);
    return r.lsn;
  }

  /** On a standby: whether it has replayed WAL up to `lsn`; null when the server is not a standby at all. */
  async replayedUpTo(db: Queryable, lsn: string): Promise<boolean | null> {
    const [r] = await db.query<{ standby: boolean; replayed: boolean }>(`SELECT pg_is_in_recovery() AS standby, coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS replayed`, [lsn]);
    return r.standby ? r.replayed : null;
  }
}

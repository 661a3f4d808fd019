import type pino from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Db } from '../../models/db.js';
import type { Config } from '../config.js';
import { ReadReplicaSet } from '../database/read-replicas.js';
import { requestTiming } from '../http/request-timing.js';

/** Searches' vector queries on the standbys of DATABASE_READ_URLS, with their metrics and log lines. */
export function readReplicas(db: Db, settings: NonNullable<Config['readReplicas']>, registry: Registry, logger: pino.Logger, observe: (seconds: number) => void): ReadReplicaSet {
  const reads = new Counter({ name: 'frhub_search_reads_total', help: 'vector queries of searches, by where they ran (replica or primary)', labelNames: ['source'], registers: [registry] });
  const fallbacks = new Counter({ name: 'frhub_read_replica_fallbacks_total', help: 'vector queries sent to the primary although read replicas are configured, by reason (lagging: not caught up within FRHUB_READ_REPLICA_WAIT_MS; unavailable: no standby answered)', labelNames: ['reason'], registers: [registry] });
  const log = logger.child({ job: 'read-replicas' });
  const set = new ReadReplicaSet(db, settings, {
    read: (source) => reads.inc({ source }),
    elapsed: (seconds) => {
      observe(seconds);
      const t = requestTiming.getStore();
      if (t) t.databaseMs += seconds * 1000;
    },
    fallback: (reason) => fallbacks.inc({ reason }),
    down: (replica, err, retryMs) => log.warn({ err, replica }, `read replica ${replica} stopped answering (${err instanceof Error ? err.message : String(err)}): searches read from the primary; trying it again in ${Math.round(retryMs / 1000)} s`),
    up: (replica) => log.info({ replica }, `read replica ${replica} answers again: searches read from it`),
  });
  new Gauge({ name: 'frhub_read_replica_up', help: 'whether a read replica answered when last asked (1) or is left alone until its retry time (0)', labelNames: ['replica'], registers: [registry], collect() { for (const s of set.status()) this.set({ replica: s.replica }, s.up ? 1 : 0); } });
  log.info(`searches read from ${settings.urls.length} read replica(s): ${set.status().map((s) => s.replica).join(', ')}`);
  return set;
}

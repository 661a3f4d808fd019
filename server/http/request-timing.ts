import { AsyncLocalStorage } from 'node:async_hooks';
import type pino from 'pino';
import { brandDb, type Db } from '../../models/db.js';
import type { EmbeddedFace, FaceEmbedder } from '../../tenants/shared/ports.js';

/** One request's id and logger, and where its time went (for the Server-Timing header and the latency histograms). */
export interface RequestTiming {
  requestId: string;
  /** the hub's logger with requestId bound: every line about this request goes through it */
  log: pino.Logger;
  /** performance.now() when the request arrived */
  startedAt: number;
  inferenceMs: number;
  /** statements and transactions, including waits for a pooled connection */
  databaseMs: number;
}

export const requestTiming = new AsyncLocalStorage<RequestTiming>();

async function timed<T>(kind: 'inferenceMs' | 'databaseMs', work: () => Promise<T>, observe?: (seconds: number) => void): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    const ms = performance.now() - started;
    const t = requestTiming.getStore();
    if (t) t[kind] += ms;
    observe?.(ms / 1000);
  }
}

/** The database, with each statement and transaction's time added to the request's database time. */
export function timedDb(db: Db, observe?: (seconds: number) => void): Db {
  return brandDb({
    query: (sql, params) => timed('databaseMs', () => db.query(sql, params), observe),
    auditAppended: () => db.auditAppended?.(),
    transaction: (work) => timed('databaseMs', () => db.transaction(work), observe),
    scoped: (scope, work) => timed('databaseMs', () => db.scoped(scope, work), observe),
  });
}

/** The embedder, with its time added to the request's inference time. */
export function timedEmbedder<E extends FaceEmbedder>(embedder: E, observe?: (seconds: number) => void): E {
  return new Proxy(embedder, {
    get(target, key, receiver) {
      if (key === 'embedOne') return (image: Buffer, opts?: { keepCrop?: boolean }): Promise<EmbeddedFace> => timed('inferenceMs', () => target.embedOne(image, opts), observe);
      const v = Reflect.get(target, key, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

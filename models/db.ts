/** Anything that runs SQL: a DataSource, or the EntityManager of an open transaction. */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<any>;
  /**
   * Called by the audit repository each time it appends an event here: the chain's head moved, and
   * the database anchors the new head once this transaction has ended (server/audit-anchor.ts).
   */
  auditAppended?(): void;
}

/** Runs `work` in one transaction (TypeORM DataSource.transaction or equivalent). */
export interface TransactionRunner {
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
}

export const vectorLiteral = (v: ArrayLike<number>) => `[${Array.from(v).join(',')}]`;

/** Keyset cursor over (created_at, id), opaque to callers. */
export interface Cursor {
  createdAt: string;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.createdAt, c.id])).toString('base64url');
}

export function decodeCursor(s: string | undefined | null): Cursor | undefined {
  if (!s) return undefined;
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (typeof createdAt === 'string' && typeof id === 'string' && /^\d{4}-\d\d-\d\d[ T][\d:.]+([+-]\d\d(:?\d\d)?|Z)?$/.test(createdAt)) return { createdAt, id };
  } catch {
    /* fall through */
  }
  throw new InvalidCursorError();
}

export class InvalidCursorError extends Error {
  constructor() {
    super('The cursor is not one this API issued; start again without `after`.');
  }
}

/** Whose rows a transaction may see; row-level security reads it from the transaction's settings. */
export interface TenantScope {
  /** the tenant acting; null sees no tenant's rows */
  tenantId: string | null;
  /** the operator's cross-tenant duties (administration, oversight aggregates, purge) */
  allTenants?: boolean;
}

/** Runs `work` in one transaction as the application role, under row-level security for `scope`. */
export interface ScopedDatabase {
  scoped<T>(scope: TenantScope, work: (tx: Queryable) => Promise<T>): Promise<T>;
}

export type Db = Queryable & TransactionRunner & ScopedDatabase;

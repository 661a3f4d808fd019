/** A row as the driver hands it over, before a repository decodes it. */
export type Row = Record<string, unknown>;

/** Anything that runs SQL: a DataSource, or the EntityManager of an open transaction. */
export interface Queryable {
  /** The rows a statement returns (none for one without RETURNING), typed by the caller at the repository boundary. */
  query<R extends object = Row>(sql: string, params?: unknown[]): Promise<R[]>;
  /**
   * Called by the audit repository each time it appends an event here: the chain's head moved, and
   * the database anchors the new head once this transaction has ended (server/audit/audit-anchor.ts).
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

// Brands that exist only for the type checker: an OwnerDb and a ScopedDb are never each other.
declare const OWNER: unique symbol;
declare const SCOPED: unique symbol;

/**
 * The tables' owner, outside row-level security (migrations, index DDL, sign-in before a tenant is
 * known). Services reach it only through `ScopedDb.owner(why)`, so each bypass is named where it runs.
 */
export interface OwnerDb extends Queryable, TransactionRunner {
  readonly [OWNER]: true;
}

/** What services get: every statement runs in a `scoped` transaction, as the application role under row-level security. */
export interface ScopedDb extends ScopedDatabase {
  readonly [SCOPED]: true;
  /** The named bypass: the owner's database, for the one reason given (a non-empty line saying why RLS cannot apply). */
  owner(why: string): OwnerDb;
}

/** The server's handle on the database: both views; it hands services the ScopedDb one. */
export type Db = OwnerDb & ScopedDb;

/** Brands a database implementation (the server's adapters only): the owner's statements plus scoped transactions. */
export function brandDb(impl: Queryable & TransactionRunner & ScopedDatabase): Db {
  const db = impl as Db;
  // a bypass says why, so a reader finds each one and its reason at the call site
  db.owner = (why: string) => {
    if (!why.trim()) throw new Error('ScopedDb.owner(why) needs the reason row-level security cannot apply');
    return db;
  };
  return db;
}

// Compiled by `tsc --noEmit -p .` and by database-scopes.spec.ts: each `@ts-expect-error` below is a
// mix-up of the two database types that must not type-check (an unused one fails the compile).
import type { Db, OwnerDb, Queryable, ScopedDb } from '../../models/db';

declare const owner: OwnerDb;
declare const scoped: ScopedDb;
declare const server: Db;
declare function service(db: ScopedDb): void;
declare function repository(tx: Queryable): void;

export function mixUps(): void {
  // @ts-expect-error an owner database is not a tenant-scoped one
  service(owner);
  // @ts-expect-error a service's database runs no statement outside a scoped transaction
  repository(scoped);
  // @ts-expect-error nor opens an unscoped transaction
  void scoped.transaction(async () => undefined);
  // @ts-expect-error a scoped transaction's handle is not the owner's database
  void ((tx: Queryable): OwnerDb => tx);
  // @ts-expect-error something that merely has `scoped` is not a ScopedDb (no named bypass, no brand)
  service({ scoped: (_s, work) => work(owner) });
}

export function allowed(): void {
  // the server hands its database to services, which see the scoped view only
  service(server);
  // the statements of a scoped transaction, and the named bypass, reach repositories
  void scoped.scoped({ tenantId: null }, async (tx) => repository(tx));
  repository(scoped.owner('why row-level security cannot apply here'));
}

import type { Queryable } from '../../models/db.js';
import { TenantRepository, type TenantRow } from '../../models/tenant.repository.js';
import { DomainError } from './errors.js';

const tenants = new TenantRepository();

/** The tenant a slug names, or NOT_FOUND; whether the caller may act on it is the caller's next check. */
export async function tenantBySlug(tx: Queryable, slug: string): Promise<TenantRow> {
  const t = await tenants.bySlug(tx, slug);
  if (!t) throw new DomainError('NOT_FOUND', `No tenant '${slug}' is visible to you.`);
  return t;
}

/** The tenant of that id (the scope must see it: the operator's all-tenants scope, or its own). */
export async function tenantById(tx: Queryable, id: string): Promise<TenantRow | undefined> {
  return tenants.byId(tx, id);
}

/**
 * A sandbox tenant (an independent tester's) and a real agency never meet: no gallery shared between
 * them (nor a sandbox gallery shared with every tenant), no examination agreement. The database
 * refuses it too (migration 1765041240000); this says why, in words.
 */
export function refuseAcrossKinds(owner: TenantRow, other: TenantRow | null): void {
  if (other ? owner.sandbox === other.sandbox : !owner.sandbox) return;
  const sandbox = owner.sandbox ? owner : other!;
  throw new DomainError('FORBIDDEN', `'${sandbox.slug}' is a sandbox tenant for independent testing: it never shares galleries or examinations with a real agency${other ? '' : ', nor with every tenant'}. Share within sandboxes only.`);
}

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

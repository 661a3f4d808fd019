import type { TenantScope } from '../../models/db.js';
import { Role } from '../../models/enums.js';

/** Who is acting: built once per request by the server from a verified token. */
export interface Actor {
  requestId: string;
  tenantId: string;
  tenantSlug: string;
  isOperator: boolean;
  /** null for a service account */
  principalId: string | null;
  role: Role;
  /** end of the principal's face-search certification (training); null: none */
  certifiedUntil: Date | null;
}

export const isHubAdmin = (a: Actor) => a.role === Role.HUB_ADMIN && a.isOperator;

/**
 * The rows a request's transactions may see under row-level security: its own tenant's, or every
 * tenant's for the operator's administrators and oversight, whose services filter what they return.
 */
export const scopeOf = (a: Actor): TenantScope => ({ tenantId: a.tenantId, allTenants: isHubAdmin(a) || a.role === Role.OVERSIGHT_AUDITOR });

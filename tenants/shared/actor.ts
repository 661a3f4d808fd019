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
  /** the tenant is suspended (read at each request, so it bites tokens minted before) */
  tenantSuspended: boolean;
  /** the tenant is an independent tester's sandbox (absent: a real agency) */
  sandbox?: boolean;
}

/** The operator's roles: they exist only in the operator tenant, only a HUB_ADMIN assigns them, and anywhere else they grant nothing. */
export const OPERATOR_ROLES: readonly Role[] = [Role.HUB_ADMIN, Role.OVERSIGHT_AUDITOR];
/** The roles an agency administrator may assign. */
export const AGENCY_ROLES: readonly Role[] = Object.values(Role).filter((r) => !OPERATOR_ROLES.includes(r));

export const isOperatorRole = (r: Role) => OPERATOR_ROLES.includes(r);
export const isHubAdmin = (a: Actor) => a.role === Role.HUB_ADMIN && a.isOperator;
/** An operator role held in the operator tenant; the same role claimed for an agency is powerless. */
export const hasOperatorPower = (a: Actor) => a.isOperator && isOperatorRole(a.role);

/**
 * The rows a request's transactions may see under row-level security: its own tenant's, or every
 * tenant's for the operator's administrators and oversight, whose services filter what they return.
 */
export const scopeOf = (a: Actor): TenantScope => ({ tenantId: a.tenantId, allTenants: hasOperatorPower(a) });

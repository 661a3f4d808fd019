import { Role } from '../../models/enums.js';
import { DomainError } from './errors.js';

/** Who is acting: built once per request by the server from a verified token. */
export interface Actor {
  requestId: string;
  tenantId: string;
  tenantSlug: string;
  isOperator: boolean;
  /** null for a service account */
  principalId: string | null;
  role: Role;
}

/** Deny by default: the action is allowed only to the roles named. */
export function requireRole(actor: Actor, roles: Role[], action: string): void {
  if (!roles.includes(actor.role)) {
    throw new DomainError('FORBIDDEN', `Your role ${actor.role} may not ${action}; it needs one of ${roles.join(', ')}.`);
  }
}

export const isHubAdmin = (a: Actor) => a.role === Role.HUB_ADMIN && a.isOperator;

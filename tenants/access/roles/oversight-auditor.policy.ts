import type { RolePolicy, RoleTraits } from '../ability.js';

/**
 * Usage statistics across tenants and the audit chain's integrity; never faces, candidates, subjects
 * or cases. Only in the operator tenant: an OVERSIGHT_AUDITOR token for an agency grants nothing.
 */
export const oversightAuditorPolicy: RolePolicy = (actor, { can }) => {
  if (!actor.isOperator) return;
  can('read', 'Tenant');
  can('read', 'Statistics');
  can('verify', 'AuditLog');
  // which calibration the hub's rates come from, and how far it is from the shipped one: figures, no faces
  can('read', 'Calibration');
};

/** The requests it lists: no requests: oversight counts them (requestStatistics). */
export const oversightAuditorTraits: RoleTraits = { requestSide: null };

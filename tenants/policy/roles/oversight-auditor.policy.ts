import type { RolePolicy } from '../ability.js';

/** Usage statistics across tenants and the audit chain's integrity; never faces, candidates, subjects or cases. */
export const oversightAuditorPolicy: RolePolicy = (_actor, { can }) => {
  can('read', 'Tenant');
  can('read', 'Statistics');
  can('verify', 'AuditLog');
};

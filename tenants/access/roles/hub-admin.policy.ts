import type { RolePolicy, RoleTraits } from '../ability.js';

/**
 * The sheriff's office: tenants, quotas, policies, sharing agreements, the operator's galleries;
 * reads the audit log. Only in the operator tenant: a HUB_ADMIN token for an agency grants nothing.
 */
export const hubAdminPolicy: RolePolicy = (actor, { can }) => {
  if (!actor.isOperator) return;
  can(['create', 'read', 'update'], 'Tenant');
  can(['create', 'read', 'update'], 'Principal');
  can(['create', 'enroll', 'update'], 'Gallery', { tenantId: actor.tenantId });
  can('read', 'Gallery');
  can(['read', 'update'], ['Quota', 'Policy']);
  can(['create', 'read', 'revoke'], 'SharingAgreement');
  can(['create', 'read', 'revoke'], 'ExaminationAgreement');
  can(['read', 'verify'], 'AuditLog');
  can('read', 'Statistics');
  can('hold', 'Search');
  // the hub's score calibrations: read them beside the shipped one, adopt one
  can(['read', 'update'], 'Calibration');
};

/** The requests it lists: no requests: the operator makes agreements, works none. */
export const hubAdminTraits: RoleTraits = { requestSide: null };

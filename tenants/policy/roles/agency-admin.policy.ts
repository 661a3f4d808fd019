import type { RolePolicy } from '../ability.js';

/** Its tenant's principals and galleries; enrolls into its galleries; its own usage statistics. */
export const agencyAdminPolicy: RolePolicy = (actor, { can }) => {
  const own = { tenantId: actor.tenantId };
  can(['create', 'read'], 'Principal', own);
  can(['create', 'read', 'enroll'], 'Gallery', own);
  can('read', 'Gallery', { sharedWithCaller: true });
  can('read', ['Quota', 'Policy', 'Statistics'], own);
  can('read', 'SharingAgreement', own);
  can('read', 'SharingAgreement', { granteeTenantId: actor.tenantId });
  can('read', 'SharingAgreement', { granteeTenantId: null });
};

import { AGENCY_ROLES } from '../../shared/actor.js';
import type { RolePolicy, RoleTraits } from '../ability.js';

/** Its tenant's principals (agency roles only) and galleries (and their records); enrolls into its galleries; its own usage statistics. */
export const agencyAdminPolicy: RolePolicy = (actor, { can }) => {
  const own = { tenantId: actor.tenantId };
  // creating a principal and minting its token both name the role: never an operator role
  can(['create', 'update'], 'Principal', { ...own, role: { $in: [...AGENCY_ROLES] } });
  can('read', 'Principal', own);
  // update: rename, archive, and its subjects' details and removal
  can(['create', 'read', 'enroll', 'update'], 'Gallery', own);
  can('read', 'Gallery', { sharedWithCaller: true });
  can('read', ['Quota', 'Policy', 'Statistics'], own);
  can('read', 'SharingAgreement', own);
  can('read', 'SharingAgreement', { granteeTenantId: actor.tenantId });
  can('read', 'SharingAgreement', { granteeTenantId: null });
  can('read', 'ExaminationAgreement', own);
  can('read', 'ExaminationAgreement', { requestingTenantId: actor.tenantId });
};

/** The requests it lists: no requests: administration works none. */
export const agencyAdminTraits: RoleTraits = { requestSide: null };

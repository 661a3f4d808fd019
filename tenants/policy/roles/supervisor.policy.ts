import type { RolePolicy } from '../ability.js';

/** Reads every search of its tenant, reviews them, approves exigent searches after the fact, places legal holds. */
export const supervisorPolicy: RolePolicy = (actor, { can }) => {
  can('read', 'Gallery', { tenantId: actor.tenantId });
  can('read', 'Gallery', { sharedWithCaller: true });
  can('read', 'Quota', { tenantId: actor.tenantId });
  can(['read', 'review', 'approve', 'hold'], 'Search', { tenantId: actor.tenantId });
};

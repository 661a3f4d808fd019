import type { RolePolicy, RoleTraits } from '../ability.js';

/** Reads its tenant's search rules and every search of its tenant, reviews them, approves exigent searches after the fact, places legal holds. */
export const supervisorPolicy: RolePolicy = (actor, { can }) => {
  can('read', 'Gallery', { tenantId: actor.tenantId });
  can('read', 'Gallery', { sharedWithCaller: true });
  can('read', ['Quota', 'Policy'], { tenantId: actor.tenantId });
  can(['read', 'review', 'approve', 'hold'], 'Search', { tenantId: actor.tenantId });
  // the requests its tenant serves: accepts or declines them, verifies, adjudicates, releases, closes
  can(['read', 'assign', 'verify', 'adjudicate', 'release', 'close', 'probe'], 'Request', { servingTenantId: actor.tenantId });
  // and follows the requests its own agency sends (as the requester sees them)
  can('read', 'Request', { tenantId: actor.tenantId });
};

/** The requests it lists: both sides: the requests its tenant serves and those its agency sends. */
export const supervisorTraits: RoleTraits = { requestSide: 'BOTH' };

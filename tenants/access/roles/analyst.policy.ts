import type { RolePolicy, RoleTraits } from '../ability.js';

/** Searches for its own tenant while certified; reads its tenant's search rules; reads and reviews its own searches. */
export const analystPolicy: RolePolicy = (actor, { can, cannot }, now) => {
  can('read', 'Gallery', { tenantId: actor.tenantId });
  can('read', 'Gallery', { sharedWithCaller: true });
  can('read', 'Quota', { tenantId: actor.tenantId });
  // the rules its searches must meet (what needs a case number, a warrant, a narrative), shown before it searches
  can('read', 'Policy', { tenantId: actor.tenantId });
  can('create', 'Search', { tenantId: actor.tenantId });
  if (!actor.principalId || !actor.certifiedUntil || actor.certifiedUntil <= now) cannot('create', 'Search').because('CERTIFICATION_REQUIRED');
  if (actor.principalId) {
    can('read', 'Search', { tenantId: actor.tenantId, principalId: actor.principalId });
    can('review', 'Search', { tenantId: actor.tenantId, principalId: actor.principalId });
    // requests its tenant serves: the one it examines, the one it verifies, and those awaiting a verifier
    const serving = { servingTenantId: actor.tenantId };
    can(['read', 'examine', 'probe', 'release'], 'Request', { ...serving, examinerId: actor.principalId });
    can(['read', 'verify', 'probe'], 'Request', { ...serving, verifierId: actor.principalId });
    can(['read', 'verify'], 'Request', { ...serving, status: 'IN_VERIFICATION', verifierId: null });
  }
};

/** The requests it lists: the requests its tenant serves: it examines and verifies them. */
export const analystTraits: RoleTraits = { requestSide: 'SERVING' };

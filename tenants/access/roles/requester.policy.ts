import type { RolePolicy, RoleTraits } from '../ability.js';

/**
 * An officer of an agency: sends its requests (to a tenant that serves it, or its own examiners),
 * follows them, reads the leads released to it and reports outcomes. Never searches, never reads a
 * gallery, a search or a candidate that was not released to it (no rule here names them).
 */
export const requesterPolicy: RolePolicy = (actor, { can }) => {
  const own = { tenantId: actor.tenantId };
  can(['create', 'read', 'withdraw', 'report', 'export'], 'Request', own);
  // whom it may send requests to
  can('read', 'ExaminationAgreement', { requestingTenantId: actor.tenantId });
};

/** The requests it lists: its agency's own requests, read as their requester. */
export const requesterTraits: RoleTraits = { requestSide: 'REQUESTING' };

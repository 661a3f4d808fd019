import { AuditAction, AuditOutcome, LegalBasis, OffenseLevel, RemovalReason, Role } from '../../models/enums';
import { PUBLIC_ERROR_CODES } from '../../tenants/shared/errors';
import { AGENCY_ROLES as HUB_AGENCY_ROLES } from '../../tenants/shared/actor';
import { AGENCY_ROLES, AUDIT_ACTIONS, AUDIT_OUTCOMES, certification, ERROR_WORDS, LEGAL_BASES, OFFENSE_LEVELS, REMOVAL_REASONS, ROLES } from '../../console/src/pages/vocab';

// The console cannot import the hub's code (it is browser code that speaks GraphQL), so it keeps its
// own copy of the vocabularies it offers in forms and filters: the copy must match the hub's enums,
// and every code the API may give has words.
describe('the console vocabularies', () => {
  it('match the enums of models/enums.ts', () => {
    expect(LEGAL_BASES).toEqual(Object.values(LegalBasis));
    expect(OFFENSE_LEVELS).toEqual(Object.values(OffenseLevel));
    expect(ROLES).toEqual(Object.values(Role));
    expect(AGENCY_ROLES).toEqual([...HUB_AGENCY_ROLES]);
    expect(AUDIT_ACTIONS).toEqual(Object.values(AuditAction));
    expect(AUDIT_OUTCOMES).toEqual(Object.values(AuditOutcome));
    expect(REMOVAL_REASONS).toEqual(Object.values(RemovalReason));
  });

  it('put every code of the error map in words', () => {
    expect(PUBLIC_ERROR_CODES.filter((c) => !ERROR_WORDS[c])).toEqual([]);
  });

  it('highlights a certification expiring within 30 days, not one further away or expired', () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    expect(certification('2026-12-20T00:00:00Z', now)).toMatchObject({ soon: true, expired: false });
    expect(certification('2027-01-05T13:00:00Z', now)).toMatchObject({ soon: true });
    expect(certification('2027-01-07T00:00:00Z', now)).toMatchObject({ soon: false, expired: false });
    expect(certification('2026-12-01T00:00:00Z', now)).toMatchObject({ soon: false, expired: true, text: 'expired 2026-12-01' });
    expect(certification(null, now)).toEqual({ text: 'none', soon: false, expired: false });
  });
});

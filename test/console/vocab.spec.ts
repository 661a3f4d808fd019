import { AuditAction, AuditOutcome, LegalBasis, OffenseLevel, Role } from '../../models/enums';
import { PUBLIC_ERROR_CODES } from '../../tenants/shared/errors';
import { AGENCY_ROLES as HUB_AGENCY_ROLES } from '../../tenants/shared/actor';
import { falseMatchWords, twoFigures } from '../../console/src/pages/words';
import { AGENCY_ROLES, AUDIT_ACTIONS, AUDIT_OUTCOMES, certification, ERROR_WORDS, LEGAL_BASES, OFFENSE_LEVELS, ROLES } from '../../console/src/pages/vocab';

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

  it('writes one false-match estimate the same on every page, to two figures (the rate a search returns and the one read back later differ in their last digits)', () => {
    const returned = 1 / 1_714_407;
    const stored = Math.fround(returned);
    expect(1 / stored).not.toBe(1 / returned);
    const [a, b] = [returned, stored].map((r) => falseMatchWords({ estimatedFalseMatchRate: r, falseMatchRateAtLimit: false }));
    expect(a).toBe('about 1 in 1,700,000 comparisons of two different people score this high');
    expect(b).toBe(a);
    // "at most": rounded down, so the rate it states is never below the estimate
    expect(falseMatchWords({ estimatedFalseMatchRate: 1 / 1_790_000, falseMatchRateAtLimit: true })).toBe('at most 1 in 1,700,000 comparisons of two different people score this high');
    expect([7, 42, 998, 1_049, 25_555].map((n) => twoFigures(n))).toEqual([7, 42, 1_000, 1_000, 26_000]);
  });
});

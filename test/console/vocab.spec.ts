import { AuditAction, AuditOutcome, LegalBasis, OffenseLevel, RemovalReason, Role } from '../../models/enums';
import { PUBLIC_ERROR_CODES } from '../../tenants/shared/errors';
import { AGENCY_ROLES as HUB_AGENCY_ROLES } from '../../tenants/shared/actor';
import { falseMatchWords, oneIn } from '../../console/src/pages/words';
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

  it('writes one false-match estimate the same on every page, to two figures (the rate a search returns and the one read back later differ in their last digits)', () => {
    const returned = 1 / 1_714_407;
    const stored = Math.fround(returned);
    expect(1 / stored).not.toBe(1 / returned);
    const interval = { low: 1 / 9_000_000, high: 1 / 210_000 };
    const [a, b] = [returned, stored].map((r) => falseMatchWords({ estimatedFalseMatchRate: r, falseMatchRateAtLimit: false, falseMatchRateInterval: interval }));
    expect(a).toBe('about 1 in 1,700,000 comparisons of two different people score this high (95% interval: 1 in 210,000 to 1 in 9,000,000)');
    expect(b).toBe(a);
    // a bound is rounded so it is never stronger than the figure: "fewer than 1 in n" with n rounded down
    expect(falseMatchWords({ estimatedFalseMatchRate: 1 / 1_905_579, falseMatchRateAtLimit: true, falseMatchRateInterval: { low: 0, high: 1 / 4_134 } })).toBe('fewer than 1 in 4,100 comparisons of two different people score this high, with 95% confidence');
    expect([7, 42, 998, 1_049, 25_555].map((n) => oneIn(1 / n))).toEqual(['1 in 7', '1 in 42', '1 in 1,000', '1 in 1,000', '1 in 26,000']);
  });
});

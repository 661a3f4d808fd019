import { suppress, suppressTotal } from '../../tenants/oversight/oversight.service';

// The public report's totals, worked out by hand: each cell of 1-4 is published as "<5"; the total must
// be true, as exact as it can be, and never let a reader work a suppressed cell out.

/** The values each suppressed cell could take, given the published cells and total. */
function possibleValues(parts: number[], total: string): number[][] {
  const small = parts.filter((n) => n > 0 && n < 5).length;
  const shown = parts.filter((n) => !(n > 0 && n < 5)).reduce((a, n) => a + n, 0);
  const [lo, hi] = /^\d+$/.test(total) ? [Number(total), Number(total)] : total === '<5' ? [1, 4] : total.split(' to ').map(Number);
  return Array.from({ length: small }, () => [1, 2, 3, 4].filter((v) => lo - shown - v <= 4 * (small - 1) && hi - shown - v >= small - 1));
}

describe('transparency report totals', () => {
  it.each([
    // 6 searches by four small agencies (1 + 1 + 2 + 2): the total is 6, not "4 to 16"
    [[1, 1, 2, 2], '6'],
    // no cell suppressed: the sum as it is
    [[6, 5, 0], '11'],
    // one suppressed cell beside 6: an exact 8 would give its 2 away, so the bounds
    [[6, 2], '7 to 10'],
    [[6, 2, 5], '12 to 15'],
    // two suppressed cells: 3 + 4 = 7 leaves each 3 or 4
    [[3, 4, 10], '17'],
    // all at the least (1 + 1 + 1 + 1 + 1) or the most (4 + 4) they could be: exact would reveal each
    [[1, 1, 1, 1, 1], '5 to 20'],
    [[4, 4, 6], '8 to 14'],
    // a small total is itself suppressed
    [[1, 2], '<5'],
    [[0, 0], '0'],
  ])('cells %j total %s', (parts, total) => {
    expect(suppressTotal(parts)).toBe(total);
    const actual = parts.reduce((a, n) => a + n, 0);
    const published = suppressTotal(parts);
    // true: the real sum lies within what is published
    if (/^\d+$/.test(published)) expect(Number(published)).toBe(actual);
    else if (published === '<5') expect(actual).toBeLessThan(5);
    else {
      const [lo, hi] = published.split(' to ').map(Number);
      expect(actual).toBeGreaterThanOrEqual(lo);
      expect(actual).toBeLessThanOrEqual(hi);
    }
    // safe: every suppressed cell could still hold more than one value
    for (const values of possibleValues(parts, published)) expect(values.length).toBeGreaterThan(1);
  });

  it('suppresses a cell of 1-4', () => {
    expect([0, 1, 4, 5].map(suppress)).toEqual(['0', '<5', '<5', '5']);
  });
});

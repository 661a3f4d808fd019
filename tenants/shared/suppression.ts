// Small-cell suppression and CSV, shared by every report oversight reads.

/** Counts 1-4 are shown as "<5" so a small agency's rare search cannot be singled out. */
export const suppress = (n: number) => (n === 0 ? '0' : n < 5 ? '<5' : String(n));

export const isSmall = (n: number) => n > 0 && n < 5;

/**
 * The total of published cells. Exact when no cell is suppressed, or when two or more are and their
 * sum leaves every one of them more than one possible value (it is neither the least, all 1s, nor the
 * most, all 4s, they could hold). Otherwise the bounds a reader could work out from the cells anyway:
 * an exact total beside a single "<5" would give that cell away.
 */
export const suppressTotal = (parts: number[]) => {
  const small = parts.filter(isSmall).length;
  const shown = parts.reduce((a, n) => a + (isSmall(n) ? 0 : n), 0);
  const hidden = parts.reduce((a, n) => a + (isSmall(n) ? n : 0), 0);
  if (!small || (small >= 2 && hidden > small && hidden < 4 * small)) return suppress(shown + hidden);
  const [lo, hi] = [shown + small, shown + 4 * small];
  return hi < 5 ? '<5' : `${lo} to ${hi}`;
};

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
export const toCsv = (header: string[], rows: unknown[][]) => [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';


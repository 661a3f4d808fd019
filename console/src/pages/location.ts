import { useEffect, useState } from 'preact/hooks';

/** One query-string parameter of the current URL, following history moves (the router follows only the path). */
export function useSearchParam(name: string): string {
  const read = () => new URLSearchParams(location.search).get(name) ?? '';
  const [value, setValue] = useState(read);
  useEffect(() => {
    const update = () => setValue(read());
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, [name]);
  return value;
}

/** The value of an input or select in an event handler. */
export const valueOf = (e: Event) => (e.currentTarget as HTMLInputElement).value;

/**
 * The start of tomorrow, UTC: the end of "up to now" for usage counts. Whole days, so that a query's
 * variables stay the same from one render to the next (a time to the millisecond would ask again on every render).
 */
export const tomorrow = () => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)).toISOString();
};

/** The first day of this month, UTC, and tomorrow: "this month" for usage counts. */
export const thisMonth = () => {
  const now = new Date();
  return { from: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(), to: tomorrow() };
};

/**
 * Splits a list into groups small enough for one request each: the API takes at most 30 aliases per
 * operation (QUERY_TOO_COMPLEX beyond), and a per-tenant question is one or two aliases per tenant.
 */
export function inGroups<T>(list: T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < list.length; i += size) groups.push(list.slice(i, i + size));
  return groups;
}

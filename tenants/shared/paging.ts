import { decodeCursor, encodeCursor, InvalidCursorError, type Cursor } from '../../models/db.js';
import { DomainError } from './errors.js';
import type { Page } from './ports.js';

export const MAX_PAGE = 100;

export function pageArgs(first: number | undefined, after: string | undefined | null): { first: number; after?: Cursor } {
  const n = first ?? 20;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) throw new DomainError('BAD_USER_INPUT', `first must be between 1 and ${MAX_PAGE}, got ${first}.`);
  try {
    return { first: n, after: decodeCursor(after) };
  } catch (e) {
    if (e instanceof InvalidCursorError) throw new DomainError('BAD_USER_INPUT', e.message);
    throw e;
  }
}

/** Rows fetched with LIMIT first + 1, turned into one page. */
export function toPage<T extends { id: string; cursorKey: string }>(rows: T[], first: number): Page<T> {
  const nodes = rows.slice(0, first);
  const last = nodes[nodes.length - 1];
  return {
    nodes,
    hasNextPage: rows.length > first,
    endCursor: last ? encodeCursor({ createdAt: last.cursorKey, id: last.id }) : null,
  };
}

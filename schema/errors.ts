import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { classify, INTERNAL, PUBLIC_ERROR_CODES } from '../tenants/shared/errors.js';

// The one place errors become `extensions.code`, through the one error map (`classify`): domain and
// inference errors keep their codes and messages, database refusals of the caller's input get theirs;
// GraphQL's own request errors pass; everything else is hidden behind a generic message (no SQL, no
// stack) and logged with the request id.
const GRAPHQL_CODES = new Set<string>([
  ...PUBLIC_ERROR_CODES,
  'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'OPERATION_RESOLUTION_FAILURE', 'QUERY_TOO_COMPLEX',
]);

export function formatError(formatted: GraphQLFormattedError, error: unknown, log: (e: unknown) => void): GraphQLFormattedError {
  // Apollo re-codes every validation error GRAPHQL_VALIDATION_FAILED; the query limits' own code is kept (see schema/limits.ts)
  if (error instanceof GraphQLError && error.originalError instanceof GraphQLError && error.originalError.extensions?.code === 'QUERY_TOO_COMPLEX') {
    return { message: formatted.message, locations: formatted.locations, extensions: { code: 'QUERY_TOO_COMPLEX' } };
  }
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (!(original instanceof GraphQLError)) {
    const c = classify(original);
    if (c.code !== INTERNAL) {
      const details = (original as { details?: Record<string, unknown> }).details;
      return { message: c.message ?? (original as Error).message, path: formatted.path, locations: formatted.locations, extensions: { code: c.code, ...(details ? { details } : {}) } };
    }
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && GRAPHQL_CODES.has(code)) {
    // input coercion errors (bad enum value, wrong type) become BAD_USER_INPUT with GraphQL's message
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
  }
  log(original);
  return { message: 'Internal error; it has been logged with your request id.', path: formatted.path, extensions: { code: INTERNAL } };
}

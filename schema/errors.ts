import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { DENIAL_CODES } from '../tenants/shared/errors.js';

// The one place errors become `extensions.code`. Domain and inference errors carry their own
// stable codes; GraphQL's own validation codes pass; everything else is hidden behind a generic
// message (no SQL, no stack) and logged with the request id.
const PUBLIC_CODES = new Set([
  'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', ...DENIAL_CODES,
  'UNSUPPORTED_IMAGE', 'CORRUPT_IMAGE', 'IMAGE_TOO_LARGE', 'NO_FACE_FOUND', 'MULTIPLE_FACES', 'LOW_QUALITY', 'OVERLOADED', 'MODEL_UNAVAILABLE',
  'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'OPERATION_RESOLUTION_FAILURE', 'QUERY_TOO_COMPLEX',
]);

export function formatError(formatted: GraphQLFormattedError, error: unknown, log: (e: unknown) => void): GraphQLFormattedError {
  // Apollo re-codes every validation error GRAPHQL_VALIDATION_FAILED; the query limits' own code is kept (see schema/limits.ts)
  if (error instanceof GraphQLError && error.originalError instanceof GraphQLError && error.originalError.extensions?.code === 'QUERY_TOO_COMPLEX') {
    return { message: formatted.message, locations: formatted.locations, extensions: { code: 'QUERY_TOO_COMPLEX' } };
  }
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  const ownCode = (original as { code?: unknown })?.code;
  if (typeof ownCode === 'string' && PUBLIC_CODES.has(ownCode) && !(original instanceof GraphQLError)) {
    const details = (original as { details?: Record<string, unknown> }).details;
    return { message: (original as Error).message, path: formatted.path, locations: formatted.locations, extensions: { code: ownCode, ...(details ? { details } : {}) } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && PUBLIC_CODES.has(code)) {
    // input coercion errors (bad enum value, wrong type) become BAD_USER_INPUT with GraphQL's message
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
  }
  log(original);
  return { message: 'Internal error; it has been logged with your request id.', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

export type DomainErrorCode = 'NOT_FOUND' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'CONFLICT' | 'UNAUTHENTICATED' | 'IMAGE_TOO_LARGE';

/** A refusal the caller can act on; mapped 1:1 to GraphQL `extensions.code`. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** Missing and forbidden look the same to a caller who may not know the object exists. */
export const notFound = (what: string, id: string) => new DomainError('NOT_FOUND', `No ${what} with id ${id} is visible to you.`);

/** Policy denials: each names its reason, is audited and counted in oversight statistics. */
export const DENIAL_CODES = [
  'LEGAL_BASIS_NOT_PERMITTED', 'WARRANT_REQUIRED', 'OFFENSE_BELOW_THRESHOLD', 'CERTIFICATION_REQUIRED', 'TENANT_SUSPENDED',
  'PROHIBITED_PURPOSE', 'QUOTA_EXCEEDED', 'CASE_NUMBER_REQUIRED', 'NARRATIVE_REQUIRED',
] as const;
export type DenialCode = (typeof DENIAL_CODES)[number];

export type DomainErrorCode = 'NOT_FOUND' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'CONFLICT' | 'UNAUTHENTICATED' | 'IMAGE_TOO_LARGE' | DenialCode;

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

export const isDenialCode = (c: unknown): c is DenialCode => (DENIAL_CODES as readonly unknown[]).includes(c);

/** Refusals of what the caller may do (as opposed to malformed input or a photo without a face). */
export const isDenial = (e: unknown) => e instanceof DomainError && (isDenialCode(e.code) || e.code === 'FORBIDDEN' || e.code === 'NOT_FOUND');

/** Missing and forbidden look the same to a caller who may not know the object exists. */
export const notFound = (what: string, id: string) => new DomainError('NOT_FOUND', `No ${what} with id ${id} is visible to you.`);

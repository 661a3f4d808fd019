import { InvalidCursorError } from '../../models/db.js';
import { AuditOutcome } from '../../models/enums.js';
import { FaceImageError } from '../../models/face-image-cipher.js';

/** Policy denials: each names its reason, is audited and counted in oversight statistics. */
export const DENIAL_CODES = [
  'LEGAL_BASIS_NOT_PERMITTED', 'WARRANT_REQUIRED', 'OFFENSE_BELOW_THRESHOLD', 'CERTIFICATION_REQUIRED', 'TENANT_SUSPENDED',
  'PROHIBITED_PURPOSE', 'QUOTA_EXCEEDED', 'CASE_NUMBER_REQUIRED', 'NARRATIVE_REQUIRED',
] as const;
export type DenialCode = (typeof DENIAL_CODES)[number];

// FACE_IMAGE_TAMPERED: a kept face image failed its integrity check (altered, moved, or its key missing): never shown
// FIELD_NOT_KEPT: a demographic field sent for a subject of a gallery whose owner chose not to keep it
export type DomainErrorCode = 'NOT_FOUND' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'CONFLICT' | 'UNAUTHENTICATED' | 'IMAGE_TOO_LARGE' | 'FACE_IMAGE_TAMPERED' | 'LOW_QUALITY' | 'FIELD_NOT_KEPT' | DenialCode;

/** The codes a FaceEmbedder's errors carry (the inference module's refusals). */
export const EMBEDDER_CODES = ['UNSUPPORTED_IMAGE', 'CORRUPT_IMAGE', 'IMAGE_TOO_LARGE', 'NO_FACE_FOUND', 'MULTIPLE_FACES', 'LOW_QUALITY', 'OVERLOADED', 'MODEL_UNAVAILABLE'] as const;
export type EmbedderErrorCode = (typeof EMBEDDER_CODES)[number];

export const INTERNAL = 'INTERNAL_SERVER_ERROR';
/** The database did not answer (restarting, failing over, unreachable): try again shortly. */
export const DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE';
export type ErrorCode = DomainErrorCode | EmbedderErrorCode | typeof DATABASE_UNAVAILABLE | typeof INTERNAL;

/** A refusal the caller can act on; mapped 1:1 to GraphQL `extensions.code`. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const isDenialCode = (c: unknown): c is DenialCode => (DENIAL_CODES as readonly unknown[]).includes(c);

// Every code, and what its audit event says: refusals of what the caller may do are DENIED; bad input,
// a photo the engine cannot use, a conflict or our own failure is FAILED. A new code must be placed here.
const OUTCOMES: Record<ErrorCode, AuditOutcome> = {
  ...(Object.fromEntries(DENIAL_CODES.map((c) => [c, AuditOutcome.DENIED])) as Record<DenialCode, AuditOutcome>),
  FORBIDDEN: AuditOutcome.DENIED,
  NOT_FOUND: AuditOutcome.DENIED,
  UNAUTHENTICATED: AuditOutcome.DENIED,
  BAD_USER_INPUT: AuditOutcome.FAILED,
  CONFLICT: AuditOutcome.FAILED,
  IMAGE_TOO_LARGE: AuditOutcome.FAILED,
  UNSUPPORTED_IMAGE: AuditOutcome.FAILED,
  CORRUPT_IMAGE: AuditOutcome.FAILED,
  NO_FACE_FOUND: AuditOutcome.FAILED,
  MULTIPLE_FACES: AuditOutcome.FAILED,
  LOW_QUALITY: AuditOutcome.FAILED,
  OVERLOADED: AuditOutcome.FAILED,
  MODEL_UNAVAILABLE: AuditOutcome.FAILED,
  FACE_IMAGE_TAMPERED: AuditOutcome.FAILED,
  FIELD_NOT_KEPT: AuditOutcome.FAILED,
  [DATABASE_UNAVAILABLE]: AuditOutcome.FAILED,
  [INTERNAL]: AuditOutcome.FAILED,
};

/** Every code a caller may see in `extensions.code` from an operation (all but the internal one). */
export const PUBLIC_ERROR_CODES = (Object.keys(OUTCOMES) as ErrorCode[]).filter((c) => c !== INTERNAL);

// PostgreSQL SQLSTATEs that mean the caller's input, not our fault: a unique name taken (often by a
// concurrent request after our check), or a value the column's type refuses.
const SQLSTATE: Record<string, { code: DomainErrorCode; message: string }> = {
  '23505': { code: 'CONFLICT', message: 'That name or reference is taken (perhaps by a request made at the same time); choose another, or use the existing one.' },
  '22P02': { code: 'BAD_USER_INPUT', message: 'A value is not in the form expected (for example an id that is not a UUID); check the ids and values you sent.' },
  '22001': { code: 'BAD_USER_INPUT', message: 'A value is longer than allowed; shorten it.' },
  '22003': { code: 'BAD_USER_INPUT', message: 'A number is out of range; send a smaller one.' },
  '22007': { code: 'BAD_USER_INPUT', message: 'A date or time is not valid; check it.' },
  '22008': { code: 'BAD_USER_INPUT', message: 'A date or time is out of range; check it.' },
  '22021': { code: 'BAD_USER_INPUT', message: 'A text value is not valid UTF-8 text (it contains NUL or broken characters); remove them.' },
  '22P05': { code: 'BAD_USER_INPUT', message: 'A text value holds a character the database cannot store (NUL or a lone surrogate); remove it.' },
};

// The database went away under a statement or refused a connection: SQLSTATE class 08's connection
// failures (not 08P01, a protocol violation: our bug), 57P01-57P03 (shut down, crashed, starting up),
// 25006 (a standby reached during failover refuses writes), and node-postgres' own errors for a
// socket that closed or never opened.
const UNAVAILABLE_STATES = /^(0800[0-467]|57P0[123]|25006)$/;
const UNAVAILABLE_SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGE = /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Client was closed and is not queryable|Connection ended)/;
// TypeORM releases a transaction's connection when its socket fails; the statements after it get these
// (our code never uses a transaction after it ends, so here they mean a lost connection)
const UNAVAILABLE_RELEASED = new Set(['QueryRunnerAlreadyReleasedError', 'QueryRunnerProviderAlreadyReleasedError']);
const UNAVAILABLE_TEXT = 'The hub’s database is not answering (restarting or failing over); try again in a moment.';
// The database's disk is full: SQLSTATE 53100 (disk_full), 58030 (an I/O error, which is how a write
// that found no space reports), or the system's ENOSPC; nothing of the statement was kept
const FULL_STATES = /^(53100|58030)$/;
const FULL_MESSAGE = /No space left on device|ENOSPC/;
const FULL_TEXT = 'The hub’s database has no room left on its disk, so nothing of this was saved; tell the hub’s operator, who must free space before the hub can take more.';

/** Whether a thrown value means the database (or the hub's data directory) ran out of disk space. */
function isStorageFull(e: unknown): boolean {
  const state = sqlState(e);
  if (typeof state === 'string' && (FULL_STATES.test(state) || state === 'ENOSPC')) return true;
  const message = driverField(e, 'message') ?? (e instanceof Error ? e.message : undefined);
  return typeof message === 'string' && FULL_MESSAGE.test(message);
}

/** Whether a thrown value means the database could not be reached, rather than that it refused the statement. */
export function isDatabaseUnavailable(e: unknown): boolean {
  if (e instanceof Error && (UNAVAILABLE_RELEASED.has(e.name) || UNAVAILABLE_RELEASED.has(e.constructor.name))) return true;
  const state = sqlState(e);
  if (typeof state === 'string' && (UNAVAILABLE_STATES.test(state) || UNAVAILABLE_SOCKET.has(state))) return true;
  const message = driverField(e, 'message') ?? (e instanceof Error ? e.message : undefined);
  return typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message);
}

// unique rules whose violation has a more precise meaning than "a name is taken"
const CONSTRAINTS: Record<string, string> = {
  request_examinations_request_id_role_key: 'Someone else recorded these dispositions for this request while you did; reload it to see where it stands.',
  search_reviews_one_per_reviewer: 'You have reviewed this search already; a second review must come from a different principal.',
};

export interface Classified {
  code: ErrorCode;
  outcome: AuditOutcome;
  /** the audit event's reason: the code, or INTERNAL_ERROR */
  reason: string;
  /** what the caller is told; null: the error's own message (hidden when INTERNAL) */
  message: string | null;
}

const ownCode = (e: unknown): unknown => (e && typeof e === 'object' ? (e as { code?: unknown }).code : undefined);
// TypeORM wraps the driver's error; pg's fields sit on either
const driverField = (e: unknown, field: string): unknown => {
  const of = (x: unknown) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[field] : undefined);
  return of(e) ?? of((e as { driverError?: unknown } | null)?.driverError);
};
const sqlState = (e: unknown): unknown => driverField(e, 'code');

/** The one error map: what any thrown value means to the caller (extensions.code) and to the audit chain. */
export function classify(e: unknown): Classified {
  const make = (code: ErrorCode, message: string | null = null): Classified => ({ code, outcome: OUTCOMES[code], reason: code === INTERNAL ? 'INTERNAL_ERROR' : code, message });
  if (e instanceof DomainError) return make(e.code);
  if (e instanceof InvalidCursorError) return make('BAD_USER_INPUT');
  if (e instanceof FaceImageError) return make('FACE_IMAGE_TAMPERED', 'A stored face image failed its integrity check and was not used; the hub\'s operator can find it in the audit log.');
  const code = ownCode(e);
  if ((EMBEDDER_CODES as readonly unknown[]).includes(code)) return make(code as EmbedderErrorCode);
  if (isDatabaseUnavailable(e)) return make(DATABASE_UNAVAILABLE, UNAVAILABLE_TEXT);
  if (isStorageFull(e)) return make(DATABASE_UNAVAILABLE, FULL_TEXT);
  const state = sqlState(e);
  const constraint = CONSTRAINTS[String(driverField(e, 'constraint'))];
  if (state === '23505' && constraint) return make('CONFLICT', constraint);
  if (typeof state === 'string' && SQLSTATE[state]) return make(SQLSTATE[state].code, SQLSTATE[state].message);
  return make(INTERNAL);
}

/** Missing and forbidden look the same to a caller who may not know the object exists. */
export const notFound = (what: string, id: string) => new DomainError('NOT_FOUND', `No ${what} with id ${id} is visible to you.`);

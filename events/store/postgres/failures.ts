import { InvalidAppendError, StoreUnavailableError } from '../errors.ts';

/**
 * SQLSTATEs meaning "the server went away or is not taking work": class 08 (connection
 * exception), admin/crash shutdown, starting up or recovering, too many connections.
 */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** Socket errors seen when PostgreSQL is down, restarting or unreachable. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOENT', // a unix socket that is not there (yet)
]);
// node-postgres raises these as plain Errors, without a code.
const LOST =
  /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Query read timeout)/;

/** True when `error` (or its cause) says the database could not be reached or was lost. */
export function isConnectionFailure(error: unknown): boolean {
  return lostConnection(error, 0);
}

function lostConnection(error: unknown, depth: number): boolean {
  if (!(error instanceof Error) || depth > 4) return false;
  if (error instanceof StoreUnavailableError) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith('08') || UNAVAILABLE_STATES.has(code) || SOCKET_CODES.has(code)) return true;
  }
  if (LOST.test(error.message)) return true;
  if (error instanceof AggregateError && error.errors.some((e) => lostConnection(e, depth + 1))) return true;
  return lostConnection(error.cause, depth + 1);
}

/** An error PostgreSQL raised for a statement (it has a SQLSTATE), not a lost connection. */
export function isStatementError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !isConnectionFailure(error);
}

/**
 * What a caller of the log sees for a failure of PostgreSQL: a lost or refused connection is
 * the retryable StoreUnavailableError; data PostgreSQL refuses (class 22, e.g. a string jsonb
 * cannot hold) is a bad append; anything else is passed on as it is.
 */
export function storeError(error: unknown, outcomeUnknown = false): unknown {
  if (error instanceof StoreUnavailableError) return error;
  if (isConnectionFailure(error)) return new StoreUnavailableError(outcomeUnknown, { cause: error });
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('22') && error instanceof Error) {
    return new InvalidAppendError(`PostgreSQL refused the event data: ${error.message}`);
  }
  return error;
}

/** For reads: a lost or refused connection becomes the retryable StoreUnavailableError. */
export function readError(error: unknown): unknown {
  return isConnectionFailure(error) && !(error instanceof StoreUnavailableError)
    ? new StoreUnavailableError(false, { cause: error })
    : error;
}

import { GraphQLError } from 'graphql';
import { DomainError } from '../events/shared/errors.ts';
import {
  EventLogError,
  InvalidAppendError,
  StoreUnavailableError,
  VersionConflictError,
} from '../events/store/errors.ts';
import { isConnectionFailure } from '../events/store/postgres/failures.ts';

/** Seconds a client should wait before retrying when the store is unavailable. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

/**
 * The one mapping from errors to what a client sees: domain refusals keep their message and
 * code; anything unexpected becomes a masked INTERNAL_SERVER_ERROR (and is logged).
 */
export function toClientError(error: unknown, masked: string): GraphQLError | null {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (original instanceof GraphQLError && !original.originalError) return original;
  const path = error instanceof GraphQLError ? error.path : undefined;
  const make = (message: string, code: string) =>
    new GraphQLError(message, { ...(path ? { path } : {}), extensions: { code } });
  if (original instanceof DomainError) return make(original.message, original.code);
  // The store is down or restarting (any store call, the log's or another's): a retryable
  // UNAVAILABLE, and over HTTP a 503 with Retry-After so that clients back off. Yoga takes
  // the highest `http.status` of a result's errors and strips `http` from the JSON.
  if (original instanceof StoreUnavailableError || isConnectionFailure(original)) {
    const message =
      original instanceof StoreUnavailableError ? original.message : new StoreUnavailableError().message;
    return new GraphQLError(message, {
      ...(path ? { path } : {}),
      extensions: {
        code: 'UNAVAILABLE',
        http: { status: 503, headers: { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS) } },
      },
    });
  }
  if (original instanceof InvalidAppendError) return make(original.message, 'BAD_INPUT');
  if (original instanceof VersionConflictError)
    return make('someone else changed this first: try again', 'CONFLICT');
  if (original instanceof EventLogError) return make(original.message, original.code);
  return error instanceof GraphQLError && !error.originalError
    ? error
    : make(masked, 'INTERNAL_SERVER_ERROR');
}

import { GraphQLError } from 'graphql';
import { DomainError } from '../events/shared/errors.ts';
import { EventLogError, InvalidAppendError, VersionConflictError } from '../events/store/errors.ts';

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
  if (original instanceof InvalidAppendError) return make(original.message, 'BAD_INPUT');
  if (original instanceof VersionConflictError)
    return make('someone else changed this first: try again', 'CONFLICT');
  if (original instanceof EventLogError) return make(original.message, original.code);
  return error instanceof GraphQLError && !error.originalError
    ? error
    : make(masked, 'INTERNAL_SERVER_ERROR');
}

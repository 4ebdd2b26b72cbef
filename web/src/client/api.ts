import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

/** A refusal from the server: `code` is its `extensions.code` (docs/protocol.md, Refusals). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Codes after which sending the same thing again can succeed. */
const TRANSIENT = new Set(['UNAVAILABLE', 'RATE_LIMITED', 'NETWORK', 'CONFLICT_RETRY']);

/** Whether an error is worth a retry later (the network, an outage, a rate limit). */
export function isTransient(error: unknown): boolean {
  return !(error instanceof ApiError) || TRANSIENT.has(error.code);
}

/** Queries and mutations, typed by the generated documents (web/src/gql). */
export interface Api {
  request<R, V extends Record<string, unknown>>(document: TypedDocumentNode<R, V>, variables: V): Promise<R>;
}

/** What a subscription's sink receives: graphql-ws's shape. */
export interface Sink<T> {
  next(value: {
    data?: T | null;
    errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
  }): void;
  error(error: unknown): void;
  complete(): void;
}

/** Subscriptions (the feed): returns a function that stops it. */
export type Subscribe = <T>(
  query: string,
  variables: () => Record<string, unknown>,
  sink: Sink<T>,
) => () => void;

/** The first error of a GraphQL result as an ApiError. */
export function apiErrorOf(
  errors: readonly { message: string; extensions?: Record<string, unknown> }[],
): ApiError {
  const first = errors[0];
  const code = first?.extensions?.code;
  return new ApiError(first?.message ?? 'request failed', typeof code === 'string' ? code : 'UNKNOWN');
}

import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * graphql-js appends "Did you mean …?" to many messages: unknown fields, arguments, types,
 * input fields, enum values ("Did you mean the enum value \"RING\"?"), in validation and in
 * variable coercion alike. In production they map out the schema for a stranger.
 */
const SUGGESTION = /\s*Did you mean[^?]*\?/g;

export const withoutSuggestions = (message: string) => message.replace(SUGGESTION, '');

/**
 * The last touch on every error Yoga sends (called from its maskError, which sees results over
 * HTTP and WebSocket alike): errors about the request itself (variables that do not coerce)
 * carry no code from graphql-js, and a client needs one to tell them from server trouble;
 * errors with a path come from resolvers and keep the code `toClientError` gave them.
 */
export function finishClientError(mapped: GraphQLError, raw: unknown, production: boolean): GraphQLError {
  if (production) mapped.message = withoutSuggestions(mapped.message);
  const fromResolver = raw instanceof GraphQLError && raw.path !== undefined;
  const code = mapped.extensions.code;
  // graphql-tools' subscribe codes its early errors BAD_USER_INPUT (writing into an extensions
  // object the inner error shares): one code for one failure, HTTP or WebSocket.
  if ((!fromResolver && code === undefined) || code === 'BAD_USER_INPUT') {
    // Typed readonly, but a plain property: replace rather than mutate the shared object.
    Object.assign(mapped, { extensions: { ...mapped.extensions, code: 'BAD_INPUT' } });
  }
  return mapped;
}

/**
 * Validation errors do not pass through maskError: in production they lose suggestions here.
 * graphql-armor's suggestion blocker only rewrote those of the form `Did you mean "x"?`.
 */
export function useRequestErrors(production: boolean): Plugin {
  return {
    onValidate() {
      return ({ valid, result }) => {
        if (!valid && production) for (const e of result) e.message = withoutSuggestions(e.message);
      };
    },
  };
}

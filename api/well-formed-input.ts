import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isWellFormed } from '../events/shared/text.ts';

/**
 * Refuses ill-formed Unicode (lone UTF-16 surrogates) in everything a GraphQL operation
 * brings, before anything runs: JSON lets a client send `"\ud800"`, JavaScript keeps it, and
 * PostgreSQL's jsonb refuses it deep inside an append — so without this one stray string
 * failed with INTERNAL_SERVER_ERROR in one store and was stored in the other (issue 8,
 * point 4). Runs for HTTP and graphql-ws alike (ws.ts goes through the same envelop).
 *
 * The document itself needs no walk of its literals: graphql-js refuses lone surrogates in
 * string literals, raw or escaped, with a syntax error; a raw one anywhere in the text is
 * answered here as BAD_INPUT before the parser sees it.
 */
export function useWellFormedInput(): Plugin {
  return {
    onParse({ params }) {
      const source = typeof params.source === 'string' ? params.source : params.source.body;
      if (!isWellFormed(source)) throw refusal('the query text');
    },
    onExecute({ args, setResultAndStopExecution }) {
      const where = illFormedAt(args.variableValues, '$');
      if (where) setResultAndStopExecution({ errors: [refusal(where)] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const where = illFormedAt(args.variableValues, '$');
      if (where) setResultAndStopExecution({ errors: [refusal(where)] });
    },
  };
}

const refusal = (where: string) =>
  new GraphQLError(`${where} is not well-formed Unicode (it contains a lone UTF-16 surrogate)`, {
    extensions: { code: 'BAD_INPUT' },
  });

/** The path of the first ill-formed string or key in a JSON value (variables), or null. */
function illFormedAt(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return isWellFormed(value) ? null : path;
  // Deeper than any input type of the schema: the depth limit of the document bounds the rest.
  if (typeof value !== 'object' || value === null || depth > 64) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = illFormedAt(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    const at = path === '$' ? `$${key}` : `${path}.${key}`;
    if (!isWellFormed(key)) return `a variable name or field name under ${path}`;
    const found = illFormedAt(item, at, depth + 1);
    if (found) return found;
  }
  return null;
}

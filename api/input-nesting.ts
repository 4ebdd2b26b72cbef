import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Deepest nesting of brackets a document or a variables value may have. graphql-js parses,
 * validates and coerces values recursively (and so do the armor plugins' walks): a 5 KB list
 * literal 2,500 levels deep overflows the stack. Real operations stay far below this limit
 * (GraphiQL's introspection query nests 23 levels; selection depth is capped at 15 anyway).
 */
export const MAX_INPUT_NESTING = 64;

const OPENERS = new Set(['[', '{', '(']);
const CLOSERS = new Set([']', '}', ')']);

/**
 * Deepest bracket nesting of a GraphQL document's text, skipping strings, block strings and
 * comments, without recursion. Stops counting once past `limit`: callers only need to know
 * whether it is exceeded. Malformed text is left to the parser's own error.
 */
export function documentNesting(text: string, limit = MAX_INPUT_NESTING): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '#') {
      while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
    } else if (c === '"') {
      if (text.startsWith('"""', i)) {
        // A block string ends at the first """ not escaped as \""".
        for (i += 3; i < text.length && !text.startsWith('"""', i); i++) {
          if (text.startsWith('\\"""', i)) i += 3;
        }
        i += 2;
      } else {
        for (i++; i < text.length && text[i] !== '"' && text[i] !== '\n'; i++) {
          if (text[i] === '\\') i++;
        }
      }
    } else if (OPENERS.has(c)) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (CLOSERS.has(c)) {
      depth = Math.max(0, depth - 1);
    }
  }
  return deepest;
}

/** Deepest nesting of arrays and objects in a JSON-like value, without recursion. */
export function valueNesting(value: unknown, limit = MAX_INPUT_NESTING): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const d = depth + 1;
    if (d > deepest) deepest = d;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, d]);
    }
  }
  return deepest;
}

export const tooDeep = (what: string) =>
  new GraphQLError(`${what} is nested more than ${MAX_INPUT_NESTING} levels deep`, {
    extensions: { code: 'BAD_INPUT' },
  });

/**
 * Refuses too deeply nested documents and variables with BAD_INPUT before anything walks them
 * recursively: the document before it is parsed (this plugin must come before the token
 * limit, which replaces the parser), the variables before they are coerced. It applies over
 * HTTP and, through the same envelop, over WebSocket.
 */
export function useInputNestingLimit(): Plugin {
  return {
    onParse({ params }) {
      const source = params.source;
      const text = typeof source === 'string' ? source : source.body;
      if (documentNesting(text) > MAX_INPUT_NESTING) throw tooDeep('the document');
    },
    onExecute({ args, setResultAndStopExecution }) {
      if (valueNesting(args.variableValues) > MAX_INPUT_NESTING)
        setResultAndStopExecution({ errors: [tooDeep('the variables')] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      if (valueNesting(args.variableValues) > MAX_INPUT_NESTING)
        setResultAndStopExecution({ errors: [tooDeep('the variables')] });
    },
  };
}

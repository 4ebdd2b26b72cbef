import { type DocumentNode, type ExecutionArgs, GraphQLError, getOperationAST } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import type { ServerContext, Yoga } from './graphql.ts';
import { MAX_INPUT_NESTING, tooDeep, valueNesting } from './input-nesting.ts';

export type EnvelopedRoot = {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
};

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_INPUT' } });

/** Gives errors without a code the one Yoga gives the same failure over HTTP. */
function coded(errors: readonly GraphQLError[], code: string): GraphQLError[] {
  return errors.map((e) =>
    e.extensions.code === undefined ? Object.assign(e, { extensions: { ...e.extensions, code } }) : e,
  );
}

/**
 * Parses, validates and builds the execution arguments of one graphql-ws operation through
 * Yoga's envelop (so its plugins, limits included, apply as over HTTP). Refusals come back as
 * errors with the codes HTTP clients see: GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED,
 * OPERATION_RESOLUTION_FAILURE, BAD_INPUT. Some armor limits throw from inside `validate` instead of returning errors.
 */
export async function prepareOperation(
  yoga: Yoga,
  payload: SubscribePayload,
  server: Pick<ServerContext, 'ws' | 'ip' | 'requestId'>,
): Promise<(ExecutionArgs & { rootValue: EnvelopedRoot }) | GraphQLError[]> {
  const variables: unknown = payload.variables ?? null;
  if (variables !== null && (typeof variables !== 'object' || Array.isArray(variables)))
    return [badInput('variables must be an object')];
  if (valueNesting(variables) > MAX_INPUT_NESTING) return [tooDeep('the variables')];
  const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
    ...server,
    params: payload,
  } as never);
  let document: DocumentNode;
  try {
    document = parse(payload.query);
  } catch (error) {
    if (error instanceof GraphQLError) return coded([error], 'GRAPHQL_PARSE_FAILED');
    throw error;
  }
  try {
    const errors = validate(schema, document);
    if (errors.length > 0) return coded(errors, 'GRAPHQL_VALIDATION_FAILED');
  } catch (error) {
    if (error instanceof GraphQLError) return coded([error], 'GRAPHQL_VALIDATION_FAILED');
    throw error;
  }
  const operationName = payload.operationName ?? null;
  if (!getOperationAST(document, operationName)) {
    // The code Yoga answers over HTTP for the same document (400 there).
    return [
      new GraphQLError(
        operationName === null
          ? 'the document has several operations: say which in operationName'
          : 'operationName names no operation of the document',
        { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } },
      ),
    ];
  }
  return {
    schema,
    operationName,
    document,
    variableValues: variables as Record<string, unknown> | null,
    contextValue: await contextFactory(),
    rootValue: { execute, subscribe },
  };
}

/** Message types a client may send (graphql-transport-ws). */
const CLIENT_MESSAGES = new Set(['connection_init', 'ping', 'pong', 'subscribe', 'complete']);

export type FrameCheck =
  | { kind: 'pass' }
  /** A subscribe whose payload graphql-ws would answer by closing the socket (4400). */
  | { kind: 'refuse'; id: string; message: string }
  /** A server-to-client message type: graphql-ws throws on it, which would close with 4500. */
  | { kind: 'invalid'; reason: string };

/**
 * Looks at a frame before graphql-ws does, for the two cases it handles badly: a subscribe
 * with a malformed payload is answered with an `error` for its id (the socket carries other
 * operations), and a message type only servers send is a protocol violation (4400), not an
 * internal error. Everything else, malformed frames without an id included, is left to
 * graphql-ws and the protocol.
 */
export function checkFrame(text: string): FrameCheck {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { kind: 'pass' };
  }
  if (!isRecord(frame) || typeof frame.type !== 'string') return { kind: 'pass' };
  if (!CLIENT_MESSAGES.has(frame.type))
    return { kind: 'invalid', reason: `a client may not send "${frame.type.slice(0, 40)}" messages` };
  if (frame.type !== 'subscribe') return { kind: 'pass' };
  const { id, payload } = frame;
  if (typeof id !== 'string' || id === '') return { kind: 'pass' };
  const refuse = (message: string): FrameCheck => ({ kind: 'refuse', id, message });
  if (!isRecord(payload)) return refuse('the subscribe payload must be an object');
  if (typeof payload.query !== 'string') return refuse('query must be a string');
  if (payload.variables != null && !isRecord(payload.variables)) return refuse('variables must be an object');
  if (payload.operationName != null && typeof payload.operationName !== 'string')
    return refuse('operationName must be a string');
  if (payload.extensions != null && !isRecord(payload.extensions))
    return refuse('extensions must be an object');
  return { kind: 'pass' };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

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
 * BAD_INPUT. Some armor limits throw from inside `validate` instead of returning errors.
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
    return [
      badInput(
        operationName === null
          ? 'the document has several operations: say which in operationName'
          : 'operationName names no operation of the document',
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

/**
 * A `subscribe` message whose payload graphql-ws would refuse by closing the whole socket
 * (4400): answered instead with an `error` for its id. Null when the frame is anything else
 * (graphql-ws then applies the protocol, closing on frames that have no id to answer).
 */
export function malformedSubscribe(text: string): { id: string; message: string } | null {
  if (!text.includes('subscribe')) return null;
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(frame) || frame.type !== 'subscribe') return null;
  const { id, payload } = frame;
  if (typeof id !== 'string' || id === '') return null;
  const refuse = (message: string) => ({ id, message });
  if (!isRecord(payload)) return refuse('the subscribe payload must be an object');
  if (typeof payload.query !== 'string') return refuse('query must be a string');
  if (payload.variables != null && !isRecord(payload.variables)) return refuse('variables must be an object');
  if (payload.operationName != null && typeof payload.operationName !== 'string')
    return refuse('operationName must be a string');
  if (payload.extensions != null && !isRecord(payload.extensions))
    return refuse('extensions must be an object');
  return null;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

import {
  type ExecutionArgs,
  type FieldNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  getArgumentValues,
  getNamedType,
  isInputObjectType,
  isInputType,
  Kind,
  typeFromAST,
  valueFromAST,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isWellFormed } from '../events/shared/text.ts';
import { DEFAULT_STRING_LIMIT, STRING_INPUT_LIMITS } from './input-limits.ts';
import { perOperation, rootFields } from './operation-plan.ts';

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
 *
 * It also bounds every string argument (variables and literals alike) by api/input-limits.ts,
 * so no input is unbounded whatever a resolver does with it.
 */
export function useWellFormedInput(): Plugin {
  return {
    onParse({ params }) {
      const source = typeof params.source === 'string' ? params.source : params.source.body;
      if (!isWellFormed(source)) throw refusal('the query text');
    },
    onExecute({ args, setResultAndStopExecution }) {
      const error = inputProblem(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = inputProblem(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}

function inputProblem(args: ExecutionArgs): GraphQLError | null {
  const where = illFormedAt(args.variableValues, '$');
  if (where) return refusal(where);
  const tooLong = overLimit(args);
  return tooLong
    ? new GraphQLError(`${tooLong.path} is at most ${tooLong.limit} characters`, {
        extensions: { code: 'BAD_INPUT' },
      })
    : null;
}

/**
 * What the length check needs of one operation of a document, worked out once (Yoga's parser
 * cache hands the same document back for the same text): its root fields, whether each takes
 * only bare variables as arguments, and the operation's variable defaults.
 */
interface OperationPlan {
  fields: { field: GraphQLField<unknown, unknown>; node: FieldNode; bare: boolean }[];
  /** Defaults of the operation's variables (`$b: String = "…"`), as values. */
  defaults: [name: string, value: unknown][];
}

// Cached by document alone: the process serves one schema.
const planOf = perOperation((operation, document, schema: GraphQLSchema): OperationPlan | null => {
  const root = schema.getRootType(operation.operation);
  if (!root) return null;
  const schemaFields = root.getFields();
  const fields: OperationPlan['fields'] = [];
  for (const node of rootFields(document, operation)) {
    const field = schemaFields[node.name.value];
    if (!field) continue;
    const bare = (node.arguments ?? []).every((a) => a.value.kind === Kind.VARIABLE);
    fields.push({ field, node, bare });
  }
  const defaults: OperationPlan['defaults'] = [];
  for (const definition of operation.variableDefinitions ?? []) {
    if (!definition.defaultValue) continue;
    const type = typeFromAST(schema, definition.type);
    const value = type && isInputType(type) ? valueFromAST(definition.defaultValue, type) : undefined;
    if (value !== undefined) defaults.push([definition.variable.name.value, value]);
  }
  return { fields, defaults };
});

/**
 * The first string argument of a root field longer than its limit, or null. Variables are
 * taken with the operation's defaults for those not given: execution applies them, so a long
 * default is as much an input as a long variable.
 */
function overLimit(args: ExecutionArgs): { path: string; limit: number } | null {
  const plan = planOf(args.document, args.operationName, args.schema);
  if (!plan) return null;
  let variables = (args.variableValues ?? {}) as Record<string, unknown>;
  for (const [name, value] of plan.defaults) {
    if (Object.hasOwn(variables, name)) continue;
    variables = { ...variables, [name]: value };
  }
  for (const { field, node, bare } of plan.fields) {
    let values: Record<string, unknown>;
    if (bare) {
      // Every argument is a bare variable (the first-party client's form): graphql-js's
      // getArgumentValues would hand over the variables' values as they are, and arguments
      // not given their schema defaults, which is what this does without coercing anything.
      values = Object.create(null) as Record<string, unknown>;
      for (const a of node.arguments ?? [])
        if (a.value.kind === Kind.VARIABLE && Object.hasOwn(variables, a.value.name.value))
          values[a.name.value] = variables[a.value.name.value];
      for (const arg of field.args)
        if (!Object.hasOwn(values, arg.name) && arg.defaultValue !== undefined)
          values[arg.name] = arg.defaultValue;
    } else {
      try {
        values = getArgumentValues(field, node, variables);
      } catch {
        continue; // not coercible: execution answers that itself
      }
    }
    for (const arg of field.args) {
      const found = longString(values[arg.name], arg.type, `${field.name}.${arg.name}`);
      if (found) return found;
    }
  }
  return null;
}

function longString(
  value: unknown,
  type: GraphQLInputType,
  path: string,
): { path: string; limit: number } | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = longString(item, type, path);
      if (found) return found;
    }
    return null;
  }
  const named = getNamedType(type);
  if (typeof value === 'string') {
    const limit = STRING_INPUT_LIMITS[path] ?? DEFAULT_STRING_LIMIT;
    // Code points: count them only when the UTF-16 length could exceed the limit.
    return value.length > limit && [...value].length > limit ? { path, limit } : null;
  }
  if (isInputObjectType(named) && typeof value === 'object') {
    for (const f of Object.values(named.getFields())) {
      const found = longString((value as Record<string, unknown>)[f.name], f.type, `${path}.${f.name}`);
      if (found) return found;
    }
  }
  return null;
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

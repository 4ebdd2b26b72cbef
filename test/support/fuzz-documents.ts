import fc from 'fast-check';
import {
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
} from 'graphql';

/** One operation as a client sends it (variables possibly as JSON text too deep to stringify). */
export interface FuzzOperation {
  query: string;
  variables?: unknown;
  variablesJson?: string;
  operationName?: unknown;
}

/** Fields whose success would end the fuzzing session itself. */
const EXCLUDED_FIELDS = new Set(['signOut', 'signOutEverywhere']);

/** Any UTF-16 code unit, lone surrogates and controls included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));
const nastyString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: codeUnit, maxLength: 12 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ud800',
    'cv1',
    '"',
    '\\',
    'NaN',
    'Infinity',
    '-0',
    '1e400',
    'x'.repeat(5000),
  ),
);
const nastyNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(-1, 0, 1, 1.5, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e30, -1e30, Number.MAX_VALUE),
);

/** A JSON value of any shape, now and then nested far deeper than any real input. */
export const nastyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: nastyString },
  { weight: 2, arbitrary: nastyNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
);

/** Text of a GraphQL value literal that is nested `depth` levels deep. */
const deepLiteral = fc.integer({ min: 50, max: 3000 }).map((d) => `${'['.repeat(d)}1${']'.repeat(d)}`);

const literalOf = (json: unknown): string => {
  if (json === null || typeof json !== 'object') {
    if (typeof json === 'number') return Number.isFinite(json) ? String(json) : '0';
    return JSON.stringify(json) ?? 'null';
  }
  if (Array.isArray(json)) return `[${json.map(literalOf).join(', ')}]`;
  return `{${Object.entries(json)
    .map(([k, v]) => `${/^[_A-Za-z][_0-9A-Za-z]*$/.test(k) ? k : 'x'}: ${literalOf(v)}`)
    .join(', ')}}`;
};

/** A value (as JSON) meant for `type`: mostly right, sometimes wrong in a plausible way. */
function valueFor(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 3) return nastyJson;
  if (isNonNullType(type)) return valueFor(type.ofType, depth);
  if (isListType(type))
    return fc.oneof(
      fc.array(valueFor(type.ofType, depth + 1), { maxLength: 3 }),
      valueFor(type.ofType, depth + 1),
    );
  const wrong = { weight: 1, arbitrary: nastyJson };
  if (isEnumType(type)) {
    const names = type.getValues().map((v) => v.name);
    return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names) }, wrong, {
      weight: 1,
      arbitrary: fc.constantFrom(...names).map((n) => n.slice(0, -1)),
    });
  }
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    return fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record(Object.fromEntries(fields.map((f) => [f.name, valueFor(f.type, depth + 1)])), {
          requiredKeys: [],
        }),
      },
      wrong,
    );
  }
  const right =
    type.name === 'String' || type.name === 'ID'
      ? nastyString
      : type.name === 'Boolean'
        ? fc.boolean()
        : type.name === 'Position' || type.name === 'Timestamp'
          ? fc.oneof(fc.nat(), nastyNumber)
          : nastyNumber;
  return fc.oneof({ weight: 4, arbitrary: right }, wrong);
}

/** A selection set for `type` (empty for leaves), a few fields deep. */
function selectionFor(schema: GraphQLSchema, type: GraphQLOutputType, depth: number): fc.Arbitrary<string> {
  const named: GraphQLNamedType = getNamedType(type);
  if (isLeafType(named)) return fc.constant('');
  if (depth > 3) return fc.constant('{ __typename }');
  if (isAbstractType(named)) {
    const possible = [...schema.getPossibleTypes(named)];
    if (possible.length === 0) return fc.constant('{ __typename }');
    return fc
      .subarray(possible, { minLength: 1, maxLength: Math.min(3, possible.length) })
      .chain((ts) =>
        fc.tuple(...ts.map((t) => selectionFor(schema, t, depth + 1).map((s) => `... on ${t.name} ${s}`))),
      )
      .map((parts) => `{ __typename ${parts.join(' ')} }`);
  }
  if (!isObjectType(named)) return fc.constant('');
  const fields = Object.values(named.getFields()).filter((f) => f.args.every((a) => !isNonNullType(a.type)));
  if (fields.length === 0) return fc.constant('{ __typename }');
  return fc
    .subarray(fields, { minLength: 1, maxLength: Math.min(4, fields.length) })
    .chain((fs) =>
      fc.tuple(...fs.map((f) => selectionFor(schema, f.type, depth + 1).map((s) => `${f.name} ${s}`))),
    )
    .map((parts) => `{ ${parts.join(' ')} }`);
}

const typeString = (t: GraphQLInputType): string => String(t);

/** A root field with inline arguments, or with every argument passed as a variable. */
function operationOn(
  schema: GraphQLSchema,
  kind: 'query' | 'mutation' | 'subscription',
  field: GraphQLField<unknown, unknown>,
): fc.Arbitrary<FuzzOperation> {
  const selection = selectionFor(schema, field.type, 1);
  const argValues = fc.tuple(...field.args.map((a) => fc.option(valueFor(a.type), { freq: 6 })));
  const inline = fc
    .tuple(argValues, selection, fc.option(deepLiteral, { freq: 10 }))
    .map(([vals, sel, deep]) => {
      const args = field.args
        .map((a, i) =>
          vals[i] === null ? null : `${a.name}: ${deep && i === 0 ? deep : literalOf(vals[i])}`,
        )
        .filter(Boolean);
      return { query: `${kind} { ${field.name}${args.length ? `(${args.join(', ')})` : ''} ${sel} }` };
    });
  const withVariables = fc
    .tuple(argValues, selection, fc.boolean(), fc.option(fc.integer({ min: 50, max: 20_000 }), { freq: 10 }))
    .map(([vals, sel, misspell, deep]) => {
      const defs = field.args.map(
        (a, i) => `$v${i}: ${misspell && i === 0 ? typeString(a.type).slice(1) : typeString(a.type)}`,
      );
      const uses = field.args.map((a, i) => `${a.name}: $v${i}`);
      const query = `${kind} Op${defs.length ? `(${defs.join(', ')})` : ''} { ${field.name}${uses.length ? `(${uses.join(', ')})` : ''} ${sel} }`;
      const variables = Object.fromEntries(vals.map((v, i) => [`v${i}`, v]));
      return deep && field.args.length > 0
        ? { query, variablesJson: `{"v0":${'['.repeat(deep)}1${']'.repeat(deep)}}`, operationName: 'Op' }
        : { query, variables, operationName: 'Op' };
    });
  return fc.oneof(inline, withVariables);
}

/** Operations built from the schema's own root fields (introspected from the server). */
export function schemaOperations(schema: GraphQLSchema): fc.Arbitrary<FuzzOperation> {
  const roots = (
    [
      ['query', schema.getQueryType()],
      ['mutation', schema.getMutationType()],
      ['subscription', schema.getSubscriptionType()],
    ] as const
  ).flatMap(([kind, type]) =>
    type
      ? Object.values(type.getFields())
          .filter((f) => !EXCLUDED_FIELDS.has(f.name))
          .map((f) => operationOn(schema, kind, f))
      : [],
  );
  return fc.oneof(...roots);
}

/** A document with random edits: characters dropped, punctuation and junk inserted. */
export function mutated(base: fc.Arbitrary<FuzzOperation>): fc.Arbitrary<FuzzOperation> {
  const edit = fc.record({
    at: fc.nat(),
    drop: fc.nat({ max: 4 }),
    insert: fc.oneof(
      fc.constantFrom(
        '{',
        '}',
        '(',
        ')',
        '[',
        ']',
        '$',
        '@',
        '...',
        ':',
        '"',
        '"""',
        '#',
        '!',
        '=',
        '\\u',
        'fragment',
        'on',
      ),
      fc.string({ unit: codeUnit, maxLength: 3 }),
    ),
  });
  return fc.tuple(base, fc.array(edit, { minLength: 1, maxLength: 4 })).map(([op, edits]) => {
    let q = op.query;
    for (const e of edits) {
      const at = q.length === 0 ? 0 : e.at % q.length;
      q = q.slice(0, at) + e.insert + q.slice(at + e.drop);
    }
    return { ...op, query: q };
  });
}

/** Operations over each limit (aliases, depth, directives, tokens), the way a prober sends them. */
const overLimits: fc.Arbitrary<FuzzOperation> = fc
  .tuple(fc.constantFrom('aliases', 'depth', 'directives', 'tokens'), fc.integer({ min: 16, max: 400 }))
  .map(([limit, n]) => {
    switch (limit) {
      case 'aliases':
        return { query: `{ ${Array.from({ length: n }, (_, i) => `a${i}: plan`).join(' ')} }` };
      case 'depth':
        return {
          query: `{ __schema { types { ${'fields { type { '.repeat(n % 40)}name${' } }'.repeat(n % 40)} } } }`,
        };
      case 'directives':
        return { query: `{ plan ${'@skip(if: false) '.repeat(n)} }` };
      default:
        return { query: `{ ${'plan '.repeat(n * 10)} }` };
    }
  });

/** @skip/@include on a subscription's root: the executor had nothing to subscribe to. */
const conditionalSubscriptionRoot: fc.Arbitrary<FuzzOperation> = fc.constantFrom<FuzzOperation>(
  { query: 'subscription { feed @skip(if: true) { position } }' },
  { query: 'subscription { typing @include(if: false) { from } }' },
  { query: 'subscription { ... @skip(if: true) { typing { from } } }' },
  { query: 'subscription($s: Boolean!) { typing @skip(if: $s) { from } }', variables: { s: false } },
);

/** Payloads no client library would send. */
export const garbageOperation: fc.Arbitrary<FuzzOperation> = fc.oneof(
  overLimits,
  conditionalSubscriptionRoot,
  fc.string({ unit: codeUnit, maxLength: 40 }).map((query) => ({ query })),
  fc.record({
    query: fc.constantFrom('{ me { address } }', 'query A { me { address } } query B { plan }'),
    variables: nastyJson,
    operationName: nastyJson,
  }),
);

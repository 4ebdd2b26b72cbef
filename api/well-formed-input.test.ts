import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type ExecutionArgs, type GraphQLError, parse } from 'graphql';
import { schema } from '../schema/index.ts';
import { STRING_INPUT_LIMITS } from './input-limits.ts';
import { useWellFormedInput } from './well-formed-input.ts';

/** What the edge check answers for one operation: null (let through) or the error message. */
function verdict(query: string, variables: Record<string, unknown>, operationName?: string): string | null {
  const plugin = useWellFormedInput();
  let refused: string | null = null;
  const args = { schema, document: parse(query), variableValues: variables, operationName } as ExecutionArgs;
  plugin.onExecute!({
    args,
    setResultAndStopExecution: (result: { errors: GraphQLError[] }) => {
      refused = result.errors[0]!.message;
    },
  } as never);
  return refused;
}

const ID = '00000000-0000-4000-8000-000000000001';
const TO = `cv1${'a'.repeat(39)}`;
const BODY_LIMIT = STRING_INPUT_LIMITS['sendMessage.input.body']!;
const TOO_LONG = `sendMessage.input.body is at most ${BODY_LIMIT} characters`;
const gqlString = (s: string) => JSON.stringify(s);

/** The same body, brought in each way a client can bring it. */
const FORMS: [string, (body: string) => [string, Record<string, unknown>]][] = [
  [
    'a literal',
    (b) => [
      `mutation { sendMessage(input: { id: "${ID}", to: "${TO}", body: ${gqlString(b)} }) { id } }`,
      {},
    ],
  ],
  [
    'the input as a variable',
    (b) => [
      'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { id } }',
      { input: { id: ID, to: TO, body: b } },
    ],
  ],
  [
    'a variable inside a literal',
    (b) => [
      `mutation ($b: String!) { sendMessage(input: { id: "${ID}", to: "${TO}", body: $b }) { id } }`,
      { b },
    ],
  ],
  [
    "a variable's default",
    (b) => [
      `mutation ($b: String! = ${gqlString(b)}) { sendMessage(input: { id: "${ID}", to: "${TO}", body: $b }) { id } }`,
      {},
    ],
  ],
  [
    "the input variable's default",
    (b) => [
      `mutation ($input: SendMessageInput! = { id: "${ID}", to: "${TO}", body: ${gqlString(b)} }) { sendMessage(input: $input) { id } }`,
      {},
    ],
  ],
  [
    'a variable, through a fragment on the root',
    (b) => [
      'mutation ($input: SendMessageInput!) { ...F } fragment F on Mutation { sendMessage(input: $input) { id } }',
      { input: { id: ID, to: TO, body: b } },
    ],
  ],
];

describe('string limits at the edge (api/well-formed-input.ts)', () => {
  it('should give one verdict for a body however it is brought: refused exactly when over the limit in code points', () => {
    // Lengths around the limit, in characters that are one or two UTF-16 units.
    const body = fc
      .tuple(
        fc.integer({ min: BODY_LIMIT - 3, max: BODY_LIMIT + 3 }),
        fc.constantFrom('a', 'é', '😀', '"', '\\'),
      )
      .map(([n, ch]) => ch.repeat(n));
    fc.assert(
      fc.property(body, (b) => {
        const expected = [...b].length > BODY_LIMIT ? TOO_LONG : null;
        for (const [how, form] of FORMS) {
          const [query, variables] = form(b);
          assert.equal(verdict(query, variables), expected, how);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('should let a variable given in the request win over its default, as execution does', () => {
    const q = `mutation ($b: String! = ${gqlString('x'.repeat(BODY_LIMIT + 1))}) { sendMessage(input: { id: "${ID}", to: "${TO}", body: $b }) { id } }`;
    assert.equal(verdict(q, { b: 'short' }), null);
    assert.equal(verdict(q, {}), TOO_LONG);
  });

  it('should not be misled by variable names that are Object.prototype keys', () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const q = `mutation ($${name}: String!) { changeDisplayName(displayName: $${name}) { address } }`;
      assert.equal(verdict(q, {}), null, `${name} absent`);
      const vars = JSON.parse(`{${JSON.stringify(name)}: ${JSON.stringify('n'.repeat(257))}}`);
      assert.equal(verdict(q, vars), 'changeDisplayName.displayName is at most 256 characters', name);
    }
  });

  it('should check the operation operationName selects, and keep nothing for a name that selects none', () => {
    const q = `mutation A($b: String!) { changeDisplayName(displayName: $b) { address } } mutation B { changeDisplayName(displayName: "ok") { address } }`;
    const long = { b: 'n'.repeat(257) };
    assert.equal(verdict(q, long, 'A'), 'changeDisplayName.displayName is at most 256 characters');
    assert.equal(verdict(q, long, 'B'), null);
    assert.equal(verdict(q, long, 'C'), null, 'execution answers an unknown operation itself');
  });

  it('should check every root field, aliases and repeats included', () => {
    const q = `mutation ($a: String!, $b: String!) { one: changeDisplayName(displayName: $a) { address } two: changeDisplayName(displayName: $b) { address } }`;
    assert.equal(
      verdict(q, { a: 'ok', b: 'n'.repeat(257) }),
      'changeDisplayName.displayName is at most 256 characters',
    );
    assert.equal(verdict(q, { a: 'ok', b: 'ok' }), null);
  });
});

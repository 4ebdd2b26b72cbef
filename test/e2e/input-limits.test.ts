import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  getNamedType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from 'graphql';
import { STRING_INPUT_LIMITS } from '../../api/input-limits.ts';
import { schema } from '../../schema/index.ts';
import { codeOf, gql, register, type TestIdentity } from '../support/client.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';
import { type Mode, startServer, type TestServer } from '../support/server.ts';

const isString = (t: GraphQLInputType) => {
  const n = getNamedType(t);
  return isScalarType(n) && (n.name === 'String' || n.name === 'ID');
};

/** `field.argument[.inputField]` of every String or ID input of a root field. */
function stringInputs(): {
  operation: 'query' | 'mutation';
  field: GraphQLField<unknown, unknown>;
  path: string[];
}[] {
  const out: ReturnType<typeof stringInputs> = [];
  const walk = (
    op: 'query' | 'mutation',
    field: GraphQLField<unknown, unknown>,
    t: GraphQLInputType,
    path: string[],
  ) => {
    if (isString(t)) out.push({ operation: op, field, path });
    const n = getNamedType(t);
    if (isInputObjectType(n))
      for (const f of Object.values(n.getFields())) walk(op, field, f.type, [...path, f.name]);
  };
  for (const [op, type] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const) {
    for (const field of Object.values(type!.getFields())) {
      for (const arg of field.args) walk(op, field, arg.type, [field.name, arg.name]);
    }
  }
  return out;
}

/** A GraphQL literal of type `t`: `target` at `path`, placeholders for everything required. */
function literal(t: GraphQLInputType, path: string[], target: string): string {
  const inner = isNonNullType(t) ? t.ofType : t;
  if (isListType(inner)) return `[${literal(inner.ofType, path, target)}]`;
  if (path.length === 0 && isString(inner)) return JSON.stringify(target);
  if (isInputObjectType(inner)) {
    const parts = Object.values(inner.getFields())
      .filter((f) => f.name === path[0] || (isNonNullType(f.type) && f.defaultValue === undefined))
      .map((f) => `${f.name}: ${literal(f.type, f.name === path[0] ? path.slice(1) : ['-'], target)}`);
    return `{ ${parts.join(', ')} }`;
  }
  if (isEnumType(inner)) return inner.getValues()[0]!.name;
  if (isScalarType(inner))
    return inner.name === 'Boolean' ? 'true' : inner.name === 'String' || inner.name === 'ID' ? '"x"' : '1';
  throw new Error(`no literal for ${String(inner)}`);
}

function document(
  op: 'query' | 'mutation',
  field: GraphQLField<unknown, unknown>,
  path: string[],
  value: string,
) {
  const [, argName, ...rest] = path;
  const args = field.args
    .filter(
      (a: GraphQLArgument) => a.name === argName || (isNonNullType(a.type) && a.defaultValue === undefined),
    )
    .map((a) => `${a.name}: ${literal(a.type, a.name === argName ? rest : ['-'], value)}`);
  const selection = isCompositeType(getNamedType(field.type)) ? ' { __typename }' : '';
  return `${op} { ${field.name}${args.length ? `(${args.join(', ')})` : ''}${selection} }`;
}

describe('string input limits', () => {
  it('should have a limit for every String and ID argument of the schema', () => {
    const paths = stringInputs()
      .map((i) => i.path.join('.'))
      .sort();
    assert.deepEqual(paths, Object.keys(STRING_INPUT_LIMITS).sort());
  });

  it('should take string arguments on root fields only (the edge check reads those)', () => {
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      if ([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].includes(type))
        continue;
      for (const field of Object.values(type.getFields())) {
        assert.deepEqual(field.args, [], `${type.name}.${field.name} takes arguments`);
      }
    }
    for (const field of Object.values(schema.getSubscriptionType()!.getFields())) {
      assert.ok(!field.args.some((a) => isString(a.type)), `subscription ${field.name} takes a string`);
    }
  });
});

for (const mode of ['memory', 'postgres'] as Mode[]) {
  describe(`string input limits (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let s: TestServer;
    let ada: TestIdentity;
    before(async () => {
      if (skip) return;
      s = await startServer(mode, { ADMIN_TOKEN: 'admin-token-for-tests-0123456789' });
      ada = await register(s.url, 'Ada');
    });
    after(async () => {
      if (!skip) await s.close();
    });

    it('should refuse any string argument one character over its limit with BAD_INPUT naming it, appending nothing', {
      skip,
    }, async () => {
      const head = await s.app.log.head();
      for (const { operation, field, path } of stringInputs()) {
        const name = path.join('.');
        const limit = STRING_INPUT_LIMITS[name]!;
        const over = await gql(
          s.url,
          document(operation, field, path, 'a'.repeat(limit + 1)),
          {},
          ada.token,
          {
            'x-admin-token': 'admin-token-for-tests-0123456789',
          },
        );
        assert.equal(codeOf(over), 'BAD_INPUT', `${name}: ${JSON.stringify(over.errors)}`);
        assert.equal(over.errors![0]!.message, `${name} is at most ${limit} characters`);
        // At the limit the edge lets it through (the domain may still refuse its format).
        // Astral characters count once (code points), as long as the request stays under 64 KiB.
        const unit = limit * 4 < 48_000 ? '😀' : 'a';
        const at = await gql(s.url, document(operation, field, path, unit.repeat(limit)), {}, ada.token);
        assert.ok(!at.errors?.some((e) => e.message.startsWith(`${name} is at most`)), name);
        assert.notEqual(codeOf(at), 'INTERNAL_SERVER_ERROR', `${name}: ${JSON.stringify(at.errors)}`);
      }
      assert.equal(await s.app.log.head(), head);
    });

    it('should refuse a string over its limit however it arrives: a variable, a variable inside a literal, a variable default', {
      skip,
    }, async () => {
      const head = await s.app.log.head();
      const to = ada.address;
      const id = '00000000-0000-4000-8000-000000000001';
      const long = 'a'.repeat(4001);
      const cases: [string, string, Record<string, unknown>][] = [
        [
          'the whole input as a variable',
          'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { id } }',
          { input: { id, to, body: long } },
        ],
        [
          'a variable inside a literal',
          `mutation ($b: String!) { sendMessage(input: { id: "${id}", to: "${to}", body: $b }) { id } }`,
          { b: long },
        ],
        [
          "the variable's default",
          `mutation ($b: String! = "${long}") { sendMessage(input: { id: "${id}", to: "${to}", body: $b }) { id } }`,
          {},
        ],
        [
          "the input variable's default",
          `mutation ($input: SendMessageInput! = { id: "${id}", to: "${to}", body: "${long}" }) { sendMessage(input: $input) { id } }`,
          {},
        ],
      ];
      for (const [how, query, variables] of cases) {
        const over = await gql(s.url, query, variables, ada.token);
        assert.equal(codeOf(over), 'BAD_INPUT', `${how}: ${JSON.stringify(over.errors)}`);
        assert.equal(over.errors![0]!.message, 'sendMessage.input.body is at most 4000 characters', how);
      }
      const name = await gql(
        s.url,
        'mutation ($n: String! = "x") { changeDisplayName(displayName: $n) { address } }',
        { n: 'n'.repeat(257) },
        ada.token,
      );
      assert.equal(name.errors?.[0]?.message, 'changeDisplayName.displayName is at most 256 characters');
      assert.equal(await s.app.log.head(), head);
    });
  });
}

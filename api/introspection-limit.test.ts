import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getIntrospectionQuery, parse, validate } from 'graphql';
import { schema } from '../schema/index.ts';
import { INTROSPECTION_MAX_DEPTH, introspectionLimitRule } from './introspection-limit.ts';

const errorsOf = (query: string) =>
  validate(schema, parse(query), [introspectionLimitRule]).map((e) => e.message);

describe('introspectionLimitRule', () => {
  it('should take its depth from graphql-js’s own introspection query', () => {
    assert.equal(INTROSPECTION_MAX_DEPTH, 15);
    assert.deepEqual(errorsOf(getIntrospectionQuery()), []);
    assert.deepEqual(errorsOf(getIntrospectionQuery({ typeDepth: 9, descriptions: true, oneOf: true })), []);
    assert.equal(errorsOf(getIntrospectionQuery({ typeDepth: 10 })).length, 1);
  });

  it('should ignore ordinary fields, which the ordinary depth limit covers', () => {
    assert.deepEqual(errorsOf('{ callHistory { calls { token { nonce } } } }'), []);
  });

  it('should let type detail be read at any place of __schema.types and __type', () => {
    assert.deepEqual(
      errorsOf('{ __type(name: "Query") { fields { args { name } type { name } } interfaces { name } } }'),
      [],
    );
  });

  it('should find type detail asked of a reference through inline fragments and fragment spreads', () => {
    assert.match(
      errorsOf('{ __schema { types { fields { type { ... on __Type { fields { name } } } } } } }')[0] ?? '',
      /fields of a type reference/,
    );
    assert.match(
      errorsOf(
        'query { ...Q } fragment Q on Query { __schema { types { ...F } } } fragment F on __Type { interfaces { possibleTypes { name } } }',
      )[0] ?? '',
      /possibleTypes of a type reference/,
    );
  });

  it('should check a document whose fragments spread each other many times over, quickly', () => {
    const n = 40;
    const fragments = Array.from({ length: n }, (_, i) =>
      i === n - 1
        ? `fragment F${i} on __Type { name ofType { name } }`
        : `fragment F${i} on __Type { ...F${i + 1} ofType { ...F${i + 1} } }`,
    ).join('\n');
    const started = performance.now();
    const errors = errorsOf(`{ __schema { types { ...F0 } } }\n${fragments}`);
    assert.ok(performance.now() - started < 1000, 'linear in the document, not in its expansion');
    assert.match(errors[0] ?? '', /depth/);
  });
});

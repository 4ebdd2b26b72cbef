import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getIntrospectionQuery } from 'graphql';
import { documentNesting, MAX_INPUT_NESTING, valueNesting } from './input-nesting.ts';

describe('input nesting', () => {
  it('should count bracket nesting of a document without counting strings, block strings or comments', () => {
    assert.equal(documentNesting('{ a(x: [[1]]) { b } }'), 4);
    assert.equal(documentNesting('{ a(x: "[[[[[[{{{{") }'), 2);
    assert.equal(documentNesting('{ a(x: "\\"[[[[") }'), 2, 'an escaped quote does not end the string');
    assert.equal(documentNesting('{ a(x: """ [[[[ \\""" [[[[ """) }'), 2);
    assert.equal(documentNesting('# [[[[[[\n{ a }'), 1);
  });

  it('should let the real introspection query through when it checks the limit', () => {
    assert.ok(documentNesting(getIntrospectionQuery()) <= MAX_INPUT_NESTING);
  });

  it('should stop early and without recursion when input is far deeper than the limit', () => {
    const deep = `${'['.repeat(200_000)}1${']'.repeat(200_000)}`;
    assert.equal(documentNesting(`{ a(x: ${deep}) }`), MAX_INPUT_NESTING + 1);
    let v: unknown = 1;
    for (let i = 0; i < 200_000; i++) v = [v];
    assert.equal(valueNesting(v), MAX_INPUT_NESTING + 1);
    assert.equal(valueNesting({ a: [{ b: 1 }], c: 'x' }), 3);
    assert.equal(valueNesting(null), 0);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { requestIdFrom } from './request-id.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestIdFrom', () => {
  it('should keep a plain request id as sent', () => {
    assert.equal(requestIdFrom('req-42'), 'req-42');
    assert.equal(
      requestIdFrom('Root=1-67891233-abcdef012345678912345678'),
      'Root=1-67891233-abcdef012345678912345678',
    );
  });

  it('should replace a missing, over-long or unusual id with a fresh UUID, never a cut one', () => {
    for (const bad of [
      undefined,
      '',
      'x'.repeat(101),
      'a b',
      'a\u0001b',
      'caf\u00e9',
      '\ud800',
      '<script>',
    ]) {
      assert.match(requestIdFrom(bad), UUID, JSON.stringify(bad));
    }
  });

  it('should only ever return printable ASCII of at most 100 characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const id = requestIdFrom(s);
        assert.ok(id.length <= 100 && /^[\x21-\x7e]+$/.test(id));
        assert.ok(id === s || UUID.test(id));
      }),
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasControlCharacter } from './text.ts';

const every = Array.from({ length: 0x10000 }, (_, c) => String.fromCharCode(c));

describe('hasControlCharacter', () => {
  it('should find exactly the Unicode control characters (Cc: C0, DEL, C1)', () => {
    for (const ch of every)
      assert.equal(hasControlCharacter(`a${ch}b`), /\p{Cc}/u.test(ch), ch.charCodeAt(0).toString(16));
  });

  it('should leave C1 alone when asked, and skip the allowed characters', () => {
    for (const ch of every) {
      const code = ch.charCodeAt(0);
      assert.equal(hasControlCharacter(ch, { c1: false }), code < 0x20 || code === 0x7f, code.toString(16));
    }
    assert.equal(hasControlCharacter('a\tb\r\nc', { allowed: '\t\n\r' }), false);
    assert.equal(hasControlCharacter('a\tb\u000bc', { allowed: '\t\n\r' }), true);
    assert.equal(hasControlCharacter('a\u0085', { allowed: '\t' }), true);
    assert.equal(hasControlCharacter(''), false);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { canonicalJson } from '../store/hash.ts';
import type { JsonValue } from '../store/types.ts';

/**
 * docs/audit.md says the hash chain's canonical JSON is RFC 8785 (JCS) for every value the
 * log can hold (well-formed Unicode, finite numbers). Checked against an independent JCS
 * implementation, the npm `canonicalize` package.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

const jsonValues = fc.jsonValue({ stringUnit: 'binary', maxDepth: 4 }) as fc.Arbitrary<JsonValue>;
const numbers = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(
    0,
    -0,
    1e21,
    1e-7,
    1e-6,
    123e-20,
    2 ** 53,
    -(2 ** 53),
    5e-324,
    1.7976931348623157e308,
    0.1 + 0.2,
  ),
);
const awkwardStrings = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '\u0000\u001f\u007f',
    '"\\/\b\f\n\r\t',
    '\u2028\u2029',
    '€𝄞😀',
    'e\u0301',
    '\uffff',
    '\ud7ff\ue000',
  ),
);

describe('canonical JSON is RFC 8785 (JCS)', () => {
  it('should write any JSON value exactly as an RFC 8785 implementation does', () => {
    fc.assert(
      fc.property(jsonValues, (v) => {
        assert.equal(canonicalJson(v), canonicalize(v));
      }),
      { numRuns: RUNS },
    );
  });

  it('should write numbers as ECMAScript does (exponents, -0, the extremes)', () => {
    fc.assert(
      fc.property(numbers, (n) => {
        assert.equal(canonicalJson(n), canonicalize(n));
        assert.equal(canonicalJson({ n }), canonicalize({ n }));
      }),
      { numRuns: RUNS },
    );
  });

  it('should escape only quote, backslash and control characters, and sort keys by UTF-16 code units', () => {
    fc.assert(
      fc.property(fc.dictionary(awkwardStrings, awkwardStrings, { maxKeys: 8 }), (o) => {
        assert.equal(canonicalJson(o), canonicalize(o));
      }),
      { numRuns: RUNS },
    );
    // U+FF61 sorts before U+1F600 in code points, after it in UTF-16 code units (\ud83d).
    assert.equal(canonicalJson({ '\uff61': 1, '😀': 2 }), '{"😀":2,"｡":1}');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partitionPoint } from './sorted.ts';

describe('partitionPoint', () => {
  it('should count the leading items that pass, on every boundary', () => {
    const sorted = [1, 3, 3, 5, 8];
    for (let limit = 0; limit <= 9; limit++) {
      const expected = sorted.filter((x) => x <= limit).length;
      assert.equal(
        partitionPoint(sorted, (x) => x <= limit),
        expected,
        `<= ${limit}`,
      );
      assert.equal(
        partitionPoint(sorted, (x) => x < limit),
        sorted.filter((x) => x < limit).length,
        `< ${limit}`,
      );
    }
  });

  it('should give 0 for an empty list and the length when every item passes', () => {
    assert.equal(
      partitionPoint([], () => true),
      0,
    );
    assert.equal(
      partitionPoint([{ p: 1 }, { p: 2 }], (m) => m.p < 10),
      2,
    );
  });
});

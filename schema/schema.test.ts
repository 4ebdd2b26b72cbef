import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { staleGeneratedFiles } from '../scripts/generated.ts';

describe('generated files', () => {
  it('should have the committed SDL and typed documents match the code (npm run codegen)', async () => {
    assert.deepEqual(await staleGeneratedFiles(), []);
  });
});

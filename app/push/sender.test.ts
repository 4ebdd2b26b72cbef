import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryAfterMs } from './sender.ts';

describe('push sender', () => {
  it('should read Retry-After as seconds or an HTTP date, capped at 10 minutes', () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    assert.equal(retryAfterMs('3', now), 3000);
    assert.equal(retryAfterMs('Tue, 01 Dec 2026 12:00:30 GMT', now), 30_000);
    assert.equal(retryAfterMs('Tue, 01 Dec 2026 11:00:00 GMT', now), 0, 'a date in the past: now');
    assert.equal(retryAfterMs('99999', now), 600_000);
    assert.equal(retryAfterMs(null, now), null);
    assert.equal(retryAfterMs('soon', now), null);
  });
});

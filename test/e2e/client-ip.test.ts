import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { codeOf, gql } from '../support/client.ts';
import { startServer, type TestServer } from '../support/server.ts';

describe('per-IP limits behind a trusted proxy (TRUST_PROXY=true)', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer('memory', { TRUST_PROXY: 'true', AUTH_RATE_BURST: '3', AUTH_RATE_PER_MINUTE: '1' });
  });
  after(() => s.close());

  const ask = (forwarded: string) =>
    gql(s.url, 'mutation { requestChallenge { challenge } }', {}, undefined, {
      'x-forwarded-for': forwarded,
    }).then(codeOf);

  it('should not let a client choose its rate-limit bucket with a forged X-Forwarded-For entry', async () => {
    // The proxy appends the address it saw (203.0.113.5); the client rotates what it sends first.
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push(await ask(`198.51.100.${i}, 203.0.113.5`));
    assert.deepEqual(codes, [undefined, undefined, undefined, 'RATE_LIMITED', 'RATE_LIMITED']);
  });

  it('should count clients that the proxy saw as different addresses separately', async () => {
    assert.equal(await ask('203.0.113.77'), undefined);
  });
});

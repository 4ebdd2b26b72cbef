import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { codeOf, gql, register } from '../support/client.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';
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

for (const mode of ['memory', 'postgres'] as const) {
  describe(`request ids from X-Request-Id (${mode})`, {
    skip: mode === 'postgres' && (await skipWithoutPostgres()),
  }, () => {
    let s: TestServer;
    before(async () => {
      s = await startServer(mode);
    });
    after(() => s.close());

    const rename = async (requestId: string) => {
      const ada = await register(s.url, 'Ada');
      const r = await gql(
        s.url,
        'mutation { changeDisplayName(displayName: "Ada B") { address } }',
        {},
        ada.token,
        {
          'x-request-id': requestId,
        },
      );
      const [last] = await s.app.log.readAll((await s.app.log.head()) - 1, 1);
      return { code: codeOf(r), type: last?.type, correlationId: last?.metadata.correlationId };
    };

    it('should carry a plain request id into event metadata', async () => {
      assert.deepEqual(await rename('req-4242'), {
        code: undefined,
        type: 'DisplayNameChanged',
        correlationId: 'req-4242',
      });
    });

    it('should not fail or store an unusual request id, but use a fresh one', async () => {
      for (const id of ['x'.repeat(101), 'a b', 'a"b', '<x>', 'a,b']) {
        const r = await rename(id);
        assert.equal(r.code, undefined, id);
        assert.equal(r.type, 'DisplayNameChanged');
        assert.match(String(r.correlationId), /^[0-9a-f-]{36}$/);
      }
    });
  });
}

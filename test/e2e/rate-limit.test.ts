import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { codeOf, gql, register, SIGN_IN } from '../support/client.ts';
import { createTestDatabase, skipWithoutPostgres } from '../support/postgres.ts';
import { startServer } from '../support/server.ts';

const LIMITS = { AUTH_RATE_BURST: '4', AUTH_RATE_PER_MINUTE: '1', TRUST_PROXY: 'true' };
const challengeFrom = async (url: string, ip: string) =>
  codeOf(
    await gql(url, 'mutation { requestChallenge { challenge } }', {}, undefined, { 'x-forwarded-for': ip }),
  );

describe('sign-in rate limits', async () => {
  const skip = await skipWithoutPostgres();

  it('should share one budget per IP between two nodes on one database and keep it across a restart', {
    skip,
  }, async () => {
    const db = await createTestDatabase();
    try {
      const a = await startServer('postgres', LIMITS, { db });
      const b = await startServer('postgres', LIMITS, { db });
      const ip = '203.0.113.7';
      try {
        // 4 attempts in all, whichever node takes them.
        assert.deepEqual(
          [
            await challengeFrom(a.url, ip),
            await challengeFrom(b.url, ip),
            await challengeFrom(a.url, ip),
            await challengeFrom(b.url, ip),
          ],
          [undefined, undefined, undefined, undefined],
        );
        assert.equal(await challengeFrom(a.url, ip), 'RATE_LIMITED');
        assert.equal(await challengeFrom(b.url, ip), 'RATE_LIMITED');
        assert.equal(await challengeFrom(b.url, '203.0.113.8'), undefined, 'another IP has its own budget');
      } finally {
        await a.close();
        await b.close();
      }
      const restarted = await startServer('postgres', LIMITS, { db });
      try {
        assert.equal(await challengeFrom(restarted.url, ip), 'RATE_LIMITED', 'a restart does not reset it');
      } finally {
        await restarted.close();
      }
    } finally {
      await db.drop();
    }
  });

  it('should share the per-identity sign-in budget between nodes whatever the IP', { skip }, async () => {
    const db = await createTestDatabase();
    const a = await startServer('postgres', LIMITS, { db });
    const b = await startServer('postgres', LIMITS, { db });
    try {
      const ada = await register(a.url, 'Ada');
      // Per identity: half the per-IP burst (2), from a new IP each time, on either node.
      const attempt = async (url: string, n: number) =>
        codeOf(
          await gql(
            url,
            SIGN_IN,
            { input: { address: ada.address, challenge: 'cvc_bad', signature: 'x' } },
            undefined,
            { 'x-forwarded-for': `198.51.100.${n}` },
          ),
        );
      const codes = [await attempt(a.url, 1), await attempt(b.url, 2), await attempt(a.url, 3)];
      assert.notEqual(codes[0], 'RATE_LIMITED');
      assert.notEqual(codes[1], 'RATE_LIMITED');
      assert.equal(codes[2], 'RATE_LIMITED');
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  });

  it('should keep limiting per node, not fail, when the shared limiter store fails', { skip }, async () => {
    const s = await startServer('postgres', LIMITS);
    try {
      const c = new pg.Client({ connectionString: s.db!.url });
      await c.connect();
      await c.query('DROP TABLE cv_rate_limits');
      await c.end();
      const ip = '192.0.2.1';
      const codes: (string | undefined)[] = [];
      for (let i = 0; i < 5; i++) codes.push(await challengeFrom(s.url, ip));
      assert.deepEqual(codes, [undefined, undefined, undefined, undefined, 'RATE_LIMITED']);
    } finally {
      await s.close();
    }
  });

  it('should apply the same budget in memory mode', async () => {
    const s = await startServer('memory', LIMITS);
    try {
      const codes: (string | undefined)[] = [];
      for (let i = 0; i < 5; i++) codes.push(await challengeFrom(s.url, '192.0.2.9'));
      assert.deepEqual(codes, [undefined, undefined, undefined, undefined, 'RATE_LIMITED']);
      assert.equal(await challengeFrom(s.url, '192.0.2.10'), undefined);
    } finally {
      await s.close();
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PostgresEventLog } from '../events/store/postgres/index.ts';
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from '../test/support/postgres.ts';
import { InMemoryOneTimeStore, type OneTimeStore, PostgresOneTimeStore } from './one-time.ts';

const t = (ms: number) => new Date(1_000_000 + ms);

function contract(name: string, open: () => OneTimeStore | undefined, skip: () => string | false) {
  describe(`one-time keys: ${name}`, () => {
    it('should let an issued key be consumed once, and not after it expired', { skip: skip() }, async () => {
      const s = open()!;
      await s.issue('k1', t(100));
      assert.equal(await s.consume('k1', t(50)), true);
      assert.equal(await s.consume('k1', t(50)), false, 'single use');
      await s.issue('k2', t(100));
      assert.equal(await s.consume('k2', t(100)), false, 'expired');
      assert.equal(await s.consume('never-issued', t(0)), false);
    });

    it('should claim a key once (replay protection) and sweep expired keys', { skip: skip() }, async () => {
      const s = open()!;
      assert.equal(await s.claim('n1', t(100)), true);
      assert.equal(await s.claim('n1', t(100)), false);
      await s.issue('n2', t(300));
      assert.equal(await s.sweep(t(200)), 1, 'only the expired one');
      assert.equal(await s.consume('n2', t(250)), true);
    });

    it('should give exactly one of many concurrent consumers the key', { skip: skip() }, async () => {
      const s = open()!;
      await s.issue('race', t(1000));
      const results = await Promise.all(Array.from({ length: 10 }, () => s.consume('race', t(0))));
      assert.equal(results.filter(Boolean).length, 1);
    });
  });
}

contract(
  'in-memory',
  () => new InMemoryOneTimeStore(),
  () => false,
);

describe('one-time keys on PostgreSQL', async () => {
  const reason = await skipWithoutPostgres();
  let db: TestDatabase;
  let log: PostgresEventLog;
  before(async () => {
    if (reason) return;
    db = await createTestDatabase();
    log = await PostgresEventLog.open({ connectionString: db.url });
  });
  after(async () => {
    if (reason) return;
    await log.close();
    await db.drop();
  });
  contract(
    'PostgreSQL',
    () => (log ? new PostgresOneTimeStore(log.pool) : undefined),
    () => reason,
  );
});

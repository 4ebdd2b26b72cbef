import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  createTestDatabase,
  skipWithoutPostgres,
  type TestDatabase,
} from '../../../test/support/postgres.ts';
import { InvalidAppendError } from '../errors.ts';
import type { AppendResult } from '../types.ts';
import { PostgresEventLog } from './index.ts';

/**
 * Group commit puts concurrent appends of many identities into one transaction. Whatever
 * makes PostgreSQL refuse one of them (a trigger here, so the test does not depend on what
 * the in-process validation lets through), only that append may fail.
 */
describe('PostgreSQL group commit isolates a failing append', async () => {
  const skip = await skipWithoutPostgres();
  let db: TestDatabase;
  let admin: pg.Client;
  before(async () => {
    if (skip) return;
    db = await createTestDatabase();
    const log = await PostgresEventLog.open({ connectionString: db.url, pollIntervalMs: 600_000 });
    await log.close(); // tables made
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`
      CREATE FUNCTION cv_test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.data ? 'poison' THEN RAISE EXCEPTION 'poisoned row refused'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER cv_test_poison BEFORE INSERT ON cv_events
        FOR EACH ROW EXECUTE FUNCTION cv_test_poison();
      -- The same refusal, but only at COMMIT (a deferred constraint trigger).
      CREATE FUNCTION cv_test_poison_late() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.data ? 'late_poison' THEN RAISE EXCEPTION 'refused at commit'; END IF;
        RETURN NULL;
      END $$;
      CREATE CONSTRAINT TRIGGER cv_test_poison_late AFTER INSERT ON cv_events
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cv_test_poison_late();`);
  });
  after(async () => {
    if (skip) return;
    await admin.end();
    await db.drop();
  });

  /**
   * A log whose first append stalls before COMMIT until every other append is queued, so
   * that all the others go into the next batch together.
   */
  async function batchedLog() {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let first = true;
    const log = await PostgresEventLog.open({
      connectionString: db.url,
      pollIntervalMs: 600_000,
      hooks: {
        beforeCommit: async () => {
          if (!first) return;
          first = false;
          await gate;
        },
      },
    });
    return { log, release };
  }

  const settle = (ps: Promise<AppendResult>[]) => Promise.allSettled(ps);

  for (const [label, key] of [
    ['refused by a statement', 'poison'],
    ['refused at COMMIT', 'late_poison'],
  ] as const) {
    it(`should store every good append and fail only the poisoned one when it is ${label}`, {
      skip,
    }, async () => {
      const { log, release } = await batchedLog();
      try {
        const head = await log.head();
        const gate = log.append(`gate-${randomUUID()}`, [{ type: 'Gate', data: {} }]);
        const goods = Array.from({ length: 30 }, (_, i) => ({
          stream: `good-${i}-${randomUUID()}`,
          id: randomUUID(),
        }));
        const appends = goods.map((g) => log.append(g.stream, [{ id: g.id, type: 'Good', data: { n: 1 } }]));
        const poisoned = log.append(`bad-${randomUUID()}`, [{ type: 'Bad', data: { [key]: true } }]);
        const more = goods.slice(0, 5).map((g) => ({ stream: `${g.stream}-b`, id: randomUUID() }));
        appends.push(...more.map((g) => log.append(g.stream, [{ id: g.id, type: 'Good', data: {} }])));
        const refused = assert.rejects(poisoned, /refused/);
        release();
        await gate;
        const results = await settle(appends);
        await refused;
        assert.deepEqual(
          results.map((r) => r.status),
          results.map(() => 'fulfilled'),
          JSON.stringify(results.find((r) => r.status === 'rejected')),
        );
        const stored = await log.readAll(head, 1000);
        const ids = stored.filter((e) => e.type === 'Good').map((e) => e.id);
        assert.deepEqual(new Set(ids), new Set([...goods, ...more].map((g) => g.id)));
        assert.equal(ids.length, goods.length + more.length, 'no append committed twice');
        assert.equal(stored.filter((e) => e.type === 'Bad').length, 0);
        assert.equal((await log.verify()).ok, true, 'the hash chain holds across the retried batches');
      } finally {
        await log.close();
      }
    });
  }

  it('should not refuse an append for a conflict with a poisoned append that was never written', {
    skip,
  }, async () => {
    const { log, release } = await batchedLog();
    try {
      const stream = `race-${randomUUID()}`;
      const gate = log.append(`gate-${randomUUID()}`, [{ type: 'Gate', data: {} }]);
      // Both expect a new stream: in one batch the second conflicts with the first, but the
      // first is refused, so the second is the stream's first event after all.
      const bad = log.append(stream, [{ type: 'Bad', data: { poison: 1 } }], { expectedVersion: 0 });
      const good = log.append(stream, [{ type: 'Good', data: {} }], { expectedVersion: 0 });
      const refused = assert.rejects(bad, /poisoned/);
      release();
      await gate;
      await refused;
      assert.equal((await good).streamVersion, 1);
      assert.deepEqual(
        (await log.readStream(stream)).map((e) => e.type),
        ['Good'],
      );
    } finally {
      await log.close();
    }
  });

  it('should refuse data jsonb cannot hold (a lone surrogate) as a bad append and store the rest', {
    skip,
  }, async () => {
    const { log, release } = await batchedLog();
    try {
      const gate = log.append(`gate-${randomUUID()}`, [{ type: 'Gate', data: {} }]);
      const goods = Array.from({ length: 9 }, () =>
        log.append(`good-${randomUUID()}`, [{ type: 'Good', data: { body: 'hello' } }]),
      );
      const bad = log.append(`bad-${randomUUID()}`, [{ type: 'Bad', data: { body: 'x\ud800y' } }]);
      const refused = assert.rejects(bad, InvalidAppendError);
      release();
      await gate;
      await refused;
      assert.equal((await settle(goods)).filter((r) => r.status === 'fulfilled').length, 9);
    } finally {
      await log.close();
    }
  });
});

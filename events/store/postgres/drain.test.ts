import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  createTestDatabase,
  skipWithoutPostgres,
  type TestDatabase,
} from '../../../test/support/postgres.ts';
import { PostgresEventLog } from './index.ts';

describe('PostgreSQL append queue', async () => {
  const skip = await skipWithoutPostgres();
  let db: TestDatabase;
  let log: PostgresEventLog;
  before(async () => {
    if (skip) return;
    db = await createTestDatabase();
    log = await PostgresEventLog.open({ connectionString: db.url, pollIntervalMs: 600_000 });
  });
  after(async () => {
    if (skip) return;
    await log.close();
    await db.drop();
  });

  it('should write an append queued just as the previous drain finishes, whatever the caller awaits between', {
    skip,
  }, async () => {
    const stream = `s-${randomUUID()}`;
    // Each caller resumes a few microtasks after its append settles (wrappers, metrics),
    // which lands the next append between the drain's last look at the queue and its end.
    for (let hops = 0; hops < 8; hops++) {
      let p: Promise<unknown> = log.append(stream, [{ type: 'Step', data: { hops } }]);
      for (let i = 0; i < hops; i++) p = p.then((x) => x);
      await p;
      const next = log.append(stream, [{ type: 'Next', data: { hops } }]);
      const stuck = new Promise((_, reject) => {
        const t = setTimeout(() => reject(new Error(`an append after ${hops} hops was never written`)), 5000);
        next.finally(() => clearTimeout(t));
      });
      await Promise.race([next, stuck]);
    }
    assert.equal((await log.readStream(stream)).length, 16);
  });
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  createTestDatabase,
  skipWithoutPostgres,
  type TestDatabase,
} from '../../../test/support/postgres.ts';
import type { EventSubscription, RecordedEvent } from '../types.ts';
import {
  type CommittedRow,
  commitNotice,
  commitPayload,
  committedEvents,
  MAX_NOTIFY_PAYLOAD_BYTES,
} from './commit-payload.ts';
import { PostgresEventLog } from './index.ts';

const row = (position: number, data: object = { n: position }): CommittedRow => ({
  position,
  streamId: 's-1',
  streamVersion: position,
  id: randomUUID(),
  type: 'Wrote',
  data: JSON.stringify(data),
  metadata: JSON.stringify({ by: 'test' }),
  hash: 'ab'.repeat(32),
});

describe('commit notification payload', () => {
  const time = new Date('2026-12-02T01:00:00.123Z');

  it('should carry the committed events and give them back exactly', () => {
    const rows = [row(41), row(42, { text: 'grüße "quoted" \\ ✓' })];
    const notice = commitNotice(commitPayload(rows, time));
    assert.equal(notice.position, 42);
    const events = committedEvents(42, notice.detail!);
    assert.deepEqual(
      events,
      rows.map((r) => ({ ...r, data: JSON.parse(r.data), metadata: JSON.parse(r.metadata), time })),
    );
  });

  it('should announce only the position when the events would not fit in one NOTIFY', () => {
    const big = row(7, { body: 'x'.repeat(MAX_NOTIFY_PAYLOAD_BYTES) });
    assert.equal(commitPayload([big], time), '7');
    // Multi-byte text: fewer characters than the limit, more bytes.
    const wide = row(8, { body: 'ü'.repeat(Math.ceil(MAX_NOTIFY_PAYLOAD_BYTES / 2) + 100) });
    assert.ok(JSON.stringify(wide).length < MAX_NOTIFY_PAYLOAD_BYTES);
    assert.equal(commitPayload([wide], time), '8');
    assert.deepEqual(commitNotice('8'), { position: 8, detail: undefined });
  });

  it('should refuse a detail that is not exactly the events up to the position', () => {
    const good = commitNotice(commitPayload([row(5), row(6)], time)).detail!;
    assert.ok(committedEvents(6, good));
    assert.equal(committedEvents(7, good), null, 'positions must end at the announced one');
    assert.equal(committedEvents(6, '{"t":1,"e":[]}'), null);
    assert.equal(committedEvents(6, 'not json'), null);
    assert.equal(committedEvents(6, good.replace('"s-1"', '1')), null, 'stream id must be a string');
    assert.equal(
      committedEvents(6, `{"t":1,"e":[[6,"s",1,"i","T",[],{},"h"]]}`),
      null,
      'data must be an object',
    );
    assert.deepEqual(commitNotice('x:{}'), { position: undefined, detail: undefined });
    assert.deepEqual(commitNotice(undefined), { position: undefined, detail: undefined });
  });
});

describe('commit notifications between nodes (PostgreSQL)', async () => {
  const skip = await skipWithoutPostgres();
  let db: TestDatabase;
  const logs: PostgresEventLog[] = [];
  const subs: EventSubscription[] = [];
  before(async () => {
    if (!skip) db = await createTestDatabase();
  });
  after(async () => {
    if (skip) return;
    for (const s of subs) s.close();
    await Promise.all(logs.map((l) => l.close()));
    await db.drop();
  });

  /** Two nodes on one database; B's reads of the log are counted. */
  const nodes = async () => {
    // A long poll interval: delivery must come from the notifications.
    const a = await PostgresEventLog.open({ connectionString: db.url, pollIntervalMs: 600_000 });
    const b = await PostgresEventLog.open({ connectionString: db.url, pollIntervalMs: 600_000 });
    logs.push(a, b);
    const reads = { count: 0 };
    const readAll = b.readAll.bind(b);
    b.readAll = (from, limit) => {
      reads.count++;
      return readAll(from, limit);
    };
    const sub = b.subscribe({ from: await b.head() });
    subs.push(sub);
    const next = async () => (await sub.next()).value as RecordedEvent;
    return { a, b, reads, next };
  };

  it('should deliver another node’s small commit from the notification, without reading the log', {
    skip,
  }, async () => {
    const { a, b, reads, next } = await nodes();
    const streamId = `small-${randomUUID()}`;
    await a.append(streamId, [
      { type: 'Wrote', data: { n: 1, text: 'hello ✓' } },
      { type: 'Wrote', data: { n: 2 } },
    ]);
    const got = [await next(), await next()];
    assert.equal(reads.count, 0, 'no read of the log on the other node');
    assert.deepEqual(got, await b.readStream(streamId), 'the events as the log has them');
  });

  it('should read a commit too large for a notification from the log', { skip }, async () => {
    const { a, b, reads, next } = await nodes();
    const streamId = `large-${randomUUID()}`;
    const body = 'y'.repeat(MAX_NOTIFY_PAYLOAD_BYTES + 1);
    await a.append(streamId, [{ type: 'Wrote', data: { body } }]);
    const got = await next();
    assert.ok(reads.count >= 1, 'the other node read the event from the log');
    assert.equal(got.data.body, body);
    assert.deepEqual([got], await b.readStream(streamId));
  });

  it('should not deliver events a forged notification carries', { skip }, async () => {
    const { a, b, next } = await nodes();
    const head = await b.head();
    const forged = commitPayload([{ ...row(head + 1), streamId: 'forged' }], new Date());
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      // Right shape and position, but nothing was committed (its hash does not chain on the
      // log): taken only as "read to there".
      await client.query(`SELECT pg_notify('cv_events', $1)`, [forged]);
      // Wrong shape: ignored the same way.
      await client.query(`SELECT pg_notify('cv_events', $1)`, [`${head + 1}:{"e":1}`]);
    } finally {
      await client.end();
    }
    const streamId = `real-${randomUUID()}`;
    await a.append(streamId, [{ type: 'Wrote', data: { n: 1 } }]);
    const got = await next();
    assert.equal(got.streamId, streamId, 'the real event, not the forged one');
    assert.equal(got.position, head + 1);
  });
});

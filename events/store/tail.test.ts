import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiveTail } from './tail.ts';
import type { RecordedEvent } from './types.ts';

const event = (position: number): RecordedEvent => ({
  position,
  streamId: 's',
  streamVersion: position,
  id: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
  type: 'T',
  data: {},
  metadata: {},
  time: new Date(0),
  hash: String(position),
});

/** A log of `events` whose reads are counted. */
function source(events: RecordedEvent[]) {
  const reads: number[] = [];
  return {
    reads,
    readAll: async (from: number, limit: number) => {
      reads.push(from);
      return events.filter((e) => e.position > from).slice(0, limit);
    },
    head: async () => events.length,
  };
}

test('offered events that follow the tail are delivered without reading the log', async () => {
  const log = [event(1), event(2), event(3)];
  const src = source([]);
  const tail = new LiveTail(src);
  await tail.start();
  const sub = tail.subscribe(0);
  tail.offer(log);
  assert.equal(tail.head, 3);
  const got = [];
  for (let i = 0; i < 3; i++) got.push((await sub.next()).value!.position);
  assert.deepEqual(got, [1, 2, 3]);
  assert.deepEqual(src.reads, []);
  tail.close();
});

test('offered events after a gap (another node committed between) make the tail read the log', async () => {
  const log = [event(1), event(2), event(3)];
  const src = source(log);
  // The tail had read nothing yet when this node committed position 3.
  const fresh = new LiveTail({ ...src, head: async () => 0 });
  await fresh.start();
  const sub = fresh.subscribe(0);
  fresh.offer([event(3)]);
  const got = [];
  for (let i = 0; i < 3; i++) got.push((await sub.next()).value!.position);
  assert.deepEqual(got, [1, 2, 3]);
  assert.ok(src.reads.length > 0, 'the gap was read from the log');
  fresh.close();
});

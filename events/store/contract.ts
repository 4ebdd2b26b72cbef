/**
 * The one contract every EventLog implementation passes. Each store's test file calls
 * `eventLogContract` with a factory; store-specific behaviour is tested beside the store.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { IdempotencyConflictError, InvalidAppendError, VersionConflictError } from './errors.ts';
import type { EventLog, NewEvent, RecordedEvent } from './types.ts';

export interface ContractHarness {
  log: EventLog;
  /** Tampering as someone with write access to the storage would do it, bypassing the API. */
  tamper: {
    editData(position: number, data: Record<string, unknown>): Promise<void>;
    deleteRow(position: number): Promise<void>;
  };
  dispose(): Promise<void>;
}

const ev = (type: string, data: Record<string, string | number | boolean> = {}, id?: string): NewEvent => ({
  type,
  data,
  ...(id ? { id } : {}),
});
const stream = (prefix = 's') => `${prefix}-${randomUUID()}`;

async function take(iter: AsyncIterator<RecordedEvent>, n: number): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  while (out.length < n) {
    const r = await iter.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

export function eventLogContract(
  name: string,
  open: () => Promise<ContractHarness>,
  skip: () => Promise<string | false>,
) {
  describe(`EventLog contract: ${name}`, async () => {
    const reason = await skip();
    let h: ContractHarness;
    let log: EventLog;
    before(async () => {
      if (reason) return;
      h = await open();
      log = h.log;
    });
    after(async () => {
      if (!reason) await h.dispose();
    });
    const test = (title: string, fn: () => Promise<void>) => it(title, { skip: reason }, fn);

    test('should append to a new stream and read it back in order', async () => {
      const s = stream();
      const r = await log.append(s, [ev('A', { n: 1 }), ev('B', { n: 2 })], { expectedVersion: 0 });
      assert.equal(r.streamVersion, 2);
      assert.equal(r.lastPosition - r.firstPosition, 1);
      assert.equal(r.appended, true);
      const read = await log.readStream(s);
      assert.deepEqual(
        read.map((e) => [e.type, e.data.n, e.streamVersion]),
        [
          ['A', 1, 1],
          ['B', 2, 2],
        ],
      );
      assert.deepEqual(
        (await log.readStream(s, 1)).map((e) => e.type),
        ['B'],
      );
      assert.deepEqual(await log.readStream(stream()), []);
    });

    test('should give global positions without gaps across streams, readable in pages', async () => {
      const start = await log.head();
      const a = stream('a');
      const b = stream('b');
      await log.append(a, [ev('A1')]);
      await log.append(b, [ev('B1'), ev('B2')]);
      await log.append(a, [ev('A2')]);
      assert.equal(await log.head(), start + 4);
      const all = await log.readAll(start, 10);
      assert.deepEqual(
        all.map((e) => [e.position, e.streamId, e.type]),
        [
          [start + 1, a, 'A1'],
          [start + 2, b, 'B1'],
          [start + 3, b, 'B2'],
          [start + 4, a, 'A2'],
        ],
      );
      assert.deepEqual(
        (await log.readAll(start + 1, 2)).map((e) => e.type),
        ['B1', 'B2'],
      );
    });

    test('should read events at given positions, in order, skipping positions beyond the end', async () => {
      const start = await log.head();
      await log.append(stream(), [ev('P1'), ev('P2'), ev('P3'), ev('P4')]);
      const got = await log.readPositions([start + 1, start + 3, start + 4, start + 99]);
      assert.deepEqual(
        got.map((e) => [e.position, e.type]),
        [
          [start + 1, 'P1'],
          [start + 3, 'P3'],
          [start + 4, 'P4'],
        ],
      );
      assert.deepEqual(await log.readPositions([]), []);
    });

    test('should refuse an append at the wrong expected version and write nothing', async () => {
      const s = stream();
      await log.append(s, [ev('A')], { expectedVersion: 0 });
      const head = await log.head();
      await assert.rejects(log.append(s, [ev('B')], { expectedVersion: 0 }), (e: unknown) => {
        assert.ok(e instanceof VersionConflictError);
        assert.equal(e.expected, 0);
        assert.equal(e.actual, 1);
        assert.equal(e.code, 'VERSION_CONFLICT');
        return true;
      });
      await assert.rejects(log.append(stream(), [ev('B')], { expectedVersion: 3 }), VersionConflictError);
      assert.equal(await log.head(), head);
      assert.equal((await log.readStream(s)).length, 1);
      const ok = await log.append(s, [ev('C')], { expectedVersion: 1 });
      assert.equal(ok.streamVersion, 2);
    });

    test('should let exactly one of many concurrent appends at the same version win', async () => {
      const s = stream();
      await log.append(s, [ev('Opened')]);
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => log.append(s, [ev('Raced', { i })], { expectedVersion: 1 })),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      assert.equal(won.length, 1);
      assert.ok(lost.every((r) => r.status === 'rejected' && r.reason instanceof VersionConflictError));
      assert.equal((await log.readStream(s)).length, 2);
    });

    test('should append many events atomically: one bad event refuses the whole append', async () => {
      const s = stream();
      const head = await log.head();
      const bad = [ev('A'), { type: 'B', data: { when: new Date() } } as unknown as NewEvent, ev('C')];
      await assert.rejects(log.append(s, bad), InvalidAppendError);
      assert.equal(await log.head(), head);
      assert.deepEqual(await log.readStream(s), []);
    });

    test('should treat a retried append (same event ids) as done, never as a duplicate', async () => {
      const s = stream();
      const events = [ev('A', {}, randomUUID()), ev('B', {}, randomUUID())];
      const first = await log.append(s, events, { expectedVersion: 0 });
      const head = await log.head();
      const again = await log.append(s, events, { expectedVersion: 0 });
      assert.equal(again.appended, false);
      assert.equal(again.firstPosition, first.firstPosition);
      assert.equal(again.lastPosition, first.lastPosition);
      assert.equal(again.streamVersion, 2);
      assert.equal(await log.head(), head);
      // Upper-case spelling of the same UUID is the same event.
      const upper = events.map((e) => ({ ...e, id: e.id!.toUpperCase() }));
      assert.equal((await log.append(s, upper)).appended, false);
      assert.equal((await log.readStream(s)).length, 2);
    });

    test('should write a concurrently retried append once', async () => {
      const s = stream();
      const events = [ev('A', {}, randomUUID())];
      const results = await Promise.all(Array.from({ length: 5 }, () => log.append(s, events)));
      assert.equal(results.filter((r) => r.appended).length, 1);
      assert.equal(new Set(results.map((r) => r.lastPosition)).size, 1);
      assert.equal((await log.readStream(s)).length, 1);
    });

    test('should refuse an append that reuses only some recorded ids, or ids of another stream', async () => {
      const s = stream();
      const id = randomUUID();
      await log.append(s, [ev('A', {}, id)]);
      const head = await log.head();
      await assert.rejects(log.append(s, [ev('A', {}, id), ev('B')]), IdempotencyConflictError);
      await assert.rejects(log.append(stream(), [ev('A', {}, id)]), IdempotencyConflictError);
      assert.equal(await log.head(), head);
    });

    test('should refuse malformed appends with a clear error and write nothing', async () => {
      const head = await log.head();
      const cases: [string, unknown, unknown, unknown?][] = [
        ['empty stream id', '', [ev('A')]],
        ['stream id too long', 'x'.repeat(201), [ev('A')]],
        ['no events', stream(), []],
        ['events not an array', stream(), 'nope'],
        ['bad type', stream(), [{ type: '9lives', data: {} }]],
        ['data not an object', stream(), [{ type: 'A', data: [1] }]],
        ['NaN', stream(), [{ type: 'A', data: { n: Number.NaN } }]],
        ['function', stream(), [{ type: 'A', data: { f: () => 1 } }]],
        ['NUL in string', stream(), [{ type: 'A', data: { s: 'a\u0000b' } }]],
        ['lone surrogate in data', stream(), [{ type: 'A', data: { s: 'x\ud800y' } }]],
        [
          'lone low surrogate deep in data',
          stream(),
          [{ type: 'A', data: { a: [{ b: 'ok', c: '\udc00' }] } }],
        ],
        ['lone surrogate in a key', stream(), [{ type: 'A', data: { 'k\udfff': 1 } }]],
        ['lone surrogate in metadata', stream(), [{ type: 'A', data: {}, metadata: { actor: '\ud83d' } }]],
        ['lone surrogate in the stream id', `s-\ud800-${randomUUID()}`, [ev('A')]],
        ['bad id', stream(), [{ type: 'A', data: {}, id: 'not-a-uuid' }]],
        [
          'duplicate id',
          stream(),
          (() => {
            const id = randomUUID();
            return [ev('A', {}, id), ev('B', {}, id)];
          })(),
        ],
        ['too large', stream(), [{ type: 'A', data: { s: 'x'.repeat(300 * 1024) } }]],
        ['bad expected version', stream(), [ev('A')], { expectedVersion: -1 }],
      ];
      for (const [what, s, events, options] of cases) {
        await assert.rejects(
          log.append(s as string, events as NewEvent[], options as never),
          (e: unknown) => e instanceof InvalidAppendError && e.message.length > 0,
          what,
        );
      }
      assert.equal(await log.head(), head);
    });

    test('should keep metadata, time and an unaltered copy of the data', async () => {
      const s = stream();
      const data = { text: 'héllo 👋 "quoted" \\ back', n: 1.5, nested: { list: [1, 'two', null, true] } };
      const metadata = { actor: 'cv1abc', correlationId: randomUUID(), causationId: randomUUID() };
      const before = Date.now();
      await log.append(s, [{ type: 'Said', data, metadata }]);
      data.text = 'changed after append';
      const [e] = await log.readStream(s);
      assert.ok(e);
      assert.equal(e.data.text, 'héllo 👋 "quoted" \\ back');
      assert.deepEqual(e.data.nested, { list: [1, 'two', null, true] });
      assert.deepEqual(e.metadata, metadata);
      assert.ok(e.time.getTime() >= before - 1000 && e.time.getTime() <= Date.now() + 1000);
      assert.match(e.hash, /^[0-9a-f]{64}$/);
      assert.match(e.id, /^[0-9a-f-]{36}$/);
    });

    test('should catch a subscriber up from a position, then deliver live events in order', async () => {
      const s = stream();
      const start = await log.head();
      await log.append(s, [ev('Old1'), ev('Old2')]);
      const sub = log.subscribe({ from: start + 1 });
      const first = await take(sub, 1);
      assert.deepEqual(
        first.map((e) => e.type),
        ['Old2'],
      );
      const pending = take(sub, 3);
      await log.append(s, [ev('New1')]);
      await log.append(stream(), [ev('New2'), ev('New3')]);
      const live = await pending;
      assert.deepEqual(
        live.map((e) => e.type),
        ['New1', 'New2', 'New3'],
      );
      assert.deepEqual(
        live.map((e) => e.position),
        [start + 3, start + 4, start + 5],
      );
      assert.equal(sub.position, start + 5);
      sub.close();
      assert.equal((await sub.next()).done, true);
    });

    test('should end a waiting subscription when it is closed or its signal aborts', async () => {
      const controller = new AbortController();
      const sub = log.subscribe({ from: await log.head(), signal: controller.signal });
      const waiting = sub.next();
      controller.abort();
      assert.equal((await waiting).done, true);
      const other = log.subscribe({ from: await log.head() });
      const w2 = other.next();
      await other.return?.();
      assert.equal((await w2).done, true);
    });

    test('should deliver every event to a slow and a fast subscriber alike', async () => {
      const from = await log.head();
      const fast = log.subscribe({ from });
      const slow = log.subscribe({ from });
      const s = stream();
      const n = 1200;
      const appends = (async () => {
        for (let i = 0; i < n; i += 100) {
          await log.append(
            s,
            Array.from({ length: 100 }, (_, j) => ev('Tick', { i: i + j })),
          );
        }
      })();
      const fastGot = await take(fast, n);
      await appends;
      const slowGot: number[] = [];
      for await (const e of slow) {
        slowGot.push(e.data.i as number);
        if (slowGot.length === n) break;
      }
      assert.deepEqual(
        fastGot.map((e) => e.data.i),
        Array.from({ length: n }, (_, i) => i),
      );
      assert.deepEqual(
        slowGot,
        Array.from({ length: n }, (_, i) => i),
      );
      fast.close();
    });

    test('should verify an untouched hash chain', async () => {
      await log.append(stream(), [ev('A'), ev('B')]);
      const r = await log.verify();
      assert.equal(r.ok, true, JSON.stringify(r));
      if (r.ok) assert.equal(r.lastPosition, await log.head());
    });

    test('should detect an edited event and name its position', async () => {
      const s = stream();
      const { firstPosition } = await log.append(s, [ev('A', { amount: 1 }), ev('B')]);
      await log.append(stream(), [ev('C')]);
      await h.tamper.editData(firstPosition, { amount: 1000 });
      const r = await log.verify();
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.position, firstPosition);
    });
  });
}

/** A separate suite: deleting a row breaks the chain (run on a fresh log since verify then fails for good). */
export function deletionContract(
  name: string,
  open: () => Promise<ContractHarness>,
  skip: () => Promise<string | false>,
) {
  describe(`EventLog tamper detection: ${name}`, async () => {
    const reason = await skip();
    it('should detect a deleted event in the middle and at the end', { skip: reason }, async () => {
      for (const where of ['middle', 'end'] as const) {
        const h = await open();
        try {
          await h.log.append(stream(), [ev('A'), ev('B'), ev('C')]);
          const target = where === 'middle' ? 2 : 3;
          await h.tamper.deleteRow(target);
          const r = await h.log.verify();
          assert.equal(r.ok, false, where);
          if (!r.ok) assert.equal(r.position, target, `${where}: ${r.reason}`);
        } finally {
          await h.dispose();
        }
      }
    });
  });
}

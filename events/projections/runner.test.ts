import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InMemoryEventLog } from '../store/memory.ts';
import { logStats } from './log-stats.ts';
import type { Projection } from './projection.ts';
import { ProjectionError } from './projection.ts';
import { ProjectionRunner, replayAll } from './runner.ts';

const balance: Projection<Record<string, number>> = {
  name: 'balance',
  initial: () => ({}),
  evolve(state, e) {
    if (e.type !== 'Deposited') return state;
    if (typeof e.data.amount !== 'number') throw new Error('amount missing');
    return { ...state, [e.streamId]: (state[e.streamId] ?? 0) + e.data.amount };
  },
  snapshot: (s) => s,
};

describe('ProjectionRunner', () => {
  it('should fold events live and rebuild the same state from position 0', async () => {
    const log = new InMemoryEventLog();
    const live = new ProjectionRunner(balance);
    const sub = log.subscribe({ from: 0 });
    await log.append('acct-1', [{ type: 'Deposited', data: { amount: 5 } }]);
    await log.append('acct-2', [{ type: 'Deposited', data: { amount: 7 } }]);
    await log.append('acct-1', [
      { type: 'Deposited', data: { amount: 1 } },
      { type: 'Noted', data: {} },
    ]);
    for await (const e of sub) {
      live.apply(e);
      if (e.position === 4) break;
    }
    const rebuilt = new ProjectionRunner(balance);
    assert.equal(await rebuilt.rebuild(log), 4);
    assert.deepEqual(rebuilt.state, { 'acct-1': 6, 'acct-2': 7 });
    assert.equal(rebuilt.digest(), live.digest());
    assert.equal(rebuilt.checkpoint, 4);
  });

  it('should ignore an event at or before its checkpoint (redelivery)', async () => {
    const log = new InMemoryEventLog();
    await log.append('a', [{ type: 'Deposited', data: { amount: 2 } }]);
    const r = new ProjectionRunner(balance);
    await r.catchUp(log);
    const [e] = await log.readAll(0, 1);
    r.apply(e!);
    assert.deepEqual(r.state, { a: 2 });
  });

  it('should stop with an error naming the event instead of skipping it', async () => {
    const log = new InMemoryEventLog();
    await log.append('a', [{ type: 'Deposited', data: { amount: 1 } }]);
    await log.append('b', [{ type: 'Deposited', data: { amount: 'lots' } }]);
    await log.append('a', [{ type: 'Deposited', data: { amount: 1 } }]);
    const r = new ProjectionRunner(balance);
    await assert.rejects(r.catchUp(log), (e: unknown) => {
      assert.ok(e instanceof ProjectionError);
      assert.equal(e.event.position, 2);
      assert.match(e.message, /balance stopped at position 2 \(Deposited in b/);
      return true;
    });
    assert.equal(r.checkpoint, 1);
    const [third] = await log.readAll(2, 1);
    assert.throws(() => r.apply(third!), ProjectionError, 'a stopped projection takes nothing more');
    assert.deepEqual(r.state, { a: 1 });
  });

  it('should replay several projections in one pass', async () => {
    const log = new InMemoryEventLog();
    for (let i = 0; i < 30; i++) await log.append(`s${i % 3}`, [{ type: 'Deposited', data: { amount: i } }]);
    const runners = [
      new ProjectionRunner(balance),
      new ProjectionRunner(logStats),
    ] as ProjectionRunner<unknown>[];
    const { events } = await replayAll(log, runners, 7);
    assert.equal(events, 30);
    assert.deepEqual(JSON.parse(runners[1]!.digest()), { byType: { Deposited: 30 }, events: 30, streams: 3 });
    assert.equal(runners[0]!.checkpoint, 30);
  });
});

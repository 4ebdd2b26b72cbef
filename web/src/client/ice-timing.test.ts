import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Clock,
  type FetchedIceServers,
  ICE_RECOVERY,
  IceRecovery,
  IceServerRefresh,
  refreshAt,
} from './ice-timing.ts';

/** A clock that moves only when told to, running the timers that fall due. */
class FakeClock implements Clock {
  t = 1_000_000;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.#next++;
    this.#timers.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.#timers.delete(h as number);
  };
  get pending() {
    return this.#timers.size;
  }
  async advance(ms: number): Promise<void> {
    const until = this.t + ms;
    for (;;) {
      const due = [...this.#timers].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
      // Let promise chains started by the timer settle.
      for (let i = 0; i < 10; i++) await Promise.resolve();
    }
    this.t = until;
  }
}

function recovery() {
  const clock = new FakeClock();
  const log: string[] = [];
  const r = new IceRecovery(
    {
      restart: () => log.push(`restart@${clock.t - 1_000_000}`),
      giveUp: () => log.push(`giveUp@${clock.t - 1_000_000}`),
      reconnecting: (on) => log.push(on ? 'reconnecting' : 'back'),
    },
    clock,
  );
  return { clock, log, r };
}

describe('IceRecovery', () => {
  it('should restart at once when ICE fails, and be back on connected', async () => {
    const { clock, log, r } = recovery();
    r.state('connected');
    r.state('failed');
    assert.deepEqual(log, ['reconnecting', 'restart@0']);
    await clock.advance(500);
    r.state('checking');
    r.state('connected');
    assert.deepEqual(log, ['reconnecting', 'restart@0', 'back']);
    assert.equal(clock.pending, 0, 'no retry or give-up timer left');
    assert.equal(r.reconnecting, false);
  });

  it('should give a disconnected link a grace period before restarting', async () => {
    const { clock, log, r } = recovery();
    r.state('disconnected');
    await clock.advance(ICE_RECOVERY.graceMs - 1);
    assert.deepEqual(log, []);
    r.state('connected'); // came back by itself
    await clock.advance(10_000);
    assert.deepEqual(log, []);
    r.state('disconnected');
    await clock.advance(ICE_RECOVERY.graceMs);
    assert.deepEqual(log, ['reconnecting', `restart@${10_000 + 2 * ICE_RECOVERY.graceMs - 1}`]);
  });

  it('should restart on a network change, retry while not back, and give up in the end', async () => {
    const { clock, log, r } = recovery();
    r.networkChanged();
    await clock.advance(ICE_RECOVERY.retryMs);
    await clock.advance(ICE_RECOVERY.retryMs);
    assert.deepEqual(log, [
      'reconnecting',
      'restart@0',
      `restart@${ICE_RECOVERY.retryMs}`,
      `restart@${2 * ICE_RECOVERY.retryMs}`,
    ]);
    await clock.advance(ICE_RECOVERY.giveUpMs);
    assert.equal(log.at(-1), `giveUp@${ICE_RECOVERY.giveUpMs}`);
    assert.equal(log.filter((l) => l === 'reconnecting').length, 1);
    const restarts = log.filter((l) => l.startsWith('restart')).length;
    await clock.advance(60_000);
    r.state('failed');
    assert.equal(log.filter((l) => l.startsWith('restart')).length, restarts, 'nothing after giving up');
  });

  it('should give up on a first connection that never comes, even when ICE never says failed', async () => {
    const { clock, log, r } = recovery();
    r.connecting();
    r.state('checking');
    await clock.advance(ICE_RECOVERY.giveUpMs - 1);
    assert.deepEqual(log, [], 'no restarts while ICE is still checking');
    await clock.advance(1);
    assert.deepEqual(log, [`giveUp@${ICE_RECOVERY.giveUpMs}`]);
  });

  it('should keep the first connection’s deadline through restarts, and drop it once connected', async () => {
    const { clock, log, r } = recovery();
    r.connecting();
    await clock.advance(ICE_RECOVERY.giveUpMs - 5_000);
    r.state('failed');
    await clock.advance(5_000);
    assert.equal(log.at(-1), `giveUp@${ICE_RECOVERY.giveUpMs}`, 'restarts do not extend it');

    const again = recovery();
    again.r.connecting();
    again.r.state('connected');
    await again.clock.advance(10 * ICE_RECOVERY.giveUpMs);
    assert.deepEqual(again.log, [], 'connected in time: nothing more');
  });

  it('should do nothing once stopped (the call ended)', async () => {
    const { clock, log, r } = recovery();
    r.state('disconnected');
    r.stop();
    await clock.advance(60_000);
    r.networkChanged();
    assert.deepEqual(log, []);
  });
});

describe('TURN credential refresh', () => {
  it('should refresh a fifth of the lifetime before expiry, at most 5 minutes before', () => {
    assert.equal(refreshAt(0, 60_000), 48_000);
    assert.equal(refreshAt(0, 3_600_000), 3_300_000);
    assert.equal(refreshAt(1000, null), null);
    assert.equal(refreshAt(5000, 4000), 5000, 'already expired: at once');
  });

  it('should fetch fresh servers before the old ones expire, apply them, and keep going', async () => {
    const clock = new FakeClock();
    const start = clock.t;
    const applied: number[] = [];
    let fetches = 0;
    const ttl = 60_000;
    const refresh = new IceServerRefresh(
      async () => {
        fetches++;
        return { servers: [{ urls: 'turn:x', username: String(clock.t) }], expiresAt: clock.t + ttl };
      },
      (fresh: FetchedIceServers) => applied.push(fresh.expiresAt! - start),
      clock,
    );
    refresh.schedule({ servers: [], expiresAt: start + ttl }, start);
    await clock.advance(47_999);
    assert.equal(fetches, 0);
    await clock.advance(1);
    assert.deepEqual(applied, [48_000 + ttl], 'fetched at 48 s, before the 60 s expiry');
    await clock.advance(48_000);
    assert.deepEqual(applied, [48_000 + ttl, 96_000 + ttl]);
    refresh.stop();
    await clock.advance(10 * ttl);
    assert.equal(fetches, 2);
  });

  it('should retry a failed fetch, still before expiry', async () => {
    const clock = new FakeClock();
    const start = clock.t;
    let fail = true;
    const applied: number[] = [];
    const refresh = new IceServerRefresh(
      async () => {
        if (fail) throw new Error('offline');
        return { servers: [], expiresAt: clock.t + 3_600_000 };
      },
      () => applied.push(clock.t - start),
      clock,
      10_000,
    );
    refresh.schedule({ servers: [], expiresAt: start + 3_600_000 }, start);
    await clock.advance(3_300_000);
    assert.deepEqual(applied, []);
    fail = false;
    await clock.advance(10_000);
    assert.deepEqual(applied, [3_310_000]);
  });
});

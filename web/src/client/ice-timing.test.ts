import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Clock,
  type FetchedIceServers,
  ICE_RECOVERY,
  IceRecovery,
  IceServerRefresh,
  RELAY_ERROR_TEXT_MAX,
  RelayHealth,
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

  it('should give a first connection without a relay the shorter bound', async () => {
    const { clock, log, r } = recovery();
    r.connecting(false);
    await clock.advance(ICE_RECOVERY.noRelayGiveUpMs - 1);
    assert.deepEqual(log, []);
    await clock.advance(1);
    assert.deepEqual(log, [`giveUp@${ICE_RECOVERY.noRelayGiveUpMs}`]);
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

  it('should give a first connection little time once the relay is known broken', async () => {
    const { clock, log, r } = recovery();
    r.connecting();
    await clock.advance(1_000);
    r.relayBroken(false);
    await clock.advance(ICE_RECOVERY.relayBrokenMs - 1);
    assert.deepEqual(log, [], 'a direct path still has its chance');
    await clock.advance(1);
    assert.deepEqual(log, [`giveUp@${1_000 + ICE_RECOVERY.relayBrokenMs}`]);

    const relayOnly = recovery();
    relayOnly.r.connecting();
    relayOnly.r.relayBroken(true);
    await relayOnly.clock.advance(0);
    assert.deepEqual(relayOnly.log, ['giveUp@0'], 'relay only: nothing else can connect');

    const late = recovery();
    late.r.connecting();
    await late.clock.advance(ICE_RECOVERY.giveUpMs - 1_000);
    late.r.relayBroken(false);
    await late.clock.advance(1_000);
    assert.deepEqual(late.log, [`giveUp@${ICE_RECOVERY.giveUpMs}`], 'never later than the first deadline');

    const ringing = recovery();
    ringing.r.relayBroken(false);
    await ringing.clock.advance(60_000);
    assert.deepEqual(ringing.log, [], 'a call not accepted yet is not ended');
    ringing.r.connecting();
    await ringing.clock.advance(ICE_RECOVERY.relayBrokenMs);
    assert.deepEqual(ringing.log, [`giveUp@${60_000 + ICE_RECOVERY.relayBrokenMs}`]);
  });

  it('should give the first connection its own bound back when the relay answers late', async () => {
    const { clock, log, r } = recovery();
    r.connecting();
    await clock.advance(10_000);
    r.relayBroken(false);
    await clock.advance(1_000);
    r.relayOk();
    await clock.advance(ICE_RECOVERY.relayBrokenMs);
    assert.deepEqual(log, [], 'not ended at the relay-broken bound');
    await clock.advance(ICE_RECOVERY.giveUpMs - 10_000 - 1_000 - ICE_RECOVERY.relayBrokenMs);
    assert.deepEqual(log, [`giveUp@${ICE_RECOVERY.giveUpMs}`]);
  });

  it('should not end a call that connected once because a relay failed later', async () => {
    const { clock, log, r } = recovery();
    r.connecting();
    r.state('connected');
    r.relayBroken(true);
    await clock.advance(10 * ICE_RECOVERY.giveUpMs);
    assert.deepEqual(log, []);
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

describe('RelayHealth', () => {
  const servers: RTCIceServer[] = [
    { urls: 'stun:203.0.113.1:3478' },
    {
      urls: ['turn:203.0.113.1:3478?transport=udp', 'turn:203.0.113.1:3478?transport=tcp'],
      username: 'u',
      credential: 'c',
    },
    { urls: 'turns:turn.example:5349', username: 'u', credential: 'c' },
  ];
  const error = (url: string, errorCode = 401, errorText = 'Unauthorized') => ({ url, errorCode, errorText });

  it('should call the relay broken once every TURN URL failed and none gave a relay candidate', () => {
    const h = new RelayHealth(servers);
    assert.equal(h.error(error('stun:203.0.113.1:3478', 701, 'STUN host lookup received error.')), null);
    assert.equal(h.error(error('turn:203.0.113.1:3478?transport=udp')), null, 'TCP and TLS not heard yet');
    assert.equal(h.error(error('turn:203.0.113.1:3478?transport=tcp')), null);
    // Chromium reconstructs the URL: turns: without a transport is TLS over TCP.
    assert.equal(
      h.error(error('turns:TURN.example:5349?transport=tcp', 701, 'timed out')),
      '401 Unauthorized',
    );
    assert.equal(h.broken, '401 Unauthorized');
  });

  it('should not call the relay broken while one TURN URL gave a relay candidate', () => {
    const h = new RelayHealth(servers);
    h.candidate('relay');
    for (const url of ['turn:203.0.113.1:3478?transport=udp', 'turn:203.0.113.1:3478?transport=tcp'])
      assert.equal(h.error(error(url, 701, 'timed out')), null);
    assert.equal(h.error(error('turns:turn.example:5349?transport=tcp')), null);
    assert.equal(h.gatheringComplete(), null);
  });

  it('should call it broken when gathering ends with TURN errors and no relay candidate', () => {
    const h = new RelayHealth(servers);
    h.candidate('host');
    h.candidate('srflx');
    // A URL spelled differently from the configuration's still counts at the end of gathering.
    assert.equal(
      h.error(error('turn:[::1]:3478?transport=udp', 701, 'TURN allocate request timed out.')),
      null,
    );
    assert.equal(h.gatheringComplete(), '701 TURN allocate request timed out.');
  });

  it('should call a relay that gave nothing at all silent, and take it back when a relay candidate comes late', () => {
    const h = new RelayHealth(servers);
    h.candidate('host');
    assert.equal(h.silent(), 'no answer');
    assert.equal(h.candidate('relay'), true, 'a relay after all: the engine restores the bound');
    assert.equal(h.broken, null);
    assert.equal(h.candidate('relay'), false);

    const refused = new RelayHealth(servers);
    refused.error(error('turn:203.0.113.1:3478?transport=udp'));
    assert.equal(refused.silent(), '401 Unauthorized', 'an error heard is the better reason');
    const fine = new RelayHealth(servers);
    fine.candidate('relay');
    assert.equal(fine.silent(), null);
    assert.equal(
      new RelayHealth([{ urls: 'stun:203.0.113.1:3478' }]).silent(),
      null,
      'no TURN, nothing to hear',
    );
  });

  it('should keep a TURN server’s reason phrase to one short line', () => {
    const h = new RelayHealth([{ urls: 'turn:203.0.113.1:3478', username: 'u', credential: 'c' }]);
    const why = h.error(
      error('turn:203.0.113.1:3478?transport=udp', 400, `Bad\n\trequest ${'x'.repeat(700)}`),
    );
    assert.ok(why?.startsWith('400 Bad request xxx'), why ?? '');
    assert.equal(why!.length, '400 '.length + RELAY_ERROR_TEXT_MAX);
  });

  it('should never call it broken without TURN servers, or without an error', () => {
    const stunOnly = new RelayHealth([{ urls: 'stun:203.0.113.1:3478' }]);
    assert.equal(stunOnly.error(error('stun:203.0.113.1:3478', 701, 'timeout')), null);
    assert.equal(stunOnly.gatheringComplete(), null);
    const quiet = new RelayHealth(servers);
    assert.equal(quiet.gatheringComplete(), null, 'no relay candidate, but no error either');
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

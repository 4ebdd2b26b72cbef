import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject, RecordedEvent } from '../store/types.ts';
import { calls } from './projection.ts';
import type { CallQuality } from './quality.ts';

let position = 0;
const recorded = (callId: string, type: string, data: JsonObject): RecordedEvent => ({
  id: `e${++position}`,
  position,
  streamId: `call-${callId}`,
  streamVersion: 1,
  type,
  data: { caller: 'a', callee: 'b', silent: false, ...data },
  metadata: {},
  time: new Date(position * 1000),
  hash: '',
});

const quality = (patch: Partial<CallQuality> = {}): CallQuality => ({
  connected: true,
  setupMs: 300,
  localCandidate: 'host',
  remoteCandidate: 'host',
  relayProtocol: null,
  rttMs: 1,
  packetLossPercent: 0,
  jitterMs: 1,
  bitrateInKbps: 500,
  bitrateOutKbps: 500,
  iceRestarts: 0,
  ...patch,
});

/** A call placed, accepted and ended with `reason`. */
const endedCall = (callId: string, reason = 'hangup') => [
  recorded(callId, 'CallPlaced', {
    callId,
    media: 'video',
    issuedAt: 1,
    nonce: 'n',
    signature: 's',
    ringTimeoutAt: 100,
  }),
  recorded(callId, 'CallAccepted', { sessionId: 's1', at: 2 }),
  recorded(callId, 'CallEnded', { by: 'a', reason, durationMs: 5 }),
];
const reported = (callId: string, role: 'caller' | 'callee', q: CallQuality) =>
  recorded(callId, 'CallQualityReported', { by: role === 'caller' ? 'a' : 'b', role, quality: q });

const fold = (events: RecordedEvent[]) => events.reduce(calls.evolve, calls.initial());

describe('calls projection: quality reports and the tally', () => {
  it('should keep each participant’s report on the call', () => {
    const q = quality({ localCandidate: 'relay', relayProtocol: 'tcp' });
    const state = fold([...endedCall('c1'), reported('c1', 'callee', q)]);
    assert.deepEqual(state.byId.get('c1')?.quality, { caller: null, callee: q });
  });

  it('should tally ended calls as connected, failed or unreported, and count relayed ones once', () => {
    const state = fold([
      // Connected through a relay; both report it, counted once.
      ...endedCall('relayed'),
      reported('relayed', 'caller', quality({ localCandidate: 'relay', remoteCandidate: 'srflx' })),
      reported('relayed', 'callee', quality({ localCandidate: 'srflx', remoteCandidate: 'relay' })),
      // Ended ice_failed and nobody reported: failed.
      ...endedCall('dropped', 'ice_failed'),
      // Ended ice_failed, then a report that it had connected before: connected after all.
      ...endedCall('recovered', 'ice_failed'),
      reported('recovered', 'caller', quality()),
      // A report that it never connected: failed.
      ...endedCall('never', 'hangup'),
      reported(
        'never',
        'callee',
        quality({ connected: false, setupMs: null, localCandidate: null, remoteCandidate: null }),
      ),
      // Hung up, no report.
      ...endedCall('silent-client'),
      // Still live: not tallied.
      ...endedCall('live').slice(0, 2),
    ]);
    assert.deepEqual(state.tally, { connected: 2, failed: 2, unreported: 1, relayed: 1 });
  });

  it('should put the tally and the reports in the snapshot (the audit digest compares live and replayed)', () => {
    const q = quality({ remoteCandidate: 'relay' });
    const snapshot = calls.snapshot(fold([...endedCall('r1'), reported('r1', 'caller', q)])) as {
      calls: Record<string, { quality: unknown }>;
      tally: unknown;
    };
    assert.deepEqual(snapshot.tally, { connected: 1, failed: 0, unreported: 0, relayed: 1 });
    assert.deepEqual(snapshot.calls.r1?.quality, { caller: q, callee: null });
  });
});

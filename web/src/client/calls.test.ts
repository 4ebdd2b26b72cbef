import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outcomeText } from './calls.ts';

describe('outcomeText', () => {
  it('should tell busy, no answer, declined and missed apart, by side', () => {
    const out = (
      outcome: Parameters<typeof outcomeText>[0]['outcome'],
      outgoing: boolean,
      reason: string | null = null,
    ) => outcomeText({ outcome, outgoing, reason });
    assert.equal(out('busy', true), 'Busy: in another call');
    assert.equal(out('missed', true, 'timeout'), 'No answer');
    assert.equal(out('missed', false, 'timeout'), 'Missed call');
    assert.equal(out('cancelled', false, 'caller'), 'Missed call');
    assert.equal(out('cancelled', true, 'caller'), 'Call cancelled');
    assert.equal(out('declined', true), 'Call declined');
    assert.equal(out('answered-elsewhere', false), 'Answered on another device');
    assert.equal(out('ended', false, 'hangup'), 'Call ended (hangup)');
  });

  it('should say a call could not connect for want of a relay only when this side had no TURN server', () => {
    const failed = (relayAvailable: boolean | null, connectedAt: number | null) =>
      outcomeText({ outcome: 'failed', outgoing: true, reason: 'ice_failed', relayAvailable, connectedAt });
    assert.equal(failed(false, null), 'Can’t connect: relay not available on your plan');
    assert.equal(failed(false, 1), 'Call ended: connection lost', 'it had connected without one');
    assert.equal(failed(true, null), 'Can’t connect: the connection failed');
    assert.equal(failed(true, 1), 'Call ended: connection lost');
  });

  it('should name a broken relay, with what its server said, for a call that never connected', () => {
    const failed = (relayError: string | null, connectedAt: number | null) =>
      outcomeText({
        outcome: 'failed',
        outgoing: false,
        reason: 'ice_failed',
        relayAvailable: true,
        relayError,
        connectedAt,
      });
    assert.equal(
      failed('401 Unauthorized', null),
      'Can’t connect: the relay server is not working (401 Unauthorized)',
    );
    assert.equal(failed('401 Unauthorized', 1), 'Call ended: connection lost');
    assert.equal(failed(null, null), 'Can’t connect: the connection failed');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deciderSpec } from '../shared/decider-spec.ts';
import { DomainError } from '../shared/errors.ts';
import {
  type CallCommand,
  type CalleeSituation,
  callDecider,
  type PlaceOutcome,
  placeOutcome,
} from './decide.ts';
import type { CallQuality } from './quality.ts';

const { given } = deciderSpec(callDecider);
/** The callee `b` with no settings, no other call. */
const free: CalleeSituation = {
  blocked: false,
  doNotDisturb: false,
  contact: null,
  nonContactCalls: 'ring',
  otherCall: null,
};
/** A situation of the callee that makes each outcome. */
const situations: Record<PlaceOutcome, CalleeSituation> = {
  ring: free,
  silent: { ...free, blocked: true },
  do_not_disturb: { ...free, doNotDisturb: true },
  non_contact_silenced: { ...free, nonContactCalls: 'silence' },
  busy: { ...free, otherCall: { caller: 'b', callee: 'z', status: 'accepted' } },
  timeout: free,
};
const place = (outcome: PlaceOutcome = 'ring'): CallCommand => ({
  type: 'PlaceCall',
  callId: 'c1',
  caller: 'a',
  callee: 'b',
  media: 'video',
  issuedAt: 1,
  nonce: 'n',
  signature: 's',
  ringTimeoutAt: 100,
  situation: situations[outcome],
});
const placeWith = (situation: CalleeSituation): CallCommand => ({
  ...(place() as Extract<CallCommand, { type: 'PlaceCall' }>),
  situation,
});
const placed = () => given([]).when(place()).events;
const accepted = () => [
  ...placed(),
  ...given(placed()).when({ type: 'Accept', by: 'b', sessionId: 's1', now: 10 }).events,
];

describe('call decider', () => {
  it('should place a ringing call, or record busy / missed at once from the outcome', () => {
    given([]).when(place()).thenTypes(['CallPlaced']);
    given([]).when(place('busy')).thenTypes(['CallPlaced', 'CallBusy']);
    assert.deepEqual(given([]).when(place('do_not_disturb')).events[1], {
      type: 'CallMissed',
      data: { caller: 'a', callee: 'b', silent: false, reason: 'do_not_disturb' },
    });
    assert.equal((given([]).when(place('silent')).events[0]!.data as { silent: boolean }).silent, true);
    given(placed()).when(place()).thenThrows('CONFLICT');
    given([])
      .when({ ...place(), callee: 'a' } as CallCommand)
      .thenThrows('BAD_INPUT');
  });

  it('should make an unanswered call busy when it overlapped an earlier call, and leave an answered one', () => {
    given(placed()).when({ type: 'MarkBusy' }).thenTypes(['CallBusy']);
    given(accepted()).when({ type: 'MarkBusy' }).thenTypes([]);
  });

  it('should let only the callee ring, accept or decline, and only while ringing', () => {
    given(placed()).when({ type: 'Accept', by: 'a', sessionId: 's', now: 1 }).thenThrows('FORBIDDEN');
    given(placed()).when({ type: 'Accept', by: 'z', sessionId: 's', now: 1 }).thenThrows('NOT_FOUND');
    given(placed()).when({ type: 'MarkRinging', by: 'b', sessionId: 's1' }).thenTypes(['CallRinging']);
    given(placed()).when({ type: 'Decline', by: 'b', sessionId: 's1' }).thenTypes(['CallDeclined']);
    given(accepted()).when({ type: 'Accept', by: 'b', sessionId: 's2', now: 11 }).thenThrows('CONFLICT');
  });

  it('should not let a silent call (blocked caller) reach the callee at all', () => {
    const silent = given([]).when(place('silent')).events;
    given(silent).when({ type: 'Accept', by: 'b', sessionId: 's', now: 1 }).thenThrows('NOT_FOUND');
    given(silent)
      .when({ type: 'SendSignal', from: 'a', kind: 'offer', payload: 'x' })
      .thenThrows('BAD_INPUT');
    // A valid signal from the blocked caller is taken (so it cannot tell) but recorded for no one.
    given(silent)
      .when({
        type: 'SendSignal',
        from: 'a',
        kind: 'candidate',
        payload: '{"candidate":"","sdpMid":"0","sdpMLineIndex":0}',
      })
      .thenTypes([]);
    given(silent).when({ type: 'TimeOut', now: 100 }).thenTypes(['CallMissed']);
  });

  it('should end an accepted call with its duration, only from the answering device', () => {
    const hangUp: CallCommand = { type: 'Hangup', by: 'a', sessionId: 'x', reason: 'ice_failed', now: 70 };
    given(accepted())
      .when(hangUp)
      .thenEvents([
        {
          type: 'CallEnded',
          data: { caller: 'a', callee: 'b', silent: false, by: 'a', reason: 'ice_failed', durationMs: 60 },
        },
      ]);
    given(accepted())
      .when({ type: 'Hangup', by: 'b', sessionId: 'other-device', reason: 'hangup', now: 20 })
      .thenThrows('FORBIDDEN');
    const ended = given(accepted()).when(hangUp).events;
    given([...accepted(), ...ended])
      .when({ type: 'Hangup', by: 'a', sessionId: 'x', reason: 'hangup', now: 80 })
      .thenEvents([]);
  });

  it('should turn an early hang-up into cancel (caller) or decline (callee)', () => {
    given(placed())
      .when({ type: 'Hangup', by: 'a', sessionId: 'x', reason: 'hangup', now: 5 })
      .thenTypes(['CallCancelled']);
    given(placed())
      .when({ type: 'Hangup', by: 'b', sessionId: 'x', reason: 'hangup', now: 5 })
      .thenTypes(['CallDeclined']);
  });

  it('should time out only a ringing call, and only when due', () => {
    given(placed()).when({ type: 'TimeOut', now: 99 }).thenEvents([]);
    given(placed()).when({ type: 'TimeOut', now: 100 }).thenTypes(['CallMissed']);
    given(accepted()).when({ type: 'TimeOut', now: 1000 }).thenEvents([]);
  });

  it('should route signals to the other participant while live, within size limits', () => {
    const sdp = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
    const [signal] = given(accepted()).when({
      type: 'SendSignal',
      from: 'b',
      kind: 'answer',
      payload: sdp,
    }).events;
    assert.equal((signal!.data as { to: string }).to, 'a');
    given(accepted())
      .when({ type: 'SendSignal', from: 'b', kind: 'candidate', payload: 'x'.repeat(3000) })
      .thenThrows('BAD_INPUT');
    const hungUp = given(accepted()).when({
      type: 'Hangup',
      by: 'a',
      sessionId: 'x',
      reason: 'hangup',
      now: 20,
    });
    given([...accepted(), ...hungUp.events])
      .when({ type: 'SendSignal', from: 'a', kind: 'restart', payload: sdp })
      .thenThrows('CONFLICT');
    given(accepted())
      .when({ type: 'SendSignal', from: 'b', kind: 'answer', payload: 'sdp' })
      .thenThrows('BAD_INPUT');
  });

  describe('quality reports', () => {
    const good: CallQuality = {
      connected: true,
      setupMs: 420,
      localCandidate: 'relay',
      remoteCandidate: 'relay',
      relayProtocol: 'udp',
      rttMs: 12.3456,
      packetLossPercent: 0.5,
      jitterMs: 3,
      bitrateInKbps: 800,
      bitrateOutKbps: 750.129,
      iceRestarts: 1,
    };
    const report = (by: string, sessionId: string, quality: CallQuality = good): CallCommand => ({
      type: 'ReportQuality',
      by,
      sessionId,
      quality,
    });
    const ended = () => [
      ...accepted(),
      ...given(accepted()).when({ type: 'Hangup', by: 'a', sessionId: 'x', reason: 'hangup', now: 70 })
        .events,
    ];

    it('should record each participant’s report of an ended call once, measures to two decimals', () => {
      given(ended())
        .when(report('a', 'any-device'))
        .thenEvents([
          {
            type: 'CallQualityReported',
            data: {
              caller: 'a',
              callee: 'b',
              silent: false,
              by: 'a',
              role: 'caller',
              quality: { ...good, rttMs: 12.35, bitrateOutKbps: 750.13 },
            },
          },
        ]);
      const first = given(ended()).when(report('a', 'x')).events;
      given([...ended(), ...first])
        .when(report('a', 'x'))
        .thenThrows('CONFLICT');
      given([...ended(), ...first])
        .when(report('b', 's1'))
        .thenTypes(['CallQualityReported']);
    });

    it('should take the callee’s report only from the device that answered', () => {
      given(ended()).when(report('b', 'other-device')).thenThrows('FORBIDDEN');
      given(ended()).when(report('b', 's1')).thenTypes(['CallQualityReported']);
    });

    it('should refuse a report before the end, for a call never answered, or from a stranger', () => {
      given(accepted()).when(report('a', 'x')).thenThrows('CONFLICT');
      given(placed()).when(report('a', 'x')).thenThrows('CONFLICT');
      const declined = given(placed()).when({ type: 'Decline', by: 'b', sessionId: 's1' }).events;
      given([...placed(), ...declined])
        .when(report('b', 's1'))
        .thenThrows('CONFLICT');
      given(ended()).when(report('z', 'x')).thenThrows('NOT_FOUND');
      given([]).when(report('a', 'x')).thenThrows('NOT_FOUND');
      const silent = given([]).when(place('silent')).events;
      given(silent).when(report('b', 'x')).thenThrows('NOT_FOUND');
    });

    it('should refuse numbers out of range and reports that contradict themselves', () => {
      const bad: Partial<CallQuality>[] = [
        { rttMs: -1 },
        { rttMs: Number.NaN },
        { jitterMs: Number.POSITIVE_INFINITY },
        { packetLossPercent: 100.01 },
        { bitrateInKbps: 1e308 },
        { bitrateOutKbps: -0.01 },
        { setupMs: 1.5 },
        { setupMs: 600_001 },
        { iceRestarts: -1 },
        { iceRestarts: 10_001 },
        { iceRestarts: 0.5 },
        { setupMs: null },
        { connected: false },
        { localCandidate: 'bogus' as never },
        { relayProtocol: 'sctp' as never },
        { localCandidate: 'host', relayProtocol: 'tcp' },
        { remoteCandidate: null },
        { connected: 'yes' as never },
      ];
      for (const patch of bad) {
        assert.throws(
          () => given(ended()).when(report('a', 'x', { ...good, ...patch })).events,
          (e: unknown) => e instanceof DomainError && e.code === 'BAD_INPUT',
          JSON.stringify(patch),
        );
      }
      // Never connected: no setup time, no pair; the rest may still be measured.
      given(ended())
        .when(
          report('a', 'x', {
            ...good,
            connected: false,
            setupMs: null,
            localCandidate: null,
            remoteCandidate: null,
            relayProtocol: null,
            rttMs: null,
          }),
        )
        .thenTypes(['CallQualityReported']);
      // The bounds themselves are allowed.
      given(ended())
        .when(report('a', 'x', { ...good, packetLossPercent: 100, rttMs: 0, setupMs: 600_000 }))
        .thenTypes(['CallQualityReported']);
    });
  });

  describe('the callee’s rules as a call is placed', () => {
    const outcome = (situation: Partial<CalleeSituation>) =>
      placeOutcome('a', 'b', { ...free, ...situation });

    it('should silence a blocked caller whatever else holds', () => {
      assert.equal(
        outcome({ blocked: true, doNotDisturb: true, contact: { alwaysAllowed: true } }),
        'silent',
      );
      const [placed] = given([]).when(placeWith({ ...free, blocked: true })).events;
      assert.equal((placed!.data as { silent: boolean }).silent, true);
    });

    it('should miss a call under do-not-disturb unless the caller is always allowed', () => {
      assert.equal(outcome({ doNotDisturb: true }), 'do_not_disturb');
      assert.equal(outcome({ doNotDisturb: true, contact: { alwaysAllowed: false } }), 'do_not_disturb');
      assert.equal(outcome({ doNotDisturb: true, contact: { alwaysAllowed: true } }), 'ring');
      given([])
        .when(placeWith({ ...free, doNotDisturb: true }))
        .thenTypes(['CallPlaced', 'CallMissed']);
    });

    it('should silence non-contacts only when the callee chose so', () => {
      assert.equal(outcome({ nonContactCalls: 'silence' }), 'non_contact_silenced');
      assert.equal(outcome({ nonContactCalls: 'silence', contact: { alwaysAllowed: false } }), 'ring');
      assert.equal(outcome({ nonContactCalls: 'ring' }), 'ring');
    });

    it('should make a callee in another call busy, but not for glare (their own unanswered call to the caller)', () => {
      assert.equal(outcome({ otherCall: { caller: 'b', callee: 'z', status: 'ringing' } }), 'busy');
      assert.equal(outcome({ otherCall: { caller: 'z', callee: 'b', status: 'accepted' } }), 'busy');
      assert.equal(outcome({ otherCall: { caller: 'b', callee: 'a', status: 'placed' } }), 'ring');
      assert.equal(outcome({ otherCall: { caller: 'b', callee: 'a', status: 'accepted' } }), 'busy');
      given([])
        .when(placeWith({ ...free, otherCall: { caller: 'b', callee: 'z', status: 'ringing' } }))
        .thenTypes(['CallPlaced', 'CallBusy']);
    });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../shared/errors.ts';
import { type CallCommand, decideCall, evolveCall, initialCall, type PlaceOutcome } from './decide.ts';
import type { CallEvent } from './events.ts';

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
  outcome,
});
const given = (events: CallEvent[]) => events.reduce(evolveCall, initialCall());
const when = (events: CallEvent[], c: CallCommand) => decideCall(c, given(events));
const types = (events: CallEvent[]) => events.map((e) => e.type);
const refused = (events: CallEvent[], c: CallCommand, code: string) =>
  assert.throws(
    () => when(events, c),
    (e: unknown) => e instanceof DomainError && e.code === code,
  );
const placed = () => when([], place());
const accepted = () => [
  ...placed(),
  ...when(placed(), { type: 'Accept', by: 'b', sessionId: 's1', now: 10 }),
];

describe('call decider', () => {
  it('should place a ringing call, or record busy / missed at once from the outcome', () => {
    assert.deepEqual(types(when([], place())), ['CallPlaced']);
    assert.deepEqual(types(when([], place('busy'))), ['CallPlaced', 'CallBusy']);
    const dnd = when([], place('do_not_disturb'));
    assert.deepEqual(dnd[1], {
      type: 'CallMissed',
      data: { caller: 'a', callee: 'b', silent: false, reason: 'do_not_disturb' },
    });
    assert.equal((when([], place('silent'))[0]!.data as { silent: boolean }).silent, true);
    refused(placed(), place(), 'CONFLICT');
    refused([], { ...place(), callee: 'a' } as CallCommand, 'BAD_INPUT');
  });

  it('should let only the callee ring, accept or decline, and only while ringing', () => {
    refused(placed(), { type: 'Accept', by: 'a', sessionId: 's', now: 1 }, 'FORBIDDEN');
    refused(placed(), { type: 'Accept', by: 'z', sessionId: 's', now: 1 }, 'NOT_FOUND');
    assert.deepEqual(types(when(placed(), { type: 'MarkRinging', by: 'b', sessionId: 's1' })), [
      'CallRinging',
    ]);
    assert.deepEqual(types(when(placed(), { type: 'Decline', by: 'b', sessionId: 's1' })), ['CallDeclined']);
    refused(accepted(), { type: 'Accept', by: 'b', sessionId: 's2', now: 11 }, 'CONFLICT');
  });

  it('should not let a silent call (blocked caller) reach the callee at all', () => {
    const silent = when([], place('silent'));
    refused(silent, { type: 'Accept', by: 'b', sessionId: 's', now: 1 }, 'NOT_FOUND');
    refused(silent, { type: 'SendSignal', from: 'a', kind: 'offer', payload: 'x' }, 'CONFLICT');
    assert.deepEqual(types(when(silent, { type: 'TimeOut', now: 100 })), ['CallMissed']);
  });

  it('should end an accepted call with its duration, only from the answering device', () => {
    const ended = when(accepted(), {
      type: 'Hangup',
      by: 'a',
      sessionId: 'x',
      reason: 'ice_failed',
      now: 70,
    });
    assert.deepEqual(ended, [
      {
        type: 'CallEnded',
        data: { caller: 'a', callee: 'b', silent: false, by: 'a', reason: 'ice_failed', durationMs: 60 },
      },
    ]);
    refused(
      accepted(),
      { type: 'Hangup', by: 'b', sessionId: 'other-device', reason: 'hangup', now: 20 },
      'FORBIDDEN',
    );
    assert.deepEqual(
      when([...accepted(), ...ended], { type: 'Hangup', by: 'a', sessionId: 'x', reason: 'hangup', now: 80 }),
      [],
    );
  });

  it('should turn an early hang-up into cancel (caller) or decline (callee)', () => {
    assert.deepEqual(
      types(when(placed(), { type: 'Hangup', by: 'a', sessionId: 'x', reason: 'hangup', now: 5 })),
      ['CallCancelled'],
    );
    assert.deepEqual(
      types(when(placed(), { type: 'Hangup', by: 'b', sessionId: 'x', reason: 'hangup', now: 5 })),
      ['CallDeclined'],
    );
  });

  it('should time out only a ringing call, and only when due', () => {
    assert.deepEqual(when(placed(), { type: 'TimeOut', now: 99 }), []);
    assert.deepEqual(types(when(placed(), { type: 'TimeOut', now: 100 })), ['CallMissed']);
    assert.deepEqual(when(accepted(), { type: 'TimeOut', now: 1000 }), []);
  });

  it('should route signals to the other participant while live, within size limits', () => {
    const sdp = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
    const [signal] = when(accepted(), { type: 'SendSignal', from: 'b', kind: 'answer', payload: sdp });
    assert.equal((signal!.data as { to: string }).to, 'a');
    refused(
      accepted(),
      { type: 'SendSignal', from: 'b', kind: 'candidate', payload: 'x'.repeat(3000) },
      'BAD_INPUT',
    );
    const ended = [
      ...accepted(),
      ...when(accepted(), { type: 'Hangup', by: 'a', sessionId: 'x', reason: 'hangup', now: 20 }),
    ];
    refused(ended, { type: 'SendSignal', from: 'a', kind: 'restart', payload: sdp }, 'CONFLICT');
    refused(accepted(), { type: 'SendSignal', from: 'b', kind: 'answer', payload: 'sdp' }, 'BAD_INPUT');
  });
});

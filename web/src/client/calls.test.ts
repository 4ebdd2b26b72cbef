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
    assert.equal(out('failed', true, 'ice_failed'), 'Call ended: connection lost');
    assert.equal(out('ended', false, 'hangup'), 'Call ended (hangup)');
  });
});

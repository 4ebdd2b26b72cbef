import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { qualityOf } from './format.ts';

describe('qualityOf', () => {
  const q = { connected: true, relayed: false, relayProtocol: null, rttMs: 8.4, packetLossPercent: 0.2 };

  it('should say relayed (with the protocol) or direct, the round trip, and loss only when noticeable', () => {
    assert.equal(qualityOf(q), 'Direct · 8 ms');
    assert.equal(
      qualityOf({ ...q, relayed: true, relayProtocol: 'TCP', rttMs: 41.6, packetLossPercent: 3.4 }),
      'Relayed (TCP) · 42 ms · 3% loss',
    );
    assert.equal(qualityOf({ ...q, relayed: true, rttMs: null, packetLossPercent: null }), 'Relayed');
  });

  it('should say nothing of a call that never connected or has no record', () => {
    assert.equal(qualityOf(null), null);
    assert.equal(qualityOf({ ...q, connected: false }), null);
  });
});

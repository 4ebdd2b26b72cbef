import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callQuality } from './call-quality.ts';

/** getStats() of a call relayed over TURN/TCP, as Chromium reports it (fields read only). */
const relayedStats = [
  { type: 'transport', id: 'T01', selectedCandidatePairId: 'CPa' },
  { type: 'candidate-pair', id: 'CPold', localCandidateId: 'Lh', remoteCandidateId: 'Rh', state: 'failed' },
  {
    type: 'candidate-pair',
    id: 'CPa',
    localCandidateId: 'Lr',
    remoteCandidateId: 'Rp',
    state: 'succeeded',
    totalRoundTripTime: 0.3,
    responsesReceived: 10,
    currentRoundTripTime: 0.5,
  },
  { type: 'local-candidate', id: 'Lh', candidateType: 'host' },
  { type: 'local-candidate', id: 'Lr', candidateType: 'relay', relayProtocol: 'tcp' },
  { type: 'remote-candidate', id: 'Rh', candidateType: 'host' },
  { type: 'remote-candidate', id: 'Rp', candidateType: 'prflx' },
  {
    type: 'inbound-rtp',
    id: 'IA',
    kind: 'audio',
    packetsReceived: 900,
    packetsLost: 100,
    jitter: 0.004,
    bytesReceived: 50_000,
  },
  {
    type: 'inbound-rtp',
    id: 'IV',
    kind: 'video',
    packetsReceived: 1000,
    packetsLost: -2,
    jitter: 0.012,
    bytesReceived: 950_000,
  },
  { type: 'outbound-rtp', id: 'OA', bytesSent: 60_000 },
  { type: 'outbound-rtp', id: 'OV', bytesSent: 440_000 },
];

describe('callQuality', () => {
  it('should read the selected pair, relay protocol, averages and bitrates over the connected time', () => {
    const q = callQuality(relayedStats, {
      acceptedAt: 1_000,
      connectedAt: 1_800,
      endedAt: 11_800,
      restarts: 2,
    });
    assert.deepEqual(q, {
      connected: true,
      setupMs: 800,
      localCandidate: 'RELAY',
      remoteCandidate: 'PRFLX',
      relayProtocol: 'TCP',
      rttMs: 30,
      // 100 lost of 2,000 (a negative count, duplicates, counts as none).
      packetLossPercent: 5,
      jitterMs: 12,
      bitrateInKbps: 800,
      bitrateOutKbps: 400,
      iceRestarts: 2,
    });
  });

  it('should report a call that never connected without a pair or setup time', () => {
    const q = callQuality(relayedStats, {
      acceptedAt: 1_000,
      connectedAt: null,
      endedAt: 31_000,
      restarts: 5,
    });
    assert.equal(q.connected, false);
    assert.equal(q.setupMs, null);
    assert.equal(q.localCandidate, null);
    assert.equal(q.remoteCandidate, null);
    assert.equal(q.relayProtocol, null);
    assert.equal(q.bitrateInKbps, null);
    assert.equal(q.iceRestarts, 5);
  });

  it('should keep every number within the server’s bounds and drop what is not a finite number', () => {
    const odd = [
      {
        type: 'candidate-pair',
        id: 'P',
        localCandidateId: 'L',
        remoteCandidateId: 'R',
        selected: true,
        currentRoundTripTime: 1e9,
      },
      { type: 'local-candidate', id: 'L', candidateType: 'host', relayProtocol: 'udp' },
      { type: 'remote-candidate', id: 'R', candidateType: 'mystery' },
      {
        type: 'inbound-rtp',
        id: 'I',
        packetsReceived: 0,
        packetsLost: 5,
        jitter: Number.NaN,
        bytesReceived: 1e15,
      },
    ];
    const q = callQuality(odd, {
      acceptedAt: 0,
      connectedAt: 2_000_000,
      endedAt: 2_000_001,
      restarts: 99_999,
    });
    assert.equal(q.rttMs, 60_000);
    assert.equal(q.setupMs, 600_000);
    assert.equal(q.packetLossPercent, 100);
    assert.equal(q.jitterMs, null);
    assert.equal(q.bitrateInKbps, 10_000_000);
    assert.equal(q.iceRestarts, 10_000);
    assert.equal(q.localCandidate, null, 'an unknown remote type: no pair rather than half of one');
    assert.equal(q.relayProtocol, null);
  });
});

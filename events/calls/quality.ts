/**
 * A participant's summary of a call's media path, read from `RTCPeerConnection.getStats()` as
 * the call ends (docs/protocol.md, "Call quality"). Plain numbers and small enums: no
 * addresses, so nothing here says where a participant was.
 */
export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';
export type RelayProtocol = 'udp' | 'tcp' | 'tls';

// A type, not an interface: event data must be assignable to JSON.
export type CallQuality = {
  /** ICE reached `connected` at some point of the call. */
  connected: boolean;
  /** From accepting to the first `connected` (ms); null when it never connected. */
  setupMs: number | null;
  /** The selected candidate pair's types, this side's and the other's; null without a pair. */
  localCandidate: CandidateType | null;
  remoteCandidate: CandidateType | null;
  /** How this side reached its TURN server, when its own candidate is a relay. */
  relayProtocol: RelayProtocol | null;
  rttMs: number | null;
  packetLossPercent: number | null;
  jitterMs: number | null;
  bitrateInKbps: number | null;
  bitrateOutKbps: number | null;
  /** ICE restarts this side sent. */
  iceRestarts: number;
};

export const CANDIDATE_TYPES: readonly CandidateType[] = ['host', 'srflx', 'prflx', 'relay'];
export const RELAY_PROTOCOLS: readonly RelayProtocol[] = ['udp', 'tcp', 'tls'];

/**
 * The largest value each number may take: generous for any real call, small enough that a
 * report cannot skew the operator's figures with absurd values.
 */
export const QUALITY_LIMITS = {
  /** 10 minutes: the call engine gives up long before. */
  setupMs: 600_000,
  rttMs: 60_000,
  packetLossPercent: 100,
  jitterMs: 60_000,
  /** 10 Gbit/s. */
  bitrateKbps: 10_000_000,
  iceRestarts: 10_000,
} as const;

type Measure = 'rttMs' | 'packetLossPercent' | 'jitterMs' | 'bitrateInKbps' | 'bitrateOutKbps';
const MEASURES: Record<Measure, number> = {
  rttMs: QUALITY_LIMITS.rttMs,
  packetLossPercent: QUALITY_LIMITS.packetLossPercent,
  jitterMs: QUALITY_LIMITS.jitterMs,
  bitrateInKbps: QUALITY_LIMITS.bitrateKbps,
  bitrateOutKbps: QUALITY_LIMITS.bitrateKbps,
};

const inRange = (v: unknown, max: number): v is number =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= max;
const wholeInRange = (v: unknown, max: number): v is number => inRange(v, max) && Number.isInteger(v);

/** Why a report is refused, or null when every field is in range and they agree. */
export function qualityProblem(q: CallQuality): string | null {
  if (typeof q.connected !== 'boolean') return 'connected is true or false';
  if (!wholeInRange(q.iceRestarts, QUALITY_LIMITS.iceRestarts))
    return `iceRestarts is a whole number 0 to ${QUALITY_LIMITS.iceRestarts}`;
  if (q.setupMs !== null && !wholeInRange(q.setupMs, QUALITY_LIMITS.setupMs))
    return `setupMs is a whole number 0 to ${QUALITY_LIMITS.setupMs}`;
  if (q.connected !== (q.setupMs !== null))
    return 'setupMs is given exactly when the call connected (null when it never did)';
  for (const [name, max] of Object.entries(MEASURES) as [Measure, number][]) {
    const v = q[name];
    if (v !== null && !inRange(v, max)) return `${name} is a finite number 0 to ${max}`;
  }
  for (const name of ['localCandidate', 'remoteCandidate'] as const) {
    const v = q[name];
    if (v !== null && !CANDIDATE_TYPES.includes(v)) return `${name} is one of ${CANDIDATE_TYPES.join(', ')}`;
  }
  if ((q.localCandidate === null) !== (q.remoteCandidate === null))
    return 'localCandidate and remoteCandidate are given together (a selected pair) or not at all';
  if (q.relayProtocol !== null) {
    if (!RELAY_PROTOCOLS.includes(q.relayProtocol))
      return `relayProtocol is one of ${RELAY_PROTOCOLS.join(', ')}`;
    if (q.localCandidate !== 'relay') return 'relayProtocol is given only when localCandidate is relay';
  }
  return null;
}

const hundredths = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);

/** The report as recorded: exactly the known fields, measures to two decimals. */
export function normalisedQuality(q: CallQuality): CallQuality {
  return {
    connected: q.connected,
    setupMs: q.setupMs,
    localCandidate: q.localCandidate,
    remoteCandidate: q.remoteCandidate,
    relayProtocol: q.relayProtocol,
    rttMs: hundredths(q.rttMs),
    packetLossPercent: hundredths(q.packetLossPercent),
    jitterMs: hundredths(q.jitterMs),
    bitrateInKbps: hundredths(q.bitrateInKbps),
    bitrateOutKbps: hundredths(q.bitrateOutKbps),
    iceRestarts: q.iceRestarts,
  };
}

/** The media went through a TURN relay (either end of the selected pair). */
export const isRelayed = (q: CallQuality) => q.localCandidate === 'relay' || q.remoteCandidate === 'relay';

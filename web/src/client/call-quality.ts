import type { CallQualityInput, IceCandidateType, RelayProtocol } from '../gql/graphql.ts';

/** What the call engine knows of a call besides its stats. */
export interface CallTimes {
  /** When this side accepted, or saw the callee accept (ms since the epoch). */
  acceptedAt: number | null;
  /** When ICE first connected, or null when it never did. */
  connectedAt: number | null;
  /** When the call ended here. */
  endedAt: number;
  /** ICE restarts this side sent. */
  restarts: number;
}

/** A stats entry as `RTCStatsReport` holds it: only the fields read here. */
type Stat = { type: string; id: string; [field: string]: unknown };

// The server's bounds (docs/protocol.md, "Call quality"): a browser's odd value is clamped
// rather than getting the whole report refused.
const LIMITS = { setupMs: 600_000, ms: 60_000, kbps: 10_000_000, restarts: 10_000 };

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const clamp = (v: number | null, max: number) => (v === null ? null : Math.min(max, Math.max(0, v)));
const TYPES: Record<string, IceCandidateType> = {
  host: 'HOST',
  srflx: 'SRFLX',
  prflx: 'PRFLX',
  relay: 'RELAY',
};
const PROTOCOLS: Record<string, RelayProtocol> = {
  udp: 'UDP',
  tcp: 'TCP',
  tls: 'TLS',
};

/** The selected candidate pair: the transport's, else one marked selected or nominated and succeeded. */
function selectedPair(all: Map<string, Stat>): Stat | null {
  for (const s of all.values()) {
    if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') {
      const pair = all.get(s.selectedCandidatePairId);
      if (pair) return pair;
    }
  }
  for (const s of all.values()) {
    if (
      s.type === 'candidate-pair' &&
      (s.selected === true || (s.nominated === true && s.state === 'succeeded'))
    )
      return s;
  }
  return null;
}

/**
 * The call's quality record (docs/protocol.md, "Call quality") from `getStats()` as the call
 * ends: the selected pair's candidate types and relay protocol, its round-trip time, inbound
 * loss and jitter (the worst stream), and the media bitrates averaged over the connected time.
 */
export function callQuality(stats: Iterable<Stat>, times: CallTimes): CallQualityInput {
  const all = new Map<string, Stat>();
  for (const s of stats) all.set(s.id, s);
  const connected = times.connectedAt !== null;
  const pair = connected ? selectedPair(all) : null;
  const local =
    pair && typeof pair.localCandidateId === 'string' ? all.get(pair.localCandidateId) : undefined;
  const remote =
    pair && typeof pair.remoteCandidateId === 'string' ? all.get(pair.remoteCandidateId) : undefined;
  const localType = TYPES[String(local?.candidateType)] ?? null;
  const remoteType = TYPES[String(remote?.candidateType)] ?? null;
  const bothTypes = localType !== null && remoteType !== null;
  const relayProtocol =
    bothTypes && localType === TYPES.relay ? (PROTOCOLS[String(local?.relayProtocol)] ?? null) : null;

  let rttSeconds: number | null = null;
  if (pair) {
    const total = num(pair.totalRoundTripTime);
    const responses = num(pair.responsesReceived);
    rttSeconds = total !== null && responses ? total / responses : num(pair.currentRoundTripTime);
  }

  let received = 0;
  let lost = 0;
  let bytesIn = 0;
  let bytesOut = 0;
  let jitter: number | null = null;
  for (const s of all.values()) {
    if (s.type === 'inbound-rtp') {
      received += num(s.packetsReceived) ?? 0;
      lost += Math.max(0, num(s.packetsLost) ?? 0);
      bytesIn += num(s.bytesReceived) ?? 0;
      const j = num(s.jitter);
      if (j !== null) jitter = Math.max(jitter ?? 0, j);
    } else if (s.type === 'outbound-rtp') {
      bytesOut += num(s.bytesSent) ?? 0;
    }
  }
  const seconds = connected ? (times.endedAt - times.connectedAt!) / 1000 : 0;
  const kbps = (bytes: number) => (seconds > 0 ? clamp((bytes * 8) / 1000 / seconds, LIMITS.kbps) : null);
  const setupMs =
    connected && times.acceptedAt !== null
      ? Math.round(clamp(times.connectedAt! - times.acceptedAt, LIMITS.setupMs)!)
      : connected
        ? 0
        : null;
  return {
    connected,
    setupMs,
    localCandidate: bothTypes ? localType : null,
    remoteCandidate: bothTypes ? remoteType : null,
    relayProtocol,
    rttMs: clamp(rttSeconds === null ? null : rttSeconds * 1000, LIMITS.ms),
    packetLossPercent: received + lost > 0 ? clamp((lost / (received + lost)) * 100, 100) : null,
    jitterMs: clamp(jitter === null ? null : jitter * 1000, LIMITS.ms),
    bitrateInKbps: kbps(bytesIn),
    bitrateOutKbps: kbps(bytesOut),
    iceRestarts: Math.min(LIMITS.restarts, times.restarts),
  };
}

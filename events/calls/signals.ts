import { hasControlCharacter, isWellFormed } from '../shared/text.ts';
import type { SignalKind } from './events.ts';

/**
 * What a call signal may carry (docs/protocol.md, "Signaling and ICE"). The server relays
 * signals to a browser's RTCPeerConnection; anything else is refused rather than handed on
 * for the other side to choke on.
 */
export const SIGNAL_LIMITS = {
  sdpBytes: 32 * 1024,
  candidateBytes: 2 * 1024,
  candidateChars: 1024,
  midChars: 64,
  ufragChars: 256,
  maxMLineIndex: 65_535,
};

// An SDP line (RFC 8866 §5): one lower-case type letter, '=', a value without control
// characters other than TAB. Signals are wire formats: C0 and DEL are refused, C1 is not.
const sdpLine = (line: string) =>
  /^[a-z]=/.test(line) && !hasControlCharacter(line, { c1: false, allowed: '\t' });
const hasControl = (text: string) => hasControlCharacter(text, { c1: false });
const CANDIDATE_KEYS = new Set(['candidate', 'sdpMid', 'sdpMLineIndex', 'usernameFragment']);

/** Why a signal payload is refused, or null when it is well-formed for its kind. */
export function signalProblem(kind: SignalKind, payload: string): string | null {
  const bytes = Buffer.byteLength(payload, 'utf8');
  if (kind === 'candidate') {
    if (bytes > SIGNAL_LIMITS.candidateBytes)
      return `a candidate signal is at most ${SIGNAL_LIMITS.candidateBytes} bytes`;
    return candidateProblem(payload);
  }
  if (bytes > SIGNAL_LIMITS.sdpBytes) return `a ${kind} signal is at most ${SIGNAL_LIMITS.sdpBytes} bytes`;
  return sdpProblem(payload);
}

/** Session descriptions: `v=0` first, then `o=`, with `s=` and `t=` lines; CRLF or LF. */
function sdpProblem(sdp: string): string | null {
  const lines = sdp.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop(); // the final line break
  if (lines[0] !== 'v=0') return 'an SDP starts with the line v=0';
  if (!lines[1]?.startsWith('o=')) return 'an SDP has its o= line second';
  const bad = lines.findIndex((l) => !sdpLine(l));
  if (bad >= 0) return `SDP line ${bad + 1} is not "<letter>=<value>" without control characters`;
  if (!lines.some((l) => l.startsWith('s='))) return 'an SDP has an s= line';
  if (!lines.some((l) => l.startsWith('t='))) return 'an SDP has a t= line';
  return null;
}

/** One trickle-ICE candidate as RTCIceCandidate.toJSON() makes it. */
function candidateProblem(payload: string): string | null {
  let c: unknown;
  try {
    c = JSON.parse(payload);
  } catch {
    return 'a candidate signal is JSON';
  }
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return 'a candidate signal is a JSON object';
  const fields = c as Record<string, unknown>;
  // JSON escapes (\ud800) make lone surrogates out of a well-formed payload: the parsed strings
  // are what the other side's RTCPeerConnection gets, so they must be Unicode too.
  const strings = [...Object.keys(fields), ...Object.values(fields).filter((v) => typeof v === 'string')];
  if (!strings.every(isWellFormed)) return 'a candidate signal has only well-formed Unicode strings';
  const extra = Object.keys(fields).find((k) => !CANDIDATE_KEYS.has(k));
  if (extra !== undefined) return `a candidate signal has no field ${JSON.stringify(extra)}`;
  const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = fields;
  if (typeof candidate !== 'string' || (candidate !== '' && !candidate.startsWith('candidate:')))
    return 'candidate is a string starting with "candidate:" (or empty: end of candidates)';
  if (candidate.length > SIGNAL_LIMITS.candidateChars || hasControl(candidate))
    return `candidate is at most ${SIGNAL_LIMITS.candidateChars} characters, without control characters`;
  if (!(sdpMid === null || (typeof sdpMid === 'string' && shortText(sdpMid, SIGNAL_LIMITS.midChars))))
    return `sdpMid is null or a string of at most ${SIGNAL_LIMITS.midChars} characters`;
  if (
    !(
      sdpMLineIndex === null ||
      (Number.isInteger(sdpMLineIndex) &&
        (sdpMLineIndex as number) >= 0 &&
        (sdpMLineIndex as number) <= SIGNAL_LIMITS.maxMLineIndex)
    )
  )
    return 'sdpMLineIndex is null or a whole number up to 65535';
  if (sdpMid === null && sdpMLineIndex === null) return 'sdpMid and sdpMLineIndex are not both null';
  if (
    !(
      usernameFragment === undefined ||
      usernameFragment === null ||
      (typeof usernameFragment === 'string' && shortText(usernameFragment, SIGNAL_LIMITS.ufragChars))
    )
  )
    return `usernameFragment is null or a string of at most ${SIGNAL_LIMITS.ufragChars} characters`;
  return null;
}

const shortText = (s: string, max: number) => s.length <= max && !hasControl(s);

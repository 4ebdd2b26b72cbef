/**
 * Reachability probes for ICE servers (`GET /api/ice-verify`).
 *
 * `probeStun` sends one STUN Binding request (RFC 5389) and reports the server-reflexive address.
 * `probeTurn` makes a real TURN allocation (RFC 5766/8656) with long-term credentials, reports the
 * relayed address and releases the allocation again (Refresh with LIFETIME 0).
 *
 * Transports: UDP for `stun:` and `turn:`, TCP for `turn:…?transport=tcp`, TLS for `stuns:` and
 * `turns:` (STUN messages back to back on the stream, RFC 5389 §7.2.2). DTLS (`turns:…?transport=udp`)
 * is not probed. Every probe owns one socket, closes it before it resolves, never rejects, and
 * finishes within `timeoutMs` (name resolution included).
 */
import { randomBytes } from 'node:crypto';
import {
  type Channel,
  message,
  openChannel,
  type ProbeOptions,
  resolveTarget,
  timeoutError,
} from './channels.ts';
import {
  ATTR,
  attr,
  CLASS,
  decodeAddress,
  encodeStun,
  errorCode,
  longTermKey,
  METHOD,
  mappedAddressOf,
  PROTOCOL_UDP,
  type StunMessage,
  verifyFingerprint,
  verifyIntegrity,
} from './stun-codec.ts';
import { type IceTransport, type IceUrl, IceUrlError, parseIceUrl } from './urls.ts';

export type { ProbeOptions } from './channels.ts';

export interface StunProbeResult {
  url: string;
  /** true: the server answered as expected; false: it did not (see `error`). */
  ok: boolean;
  /** Round trip of the (first) request that got an answer, retransmissions included. */
  rttMs?: number;
  error?: string;
  /** Our address as the server saw it (XOR-MAPPED-ADDRESS), `ip:port` or `[ipv6]:port`. */
  mappedAddress?: string;
}

export interface TurnProbeResult {
  url: string;
  /** true: allocation granted; false: refused or unreachable (see `error`); null: not probed. */
  ok: boolean | null;
  /** Round trip of the first (unauthenticated) Allocate. */
  rttMs?: number;
  error?: string;
  /** STUN/TURN error code behind `error`, when the server sent one (e.g. 401, 403, 486). */
  errorCode?: number;
  transport?: IceTransport;
  /** The relay transport address the server allocated (XOR-RELAYED-ADDRESS). */
  relayedAddress?: string;
  mappedAddress?: string;
  lifetimeSeconds?: number;
  /** Whether the Refresh with LIFETIME 0 that releases the allocation succeeded. */
  released?: boolean;
}

/** One STUN Binding request to a `stun:` (UDP) or `stuns:` (TLS) URL. Never rejects. */
export async function probeStun(
  url: string,
  timeoutMs: number,
  options: ProbeOptions = {},
): Promise<StunProbeResult> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let parsed: IceUrl;
  try {
    parsed = parseIceUrl(url);
    if (parsed.scheme !== 'stun' && parsed.scheme !== 'stuns')
      throw new IceUrlError(`not a STUN URL: "${url}"`);
  } catch (e) {
    return { url, ok: false, error: message(e) };
  }
  let label = `${parsed.host}:${parsed.port}`;
  const onTimeout = () => timeoutError(label, timeoutMs);
  let channel: Channel | undefined;
  try {
    const target = await resolveTarget(parsed, deadline, onTimeout);
    label = target.label;
    channel = await openChannel(target, options, deadline, onTimeout);
    const sent = Date.now();
    const request = encodeStun(METHOD.binding | CLASS.request, randomBytes(12), []);
    const response = await channel.request(request, deadline);
    const rttMs = Date.now() - sent;
    if (!verifyFingerprint(response))
      return { url, ok: false, rttMs, error: 'response has a wrong FINGERPRINT' };
    if (response.type === (METHOD.binding | CLASS.error)) {
      const err = errorCode(response);
      return { url, ok: false, rttMs, error: err ? `${err.code} ${err.reason}` : 'Binding error response' };
    }
    if (response.type !== (METHOD.binding | CLASS.success)) {
      return { url, ok: false, rttMs, error: `unexpected STUN message type 0x${response.type.toString(16)}` };
    }
    const mapped = mappedAddressOf(response);
    if (!mapped) return { url, ok: false, rttMs, error: 'Binding success without a (XOR-)MAPPED-ADDRESS' };
    return { url, ok: true, rttMs, mappedAddress: mapped };
  } catch (e) {
    return { url, ok: false, error: message(e) };
  } finally {
    await channel?.close();
  }
}

interface Auth {
  username: string;
  realm: string;
  nonce: Buffer;
  key: Buffer;
}

function authAttrs(auth: Auth): Array<[number, Buffer]> {
  return [
    [ATTR.username, Buffer.from(auth.username, 'utf8')],
    [ATTR.realm, Buffer.from(auth.realm, 'utf8')],
    [ATTR.nonce, auth.nonce],
  ];
}

/** Sends an (authenticated) request; on 438 Stale Nonce retries once with the fresh nonce. */
async function authenticated(
  channel: Channel,
  type: number,
  attrs: Array<[number, Buffer]>,
  auth: Auth | null,
  deadline: number,
): Promise<StunMessage> {
  for (let attempt = 0; ; attempt++) {
    const all = auth ? [...attrs, ...authAttrs(auth)] : attrs;
    const response = await channel.request(encodeStun(type, randomBytes(12), all, auth?.key), deadline);
    const err = errorCode(response);
    const nonce = attr(response, ATTR.nonce);
    if (auth && attempt === 0 && err?.code === 438 && nonce) {
      auth.nonce = Buffer.from(nonce);
      continue;
    }
    return response;
  }
}

const TRANSPORT_ATTR: [number, Buffer] = [ATTR.requestedTransport, Buffer.from([PROTOCOL_UDP, 0, 0, 0])];

function describeRefusal(code: number, reason: string, hadCredentials: boolean): string {
  const head = `${code} ${reason || 'error'}`;
  if (code === 401) {
    return hadCredentials
      ? `${head}: wrong TURN credentials (or an expired REST username)`
      : `${head}: the server requires TURN credentials and none are configured`;
  }
  if (code === 403) return `${head}: the server refused the allocation`;
  if (code === 437) return `${head}: an allocation already exists for this 5-tuple`;
  if (code === 442) return `${head}: the server does not relay UDP`;
  if (code === 486) return `${head}: allocation quota reached for this user`;
  if (code === 508) return `${head}: the server is out of relay ports`;
  return head;
}

/**
 * A TURN allocation with long-term credentials (for coturn's REST API: username `<expiry>:<id>`,
 * credential base64(HMAC-SHA1(secret, username))), released again right away. Never rejects.
 */
export async function probeTurn(
  url: string,
  username: string,
  credential: string,
  timeoutMs: number,
  options: ProbeOptions = {},
): Promise<TurnProbeResult> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let parsed: IceUrl;
  try {
    parsed = parseIceUrl(url);
    if (parsed.scheme !== 'turn' && parsed.scheme !== 'turns')
      throw new IceUrlError(`not a TURN URL: "${url}"`);
  } catch (e) {
    return { url, ok: false, error: message(e) };
  }
  const transport = parsed.transport;
  if (transport === 'dtls') return { url, ok: null, transport, error: 'not probed (DTLS)' };
  let label = `${parsed.host}:${parsed.port}`;
  const onTimeout = () => timeoutError(label, timeoutMs);
  let channel: Channel | undefined;
  const result: TurnProbeResult = { url, ok: false, transport };
  try {
    const target = await resolveTarget(parsed, deadline, onTimeout);
    label = target.label;
    channel = await openChannel(target, options, deadline, onTimeout);

    // 1. Allocate without credentials: a server that requires them answers 401 with REALM and NONCE.
    const sent = Date.now();
    let response = await authenticated(
      channel,
      METHOD.allocate | CLASS.request,
      [TRANSPORT_ATTR],
      null,
      deadline,
    );
    result.rttMs = Date.now() - sent;
    let auth: Auth | null = null;
    let err = errorCode(response);
    if (response.type === (METHOD.allocate | CLASS.error) && err?.code === 401) {
      const realm = attr(response, ATTR.realm)?.toString('utf8');
      const nonce = attr(response, ATTR.nonce);
      if (realm === undefined || !nonce) {
        return {
          ...result,
          errorCode: 401,
          error: '401 without REALM and NONCE: not a long-term-credential server',
        };
      }
      if (!username) {
        return { ...result, errorCode: 401, error: describeRefusal(401, err.reason, false) };
      }
      // 2. Allocate again with the long-term credential.
      auth = { username, realm, nonce: Buffer.from(nonce), key: longTermKey(username, realm, credential) };
      response = await authenticated(
        channel,
        METHOD.allocate | CLASS.request,
        [TRANSPORT_ATTR],
        auth,
        deadline,
      );
      err = errorCode(response);
    }
    if (!verifyFingerprint(response)) return { ...result, error: 'response has a wrong FINGERPRINT' };
    if (response.type === (METHOD.allocate | CLASS.error)) {
      const code = err?.code ?? 0;
      return { ...result, errorCode: code, error: describeRefusal(code, err?.reason ?? '', auth !== null) };
    }
    if (response.type !== (METHOD.allocate | CLASS.success)) {
      return { ...result, error: `unexpected STUN message type 0x${response.type.toString(16)}` };
    }
    if (auth && verifyIntegrity(response, auth.key) === false) {
      return {
        ...result,
        error: 'Allocate success with a wrong MESSAGE-INTEGRITY: not the server we asked?',
      };
    }
    const relayed = attr(response, ATTR.xorRelayedAddress);
    result.relayedAddress = relayed ? decodeAddress(relayed, response.transactionId, true) : undefined;
    if (!result.relayedAddress) return { ...result, error: 'Allocate success without XOR-RELAYED-ADDRESS' };
    result.mappedAddress = mappedAddressOf(response);
    const lifetime = attr(response, ATTR.lifetime);
    if (lifetime?.length === 4) result.lifetimeSeconds = lifetime.readUInt32BE(0);
    result.ok = true;

    // 3. Release the allocation (Refresh with LIFETIME 0) with whatever time is left.
    try {
      const zero: [number, Buffer] = [ATTR.lifetime, Buffer.alloc(4)];
      const refreshed = await authenticated(channel, METHOD.refresh | CLASS.request, [zero], auth, deadline);
      result.released = refreshed.type === (METHOD.refresh | CLASS.success);
    } catch {
      result.released = false;
    }
    return result;
  } catch (e) {
    return { ...result, ok: false, error: message(e) };
  } finally {
    await channel?.close();
  }
}

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
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';

export type IceScheme = 'stun' | 'stuns' | 'turn' | 'turns';
export type IceTransport = 'udp' | 'tcp' | 'tls' | 'dtls';

export interface IceUrl {
  scheme: IceScheme;
  /** Host name or IP address, without brackets. */
  host: string;
  port: number;
  transport: IceTransport;
}

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

export interface ProbeOptions {
  /** For `stuns:`/`turns:`: extra trust (`ca`) for private deployments and tests. */
  tls?: Pick<tls.ConnectionOptions, 'ca' | 'rejectUnauthorized'>;
}

// ---------------------------------------------------------------------------------------------
// URLs (RFC 7064, RFC 7065)

const DEFAULT_PORT: Record<IceScheme, number> = { stun: 3478, turn: 3478, stuns: 5349, turns: 5349 };

export class IceUrlError extends Error {}

/** Parses `stun:host[:port]`, `turn:host[:port][?transport=udp|tcp]`, `[v6]` hosts, `stuns:`/`turns:`. */
export function parseIceUrl(url: string): IceUrl {
  const m = /^(stuns?|turns?):(?:\/\/)?([^?#]*)(?:\?([^#]*))?$/i.exec(url.trim());
  if (!m) throw new IceUrlError(`not a stun:, stuns:, turn: or turns: URL: "${url}"`);
  const scheme = m[1]!.toLowerCase() as IceScheme;
  const authority = m[2]!;
  let host: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    if (end < 0) throw new IceUrlError(`unterminated IPv6 literal in "${url}"`);
    host = authority.slice(1, end);
    const rest = authority.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':'))
      throw new IceUrlError(`unexpected "${rest}" after host in "${url}"`);
    portText = rest ? rest.slice(1) : undefined;
    if (net.isIPv6(host) === false) throw new IceUrlError(`"${host}" is not an IPv6 address in "${url}"`);
  } else {
    const parts = authority.split(':');
    if (parts.length > 2) throw new IceUrlError(`IPv6 addresses must be in brackets: "${url}"`);
    host = parts[0]!;
    portText = parts[1];
  }
  if (!host || /[\s/@]/.test(host)) throw new IceUrlError(`missing or invalid host in "${url}"`);
  let port = DEFAULT_PORT[scheme];
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      throw new IceUrlError(`invalid port "${portText}" in "${url}"`);
    }
    port = Number(portText);
  }
  const query = new URLSearchParams(m[3] ?? '');
  const requested = query.get('transport')?.toLowerCase();
  if (requested !== undefined && requested !== 'udp' && requested !== 'tcp') {
    throw new IceUrlError(`unknown transport "${requested}" in "${url}"`);
  }
  if (requested !== undefined && (scheme === 'stun' || scheme === 'stuns')) {
    throw new IceUrlError(`${scheme}: URLs take no transport parameter: "${url}"`);
  }
  let transport: IceTransport;
  if (scheme === 'stun') transport = 'udp';
  else if (scheme === 'stuns') transport = 'tls';
  else if (scheme === 'turn') transport = requested === 'tcp' ? 'tcp' : 'udp';
  else transport = requested === 'udp' ? 'dtls' : 'tls';
  return { scheme, host, port, transport };
}

// ---------------------------------------------------------------------------------------------
// STUN messages

const MAGIC_COOKIE = 0x2112a442;
const FINGERPRINT_XOR = 0x5354554e;
const HEADER = 20;

const METHOD = { binding: 0x001, allocate: 0x003, refresh: 0x004 } as const;
const CLASS = { request: 0x000, success: 0x100, error: 0x110 } as const;

const ATTR = {
  mappedAddress: 0x0001,
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  lifetime: 0x000d,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
  xorMappedAddress: 0x0020,
  software: 0x8022,
  fingerprint: 0x8028,
} as const;

const PROTOCOL_UDP = 17;

interface Attribute {
  type: number;
  value: Buffer;
  /** Offset of the attribute header in the raw message. */
  offset: number;
}

export interface StunMessage {
  type: number;
  transactionId: Buffer;
  attributes: Attribute[];
  raw: Buffer;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function attribute(type: number, value: Buffer): Buffer {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  padded.writeUInt16BE(type, 0);
  padded.writeUInt16BE(value.length, 2);
  value.copy(padded, 4);
  return padded;
}

/** Encodes a STUN message; with `key`, appends MESSAGE-INTEGRITY; always appends FINGERPRINT. */
export function encodeStun(
  type: number,
  transactionId: Buffer,
  attrs: Array<[number, Buffer]>,
  key?: Buffer,
): Buffer {
  let body = Buffer.concat(attrs.map(([t, v]) => attribute(t, v)));
  const header = Buffer.alloc(HEADER);
  header.writeUInt16BE(type, 0);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(header, 8);
  if (key) {
    // The length covers MESSAGE-INTEGRITY itself (24 bytes) but not the FINGERPRINT after it.
    header.writeUInt16BE(body.length + 24, 2);
    const mac = createHmac('sha1', key).update(header).update(body).digest();
    body = Buffer.concat([body, attribute(ATTR.messageIntegrity, mac)]);
  }
  header.writeUInt16BE(body.length + 8, 2);
  const crc = (crc32(Buffer.concat([header, body])) ^ FINGERPRINT_XOR) >>> 0;
  const fp = Buffer.alloc(4);
  fp.writeUInt32BE(crc, 0);
  return Buffer.concat([header, body, attribute(ATTR.fingerprint, fp)]);
}

/** Decodes one complete STUN message, or returns null when `buf` is not one. */
export function decodeStun(buf: Buffer): StunMessage | null {
  if (buf.length < HEADER || (buf[0]! & 0xc0) !== 0) return null;
  const length = buf.readUInt16BE(2);
  if (length % 4 !== 0 || buf.length < HEADER + length || buf.readUInt32BE(4) !== MAGIC_COOKIE) return null;
  const raw = buf.subarray(0, HEADER + length);
  const attributes: Attribute[] = [];
  let offset = HEADER;
  while (offset + 4 <= raw.length) {
    const type = raw.readUInt16BE(offset);
    const len = raw.readUInt16BE(offset + 2);
    if (offset + 4 + len > raw.length) return null;
    attributes.push({ type, value: raw.subarray(offset + 4, offset + 4 + len), offset });
    offset += 4 + Math.ceil(len / 4) * 4;
  }
  return { type: raw.readUInt16BE(0), transactionId: raw.subarray(8, 20), attributes, raw };
}

function attr(msg: StunMessage, type: number): Buffer | undefined {
  return msg.attributes.find((a) => a.type === type)?.value;
}

function decodeAddress(value: Buffer, transactionId: Buffer, xor: boolean): string | undefined {
  if (value.length < 8) return undefined;
  const family = value[1];
  let port = value.readUInt16BE(2);
  if (xor) port ^= MAGIC_COOKIE >>> 16;
  if (family === 0x01) {
    let ip = value.readUInt32BE(4);
    if (xor) ip = (ip ^ MAGIC_COOKIE) >>> 0;
    return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}:${port}`;
  }
  if (family === 0x02 && value.length >= 20) {
    const bytes = Buffer.from(value.subarray(4, 20));
    if (xor) {
      const mask = Buffer.alloc(16);
      mask.writeUInt32BE(MAGIC_COOKIE, 0);
      transactionId.copy(mask, 4);
      for (let i = 0; i < 16; i++) bytes[i]! ^= mask[i]!;
    }
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
    // The WHATWG URL parser prints IPv6 in its canonical, compressed form.
    return `${new URL(`http://[${groups.join(':')}]/`).hostname}:${port}`;
  }
  return undefined;
}

/** XOR-MAPPED-ADDRESS (or a legacy MAPPED-ADDRESS) as `ip:port`. */
export function mappedAddressOf(msg: StunMessage): string | undefined {
  const xor = attr(msg, ATTR.xorMappedAddress);
  if (xor) return decodeAddress(xor, msg.transactionId, true);
  const plain = attr(msg, ATTR.mappedAddress);
  return plain ? decodeAddress(plain, msg.transactionId, false) : undefined;
}

function errorCode(msg: StunMessage): { code: number; reason: string } | undefined {
  const v = attr(msg, ATTR.errorCode);
  if (!v || v.length < 4) return undefined;
  return { code: (v[2]! & 0x07) * 100 + v[3]!, reason: v.subarray(4).toString('utf8').trim() };
}

/** Checks FINGERPRINT when present; false when it is present and wrong. */
export function verifyFingerprint(msg: StunMessage): boolean {
  const fp = msg.attributes.find((a) => a.type === ATTR.fingerprint);
  if (!fp) return true;
  if (fp.value.length !== 4) return false;
  return (crc32(msg.raw.subarray(0, fp.offset)) ^ FINGERPRINT_XOR) >>> 0 === fp.value.readUInt32BE(0);
}

/** Checks MESSAGE-INTEGRITY with `key`; undefined when absent. */
export function verifyIntegrity(msg: StunMessage, key: Buffer): boolean | undefined {
  const mi = msg.attributes.find((a) => a.type === ATTR.messageIntegrity);
  if (!mi) return undefined;
  if (mi.value.length !== 20) return false;
  const covered = Buffer.from(msg.raw.subarray(0, mi.offset));
  covered.writeUInt16BE(mi.offset + 24 - HEADER, 2);
  const mac = createHmac('sha1', key).update(covered).digest();
  return timingSafeEqual(mac, mi.value);
}

/** RFC 5389 §15.4 long-term credential key (no SASLprep: ASCII credentials assumed). */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash('md5').update(`${username}:${realm}:${password}`, 'utf8').digest();
}

// ---------------------------------------------------------------------------------------------
// Transports: a channel sends requests and matches responses by transaction id.

class ProbeTimeout extends Error {}

interface Channel {
  /** Sends `msg` and resolves with the response to its transaction, or rejects at `deadline`. */
  request(msg: Buffer, deadline: number): Promise<StunMessage>;
  close(): Promise<void>;
}

interface Pending {
  resolve(m: StunMessage): void;
  reject(e: Error): void;
}

function timeoutError(target: string, timeoutMs: number): ProbeTimeout {
  return new ProbeTimeout(`timeout: no answer from ${target} within ${timeoutMs} ms`);
}

/** Races `p` against the deadline; the timer is always cleared. */
async function beforeDeadline<T>(p: Promise<T>, deadline: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), Math.max(0, deadline - Date.now()));
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

class ChannelBase {
  protected pending = new Map<string, Pending>();
  protected failure: Error | null = null;

  constructor(protected readonly onTimeout: () => Error) {}

  protected deliver(msg: StunMessage): void {
    const key = msg.transactionId.toString('hex');
    const waiter = this.pending.get(key);
    if (!waiter) return; // a late retransmission's answer, or not ours
    this.pending.delete(key);
    waiter.resolve(msg);
  }

  protected fail(error: Error): void {
    this.failure ??= error;
    for (const w of this.pending.values()) w.reject(error);
    this.pending.clear();
  }

  /** Registers the transaction, calls `send` (and `retransmit` on timer ticks) until answered. */
  protected transact(msg: Buffer, deadline: number, send: () => void, rto?: number): Promise<StunMessage> {
    if (this.failure) return Promise.reject(this.failure);
    const key = msg.subarray(8, 20).toString('hex');
    let timer: NodeJS.Timeout | undefined;
    const answered = new Promise<StunMessage>((resolve, reject) => {
      this.pending.set(key, { resolve, reject });
      send();
      if (rto !== undefined) {
        // RFC 5389 §7.2.1: retransmit with a doubling RTO (bounded by the deadline instead of Rc).
        let wait = rto;
        const tick = () => {
          if (!this.pending.has(key)) return;
          send();
          wait *= 2;
          timer = setTimeout(tick, wait);
        };
        timer = setTimeout(tick, wait);
      }
    });
    return beforeDeadline(answered, deadline, this.onTimeout).finally(() => {
      clearTimeout(timer);
      this.pending.delete(key);
    });
  }
}

class UdpChannel extends ChannelBase implements Channel {
  private socket: dgram.Socket;
  private closed: Promise<void> | null = null;

  constructor(
    private readonly address: string,
    private readonly port: number,
    family: 4 | 6,
    onTimeout: () => Error,
  ) {
    super(onTimeout);
    // Not connect()ed: an ICMP port-unreachable is not reported, so a dead port is a timeout as it
    // would be behind any firewall; answers from other sources are ignored below.
    this.socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    this.socket.on('message', (data, rinfo) => {
      if (rinfo.address !== this.address || rinfo.port !== this.port) return;
      const msg = decodeStun(data);
      if (msg) this.deliver(msg);
    });
    this.socket.on('error', (e) => this.fail(e));
  }

  request(msg: Buffer, deadline: number): Promise<StunMessage> {
    const send = () =>
      this.socket.send(msg, this.port, this.address, (e) => {
        if (e) this.fail(e);
      });
    return this.transact(msg, deadline, send, 500);
  }

  close(): Promise<void> {
    this.closed ??= new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // never bound, or already closed
      }
    });
    return this.closed;
  }
}

class StreamChannel extends ChannelBase implements Channel {
  private buffer: Buffer = Buffer.alloc(0);

  private constructor(
    private readonly socket: net.Socket,
    onTimeout: () => Error,
  ) {
    super(onTimeout);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('the server closed the connection')));
  }

  static async open(
    kind: 'tcp' | 'tls',
    address: string,
    port: number,
    servername: string | undefined,
    options: ProbeOptions,
    deadline: number,
    onTimeout: () => Error,
  ): Promise<StreamChannel> {
    const socket =
      kind === 'tls'
        ? tls.connect({ host: address, port, ...(servername ? { servername } : {}), ...options.tls })
        : net.connect({ host: address, port });
    const connected = new Promise<void>((resolve, reject) => {
      socket.once(kind === 'tls' ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    try {
      await beforeDeadline(connected, deadline, onTimeout);
    } catch (e) {
      await destroy(socket);
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ECONNREFUSED') throw new Error(`connection refused by ${address}:${port}`);
      if (kind === 'tls' && !(err instanceof ProbeTimeout))
        throw new Error(`TLS handshake failed: ${err.message}`);
      throw err;
    }
    return new StreamChannel(socket, onTimeout);
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    while (this.buffer.length >= 4) {
      let size: number;
      if ((this.buffer[0]! & 0xc0) === 0x40) {
        // ChannelData (RFC 8656 §12.5): padded to 4 bytes on streams; not ours, skip it.
        size = 4 + Math.ceil(this.buffer.readUInt16BE(2) / 4) * 4;
      } else if ((this.buffer[0]! & 0xc0) === 0) {
        size = HEADER + this.buffer.readUInt16BE(2);
      } else {
        this.fail(new Error('the server sent data that is not STUN'));
        this.socket.destroy();
        return;
      }
      if (this.buffer.length < size) return;
      const frame = this.buffer.subarray(0, size);
      this.buffer = this.buffer.subarray(size);
      const msg = decodeStun(frame);
      if (msg) this.deliver(msg);
    }
  }

  request(msg: Buffer, deadline: number): Promise<StunMessage> {
    return this.transact(msg, deadline, () => this.socket.write(msg));
  }

  close(): Promise<void> {
    return destroy(this.socket);
  }
}

function destroy(socket: net.Socket): Promise<void> {
  if (socket.destroyed && socket.closed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once('close', () => resolve());
    socket.destroy();
    if (socket.closed) resolve();
  });
}

interface Target {
  parsed: IceUrl;
  address: string;
  family: 4 | 6;
  label: string;
}

async function resolveTarget(parsed: IceUrl, deadline: number, onTimeout: () => Error): Promise<Target> {
  const literal = net.isIP(parsed.host);
  let address = parsed.host;
  let family = literal as 0 | 4 | 6;
  if (!literal) {
    try {
      const found = await beforeDeadline(lookup(parsed.host), deadline, onTimeout);
      address = found.address;
      family = found.family as 4 | 6;
    } catch (e) {
      if (e instanceof ProbeTimeout) throw e;
      throw new Error(`cannot resolve ${parsed.host}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
  }
  const hostLabel = parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host;
  const resolved = address === parsed.host ? '' : ` (${address})`;
  return {
    parsed,
    address,
    family: family === 6 ? 6 : 4,
    label: `${hostLabel}:${parsed.port}${resolved} over ${parsed.transport.toUpperCase()}`,
  };
}

async function openChannel(
  target: Target,
  options: ProbeOptions,
  deadline: number,
  onTimeout: () => Error,
): Promise<Channel> {
  const { parsed, address, family } = target;
  if (parsed.transport === 'udp') return new UdpChannel(address, parsed.port, family, onTimeout);
  if (parsed.transport === 'dtls') throw new Error('DTLS is not probed');
  const servername = net.isIP(parsed.host) ? undefined : parsed.host;
  return StreamChannel.open(parsed.transport, address, parsed.port, servername, options, deadline, onTimeout);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---------------------------------------------------------------------------------------------
// Probes

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

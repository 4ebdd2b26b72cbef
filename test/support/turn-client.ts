import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { isIPv4 } from 'node:net';
import {
  ATTR,
  attr,
  CLASS,
  decodeAddress,
  decodeStun,
  encodeStun,
  errorCode,
  longTermKey,
  type StunMessage,
} from '../../api/ice/stun-codec.ts';

/** TURN methods and attributes beyond what the ICE probe needs (RFC 8656, RFC 6156). */
const CREATE_PERMISSION = 0x008;
const ALLOCATE = 0x003;
const XOR_PEER_ADDRESS = 0x0012;
const REQUESTED_ADDRESS_FAMILY = 0x0017;
const MAGIC_COOKIE = 0x2112a442;

export interface TurnAnswer {
  ok: boolean;
  /** The STUN error code (401, 403, 442, …) when not ok. */
  code?: number;
  relayed?: string;
}

/** XOR-PEER-ADDRESS value for `ip` (IPv4 or IPv6) and `port`. */
function xorAddress(ip: string, port: number, transactionId: Buffer): Buffer {
  const v4 = isIPv4(ip);
  const value = Buffer.alloc(v4 ? 8 : 20);
  value[1] = v4 ? 0x01 : 0x02;
  value.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  if (v4) {
    const n = ip.split('.').reduce((a, b) => ((a << 8) | Number(b)) >>> 0, 0);
    value.writeUInt32BE((n ^ MAGIC_COOKIE) >>> 0, 4);
  } else {
    const url = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
    // Expand "::" and a dotted IPv4 tail into 16 bytes.
    const [head = '', tail = ''] = url.split('::');
    const groups = (s: string) => (s ? s.split(':') : []);
    const h = groups(head);
    const t = groups(tail);
    const all = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    const bytes = Buffer.alloc(16);
    for (const [i, g] of all.entries()) bytes.writeUInt16BE(Number.parseInt(g, 16), i * 2);
    const mask = Buffer.alloc(16);
    mask.writeUInt32BE(MAGIC_COOKIE, 0);
    transactionId.copy(mask, 4);
    for (let i = 0; i < 16; i++) value[4 + i] = bytes[i]! ^ mask[i]!;
  }
  return value;
}

/**
 * A minimal TURN client over UDP with long-term (REST) credentials: one 5-tuple, so an
 * allocation and the permissions asked for on it belong together.
 */
export class TurnClient {
  private readonly socket = dgram.createSocket('udp4');
  private realm = '';
  private nonce = Buffer.alloc(0);

  constructor(
    private readonly server: { host: string; port: number },
    private readonly credentials: { username: string; credential: string },
  ) {}

  private exchange(message: Buffer, transactionId: Buffer): Promise<StunMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.off('message', onMessage);
        reject(new Error('no answer from the TURN server within 2 s'));
      }, 2000);
      const onMessage = (buf: Buffer) => {
        const msg = decodeStun(buf);
        if (!msg?.transactionId.equals(transactionId)) return;
        clearTimeout(timer);
        this.socket.off('message', onMessage);
        resolve(msg);
      };
      this.socket.on('message', onMessage);
      this.socket.send(message, this.server.port, this.server.host);
    });
  }

  /** Sends `method` with the credentials, first learning realm and nonce from a 401. */
  private async request(method: number, attrs: Array<[number, Buffer]>): Promise<TurnAnswer> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const id = randomBytes(12);
      const auth: Array<[number, Buffer]> = this.realm
        ? [
            [ATTR.username, Buffer.from(this.credentials.username)],
            [ATTR.realm, Buffer.from(this.realm)],
            [ATTR.nonce, this.nonce],
          ]
        : [];
      const key = this.realm
        ? longTermKey(this.credentials.username, this.realm, this.credentials.credential)
        : undefined;
      const withPeer = attrs.map(([t, v]): [number, Buffer] =>
        t === XOR_PEER_ADDRESS ? [t, this.peerFor(v, id)] : [t, v],
      );
      const msg = await this.exchange(
        encodeStun(method | CLASS.request, id, [...withPeer, ...auth], key),
        id,
      );
      if ((msg.type & 0x110) === CLASS.success) {
        const relayed = attr(msg, ATTR.xorRelayedAddress);
        return {
          ok: true,
          ...(relayed ? { relayed: decodeAddress(relayed, msg.transactionId, true) } : {}),
        };
      }
      const code = errorCode(msg)?.code;
      // 401 (no credentials yet) or 438 (stale nonce): take the realm and nonce, try again.
      if ((code === 401 && !auth.length) || code === 438) {
        this.realm = attr(msg, ATTR.realm)?.toString('utf8') ?? '';
        this.nonce = Buffer.from(attr(msg, ATTR.nonce) ?? Buffer.alloc(0));
        continue;
      }
      return { ok: false, ...(code !== undefined ? { code } : {}) };
    }
    throw new Error('TURN server kept asking for credentials');
  }

  // XOR-PEER-ADDRESS depends on the transaction id: encoded late, from a placeholder.
  private peerFor(placeholder: Buffer, id: Buffer): Buffer {
    const { ip, port } = JSON.parse(placeholder.toString('utf8')) as { ip: string; port: number };
    return xorAddress(ip, port, id);
  }

  /** Allocate: `transport` 17 (UDP) or 6 (TCP, RFC 6062); `family` 1 (IPv4) or 2 (IPv6). */
  async allocate(options: { transport?: number; family?: 1 | 2 } = {}): Promise<TurnAnswer> {
    const attrs: Array<[number, Buffer]> = [
      [ATTR.requestedTransport, Buffer.from([options.transport ?? 17, 0, 0, 0])],
    ];
    if (options.family) attrs.push([REQUESTED_ADDRESS_FAMILY, Buffer.from([options.family, 0, 0, 0])]);
    return this.request(ALLOCATE, attrs);
  }

  /** CreatePermission for a peer (RFC 8656 §9): where the allocation may relay to. */
  async permit(ip: string, port = 9): Promise<TurnAnswer> {
    return this.request(CREATE_PERMISSION, [[XOR_PEER_ADDRESS, Buffer.from(JSON.stringify({ ip, port }))]]);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

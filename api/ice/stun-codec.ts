/**
 * STUN messages (RFC 5389, TURN attributes from RFC 5766/8656): encoding, decoding and the
 * checks (FINGERPRINT, MESSAGE-INTEGRITY with long-term credentials) the probes need.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const MAGIC_COOKIE = 0x2112a442;
const FINGERPRINT_XOR = 0x5354554e;
/** Length of the STUN header, in bytes. */
export const HEADER = 20;

export const METHOD = { binding: 0x001, allocate: 0x003, refresh: 0x004 } as const;
export const CLASS = { request: 0x000, success: 0x100, error: 0x110 } as const;

export const ATTR = {
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

/** REQUESTED-TRANSPORT value for UDP relays (an IANA protocol number). */
export const PROTOCOL_UDP = 17;

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

/** The value of the first attribute of this type, if any. */
export function attr(msg: StunMessage, type: number): Buffer | undefined {
  return msg.attributes.find((a) => a.type === type)?.value;
}

/** A (XOR-)MAPPED-ADDRESS-style value as `ip:port` (`[ipv6]:port`), or undefined when malformed. */
export function decodeAddress(value: Buffer, transactionId: Buffer, xor: boolean): string | undefined {
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

/** The ERROR-CODE attribute, if any. */
export function errorCode(msg: StunMessage): { code: number; reason: string } | undefined {
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

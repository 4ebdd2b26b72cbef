/**
 * base64url (RFC 4648 §5) without padding, in canonical form only (docs/protocol.md,
 * "Encodings"). Written out here rather than taken from `Buffer` or `atob` so that the
 * browser and the server decode exactly the same set of texts.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const FORMAT = /^[A-Za-z0-9_-]+$/;

const VALUES = (() => {
  const table = new Map<string, number>();
  for (let i = 0; i < ALPHABET.length; i++) table.set(ALPHABET[i]!, i);
  return table;
})();

/** The unpadded base64url text of `bytes`. */
export function toBase64url(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += ALPHABET[(value >>> bits) & 63];
    }
  }
  if (bits > 0) out += ALPHABET[(value << (6 - bits)) & 63];
  return out;
}

/**
 * The bytes of an unpadded base64url text, or null when it is not one. Canonical only: no
 * padding, and the unused low bits of the last character must be zero, so each byte string
 * has exactly one text (a lenient decoder would let two texts stand for one key or nonce).
 */
export function fromBase64url(text: unknown): Uint8Array | null {
  if (typeof text !== 'string' || !FORMAT.test(text) || text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 6) / 8));
  let bits = 0;
  let value = 0;
  let i = 0;
  for (const ch of text) {
    value = ((value << 6) | VALUES.get(ch)!) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[i++] = (value >>> bits) & 255;
    }
  }
  if ((value & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

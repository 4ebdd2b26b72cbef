const encoder = new TextEncoder();

/** The UTF-8 bytes of a text: every signed message is UTF-8 (docs/protocol.md, "Encodings"). */
export const utf8 = (text: string): Uint8Array => encoder.encode(text);

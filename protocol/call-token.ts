import { utf8 } from './utf8.ts';

/** The media of a call, as it appears in the signed token (lower case). */
export type CallTokenMedia = 'audio' | 'video';

/** What a call token signs: the caller's key over these fields (docs/protocol.md). */
export interface CallTokenFields {
  callId: string;
  from: string;
  to: string;
  media: CallTokenMedia;
  issuedAt: number;
  nonce: string;
}

/**
 * The text a caller signs to place a call: "callvault-call-v1" then callId, from, to, media,
 * issuedAt (decimal milliseconds) and nonce, one per line, no trailing newline. Fields are
 * taken as given, never normalised: the callee checks the signature over what it receives.
 */
export function callTokenText(t: CallTokenFields): string {
  return ['callvault-call-v1', t.callId, t.from, t.to, t.media, String(t.issuedAt), t.nonce].join('\n');
}

/** The exact bytes of a call token's signature: the UTF-8 of `callTokenText`. */
export function callTokenMessage(t: CallTokenFields): Uint8Array {
  return utf8(callTokenText(t));
}

import { createHash } from 'node:crypto';
import type { CallMedia } from './events.ts';

/** What a call token signs: the caller's key over these fields (docs/protocol.md). */
export interface CallTokenFields {
  callId: string;
  from: string;
  to: string;
  media: CallMedia;
  issuedAt: number;
  nonce: string;
}

export const CALL_TOKEN = {
  /** A token is good for this long after issuedAt. */
  validityMs: 60_000,
  /** Tolerated clock skew: issuedAt may be this far in the server's future. */
  skewMs: 10_000,
};

/** UTF-8 of "callvault-call-v1\n" + callId, from, to, media, issuedAt (decimal ms), nonce, one per line. */
export function callTokenMessage(t: CallTokenFields): Buffer {
  return Buffer.from(
    ['callvault-call-v1', t.callId, t.from, t.to, t.media, String(t.issuedAt), t.nonce].join('\n'),
    'utf8',
  );
}

/** Key under which a used nonce is remembered (per caller, so nonces need only be unique per key). */
export const nonceKey = (from: string, nonce: string) =>
  `call-nonce:${createHash('sha256').update(`${from}\n${nonce}`).digest('base64url')}`;

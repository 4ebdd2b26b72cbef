import { createHash } from 'node:crypto';

// The server's rules for call tokens. The signed bytes themselves are protocol/call-token.ts.

export const CALL_TOKEN = {
  /** A token is good for this long after issuedAt. */
  validityMs: 60_000,
  /** Tolerated clock skew: issuedAt may be this far in the server's future. */
  skewMs: 10_000,
};

/** Key under which a used nonce is remembered (per caller, so nonces need only be unique per key). */
export const nonceKey = (from: string, nonce: string) =>
  `call-nonce:${createHash('sha256').update(`${from}\n${nonce}`).digest('base64url')}`;

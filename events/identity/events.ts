/** Facts about identities and their sessions (stream `identity-<address>`). */
export type IdentityEvent =
  | { type: 'IdentityRegistered'; data: { address: string; publicKey: string; displayName: string } }
  | { type: 'DisplayNameChanged'; data: { displayName: string } }
  | {
      type: 'SessionStarted';
      /** Only the SHA-256 of the token is ever recorded. `expiresAt` is ms since the epoch. */
      data: { sessionId: string; tokenHash: string; expiresAt: number; device: string };
    }
  | { type: 'SessionEnded'; data: { sessionId: string; reason: SessionEndReason } }
  /**
   * A host site (an origin with an EMBED_SITE_SECRETS secret) vouched, in a signed assertion
   * the server verified, that this identity is its user `subject` (docs/embedding.md,
   * "Verified handover"). It changes no key and no session. `expiresAt`: the assertion's, ms.
   */
  | {
      type: 'EmbedIdentityVouched';
      data: { site: string; subject: string; name: string | null; nonce: string; expiresAt: number };
    };

/**
 * Why a session ended: its own sign-out; one sign-out of every session of the identity (one
 * event per session, appended together); `revoked` is reserved for an operator.
 */
export type SessionEndReason = 'signed_out' | 'signed_out_everywhere' | 'revoked';

export type IdentityEventType = IdentityEvent['type'];

export const identityStream = (address: string) => `identity-${address}`;
export const IDENTITY_STREAM_PREFIX = 'identity-';

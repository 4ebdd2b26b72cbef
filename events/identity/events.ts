/** Facts about identities and their sessions (stream `identity-<address>`). */
export type IdentityEvent =
  | { type: 'IdentityRegistered'; data: { address: string; publicKey: string; displayName: string } }
  | { type: 'DisplayNameChanged'; data: { displayName: string } }
  | {
      type: 'SessionStarted';
      /** Only the SHA-256 of the token is ever recorded. `expiresAt` is ms since the epoch. */
      data: { sessionId: string; tokenHash: string; expiresAt: number; device: string };
    }
  | { type: 'SessionEnded'; data: { sessionId: string; reason: 'signed_out' | 'revoked' } };

export type IdentityEventType = IdentityEvent['type'];

export const identityStream = (address: string) => `identity-${address}`;
export const IDENTITY_STREAM_PREFIX = 'identity-';

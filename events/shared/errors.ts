/**
 * A rule of the domain said no. `code` is stable and reaches API clients as
 * `extensions.code`; the message is safe to show.
 */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export type DomainErrorCode =
  | 'BAD_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'CHALLENGE_INVALID'
  | 'SIGNATURE_INVALID'
  | 'ADDRESS_INVALID'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_REPLAYED'
  /** A verified-handover assertion that is malformed, forged, expired or for another site. */
  | 'HANDOVER_INVALID'
  /** A log position past the end of this log (a restore or a demo-mode restart): resync. */
  | 'CURSOR_AHEAD';

import { createHash } from 'node:crypto';

/** What a push carries to the service worker (docs/protocol.md, "Push payload"). */
export type PushPayload =
  | {
      v: 1;
      kind: 'message' | 'message-request';
      from: string;
      fromName: string;
      /** The conversation to open: the peer's address. */
      conversation: string;
      messageId: string;
      position: number;
      at: number;
      /** Only for a device that opted in to message text. */
      body?: string;
    }
  | {
      v: 1;
      kind: 'call';
      from: string;
      fromName: string;
      callId: string;
      media: string;
      position: number;
      at: number;
      /** When the call stops ringing (ms since the epoch). */
      ringsUntil: number;
    }
  | {
      v: 1;
      kind: 'call-ended';
      from: string;
      fromName: string;
      callId: string;
      outcome: 'missed' | 'cancelled' | 'answered-elsewhere' | 'declined-elsewhere';
      position: number;
      at: number;
    };

/** Longest message text carried (a push payload holds at most ~4 KB after encryption). */
export const PUSH_BODY_MAX = 1000;

/**
 * A `Topic` header (≤ 32 base64url characters): a push service keeps only the newest
 * undelivered notification per topic, so a burst in one conversation reaches an offline
 * device as one notification. Hashed so the topic reveals nothing to the push service.
 */
export function topicOf(kind: 'conversation' | 'call', owner: string, key: string): string {
  return createHash('sha256').update(`${kind}\n${owner}\n${key}`).digest('base64url').slice(0, 32);
}

export function truncateBody(body: string): string {
  if (body.length <= PUSH_BODY_MAX) return body;
  // Never cut a surrogate pair in half.
  const cut = body.slice(0, PUSH_BODY_MAX - 1);
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}

import { fromBase64url } from '../../protocol/base64url.ts';
import type { Decider } from '../shared/decider.ts';
import { DomainError } from '../shared/errors.ts';
import { unreachable } from '../shared/never.ts';
import {
  PUSH_ENDPOINT_MAX,
  type PushEvent,
  type PushRemovalReason,
  type PushSubscriptionData,
} from './events.ts';

export type PushCommand =
  | {
      type: 'Subscribe';
      subscription: PushSubscriptionData;
      /** The session is live (checked by the caller against the directory). */
      sessionLive: boolean;
      /** Plain-http endpoints on loopback are accepted (never in production). */
      allowLoopbackHttp: boolean;
    }
  | { type: 'Unsubscribe'; by: { sessionId: string } | { endpoint: string }; reason: PushRemovalReason };

/** Subscriptions of one identity, by session. */
export type PushState = Map<string, PushSubscriptionData>;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Why `endpoint` is not acceptable, or null. */
export function endpointProblem(endpoint: unknown, allowLoopbackHttp: boolean): string | null {
  if (typeof endpoint !== 'string' || endpoint.length === 0) return 'endpoint is required';
  if (endpoint.length > PUSH_ENDPOINT_MAX) return `endpoint is longer than ${PUSH_ENDPOINT_MAX} characters`;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'endpoint is not a URL';
  }
  if (url.username || url.password) return 'endpoint must not carry credentials';
  if (url.hash) return 'endpoint must not have a fragment';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && allowLoopbackHttp && LOOPBACK.has(url.hostname)) return null;
  return 'endpoint must be an https:// URL';
}

/** Why the keys are not acceptable (lengths and form; the curve check is the caller's), or null. */
export function keysProblem(p256dh: unknown, auth: unknown): string | null {
  const key = typeof p256dh === 'string' ? fromBase64url(p256dh) : null;
  if (key?.length !== 65 || key[0] !== 4)
    return 'p256dh must be a 65-byte uncompressed P-256 public key in base64url';
  const secret = typeof auth === 'string' ? fromBase64url(auth) : null;
  if (secret?.length !== 16) return 'auth must be a 16-byte secret in base64url';
  return null;
}

export const pushDecider: Decider<PushCommand, PushEvent, PushState> = {
  initial: () => new Map(),
  decide(command, state) {
    switch (command.type) {
      case 'Subscribe': {
        const s = command.subscription;
        if (!command.sessionLive) throw new DomainError('UNAUTHENTICATED', 'the session is not live');
        const problem =
          endpointProblem(s.endpoint, command.allowLoopbackHttp) ?? keysProblem(s.p256dh, s.auth);
        if (problem) throw new DomainError('BAD_INPUT', problem);
        const current = state.get(s.sessionId);
        if (
          current &&
          current.endpoint === s.endpoint &&
          current.p256dh === s.p256dh &&
          current.auth === s.auth &&
          current.includeBody === s.includeBody
        )
          return [];
        // One endpoint is one device: another session that holds it gives it up.
        const replaced: PushEvent[] = [...state.values()]
          .filter((o) => o.endpoint === s.endpoint && o.sessionId !== s.sessionId)
          .map((o) => ({
            type: 'PushUnsubscribed',
            data: { sessionId: o.sessionId, endpoint: o.endpoint, reason: 'replaced' },
          }));
        return [...replaced, { type: 'PushSubscribed', data: { ...s } }];
      }
      case 'Unsubscribe': {
        const by = command.by;
        const gone = [...state.values()].filter((o) =>
          'sessionId' in by ? o.sessionId === by.sessionId : o.endpoint === by.endpoint,
        );
        return gone.map((o) => ({
          type: 'PushUnsubscribed',
          data: { sessionId: o.sessionId, endpoint: o.endpoint, reason: command.reason },
        }));
      }
      default:
        return unreachable(command, 'push command');
    }
  },
  evolve(state, event) {
    const next = new Map(state);
    if (event.type === 'PushSubscribed') next.set(event.data.sessionId, event.data);
    else next.delete(event.data.sessionId);
    return next;
  },
};

/**
 * Facts about an identity's Web Push subscriptions (stream `push-<address>`): one per signed-in
 * device, keyed by the session that registered it. A session that ends (sign-out, revocation)
 * takes its subscription with it: the projection drops it on `SessionEnded`.
 */
export type PushRemovalReason = 'user' | 'gone' | 'replaced';

export interface PushSubscriptionData {
  sessionId: string;
  /** The push service's URL for this device (https, at most PUSH_ENDPOINT_MAX characters). */
  endpoint: string;
  /** The device's P-256 public key: 65 bytes, uncompressed point, base64url. */
  p256dh: string;
  /** The device's authentication secret: 16 bytes, base64url. */
  auth: string;
  /** The user opted in to message text in notifications (off by default). */
  includeBody: boolean;
}

export type PushEvent =
  | { type: 'PushSubscribed'; data: PushSubscriptionData }
  | { type: 'PushUnsubscribed'; data: { sessionId: string; endpoint: string; reason: PushRemovalReason } };

export type PushEventType = PushEvent['type'];
export const PUSH_STREAM_PREFIX = 'push-';
export const pushStream = (address: string) => `${PUSH_STREAM_PREFIX}${address}`;
/** Longest endpoint accepted (real services use 150–500 characters). */
export const PUSH_ENDPOINT_MAX = 1024;

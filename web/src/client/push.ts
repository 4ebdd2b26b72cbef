import { fromBase64url } from '../../../protocol/base64url.ts';
import { PushSetupQuery, RegisterPush, UnregisterPush } from '../graphql/push.ts';
import { type Api, ApiError } from './api.ts';

/** What the settings show about push on this device. */
export interface PushStatus {
  /** This browser can do Web Push (service worker + PushManager + Notification). */
  supported: boolean;
  /** The server has VAPID keys (push is on there). */
  serverOn: boolean;
  /** The browser's notification permission for this origin. */
  permission: NotificationPermission | 'unsupported';
  /** The server holds a subscription for this session. */
  enabled: boolean;
  includeBody: boolean;
}

const supported = () =>
  typeof navigator !== 'undefined' &&
  'serviceWorker' in navigator &&
  typeof PushManager !== 'undefined' &&
  typeof Notification !== 'undefined';

/**
 * This device's Web Push subscription: asks the permission, subscribes with the server's VAPID
 * key, and registers the endpoint and keys with the server (one per session; signing out
 * removes it there). Notifications are shown by the service worker (web/src/app/sw.ts).
 */
export class PushSetup {
  constructor(private readonly api: () => Api) {}

  async status(): Promise<PushStatus> {
    const r = await this.api().request(PushSetupQuery, {});
    return {
      supported: supported(),
      serverOn: r.pushPublicKey !== null && r.pushPublicKey !== undefined,
      permission: supported() ? Notification.permission : 'unsupported',
      enabled: !!r.pushDevice,
      includeBody: r.pushDevice?.includeBody ?? false,
    };
  }

  /** Turns notifications on for this device (asks the permission if not yet given). */
  async enable(includeBody: boolean): Promise<void> {
    if (!supported()) throw new ApiError('this browser cannot receive push notifications', 'UNSUPPORTED');
    const { pushPublicKey } = await this.api().request(PushSetupQuery, {});
    if (!pushPublicKey) throw new ApiError('push notifications are off on this server', 'FORBIDDEN');
    const permission = await Notification.requestPermission();
    if (permission !== 'granted') throw new ApiError('notifications are blocked for this site', 'FORBIDDEN');
    const registration = await navigator.serviceWorker.ready;
    const key = fromBase64url(pushPublicKey)!;
    let subscription = await registration.pushManager.getSubscription();
    // A subscription made for another server key cannot be used: make a new one.
    const current = subscription?.options.applicationServerKey;
    if (subscription && current && !sameBytes(new Uint8Array(current), key)) {
      await subscription.unsubscribe();
      subscription = null;
    }
    subscription ??= await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: key as Uint8Array<ArrayBuffer>,
    });
    const json = subscription.toJSON();
    await this.api().request(RegisterPush, {
      endpoint: subscription.endpoint,
      p256dh: json.keys?.p256dh ?? '',
      auth: json.keys?.auth ?? '',
      includeBody,
    });
  }

  /** Turns notifications off for this device, on the server and in the browser. */
  async disable(): Promise<void> {
    await this.api().request(UnregisterPush, {});
    if (!supported()) return;
    const registration = await navigator.serviceWorker.getRegistration();
    await (await registration?.pushManager.getSubscription())?.unsubscribe();
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

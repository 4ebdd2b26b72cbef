import type { PushSubscriptionData } from '../../events/push/events.ts';
import type { IdentityQueries } from '../identity/queries.ts';
import type { ReadModels } from '../read-models.ts';
import type { Viewer } from '../services.ts';

/** Reads of push subscriptions and the key browsers subscribe with. */
export class PushQueries {
  constructor(
    private readonly readModels: ReadModels,
    private readonly identity: IdentityQueries,
    /** The VAPID public key (base64url), or null when push is off. */
    readonly publicKey: string | null,
  ) {}

  /** `address`'s devices to notify: subscriptions of sessions still live (not expired). */
  devices(address: string): PushSubscriptionData[] {
    const subs = this.readModels.runners.pushSubscriptions.state.byAddress.get(address);
    if (!subs) return [];
    return [...subs.values()].filter((s) => this.identity.isViewerLive({ address, sessionId: s.sessionId }));
  }

  /** The subscription of the viewer's own session (this device), if any. */
  mine(viewer: Viewer): PushSubscriptionData | null {
    return (
      this.readModels.runners.pushSubscriptions.state.byAddress.get(viewer.address)?.get(viewer.sessionId) ??
      null
    );
  }
}

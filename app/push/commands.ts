import { ECDH } from 'node:crypto';
import { keysProblem, pushDecider } from '../../events/push/decide.ts';
import { type PushSubscriptionData, pushStream } from '../../events/push/events.ts';
import { DomainError } from '../../events/shared/errors.ts';
import type { EventLog, EventMetadata } from '../../events/store/types.ts';
import type { IdentityQueries } from '../identity/queries.ts';
import type { ReadModels } from '../read-models.ts';
import type { Viewer } from '../services.ts';
import { handle } from '../write.ts';
import type { PushQueries } from './queries.ts';

/** True when `p256dh` (base64url) is a point on P-256; the decider checks the length first. */
function onCurve(p256dh: string): boolean {
  try {
    ECDH.convertKey(Buffer.from(p256dh, 'base64url'), 'prime256v1', undefined, undefined, 'uncompressed');
    return true;
  } catch {
    return false;
  }
}

/** Registering and removing this device's push subscription; removal of gone endpoints. */
export class PushCommands {
  constructor(
    private readonly deps: {
      log: EventLog;
      readModels: ReadModels;
      identity: IdentityQueries;
      push: PushQueries;
      allowLoopbackHttp: boolean;
    },
  ) {}

  /** Registers (or updates) the push subscription of the viewer's session. */
  async register(
    viewer: Viewer,
    input: { endpoint: string; p256dh: string; auth: string; includeBody: boolean },
    metadata: EventMetadata,
  ): Promise<PushSubscriptionData> {
    if (!this.deps.push.publicKey)
      throw new DomainError('FORBIDDEN', 'push notifications are off on this server');
    // The decider checks lengths; the curve check needs node:crypto, which it does not import.
    if (keysProblem(input.p256dh, input.auth) === null && !onCurve(input.p256dh))
      throw new DomainError('BAD_INPUT', 'p256dh is not a point on the P-256 curve');
    const subscription: PushSubscriptionData = { sessionId: viewer.sessionId, ...input };
    await handle(
      this.deps,
      { stream: pushStream(viewer.address), decider: pushDecider, strategy: 'fold' },
      {
        type: 'Subscribe',
        subscription,
        sessionLive: this.deps.identity.isViewerLive(viewer),
        allowLoopbackHttp: this.deps.allowLoopbackHttp,
      },
      { ...metadata, actor: viewer.address },
    );
    return this.deps.push.mine(viewer)!;
  }

  /** Removes this device's subscription (no-op without one). */
  async unregister(viewer: Viewer, metadata: EventMetadata): Promise<boolean> {
    const { events } = await handle(
      this.deps,
      { stream: pushStream(viewer.address), decider: pushDecider, strategy: 'fold' },
      { type: 'Unsubscribe', by: { sessionId: viewer.sessionId }, reason: 'user' },
      { ...metadata, actor: viewer.address },
    );
    return events.length > 0;
  }

  /** The push service said the endpoint is gone (404/410): never use it again. */
  async removeGone(address: string, endpoint: string): Promise<void> {
    await handle(
      this.deps,
      { stream: pushStream(address), decider: pushDecider, strategy: 'fold' },
      { type: 'Unsubscribe', by: { endpoint }, reason: 'gone' },
      { actor: 'system' },
    );
  }
}

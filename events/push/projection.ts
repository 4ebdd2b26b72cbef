import { classify } from '../catalog.ts';
import type { Projection } from '../projections/projection.ts';
import type { JsonValue } from '../store/types.ts';
import type { PushSubscriptionData } from './events.ts';

/** Every identity's live push subscriptions: by address, then by session. */
export interface PushSubscriptions {
  byAddress: Map<string, Map<string, PushSubscriptionData>>;
  /** Session → address, to drop a subscription when its session ends. */
  ownerOfSession: Map<string, string>;
}

/**
 * Push subscriptions as the log says: registered and removed by `push-<address>` events, and
 * dropped when the session that registered one ends (sign-out or revocation), so a device
 * that signed out is never notified again.
 */
export const pushSubscriptions: Projection<PushSubscriptions> = {
  name: 'pushSubscriptions',
  initial: () => ({ byAddress: new Map(), ownerOfSession: new Map() }),
  evolve(state, recorded) {
    const c = classify(recorded);
    if (c.domain === 'push') {
      let subs = state.byAddress.get(c.address);
      if (c.event.type === 'PushSubscribed') {
        if (!subs) {
          subs = new Map();
          state.byAddress.set(c.address, subs);
        }
        subs.set(c.event.data.sessionId, c.event.data);
        state.ownerOfSession.set(c.event.data.sessionId, c.address);
      } else {
        subs?.delete(c.event.data.sessionId);
        state.ownerOfSession.delete(c.event.data.sessionId);
        if (subs?.size === 0) state.byAddress.delete(c.address);
      }
    } else if (c.domain === 'identity' && c.event.type === 'SessionEnded') {
      const owner = state.ownerOfSession.get(c.event.data.sessionId);
      if (owner) {
        const subs = state.byAddress.get(owner);
        subs?.delete(c.event.data.sessionId);
        if (subs?.size === 0) state.byAddress.delete(owner);
        state.ownerOfSession.delete(c.event.data.sessionId);
      }
    }
    return state;
  },
  snapshot: (state): JsonValue =>
    Object.fromEntries(
      [...state.byAddress].map(([address, subs]) => [
        address,
        Object.fromEntries([...subs].map(([sid, s]) => [sid, { ...s }])),
      ]),
    ),
};

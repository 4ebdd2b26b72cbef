import type { CallPhase } from '../../../embed/src/protocol.ts';
import type { CallVaultClient } from '../../client/client.ts';
import type { FeedItem } from '../../client/feed.ts';
import type { HostBridge } from './bridge.ts';

/** Frames of one host page share storage (one partition): they tell each other about sign-in. */
const CHANNEL = 'callvault-embed';

/**
 * Turns the client's state into the embed's events: sign-in and sign-out, each message (no
 * body: it stays in the frame), the unread total and the call's phase. Starts from the state
 * at `ready`, so only changes after it are events.
 */
export function observe(client: CallVaultClient, bridge: HostBridge, signInAgain: () => void): void {
  let signedIn = client.phase === 'signed-in';
  let unread = unreadOf(client);
  let call = callKey(client);
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;
  channel?.addEventListener('message', (event: MessageEvent) => {
    if (event.data === 'signed-in') signInAgain();
    if (event.data === 'signed-out' && client.phase === 'signed-in') void client.signOut();
  });

  client.addEventListener('item', (event) => {
    const item = (event as CustomEvent<FeedItem>).detail;
    if (item.__typename === 'MessageAdded') {
      const m = item.message;
      bridge.emit('message', { id: m.id, from: m.from, outgoing: m.outgoing, sentAt: m.sentAt });
    }
  });

  client.addEventListener('change', () => {
    const me = client.me;
    if (client.phase === 'signed-in' && me && !signedIn) {
      signedIn = true;
      bridge.emit('signed-in', { address: me.address, displayName: me.displayName });
      channel?.postMessage('signed-in');
    } else if (client.phase === 'signed-out' && signedIn) {
      signedIn = false;
      bridge.emit('signed-out', {});
      channel?.postMessage('signed-out');
    }
    const count = unreadOf(client);
    if (count !== unread) {
      unread = count;
      bridge.emit('unread-changed', { count });
    }
    const key = callKey(client);
    if (key !== call) {
      call = key;
      const c = client.calls.call;
      bridge.emit('call-state', {
        callId: c?.callId ?? null,
        peer: c?.peer ?? null,
        media: c ? (c.media === 'VIDEO' ? 'video' : 'audio') : null,
        phase: (c?.phase ?? 'idle') as CallPhase,
        reason: c?.reason ?? null,
      });
    }
  });
}

const unreadOf = (client: CallVaultClient) =>
  (client.chats?.conversations() ?? []).reduce((sum, c) => sum + c.unreadCount, 0);

const callKey = (client: CallVaultClient) => {
  const c = client.calls.call;
  return c ? `${c.callId}:${c.phase}` : 'idle';
};

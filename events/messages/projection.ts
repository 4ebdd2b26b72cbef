import { classify } from '../catalog.ts';
import type { Projection } from '../projections/projection.ts';
import { partitionPoint } from '../shared/sorted.ts';
import type { JsonValue, RecordedEvent } from '../store/types.ts';

export interface MessageView {
  id: string;
  position: number;
  from: string;
  to: string;
  body: string;
  /** The body as first sent (edits change `body`): a retried send is compared with it. */
  sentBody: string;
  sentAt: number;
  editedAt: number | null;
  deleted: boolean;
  withheld: boolean;
}

/** One side's view of a conversation. */
export interface ConversationView {
  owner: string;
  peer: string;
  /** Messages this owner may see, in log order. */
  messages: MessageView[];
  /** Positions of the peer's messages to the owner not deleted, ascending (unread counting). */
  fromPeer: number[];
  /** How far the owner acknowledged the peer's messages. */
  deliveredUpTo: number;
  readUpTo: number;
  /** How far the peer acknowledged the owner's messages. */
  peerDeliveredUpTo: number;
  peerReadUpTo: number;
  lastActivity: number;
}

export interface Conversations {
  byOwner: Map<string, Map<string, ConversationView>>;
  messages: Map<string, MessageView>;
}

function side(state: Conversations, owner: string, peer: string): ConversationView {
  let mine = state.byOwner.get(owner);
  if (!mine) {
    mine = new Map();
    state.byOwner.set(owner, mine);
  }
  let c = mine.get(peer);
  if (!c) {
    c = {
      owner,
      peer,
      messages: [],
      fromPeer: [],
      deliveredUpTo: 0,
      readUpTo: 0,
      peerDeliveredUpTo: 0,
      peerReadUpTo: 0,
      lastActivity: 0,
    };
    mine.set(peer, c);
  }
  return c;
}

/** Count of entries in an ascending array greater than `x`. */
export function countAbove(sorted: number[], x: number): number {
  return sorted.length - partitionPoint(sorted, (v) => v <= x);
}

/** Every conversation from both sides, with receipts and unread counts. */
export const conversations: Projection<Conversations> = {
  name: 'conversations',
  initial: () => ({ byOwner: new Map(), messages: new Map() }),
  evolve(state, recorded: RecordedEvent) {
    const c = classify(recorded);
    if (c.domain !== 'messages') return state;
    const e = c.event;
    const at = recorded.time.getTime();
    switch (e.type) {
      case 'MessageSent': {
        const { messageId, from, to, body, withheld } = e.data;
        const m: MessageView = {
          id: messageId,
          position: recorded.position,
          from,
          to,
          body,
          sentBody: body,
          sentAt: at,
          editedAt: null,
          deleted: false,
          withheld,
        };
        state.messages.set(messageId, m);
        const mine = side(state, from, to);
        mine.messages.push(m);
        mine.lastActivity = recorded.position;
        if (!withheld) {
          const theirs = side(state, to, from);
          theirs.messages.push(m);
          theirs.fromPeer.push(recorded.position);
          theirs.lastActivity = recorded.position;
        }
        break;
      }
      case 'MessageEdited':
      case 'MessageDeleted': {
        const m = state.messages.get(e.data.messageId);
        if (!m || m.deleted) break; // an edit that lost the race with a delete changes nothing
        if (e.type === 'MessageEdited') {
          m.body = e.data.body;
          m.editedAt = at;
        } else {
          m.deleted = true;
          m.body = '';
          // Gone for everyone: it no longer waits to be read either.
          if (!m.withheld) {
            const fromPeer = side(state, m.to, m.from).fromPeer;
            const at = partitionPoint(fromPeer, (p) => p < m.position);
            if (fromPeer[at] === m.position) fromPeer.splice(at, 1);
          }
        }
        break;
      }
      case 'MessagesDelivered':
      case 'MessagesRead': {
        const { by, peer, upTo } = e.data;
        const reader = side(state, by, peer);
        const writer = side(state, peer, by);
        reader.deliveredUpTo = Math.max(reader.deliveredUpTo, upTo);
        writer.peerDeliveredUpTo = Math.max(writer.peerDeliveredUpTo, upTo);
        if (e.type === 'MessagesRead') {
          reader.readUpTo = Math.max(reader.readUpTo, upTo);
          writer.peerReadUpTo = Math.max(writer.peerReadUpTo, upTo);
        }
        break;
      }
    }
    return state;
  },
  snapshot(state): JsonValue {
    const out: Record<string, JsonValue> = {};
    for (const [owner, peers] of state.byOwner) {
      for (const [peer, c] of peers) {
        out[`${owner} ${peer}`] = {
          messages: c.messages.map((m) => ({ ...m })),
          unread: countAbove(c.fromPeer, c.readUpTo),
          deliveredUpTo: c.deliveredUpTo,
          readUpTo: c.readUpTo,
          peerDeliveredUpTo: c.peerDeliveredUpTo,
          peerReadUpTo: c.peerReadUpTo,
          lastActivity: c.lastActivity,
        };
      }
    }
    return out;
  },
};

export const unreadCount = (c: ConversationView) => countAbove(c.fromPeer, c.readUpTo);

/** A message's state as its sender sees it. */
export function messageStatus(c: ConversationView, m: MessageView): 'SENT' | 'DELIVERED' | 'READ' {
  if (m.withheld) return 'SENT';
  if (m.position <= c.peerReadUpTo) return 'READ';
  if (m.position <= c.peerDeliveredUpTo) return 'DELIVERED';
  return 'SENT';
}

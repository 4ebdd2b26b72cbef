import type { ConversationsQuery, HistoryQuery, MessageStatus } from '../gql/graphql.ts';
import type { FeedItem } from './feed.ts';
import type { OutgoingMessage } from './outbox.ts';

/** A message as the screens show it. `PENDING` is ours: still in the outbox. */
export interface ChatMessage {
  id: string;
  position: number;
  from: string;
  body: string | null;
  sentAt: number;
  outgoing: boolean;
  status: MessageStatus | 'PENDING' | 'FAILED' | null;
  deleted: boolean;
  editedAt: number | null;
}

export interface Conversation {
  peer: string;
  name: string | null;
  isRequest: boolean;
  unreadCount: number;
  last: ChatMessage | null;
}

/** What a device keeps of its chats to show them without a network (cache.ts). */
export interface ChatsSnapshot {
  conversations: Conversation[];
  messages: [peer: string, messages: ChatMessage[]][];
  receipts: [peer: string, watermarks: { delivered: number; read: number }][];
  /** Where older history starts, per peer (null: the oldest message is in the snapshot). */
  older: [peer: string, before: number | null][];
}

/** How much a snapshot may hold: the newest conversations, their newest messages, a text budget. */
export interface SnapshotLimits {
  conversations: number;
  messagesPerConversation: number;
  /** Characters of message text in all, newest first: a few long messages cannot fill the disk. */
  bodyChars: number;
}

type ServerConversation = ConversationsQuery['conversations'][number];
type HistoryMessage = HistoryQuery['messages']['messages'][number];

/**
 * Conversations and their messages, folded from the server's answers and the feed. Pure
 * state: no I/O, so every rule here (receipts, unread counts, pending marks) is unit-tested.
 */
export class Chats {
  readonly me: string;
  #conversations = new Map<string, Conversation>();
  #messages = new Map<string, ChatMessage[]>();
  /** Where older history starts, per peer: null when the oldest message is loaded. */
  #older = new Map<string, number | null>();
  /** Watermarks of what the peer acknowledged of our messages. */
  #receipts = new Map<string, { delivered: number; read: number }>();
  /** Peers whose messages came from a saved view, until the server's newest page replaces them. */
  #saved = new Set<string>();

  constructor(me: string) {
    this.me = me;
  }

  conversations(): Conversation[] {
    return [...this.#conversations.values()].sort(
      (a, b) => (b.last?.sentAt ?? 0) - (a.last?.sentAt ?? 0) || a.peer.localeCompare(b.peer),
    );
  }

  conversation(peer: string): Conversation | undefined {
    return this.#conversations.get(peer);
  }

  /** Messages with a peer, oldest first, the outbox's pending ones last. */
  messages(peer: string, outbox: readonly OutgoingMessage[] = []): ChatMessage[] {
    const known = this.#messages.get(peer) ?? [];
    const ids = new Set(known.map((m) => m.id));
    const pending = outbox
      .filter((m) => m.to === peer && !ids.has(m.id))
      .map<ChatMessage>((m) => ({
        id: m.id,
        position: Number.MAX_SAFE_INTEGER,
        from: this.me,
        body: m.body,
        sentAt: m.createdAt,
        outgoing: true,
        status: m.failed ? 'FAILED' : 'PENDING',
        deleted: false,
        editedAt: null,
      }));
    return [...known.map((m) => this.#withReceipts(peer, m)), ...pending];
  }

  setConversations(list: readonly ServerConversation[]): void {
    this.#conversations = new Map(
      list.map((c) => [
        c.peer,
        {
          peer: c.peer,
          name: c.nickname ?? c.displayName,
          isRequest: c.isRequest,
          unreadCount: c.unreadCount,
          last: c.lastMessage
            ? {
                ...c.lastMessage,
                position: 0,
                from: c.lastMessage.outgoing ? this.me : c.peer,
                deleted: c.lastMessage.body === null,
                editedAt: null,
              }
            : null,
        },
      ]),
    );
  }

  /**
   * A page of history (oldest first), merged with what is known. `before` is the cursor of the
   * next older page (null: none). The newest page, loaded again on reopen, does not reset a
   * cursor that older pages already moved further back.
   */
  addHistory(peer: string, page: readonly HistoryMessage[], before: number | null = null): void {
    if (this.#saved.delete(peer)) {
      // The server's newest page is the truth: saved messages older than it would sit above a
      // gap (or, when it is the whole history, are no longer there).
      const oldest = page[0]?.position ?? Number.POSITIVE_INFINITY;
      this.#messages.set(
        peer,
        (this.#messages.get(peer) ?? []).filter((m) => m.position >= oldest),
      );
      // And its cursor replaces the snapshot's.
      this.#older.delete(peer);
    }
    for (const m of page) this.#upsert(peer, { ...m });
    const known = this.#older.get(peer);
    if (known === undefined || (known !== null && (before === null || before < known))) {
      this.#older.set(peer, before);
    }
  }

  /** The cursor for the next older page, or null when everything is loaded. */
  olderCursor(peer: string): number | null {
    return this.#older.get(peer) ?? null;
  }

  /** Names from the address book, for conversations that have none yet. */
  name(peer: string, name: string | null): void {
    const c = this.#conversations.get(peer);
    if (c && name) c.name = name;
  }

  /** Marks the conversation read here (the server is told by the client). */
  markReadLocally(peer: string): void {
    const c = this.#conversations.get(peer);
    if (c) c.unreadCount = 0;
  }

  /** The newest position of a message from the peer, for receipts (0 when none). */
  lastIncoming(peer: string): number {
    const list = this.#messages.get(peer) ?? [];
    for (let i = list.length - 1; i >= 0; i--) if (!list[i]!.outgoing) return list[i]!.position;
    return 0;
  }

  /** Folds one feed item in; returns true when something shown changed. */
  apply(item: FeedItem, open: string | null): boolean {
    switch (item.__typename) {
      case 'MessageAdded': {
        const m = item.message;
        const peer = m.outgoing ? m.to : m.from;
        const message: ChatMessage = { ...m, deleted: m.body === null, editedAt: null };
        const isNew = this.#upsert(peer, message);
        const c = this.#conversations.get(peer) ?? {
          peer,
          name: null,
          isRequest: false,
          unreadCount: 0,
          last: null,
        };
        if (!c.last || c.last.sentAt <= m.sentAt) c.last = message;
        if (isNew && !m.outgoing && open !== peer) c.unreadCount += 1;
        this.#conversations.set(peer, c);
        return true;
      }
      case 'MessageChanged':
        return this.changeMessage(item.message);
      case 'ReceiptsChanged': {
        // `by` acknowledged `peer`'s messages: ours when peer is me.
        if (item.peer === this.me) {
          this.#receipts.set(item.by, { delivered: item.deliveredUpTo, read: item.readUpTo });
        } else if (item.by === this.me) {
          const c = this.#conversations.get(item.peer);
          if (c) {
            const unread = (this.#messages.get(item.peer) ?? []).filter(
              (m) => !m.outgoing && m.position > item.readUpTo,
            ).length;
            c.unreadCount = unread;
          }
        }
        return true;
      }
      default:
        return false;
    }
  }

  /** An edit or a deletion (from the feed, or our own mutation's answer); false when unknown. */
  changeMessage(change: {
    id: string;
    body: string | null;
    deleted: boolean;
    editedAt: number | null;
  }): boolean {
    for (const [peer, list] of this.#messages) {
      const found = list.find((x) => x.id === change.id);
      if (!found) continue;
      Object.assign(found, { body: change.body, deleted: change.deleted, editedAt: change.editedAt });
      const c = this.#conversations.get(peer);
      if (c?.last?.id === change.id) c.last = { ...found };
      return true;
    }
    return false;
  }

  /**
   * The newest conversations and, for each, its newest messages (oldest first), within the
   * limits. Messages are copies: the snapshot does not change with the chats.
   */
  snapshot(limits: SnapshotLimits): ChatsSnapshot {
    const conversations = this.conversations().slice(0, limits.conversations);
    let budget = limits.bodyChars;
    const messages: ChatsSnapshot['messages'] = [];
    const older: ChatsSnapshot['older'] = [];
    for (const c of conversations) {
      const kept: ChatMessage[] = [];
      const list = this.#messages.get(c.peer) ?? [];
      for (let i = list.length - 1; i >= 0 && kept.length < limits.messagesPerConversation; i--) {
        const m = list[i]!;
        budget -= m.body?.length ?? 0;
        if (budget < 0) break;
        kept.unshift({ ...m });
      }
      if (kept.length > 0) {
        messages.push([c.peer, kept]);
        // Left out of the snapshot, or never loaded: the server has it, before the first kept.
        const before = kept.length < list.length ? kept[0]!.position : (this.#older.get(c.peer) ?? null);
        older.push([c.peer, before]);
      }
      if (budget < 0) break;
    }
    return {
      conversations: conversations.map((c) => ({ ...c, last: c.last ? { ...c.last } : null })),
      messages,
      older,
      receipts: conversations.flatMap((c) => {
        const r = this.#receipts.get(c.peer);
        return r ? [[c.peer, { ...r }] as [string, { delivered: number; read: number }]] : [];
      }),
    };
  }

  /**
   * Chats as a snapshot left them, older history offered from where the snapshot's messages start
   * (fetched once the server answers).
   */
  static restore(me: string, snapshot: ChatsSnapshot): Chats {
    const chats = new Chats(me);
    for (const c of snapshot.conversations) chats.#conversations.set(c.peer, { ...c });
    for (const [peer, list] of snapshot.messages) {
      chats.#messages.set(peer, [...list]);
      chats.#saved.add(peer);
    }
    for (const [peer, r] of snapshot.receipts) chats.#receipts.set(peer, { ...r });
    for (const [peer, before] of snapshot.older ?? []) chats.#older.set(peer, before);
    return chats;
  }

  #withReceipts(peer: string, m: ChatMessage): ChatMessage {
    if (!m.outgoing) return m;
    const r = this.#receipts.get(peer);
    if (!r) return m;
    const status = m.position <= r.read ? 'READ' : m.position <= r.delivered ? 'DELIVERED' : m.status;
    return status === m.status ? m : { ...m, status };
  }

  /** Inserts or replaces by id, keeping position order; true when it was new. */
  #upsert(peer: string, message: ChatMessage): boolean {
    const list = this.#messages.get(peer) ?? [];
    const at = list.findIndex((m) => m.id === message.id);
    if (at >= 0) {
      list[at] = { ...list[at]!, ...message };
      return false;
    }
    list.push(message);
    list.sort((a, b) => a.position - b.position);
    this.#messages.set(peer, list);
    return true;
  }
}

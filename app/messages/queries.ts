import { type ConversationState, initialConversation } from '../../events/messages/decide.ts';
import type { ConversationView, MessageView } from '../../events/messages/projection.ts';
import { DomainError } from '../../events/shared/errors.ts';
import { partitionPoint } from '../../events/shared/sorted.ts';
import { addressProblem } from '../../protocol/address.ts';
import type { ReadModels } from '../read-models.ts';
import type { Viewer } from '../services.ts';

/** A page of a conversation, oldest first, and whether older messages exist. */
export interface Page {
  messages: MessageView[];
  hasMore: boolean;
}

/** Reads of conversations: messages by id, pages, receipts, the list of conversations. */
export class MessageQueries {
  constructor(private readonly readModels: ReadModels) {}

  /** A message by its (lower-case) id. */
  byId(id: string): MessageView | undefined {
    return this.readModels.runners.conversations.state.messages.get(id);
  }

  /** `owner`'s side of the conversation with `peer`. */
  conversationOf(owner: string, peer: string): ConversationView | undefined {
    return this.readModels.runners.conversations.state.byOwner.get(owner)?.get(peer);
  }

  /** Messages of the viewer's conversation with `peer`, newest `last` before `before`. */
  page(viewer: Viewer, peer: string, before: number | null | undefined, last: number): Page {
    const problem = addressProblem(peer);
    if (problem) throw new DomainError('ADDRESS_INVALID', problem);
    if (!Number.isInteger(last) || last < 1 || last > 200)
      throw new DomainError('BAD_INPUT', 'last must be 1 to 200');
    const all = this.conversationOf(viewer.address, peer)?.messages ?? [];
    const end = before == null ? all.length : partitionPoint(all, (m) => m.position < before);
    const start = Math.max(0, end - last);
    return { messages: all.slice(start, end), hasMore: start > 0 };
  }

  /** The viewer's conversations with at least one message, most recently active first. */
  conversations(viewer: Viewer): ConversationView[] {
    const mine = this.readModels.runners.conversations.state.byOwner.get(viewer.address);
    return mine
      ? [...mine.values()]
          .filter((c) => c.messages.length > 0)
          .sort((a, b) => b.lastActivity - a.lastActivity)
      : [];
  }

  /** What the message decider needs to decide about message `id`: that message, if any. */
  aboutMessage(id: string): ConversationState {
    const state = initialConversation();
    const m = this.byId(id);
    if (m) state.messages.set(id, m);
    return state;
  }

  /** What the message decider needs for `owner`'s receipts of `peer`'s messages. */
  aboutReceipts(owner: string, peer: string): ConversationState {
    const state = initialConversation();
    const c = this.conversationOf(owner, peer);
    state.receipts.set(owner, { delivered: c?.deliveredUpTo ?? 0, read: c?.readUpTo ?? 0 });
    state.lastSent.set(peer, c?.fromPeer[c.fromPeer.length - 1] ?? 0);
    return state;
  }
}

import type { Decider } from '../shared/decider.ts';
import { DomainError } from '../shared/errors.ts';
import { freeText } from '../shared/text.ts';
import type { MessageEvent } from './events.ts';

export const MESSAGE_LIMITS = {
  /** Characters (code points) of a message body. */
  bodyChars: 4000,
  editWindowMs: 15 * 60 * 1000,
  deleteWindowMs: 48 * 3600 * 1000,
};

export type MessageCommand =
  | {
      type: 'SendMessage';
      messageId: string;
      from: string;
      to: string;
      body: string;
      /** Facts from the address books (another stream): the sender blocked the recipient… */
      blockedBySender: boolean;
      /** …or the recipient blocked the sender (then only the sender ever sees the message). */
      blockedByRecipient: boolean;
    }
  | { type: 'EditMessage'; messageId: string; by: string; body: string; now: number }
  | { type: 'DeleteMessage'; messageId: string; by: string; now: number }
  | { type: 'MarkDelivered' | 'MarkRead'; by: string; peer: string; upTo: number };

/** What the decider knows of one message. */
export interface MessageFacts {
  from: string;
  to: string;
  sentAt: number;
  deleted: boolean;
  withheld: boolean;
}

/**
 * A conversation as the decider sees it. Folded from the stream by `evolve`, or read from the
 * conversations read model (app/messages: the `read-model` write strategy) — only the parts a
 * decision looks at: the message it is about, or the receipts of `by` and the peer's last send.
 */
export interface ConversationState {
  messages: Map<string, MessageFacts>;
  /** How far each participant acknowledged the other's messages, by address. */
  receipts: Map<string, { delivered: number; read: number }>;
  /** Log position of the last message each participant sent the other (not withheld). */
  lastSent: Map<string, number>;
}

export const initialConversation = (): ConversationState => ({
  messages: new Map(),
  receipts: new Map(),
  lastSent: new Map(),
});

/**
 * A message event with its envelope, when it comes from the log: the time a message was sent
 * (edit windows) and its position (receipts) are the log's, not the event data's.
 */
export type ConversationEvent = MessageEvent & { time?: Date; position?: number };

function body(raw: string): string {
  return freeText(raw, 'a message', MESSAGE_LIMITS.bodyChars);
}

function ownMessage(
  state: ConversationState,
  messageId: string,
  by: string,
  now: number,
  windowMs: number,
  verb: string,
) {
  const m = state.messages.get(messageId);
  if (!m || m.from !== by) throw new DomainError('NOT_FOUND', 'no such message of yours');
  if (m.deleted) throw new DomainError('CONFLICT', 'the message was deleted');
  if (now - m.sentAt > windowMs) {
    throw new DomainError(
      'FORBIDDEN',
      `a message can be ${verb} only within ${Math.round(windowMs / 60000)} minutes`,
    );
  }
  return m;
}

export function decideMessage(command: MessageCommand, state: ConversationState): MessageEvent[] {
  switch (command.type) {
    case 'SendMessage':
      if (command.from === command.to) throw new DomainError('BAD_INPUT', 'you cannot message yourself');
      if (command.blockedBySender) throw new DomainError('FORBIDDEN', 'unblock this contact to message them');
      return [
        {
          type: 'MessageSent',
          data: {
            messageId: command.messageId,
            from: command.from,
            to: command.to,
            body: body(command.body),
            withheld: command.blockedByRecipient,
          },
        },
      ];
    case 'EditMessage': {
      const m = ownMessage(
        state,
        command.messageId,
        command.by,
        command.now,
        MESSAGE_LIMITS.editWindowMs,
        'edited',
      );
      return [
        {
          type: 'MessageEdited',
          data: {
            messageId: command.messageId,
            from: m.from,
            to: m.to,
            body: body(command.body),
            withheld: m.withheld,
          },
        },
      ];
    }
    case 'DeleteMessage': {
      const m = ownMessage(
        state,
        command.messageId,
        command.by,
        command.now,
        MESSAGE_LIMITS.deleteWindowMs,
        'deleted for everyone',
      );
      return [
        {
          type: 'MessageDeleted',
          data: { messageId: command.messageId, from: m.from, to: m.to, withheld: m.withheld },
        },
      ];
    }
    case 'MarkDelivered':
    case 'MarkRead': {
      const r = state.receipts.get(command.by) ?? { delivered: 0, read: 0 };
      if (!Number.isSafeInteger(command.upTo) || command.upTo < 1)
        throw new DomainError('BAD_INPUT', 'upTo is a position');
      // Never past the last message the peer really sent: receipts cannot be forged ahead.
      const upTo = Math.min(command.upTo, state.lastSent.get(command.peer) ?? 0);
      const read = command.type === 'MarkRead';
      const current = read ? r.read : r.delivered;
      if (upTo <= current) return [];
      const data = { by: command.by, peer: command.peer, upTo };
      // Reading implies delivery: one event moves both marks.
      return [read ? { type: 'MessagesRead', data } : { type: 'MessagesDelivered', data }];
    }
    default: {
      const never: never = command;
      throw new Error(`unknown command ${JSON.stringify(never)}`);
    }
  }
}

/** Folds one fact into the conversation (a new state: the one given is left as it was). */
export function evolveConversation(state: ConversationState, event: ConversationEvent): ConversationState {
  switch (event.type) {
    case 'MessageSent': {
      const { messageId, from, to, withheld } = event.data;
      const messages = new Map(state.messages).set(messageId, {
        from,
        to,
        withheld,
        deleted: false,
        sentAt: event.time?.getTime() ?? 0,
      });
      // A withheld message is not the recipient's to acknowledge.
      const lastSent =
        withheld || event.position === undefined
          ? state.lastSent
          : new Map(state.lastSent).set(from, event.position);
      return { ...state, messages, lastSent };
    }
    case 'MessageEdited':
      return state;
    case 'MessageDeleted': {
      const m = state.messages.get(event.data.messageId);
      if (!m) return state;
      return {
        ...state,
        messages: new Map(state.messages).set(event.data.messageId, { ...m, deleted: true }),
      };
    }
    case 'MessagesDelivered':
    case 'MessagesRead': {
      const { by, upTo } = event.data;
      const r = state.receipts.get(by) ?? { delivered: 0, read: 0 };
      // Reading implies delivery: one event moves both marks.
      const next = {
        delivered: Math.max(r.delivered, upTo),
        read: event.type === 'MessagesRead' ? Math.max(r.read, upTo) : r.read,
      };
      return { ...state, receipts: new Map(state.receipts).set(by, next) };
    }
    default: {
      const never: never = event;
      throw new Error(`unknown event ${JSON.stringify(never)}`);
    }
  }
}

/**
 * The messages decider. Commands decide on the conversations read model (a conversation's
 * stream grows without bound, and each decision needs one message or one pair of receipts):
 * `evolve` states what that read model must agree with, and the given/when tests fold it.
 */
export const messageDecider: Decider<MessageCommand, ConversationEvent, ConversationState> = {
  initial: initialConversation,
  decide: decideMessage,
  evolve: evolveConversation,
};

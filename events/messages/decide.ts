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
      blockedBySender: boolean;
    }
  | { type: 'EditMessage'; messageId: string; by: string; body: string; now: number }
  | { type: 'DeleteMessage'; messageId: string; by: string; now: number }
  | { type: 'MarkDelivered' | 'MarkRead'; by: string; peer: string; upTo: number };

/** What a decision about one message or one conversation needs, read from the projection. */
export interface MessageDecisionState {
  /** The recipient has blocked the sender (SendMessage). */
  recipientBlockedSender?: boolean;
  message?: { from: string; to: string; sentAt: number; deleted: boolean; withheld: boolean };
  /** Receipts: how far `by` already acknowledged, and the last message `peer` sent `by`. */
  receipts?: { delivered: number; read: number; lastFromPeer: number };
}

function body(raw: string): string {
  return freeText(raw, 'a message', MESSAGE_LIMITS.bodyChars);
}

function ownMessage(state: MessageDecisionState, by: string, now: number, windowMs: number, verb: string) {
  const m = state.message;
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

export function decideMessage(command: MessageCommand, state: MessageDecisionState): MessageEvent[] {
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
            withheld: state.recipientBlockedSender === true,
          },
        },
      ];
    case 'EditMessage': {
      const m = ownMessage(state, command.by, command.now, MESSAGE_LIMITS.editWindowMs, 'edited');
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
      const r = state.receipts ?? { delivered: 0, read: 0, lastFromPeer: 0 };
      if (!Number.isSafeInteger(command.upTo) || command.upTo < 1)
        throw new DomainError('BAD_INPUT', 'upTo is a position');
      // Never past the last message the peer really sent: receipts cannot be forged ahead.
      const upTo = Math.min(command.upTo, r.lastFromPeer);
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

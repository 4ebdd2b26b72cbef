import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decisionSpec } from '../shared/decider-spec.ts';
import { decideMessage, MESSAGE_LIMITS, type MessageCommand } from './decide.ts';

const { given } = decisionSpec(decideMessage);
const send = (over: Partial<Extract<MessageCommand, { type: 'SendMessage' }>> = {}): MessageCommand => ({
  type: 'SendMessage',
  messageId: 'm1',
  from: 'a',
  to: 'b',
  body: 'hi',
  blockedBySender: false,
  ...over,
});
const mine = { from: 'a', to: 'b', sentAt: 1_000, deleted: false, withheld: false };

describe('messages decider', () => {
  it('should send a message, withheld when the recipient blocked the sender', () => {
    given({})
      .when(send())
      .thenEvents([
        { type: 'MessageSent', data: { messageId: 'm1', from: 'a', to: 'b', body: 'hi', withheld: false } },
      ]);
    given({ recipientBlockedSender: true })
      .when(send())
      .thenEvents([
        { type: 'MessageSent', data: { messageId: 'm1', from: 'a', to: 'b', body: 'hi', withheld: true } },
      ]);
  });

  it('should refuse empty, oversized, self-addressed and sender-blocked messages', () => {
    given({})
      .when(send({ body: '  ' }))
      .thenThrows('BAD_INPUT');
    given({})
      .when(send({ body: 'x'.repeat(MESSAGE_LIMITS.bodyChars + 1) }))
      .thenThrows('BAD_INPUT');
    assert.equal(
      given({}).when(send({ body: '😀'.repeat(MESSAGE_LIMITS.bodyChars) })).events.length,
      1,
      'limit counts characters',
    );
    given({})
      .when(send({ to: 'a' }))
      .thenThrows('BAD_INPUT');
    given({})
      .when(send({ blockedBySender: true }))
      .thenThrows('FORBIDDEN');
  });

  it('should edit and delete only own, undeleted messages within their windows', () => {
    const edit = (by: string, now: number): MessageCommand => ({
      type: 'EditMessage',
      messageId: 'm1',
      by,
      body: 'fixed',
      now,
    });
    given({ message: mine }).when(edit('a', 2_000)).thenTypes(['MessageEdited']);
    given({ message: mine }).when(edit('b', 2_000)).thenThrows('NOT_FOUND');
    given({}).when(edit('a', 2_000)).thenThrows('NOT_FOUND');
    given({ message: mine })
      .when(edit('a', 1_000 + MESSAGE_LIMITS.editWindowMs + 1))
      .thenThrows('FORBIDDEN');
    given({ message: { ...mine, deleted: true } })
      .when(edit('a', 2_000))
      .thenThrows('CONFLICT');
    const del = (now: number): MessageCommand => ({ type: 'DeleteMessage', messageId: 'm1', by: 'a', now });
    given({ message: mine })
      .when(del(1_000 + MESSAGE_LIMITS.editWindowMs + 1))
      .thenTypes(['MessageDeleted']);
    given({ message: mine })
      .when(del(1_000 + MESSAGE_LIMITS.deleteWindowMs + 1))
      .thenThrows('FORBIDDEN');
  });

  it('should move receipts forward only, never past the peer’s last message', () => {
    const receipts = { delivered: 5, read: 3, lastFromPeer: 9 };
    const mark = (type: 'MarkDelivered' | 'MarkRead', upTo: number): MessageCommand => ({
      type,
      by: 'b',
      peer: 'a',
      upTo,
    });
    given({ receipts })
      .when(mark('MarkDelivered', 7))
      .thenEvents([{ type: 'MessagesDelivered', data: { by: 'b', peer: 'a', upTo: 7 } }]);
    given({ receipts }).when(mark('MarkDelivered', 4)).thenEvents([]);
    given({ receipts })
      .when(mark('MarkRead', 100))
      .thenEvents([{ type: 'MessagesRead', data: { by: 'b', peer: 'a', upTo: 9 } }]);
    given({ receipts }).when(mark('MarkRead', 0)).thenThrows('BAD_INPUT');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deciderSpec, decisionSpec } from '../shared/decider-spec.ts';
import {
  type ConversationState,
  decideMessage,
  initialConversation,
  MESSAGE_LIMITS,
  type MessageCommand,
  type MessageFacts,
  messageDecider,
} from './decide.ts';

const { given } = decisionSpec(decideMessage);
/** A conversation read model's view: one message `m1`, and/or `b`'s receipts of `a`. */
const state = (
  over: { message?: MessageFacts; receipts?: { delivered: number; read: number; lastFromPeer: number } } = {},
): ConversationState => {
  const s = initialConversation();
  if (over.message) s.messages.set('m1', over.message);
  if (over.receipts) {
    s.receipts.set('b', { delivered: over.receipts.delivered, read: over.receipts.read });
    s.lastSent.set('a', over.receipts.lastFromPeer);
  }
  return s;
};
const send = (over: Partial<Extract<MessageCommand, { type: 'SendMessage' }>> = {}): MessageCommand => ({
  type: 'SendMessage',
  messageId: 'm1',
  from: 'a',
  to: 'b',
  body: 'hi',
  blockedBySender: false,
  blockedByRecipient: false,
  ...over,
});
const mine = { from: 'a', to: 'b', sentAt: 1_000, deleted: false, withheld: false };

describe('messages decider', () => {
  it('should send a message, withheld when the recipient blocked the sender', () => {
    given(state())
      .when(send())
      .thenEvents([
        { type: 'MessageSent', data: { messageId: 'm1', from: 'a', to: 'b', body: 'hi', withheld: false } },
      ]);
    given(state())
      .when(send({ blockedByRecipient: true }))
      .thenEvents([
        { type: 'MessageSent', data: { messageId: 'm1', from: 'a', to: 'b', body: 'hi', withheld: true } },
      ]);
  });

  it('should refuse empty, oversized, self-addressed and sender-blocked messages', () => {
    given(state())
      .when(send({ body: '  ' }))
      .thenThrows('BAD_INPUT');
    given(state())
      .when(send({ body: 'x'.repeat(MESSAGE_LIMITS.bodyChars + 1) }))
      .thenThrows('BAD_INPUT');
    assert.equal(
      given(state()).when(send({ body: '😀'.repeat(MESSAGE_LIMITS.bodyChars) })).events.length,
      1,
      'limit counts characters',
    );
    given(state())
      .when(send({ to: 'a' }))
      .thenThrows('BAD_INPUT');
    given(state())
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
    given(state({ message: mine }))
      .when(edit('a', 2_000))
      .thenTypes(['MessageEdited']);
    given(state({ message: mine }))
      .when(edit('b', 2_000))
      .thenThrows('NOT_FOUND');
    given(state()).when(edit('a', 2_000)).thenThrows('NOT_FOUND');
    given(state({ message: mine }))
      .when(edit('a', 1_000 + MESSAGE_LIMITS.editWindowMs + 1))
      .thenThrows('FORBIDDEN');
    given(state({ message: { ...mine, deleted: true } }))
      .when(edit('a', 2_000))
      .thenThrows('CONFLICT');
    const del = (now: number): MessageCommand => ({ type: 'DeleteMessage', messageId: 'm1', by: 'a', now });
    given(state({ message: mine }))
      .when(del(1_000 + MESSAGE_LIMITS.editWindowMs + 1))
      .thenTypes(['MessageDeleted']);
    given(state({ message: mine }))
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
    given(state({ receipts }))
      .when(mark('MarkDelivered', 7))
      .thenEvents([{ type: 'MessagesDelivered', data: { by: 'b', peer: 'a', upTo: 7 } }]);
    given(state({ receipts })).when(mark('MarkDelivered', 4)).thenEvents([]);
    given(state({ receipts }))
      .when(mark('MarkRead', 100))
      .thenEvents([{ type: 'MessagesRead', data: { by: 'b', peer: 'a', upTo: 9 } }]);
    given(state({ receipts })).when(mark('MarkRead', 0)).thenThrows('BAD_INPUT');
  });

  it('should fold the stream to the same decisions (sent time and positions from the log)', () => {
    const spec = deciderSpec(messageDecider);
    const sent = {
      type: 'MessageSent' as const,
      data: { messageId: 'm1', from: 'a', to: 'b', body: 'hi', withheld: false },
      time: new Date(1_000),
      position: 9,
    };
    const edit = (now: number): MessageCommand => ({
      type: 'EditMessage',
      messageId: 'm1',
      by: 'a',
      body: 'x',
      now,
    });
    spec.given([sent]).when(edit(2_000)).thenTypes(['MessageEdited']);
    spec
      .given([sent])
      .when(edit(1_000 + MESSAGE_LIMITS.editWindowMs + 1))
      .thenThrows('FORBIDDEN');
    const deleted = {
      type: 'MessageDeleted' as const,
      data: { messageId: 'm1', from: 'a', to: 'b', withheld: false },
    };
    spec.given([sent, deleted]).when(edit(2_000)).thenThrows('CONFLICT');
    const read = (upTo: number): MessageCommand => ({ type: 'MarkRead', by: 'b', peer: 'a', upTo });
    spec
      .given([sent])
      .when(read(100))
      .thenEvents([{ type: 'MessagesRead', data: { by: 'b', peer: 'a', upTo: 9 } }]);
    const wasRead = { type: 'MessagesRead' as const, data: { by: 'b', peer: 'a', upTo: 9 } };
    spec.given([sent, wasRead]).when(read(9)).thenEvents([]);
    spec.given([sent, wasRead]).when({ type: 'MarkDelivered', by: 'b', peer: 'a', upTo: 9 }).thenEvents([]);
    // A withheld message is not the recipient's to acknowledge.
    spec
      .given([{ ...sent, data: { ...sent.data, withheld: true } }])
      .when(read(9))
      .thenEvents([]);
  });
});

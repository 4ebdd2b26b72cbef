import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../shared/errors.ts';
import { decideMessage, MESSAGE_LIMITS, type MessageCommand, type MessageDecisionState } from './decide.ts';

const refused = (c: MessageCommand, s: MessageDecisionState, code: string) =>
  assert.throws(
    () => decideMessage(c, s),
    (e: unknown) => e instanceof DomainError && e.code === code,
  );
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
    assert.deepEqual(decideMessage(send(), {}), [
      { type: 'MessageSent', data: { messageId: 'm1', from: 'a', to: 'b', body: 'hi', withheld: false } },
    ]);
    const [withheld] = decideMessage(send(), { recipientBlockedSender: true });
    assert.deepEqual(withheld?.data, { messageId: 'm1', from: 'a', to: 'b', body: 'hi', withheld: true });
  });

  it('should refuse empty, oversized, self-addressed and sender-blocked messages', () => {
    refused(send({ body: '  ' }), {}, 'BAD_INPUT');
    refused(send({ body: 'x'.repeat(MESSAGE_LIMITS.bodyChars + 1) }), {}, 'BAD_INPUT');
    assert.equal(
      decideMessage(send({ body: '😀'.repeat(MESSAGE_LIMITS.bodyChars) }), {}).length,
      1,
      'limit counts characters',
    );
    refused(send({ to: 'a' }), {}, 'BAD_INPUT');
    refused(send({ blockedBySender: true }), {}, 'FORBIDDEN');
  });

  it('should edit and delete only own, undeleted messages within their windows', () => {
    const edit = (by: string, now: number): MessageCommand => ({
      type: 'EditMessage',
      messageId: 'm1',
      by,
      body: 'fixed',
      now,
    });
    assert.equal(decideMessage(edit('a', 2_000), { message: mine })[0]?.type, 'MessageEdited');
    refused(edit('b', 2_000), { message: mine }, 'NOT_FOUND');
    refused(edit('a', 2_000), {}, 'NOT_FOUND');
    refused(edit('a', 1_000 + MESSAGE_LIMITS.editWindowMs + 1), { message: mine }, 'FORBIDDEN');
    refused(edit('a', 2_000), { message: { ...mine, deleted: true } }, 'CONFLICT');
    const del = (now: number): MessageCommand => ({ type: 'DeleteMessage', messageId: 'm1', by: 'a', now });
    assert.equal(
      decideMessage(del(1_000 + MESSAGE_LIMITS.editWindowMs + 1), { message: mine })[0]?.type,
      'MessageDeleted',
    );
    refused(del(1_000 + MESSAGE_LIMITS.deleteWindowMs + 1), { message: mine }, 'FORBIDDEN');
  });

  it('should move receipts forward only, never past the peer’s last message', () => {
    const receipts = { delivered: 5, read: 3, lastFromPeer: 9 };
    const mark = (type: 'MarkDelivered' | 'MarkRead', upTo: number): MessageCommand => ({
      type,
      by: 'b',
      peer: 'a',
      upTo,
    });
    assert.deepEqual(decideMessage(mark('MarkDelivered', 7), { receipts }), [
      { type: 'MessagesDelivered', data: { by: 'b', peer: 'a', upTo: 7 } },
    ]);
    assert.deepEqual(decideMessage(mark('MarkDelivered', 4), { receipts }), []);
    assert.deepEqual(decideMessage(mark('MarkRead', 100), { receipts }), [
      { type: 'MessagesRead', data: { by: 'b', peer: 'a', upTo: 9 } },
    ]);
    refused(mark('MarkRead', 0), { receipts }, 'BAD_INPUT');
  });
});

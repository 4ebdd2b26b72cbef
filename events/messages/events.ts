/**
 * Facts about one 1:1 conversation (stream `dm-<a>~<b>`, the two addresses sorted).
 * `withheld`: the recipient had blocked the sender, so only the sender ever sees it.
 */
export type MessageEvent =
  | {
      type: 'MessageSent';
      data: { messageId: string; from: string; to: string; body: string; withheld: boolean };
    }
  | {
      type: 'MessageEdited';
      data: { messageId: string; from: string; to: string; body: string; withheld: boolean };
    }
  | { type: 'MessageDeleted'; data: { messageId: string; from: string; to: string; withheld: boolean } }
  /** `by` received (or read) every message from `peer` up to log position `upTo`. */
  | { type: 'MessagesDelivered'; data: { by: string; peer: string; upTo: number } }
  | { type: 'MessagesRead'; data: { by: string; peer: string; upTo: number } };

export type MessageEventType = MessageEvent['type'];

export const DM_STREAM_PREFIX = 'dm-';
export const conversationStream = (a: string, b: string) =>
  `${DM_STREAM_PREFIX}${a < b ? `${a}~${b}` : `${b}~${a}`}`;

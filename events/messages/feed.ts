import type { FeedBase, FeedItem, FeedLookups } from '../feed/item.ts';
import { unreachable } from '../shared/never.ts';
import type { MessageEvent } from './events.ts';

/** Both participants; a withheld message (the recipient blocked the sender) only its sender. */
export function messageAudience(event: MessageEvent): string[] {
  switch (event.type) {
    case 'MessageSent':
    case 'MessageEdited':
    case 'MessageDeleted':
      return event.data.withheld ? [event.data.from] : [event.data.from, event.data.to];
    case 'MessagesDelivered':
    case 'MessagesRead':
      return [event.data.by, event.data.peer];
    default:
      return unreachable(event, 'message event');
  }
}

export function messageFeedItem(event: MessageEvent, base: FeedBase, lookups: FeedLookups): FeedItem | null {
  switch (event.type) {
    case 'MessageSent':
    case 'MessageEdited':
    case 'MessageDeleted': {
      const message = lookups.message(event.data.messageId);
      if (!message) return null;
      return { kind: event.type === 'MessageSent' ? 'MessageAdded' : 'MessageChanged', ...base, message };
    }
    case 'MessagesDelivered':
    case 'MessagesRead': {
      const c = lookups.conversation(event.data.by, event.data.peer);
      return {
        kind: 'ReceiptsChanged',
        ...base,
        by: event.data.by,
        peer: event.data.peer,
        deliveredUpTo: c?.deliveredUpTo ?? event.data.upTo,
        readUpTo: c?.readUpTo ?? 0,
      };
    }
    default:
      return unreachable(event, 'message event');
  }
}

import type { FeedBase, FeedItem, FeedLookups } from '../feed/item.ts';
import { unreachable } from '../shared/never.ts';
import type { IdentityEvent } from './events.ts';

/** Whose feed an identity event belongs to: the identity's own (a token hash is nobody's). */
export function identityAudience(address: string, event: IdentityEvent): string[] {
  switch (event.type) {
    case 'IdentityRegistered':
    case 'DisplayNameChanged':
    case 'SessionEnded':
      return [address];
    case 'SessionStarted':
    case 'EmbedIdentityVouched':
      return [];
    default:
      return unreachable(event, 'identity event');
  }
}

export function identityFeedItem(
  address: string,
  event: IdentityEvent,
  base: FeedBase,
  lookups: FeedLookups,
): FeedItem | null {
  switch (event.type) {
    case 'SessionEnded':
      return { kind: 'SessionEnded', ...base, sessionId: event.data.sessionId };
    case 'EmbedIdentityVouched':
      return null;
    case 'IdentityRegistered':
    case 'DisplayNameChanged':
    case 'SessionStarted': {
      const identity = lookups.identity(address);
      return identity ? { kind: 'IdentityUpdated', ...base, identity } : null;
    }
    default:
      return unreachable(event, 'identity event');
  }
}

import type { FeedBase, FeedItem } from '../feed/item.ts';
import { unreachable } from '../shared/never.ts';
import type { ContactsEvent } from './events.ts';

/** An address book is its owner's alone. */
export function contactsAudience(owner: string, _event: ContactsEvent): string[] {
  return [owner];
}

/** The contact an address-book event is about, or null for the owner's own settings. */
function subject(event: ContactsEvent): string | null {
  switch (event.type) {
    case 'ContactAdded':
    case 'ContactRenamed':
    case 'ContactRemoved':
    case 'ContactBlocked':
    case 'ContactUnblocked':
    case 'ContactAlwaysAllowedSet':
    case 'MessageRequestAccepted':
    case 'MessageRequestDeclined':
      return event.data.address;
    case 'DoNotDisturbSet':
    case 'NonContactCallsSet':
      return null;
    default:
      return unreachable(event, 'contacts event');
  }
}

export function contactsFeedItem(event: ContactsEvent, base: FeedBase): FeedItem {
  return { kind: 'AddressBookChanged', ...base, change: event.type, address: subject(event) };
}

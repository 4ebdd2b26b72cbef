import { CALL_STREAM_PREFIX, type CallEvent } from './calls/events.ts';
import { callAudience, callFeedItem } from './calls/feed.ts';
import { CONTACTS_STREAM_PREFIX, type ContactsEvent } from './contacts/events.ts';
import { contactsAudience, contactsFeedItem } from './contacts/feed.ts';
import type { FeedItem, FeedLookups } from './feed/item.ts';
import { IDENTITY_STREAM_PREFIX, type IdentityEvent } from './identity/events.ts';
import { identityAudience, identityFeedItem } from './identity/feed.ts';
import { DM_STREAM_PREFIX, type MessageEvent } from './messages/events.ts';
import { messageAudience, messageFeedItem } from './messages/feed.ts';
import { PLAN_STREAM_PREFIX, type PlanEvent } from './plans/events.ts';
import { planAudience } from './plans/feed.ts';
import { PUSH_STREAM_PREFIX, type PushEvent } from './push/events.ts';
import { pushAudience } from './push/feed.ts';
import { unreachable } from './shared/never.ts';
import type { RecordedEvent } from './store/types.ts';

/** Every domain event the system records. */
export type CatalogEvent = IdentityEvent | ContactsEvent | MessageEvent | CallEvent | PlanEvent | PushEvent;
export type CatalogEventType = CatalogEvent['type'];

/**
 * A recorded event with its domain, its typed event and the key its stream names. `other`:
 * a stream of no domain (tests and tools append such events; nothing here reads them).
 */
export type Classified =
  | { domain: 'identity'; address: string; event: IdentityEvent; recorded: RecordedEvent }
  | { domain: 'contacts'; owner: string; event: ContactsEvent; recorded: RecordedEvent }
  | { domain: 'messages'; event: MessageEvent; recorded: RecordedEvent }
  | { domain: 'calls'; callId: string; event: CallEvent; recorded: RecordedEvent }
  | { domain: 'plans'; address: string; event: PlanEvent; recorded: RecordedEvent }
  | { domain: 'push'; address: string; event: PushEvent; recorded: RecordedEvent }
  | { domain: 'other'; recorded: RecordedEvent };

/**
 * The log stores JSON: the type of an event follows from its stream, whose deciders are the
 * only writers, and the store checks the rest. This is the one place that says so.
 */
const typed = <E>(recorded: RecordedEvent): E => recorded as unknown as E;

/** The domain of a recorded event, by its stream's prefix (each domain exports its own). */
export function classify(recorded: RecordedEvent): Classified {
  const { streamId } = recorded;
  const key = (prefix: string) => streamId.slice(prefix.length);
  if (streamId.startsWith(IDENTITY_STREAM_PREFIX))
    return { domain: 'identity', address: key(IDENTITY_STREAM_PREFIX), event: typed(recorded), recorded };
  if (streamId.startsWith(CONTACTS_STREAM_PREFIX))
    return { domain: 'contacts', owner: key(CONTACTS_STREAM_PREFIX), event: typed(recorded), recorded };
  if (streamId.startsWith(DM_STREAM_PREFIX)) return { domain: 'messages', event: typed(recorded), recorded };
  if (streamId.startsWith(CALL_STREAM_PREFIX))
    return { domain: 'calls', callId: key(CALL_STREAM_PREFIX), event: typed(recorded), recorded };
  if (streamId.startsWith(PLAN_STREAM_PREFIX))
    return { domain: 'plans', address: key(PLAN_STREAM_PREFIX), event: typed(recorded), recorded };
  if (streamId.startsWith(PUSH_STREAM_PREFIX))
    return { domain: 'push', address: key(PUSH_STREAM_PREFIX), event: typed(recorded), recorded };
  return { domain: 'other', recorded };
}

/** The identities whose feed an event belongs to (none for events that are nobody's item). */
export function audienceOf(c: Classified): string[] {
  switch (c.domain) {
    case 'identity':
      return identityAudience(c.address, c.event);
    case 'contacts':
      return contactsAudience(c.owner, c.event);
    case 'messages':
      return messageAudience(c.event);
    case 'calls':
      return callAudience(c.event);
    case 'plans':
      return planAudience(c.event);
    case 'push':
      return pushAudience(c.event);
    case 'other':
      return [];
    default:
      return unreachable(c, 'domain');
  }
}

/** The feed item an event shows its audience, with the read-model views as they are now. */
export function feedItemOf(c: Classified, lookups: FeedLookups): FeedItem | null {
  const base = { position: c.recorded.position, at: c.recorded.time.getTime() };
  switch (c.domain) {
    case 'identity':
      return identityFeedItem(c.address, c.event, base, lookups);
    case 'contacts':
      return contactsFeedItem(c.event, base);
    case 'messages':
      return messageFeedItem(c.event, base, lookups);
    case 'calls':
      return callFeedItem(c.callId, c.event, base, lookups);
    case 'plans':
    case 'push':
    case 'other':
      return null;
    default:
      return unreachable(c, 'domain');
  }
}

import { unreachable } from '../shared/never.ts';
import type { PushEvent } from './events.ts';

/** Subscriptions are device plumbing, in nobody's feed (the settings read them with a query). */
export function pushAudience(event: PushEvent): string[] {
  switch (event.type) {
    case 'PushSubscribed':
    case 'PushUnsubscribed':
      return [];
    default:
      return unreachable(event, 'push event');
  }
}

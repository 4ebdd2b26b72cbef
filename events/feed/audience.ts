import { IDENTITY_STREAM_PREFIX } from '../identity/events.ts';
import type { RecordedEvent } from '../store/types.ts';

/**
 * The identities whose feed an event belongs to. Events that are nobody's feed item (a
 * session's token hash, say) have no audience. Each domain area adds its cases here.
 */
export function audienceOf(event: RecordedEvent): string[] {
  if (event.streamId.startsWith(IDENTITY_STREAM_PREFIX)) {
    const address = event.streamId.slice(IDENTITY_STREAM_PREFIX.length);
    switch (event.type) {
      case 'IdentityRegistered':
      case 'DisplayNameChanged':
      case 'SessionEnded':
        return [address];
      default:
        return [];
    }
  }
  return [];
}

import { CALL_STREAM_PREFIX, type CallEvent } from '../calls/events.ts';
import { CONTACTS_STREAM_PREFIX } from '../contacts/events.ts';
import { IDENTITY_STREAM_PREFIX } from '../identity/events.ts';
import { DM_STREAM_PREFIX, type MessageEvent } from '../messages/events.ts';
import type { RecordedEvent } from '../store/types.ts';

/**
 * The identities whose feed an event belongs to. Events that are nobody's feed item (a
 * session's token hash, say) have no audience. A withheld message (the recipient blocked
 * the sender) reaches only its sender.
 */
export function audienceOf(event: RecordedEvent): string[] {
  const { streamId } = event;
  if (streamId.startsWith(DM_STREAM_PREFIX)) {
    const e = event as unknown as MessageEvent;
    switch (e.type) {
      case 'MessageSent':
      case 'MessageEdited':
      case 'MessageDeleted':
        return e.data.withheld ? [e.data.from] : [e.data.from, e.data.to];
      case 'MessagesDelivered':
      case 'MessagesRead':
        return [e.data.by, e.data.peer];
      default:
        return [];
    }
  }
  if (streamId.startsWith(CALL_STREAM_PREFIX)) {
    const e = event as unknown as CallEvent;
    if (e.type === 'CallSignalSent') return [e.data.to];
    return e.data.silent ? [e.data.caller] : [e.data.caller, e.data.callee];
  }
  if (streamId.startsWith(CONTACTS_STREAM_PREFIX)) return [streamId.slice(CONTACTS_STREAM_PREFIX.length)];
  if (streamId.startsWith(IDENTITY_STREAM_PREFIX)) {
    switch (event.type) {
      case 'IdentityRegistered':
      case 'DisplayNameChanged':
      case 'SessionEnded':
        return [streamId.slice(IDENTITY_STREAM_PREFIX.length)];
      default:
        return [];
    }
  }
  return [];
}

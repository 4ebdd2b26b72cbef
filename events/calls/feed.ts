import type { FeedBase, FeedItem, FeedLookups } from '../feed/item.ts';
import { unreachable } from '../shared/never.ts';
import type { CallEvent } from './events.ts';

/** Both participants; a silent call (the callee blocked the caller) only its caller; a signal its addressee. */
export function callAudience(event: CallEvent): string[] {
  switch (event.type) {
    case 'CallSignalSent':
      return [event.data.to];
    case 'CallPlaced':
    case 'CallRinging':
    case 'CallAccepted':
    case 'CallDeclined':
    case 'CallMissed':
    case 'CallBusy':
    case 'CallCancelled':
    case 'CallEnded':
    case 'CallQualityReported':
      return event.data.silent ? [event.data.caller] : [event.data.caller, event.data.callee];
    default:
      return unreachable(event, 'call event');
  }
}

export function callFeedItem(
  callId: string,
  event: CallEvent,
  base: FeedBase,
  lookups: FeedLookups,
): FeedItem | null {
  switch (event.type) {
    case 'CallSignalSent':
      return {
        kind: 'CallSignal',
        ...base,
        callId,
        from: event.data.from,
        signal: event.data.kind,
        payload: event.data.payload,
      };
    case 'CallPlaced':
    case 'CallRinging':
    case 'CallAccepted':
    case 'CallDeclined':
    case 'CallMissed':
    case 'CallBusy':
    case 'CallCancelled':
    case 'CallEnded':
    case 'CallQualityReported': {
      const call = lookups.call(callId);
      return call ? { kind: 'CallUpdated', ...base, change: event.type, call } : null;
    }
    default:
      return unreachable(event, 'call event');
  }
}

import type { CallTokenMedia } from '../../protocol/call-token.ts';
import type { CallQuality } from './quality.ts';

/** Facts about one call (stream `call-<callId>`). Each carries its two participants. */
export type CallMedia = CallTokenMedia;
export type MissedReason = 'timeout' | 'do_not_disturb' | 'non_contact_silenced';
export type EndReason = 'hangup' | 'ice_failed' | 'network' | 'error';
export type SignalKind = 'offer' | 'answer' | 'candidate' | 'restart';

interface Parties {
  caller: string;
  callee: string;
  /** The callee blocked the caller: the callee is never told of this call. */
  silent: boolean;
}

export type CallEvent =
  | {
      type: 'CallPlaced';
      data: Parties & {
        callId: string;
        media: CallMedia;
        issuedAt: number;
        nonce: string;
        signature: string;
        ringTimeoutAt: number;
      };
    }
  | { type: 'CallRinging'; data: Parties & { sessionId: string } }
  | { type: 'CallAccepted'; data: Parties & { sessionId: string; at: number } }
  | { type: 'CallDeclined'; data: Parties & { sessionId: string } }
  | { type: 'CallMissed'; data: Parties & { reason: MissedReason } }
  | { type: 'CallBusy'; data: Parties }
  | { type: 'CallCancelled'; data: Parties & { reason: 'caller' | 'glare' } }
  | { type: 'CallEnded'; data: Parties & { by: string; reason: EndReason; durationMs: number } }
  /** A participant's summary of the media path, sent as (or after) the call ended. */
  | {
      type: 'CallQualityReported';
      data: Parties & { by: string; role: 'caller' | 'callee'; quality: CallQuality };
    }
  | {
      type: 'CallSignalSent';
      data: Parties & { from: string; to: string; kind: SignalKind; payload: string };
    };

export type CallEventType = CallEvent['type'];
export const CALL_STREAM_PREFIX = 'call-';
export const callStream = (callId: string) => `${CALL_STREAM_PREFIX}${callId}`;

import { classify } from '../catalog.ts';
import type { Projection } from '../projections/projection.ts';
import type { JsonValue, RecordedEvent } from '../store/types.ts';
import type { CallStatus } from './decide.ts';
import { CALL_STREAM_PREFIX, type CallMedia } from './events.ts';
import { type CallQuality, isRelayed } from './quality.ts';

export interface CallView {
  callId: string;
  caller: string;
  callee: string;
  media: CallMedia;
  silent: boolean;
  status: CallStatus;
  issuedAt: number;
  nonce: string;
  signature: string;
  placedAt: number;
  /** Log position of the placement: the order of call histories, and their paging cursor. */
  position: number;
  ringTimeoutAt: number;
  acceptedAt: number | null;
  endedAt: number | null;
  durationMs: number | null;
  endedBy: string | null;
  reason: string | null;
  acceptedSession: string | null;
  /** Each participant's quality report, once sent (an ended call only). */
  quality: { caller: CallQuality | null; callee: CallQuality | null };
}

/**
 * How ended calls went, over the whole log (the operator's `/metrics`): `connected` when a
 * participant reported that the media connected; `failed` when the reports say it never did,
 * or, without reports, when it ended with `ice_failed`; `unreported` otherwise (a client that
 * sent no report). `relayed`: calls whose reported path went through a TURN relay.
 */
export interface CallTally {
  connected: number;
  failed: number;
  unreported: number;
  relayed: number;
}

type TalliedOutcome = 'connected' | 'failed' | 'unreported';

/** An ended call's outcome for the tally (null while it is not ended). */
export function talliedOutcome(v: CallView): TalliedOutcome | null {
  if (v.status !== 'ended') return null;
  const reports = [v.quality.caller, v.quality.callee].filter((q): q is CallQuality => q !== null);
  if (reports.some((q) => q.connected)) return 'connected';
  if (reports.length > 0 || v.reason === 'ice_failed') return 'failed';
  return 'unreported';
}

const relayedCall = (v: CallView) =>
  [v.quality.caller, v.quality.callee].some((q) => q !== null && isRelayed(q));

export interface Calls {
  byId: Map<string, CallView>;
  /** Each identity's calls in the order placed (a callee does not see silent ones). */
  history: Map<string, CallView[]>;
  /** Calls still placed, ringing or accepted. */
  live: Map<string, CallView>;
  tally: CallTally;
}

const push = (m: Map<string, CallView[]>, k: string, v: CallView) => {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
};

/** Every call's state and each identity's call history. */
export const calls: Projection<Calls> = {
  name: 'calls',
  initial: () => ({
    byId: new Map(),
    history: new Map(),
    live: new Map(),
    tally: { connected: 0, failed: 0, unreported: 0, relayed: 0 },
  }),
  evolve(state, recorded: RecordedEvent) {
    const c = classify(recorded);
    if (c.domain !== 'calls') return state;
    const e = c.event;
    const at = recorded.time.getTime();
    if (e.type === 'CallPlaced') {
      const v: CallView = {
        callId: e.data.callId,
        caller: e.data.caller,
        callee: e.data.callee,
        media: e.data.media,
        silent: e.data.silent,
        status: 'placed',
        issuedAt: e.data.issuedAt,
        nonce: e.data.nonce,
        signature: e.data.signature,
        placedAt: at,
        position: recorded.position,
        ringTimeoutAt: e.data.ringTimeoutAt,
        acceptedAt: null,
        endedAt: null,
        durationMs: null,
        endedBy: null,
        reason: null,
        acceptedSession: null,
        quality: { caller: null, callee: null },
      };
      state.byId.set(v.callId, v);
      state.live.set(v.callId, v);
      push(state.history, v.caller, v);
      if (!v.silent) push(state.history, v.callee, v);
      return state;
    }
    const v = state.byId.get(recorded.streamId.slice(CALL_STREAM_PREFIX.length));
    if (!v) return state;
    // The tally follows each call's outcome as its end and its reports arrive.
    const outcomeBefore = talliedOutcome(v);
    const relayedBefore = relayedCall(v);
    const end = (status: CallStatus, reason: string | null) => {
      v.status = status;
      v.reason = reason;
      v.endedAt = at;
      state.live.delete(v.callId);
    };
    switch (e.type) {
      case 'CallRinging':
        v.status = 'ringing';
        break;
      case 'CallAccepted':
        v.status = 'accepted';
        v.acceptedAt = e.data.at;
        v.acceptedSession = e.data.sessionId;
        break;
      case 'CallDeclined':
        end('declined', 'declined');
        break;
      case 'CallMissed':
        end('missed', e.data.reason);
        break;
      case 'CallBusy':
        end('busy', 'busy');
        break;
      case 'CallCancelled':
        end('cancelled', e.data.reason);
        break;
      case 'CallEnded':
        end('ended', e.data.reason);
        v.durationMs = e.data.durationMs;
        v.endedBy = e.data.by;
        break;
      case 'CallQualityReported':
        v.quality = { ...v.quality, [e.data.role]: e.data.quality };
        break;
      case 'CallSignalSent':
        return state;
    }
    const outcomeAfter = talliedOutcome(v);
    if (outcomeBefore !== outcomeAfter) {
      if (outcomeBefore) state.tally[outcomeBefore]--;
      if (outcomeAfter) state.tally[outcomeAfter]++;
    }
    state.tally.relayed += Number(relayedCall(v)) - Number(relayedBefore);
    return state;
  },
  snapshot(state): JsonValue {
    return {
      calls: Object.fromEntries([...state.byId].map(([k, v]) => [k, { ...v }])),
      history: Object.fromEntries([...state.history].map(([k, list]) => [k, list.map((c) => c.callId)])),
      live: [...state.live.keys()].sort(),
      tally: { ...state.tally },
    };
  },
};

/** A live call (placed, ringing or accepted) of `address`, other than `except`. */
export function liveCallOf(state: Calls, address: string, except?: string): CallView | undefined {
  for (const c of state.live.values()) {
    if (c.callId !== except && !c.silent && (c.caller === address || c.callee === address)) return c;
  }
  return undefined;
}

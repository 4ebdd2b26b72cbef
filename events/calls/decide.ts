import type { NonContactCallPolicy } from '../contacts/events.ts';
import type { Decider } from '../shared/decider.ts';
import { DomainError } from '../shared/errors.ts';
import type { CallEvent, CallMedia, EndReason, MissedReason, SignalKind } from './events.ts';
import { type CallQuality, normalisedQuality, qualityProblem } from './quality.ts';
import { signalProblem } from './signals.ts';

/** What becomes of a call as it is placed. */
export type PlaceOutcome = 'ring' | 'silent' | 'busy' | MissedReason;

/**
 * The callee's side as a call is placed: facts of other streams (the callee's address book,
 * their other calls) that the application reads and hands in with the command.
 */
export interface CalleeSituation {
  /** The callee blocked the caller. */
  blocked: boolean;
  doNotDisturb: boolean;
  /** The caller as the callee's contact, or null; `alwaysAllowed` passes do-not-disturb. */
  contact: { alwaysAllowed: boolean } | null;
  nonContactCalls: NonContactCallPolicy;
  /** The callee's other live, not silent call, if any. */
  otherCall: { caller: string; callee: string; status: CallStatus } | null;
}

/**
 * The callee's rules, in order: a blocked caller is silenced (the callee never hears of the
 * call), do-not-disturb misses it unless the caller is always allowed, a non-contact is
 * silenced if the callee chose so, and another live call makes the callee busy — except the
 * callee's own unanswered call to this caller (glare: resolved after placing, lower id wins).
 */
export function placeOutcome(caller: string, callee: string, situation: CalleeSituation): PlaceOutcome {
  if (situation.blocked) return 'silent';
  if (situation.doNotDisturb && !situation.contact?.alwaysAllowed) return 'do_not_disturb';
  if (!situation.contact && situation.nonContactCalls === 'silence') return 'non_contact_silenced';
  const other = situation.otherCall;
  const glare = other && other.caller === callee && other.callee === caller && other.status !== 'accepted';
  return other && !glare ? 'busy' : 'ring';
}

export type CallCommand =
  | {
      type: 'PlaceCall';
      callId: string;
      caller: string;
      callee: string;
      media: CallMedia;
      issuedAt: number;
      nonce: string;
      signature: string;
      ringTimeoutAt: number;
      situation: CalleeSituation;
    }
  | { type: 'MarkRinging'; by: string; sessionId: string }
  | { type: 'Accept'; by: string; sessionId: string; now: number }
  | { type: 'Decline'; by: string; sessionId: string }
  | { type: 'Cancel'; by: string; reason: 'caller' | 'glare' }
  | { type: 'Hangup'; by: string; sessionId: string; reason: EndReason; now: number }
  | { type: 'TimeOut'; now: number }
  /** The placement overlapped an earlier live call of the callee that it could not see. */
  | { type: 'MarkBusy' }
  | { type: 'SendSignal'; from: string; kind: SignalKind; payload: string }
  /** A participant's quality summary of an ended call: once each, from the answering device. */
  | { type: 'ReportQuality'; by: string; sessionId: string; quality: CallQuality };

export type CallStatus =
  | 'none'
  | 'placed'
  | 'ringing'
  | 'accepted'
  | 'declined'
  | 'missed'
  | 'busy'
  | 'cancelled'
  | 'ended';

export interface CallState {
  status: CallStatus;
  caller: string;
  callee: string;
  silent: boolean;
  ringTimeoutAt: number;
  acceptedAt: number;
  acceptedSession: string;
  /** The participants who reported the call's quality. */
  reported: { caller: boolean; callee: boolean };
}

export const initialCall = (): CallState => ({
  status: 'none',
  caller: '',
  callee: '',
  silent: false,
  ringTimeoutAt: 0,
  acceptedAt: 0,
  acceptedSession: '',
  reported: { caller: false, callee: false },
});

export const isLive = (s: CallStatus) => s === 'placed' || s === 'ringing' || s === 'accepted';
const isRinging = (s: CallStatus) => s === 'placed' || s === 'ringing';

function parties(state: CallState) {
  return { caller: state.caller, callee: state.callee, silent: state.silent };
}

function participant(state: CallState, by: string): 'caller' | 'callee' {
  if (by === state.caller) return 'caller';
  if (by === state.callee && !state.silent) return 'callee';
  throw new DomainError('NOT_FOUND', 'no such call');
}

export function decideCall(command: CallCommand, state: CallState): CallEvent[] {
  if (command.type === 'PlaceCall') {
    if (state.status !== 'none') throw new DomainError('CONFLICT', 'a call with this id exists');
    if (command.caller === command.callee) throw new DomainError('BAD_INPUT', 'you cannot call yourself');
    const outcome = placeOutcome(command.caller, command.callee, command.situation);
    const p = { caller: command.caller, callee: command.callee, silent: outcome === 'silent' };
    const placed: CallEvent = {
      type: 'CallPlaced',
      data: {
        ...p,
        callId: command.callId,
        media: command.media,
        issuedAt: command.issuedAt,
        nonce: command.nonce,
        signature: command.signature,
        ringTimeoutAt: command.ringTimeoutAt,
      },
    };
    switch (outcome) {
      case 'ring':
      case 'silent':
        return [placed];
      case 'busy':
        return [placed, { type: 'CallBusy', data: p }];
      default:
        return [placed, { type: 'CallMissed', data: { ...p, reason: outcome } }];
    }
  }
  if (state.status === 'none') throw new DomainError('NOT_FOUND', 'no such call');
  const p = parties(state);
  switch (command.type) {
    case 'MarkRinging':
      if (participant(state, command.by) !== 'callee')
        throw new DomainError('FORBIDDEN', 'only the callee rings');
      return state.status === 'placed'
        ? [{ type: 'CallRinging', data: { ...p, sessionId: command.sessionId } }]
        : [];
    case 'Accept':
    case 'Decline': {
      if (participant(state, command.by) !== 'callee')
        throw new DomainError('FORBIDDEN', 'only the callee answers');
      if (!isRinging(state.status))
        throw new DomainError('CONFLICT', `the call is ${state.status}, not ringing`);
      return command.type === 'Accept'
        ? [{ type: 'CallAccepted', data: { ...p, sessionId: command.sessionId, at: command.now } }]
        : [{ type: 'CallDeclined', data: { ...p, sessionId: command.sessionId } }];
    }
    case 'Cancel':
      if (participant(state, command.by) !== 'caller')
        throw new DomainError('FORBIDDEN', 'only the caller cancels');
      return isRinging(state.status)
        ? [{ type: 'CallCancelled', data: { ...p, reason: command.reason } }]
        : [];
    case 'Hangup': {
      const role = participant(state, command.by);
      if (state.status === 'accepted') {
        if (role === 'callee' && command.sessionId !== state.acceptedSession) {
          throw new DomainError('FORBIDDEN', 'the call was answered on another device');
        }
        return [
          {
            type: 'CallEnded',
            data: {
              ...p,
              by: command.by,
              reason: command.reason,
              durationMs: Math.max(0, command.now - state.acceptedAt),
            },
          },
        ];
      }
      if (isRinging(state.status)) {
        return role === 'caller'
          ? [{ type: 'CallCancelled', data: { ...p, reason: 'caller' } }]
          : [{ type: 'CallDeclined', data: { ...p, sessionId: command.sessionId } }];
      }
      return [];
    }
    case 'MarkBusy':
      // Only an unanswered call yields: once accepted (or ended) it is left as it is.
      return isRinging(state.status) ? [{ type: 'CallBusy', data: p }] : [];
    case 'TimeOut':
      return isRinging(state.status) && command.now >= state.ringTimeoutAt
        ? [{ type: 'CallMissed', data: { ...p, reason: 'timeout' } }]
        : [];
    case 'SendSignal': {
      const role = participant(state, command.from);
      if (!isLive(state.status)) throw new DomainError('CONFLICT', 'the call is not live');
      const problem = signalProblem(command.kind, command.payload);
      if (problem) throw new DomainError('BAD_INPUT', problem);
      // A silent call's only participant is its blocked caller: take the signal as on any
      // placed call, so a refusal cannot tell the caller it is blocked, and record nothing,
      // so the callee never learns of the call.
      if (state.silent) return [];
      const to = role === 'caller' ? state.callee : state.caller;
      return [
        {
          type: 'CallSignalSent',
          data: { ...p, from: command.from, to, kind: command.kind, payload: command.payload },
        },
      ];
    }
    case 'ReportQuality': {
      const role = participant(state, command.by);
      const problem = qualityProblem(command.quality);
      if (problem) throw new DomainError('BAD_INPUT', problem);
      if (state.status !== 'ended') {
        throw new DomainError(
          'CONFLICT',
          isLive(state.status)
            ? 'the call has not ended: report its quality when it ends'
            : `the call was never answered (${state.status}): there is no media to report on`,
        );
      }
      if (role === 'callee' && command.sessionId !== state.acceptedSession)
        throw new DomainError('FORBIDDEN', 'the call was answered on another device');
      if (state.reported[role]) throw new DomainError('CONFLICT', 'you already reported this call’s quality');
      return [
        {
          type: 'CallQualityReported',
          data: { ...p, by: command.by, role, quality: normalisedQuality(command.quality) },
        },
      ];
    }
    default: {
      const never: never = command;
      throw new Error(`unknown command ${JSON.stringify(never)}`);
    }
  }
}

export function evolveCall(state: CallState, event: CallEvent): CallState {
  switch (event.type) {
    case 'CallPlaced':
      return {
        ...state,
        status: 'placed',
        caller: event.data.caller,
        callee: event.data.callee,
        silent: event.data.silent,
        ringTimeoutAt: event.data.ringTimeoutAt,
      };
    case 'CallRinging':
      return { ...state, status: 'ringing' };
    case 'CallAccepted':
      return {
        ...state,
        status: 'accepted',
        acceptedAt: event.data.at,
        acceptedSession: event.data.sessionId,
      };
    case 'CallDeclined':
      return { ...state, status: 'declined' };
    case 'CallMissed':
      return { ...state, status: 'missed' };
    case 'CallBusy':
      return { ...state, status: 'busy' };
    case 'CallCancelled':
      return { ...state, status: 'cancelled' };
    case 'CallEnded':
      return { ...state, status: 'ended' };
    case 'CallQualityReported':
      return { ...state, reported: { ...state.reported, [event.data.role]: true } };
    case 'CallSignalSent':
      return state;
    default: {
      const never: never = event;
      throw new Error(`unknown event ${JSON.stringify(never)}`);
    }
  }
}

export const callDecider: Decider<CallCommand, CallEvent, CallState> = {
  decide: decideCall,
  evolve: evolveCall,
  initial: initialCall,
};

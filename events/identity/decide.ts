import { DomainError } from '../shared/errors.ts';
import { nameText } from '../shared/text.ts';
import type { IdentityEvent } from './events.ts';

export type IdentityCommand =
  | {
      type: 'Register';
      address: string;
      publicKey: string;
      displayName: string;
      /** The first session starts in the same append: registering never leaves a half-done identity. */
      session: { sessionId: string; tokenHash: string; expiresAt: number; device: string };
    }
  | { type: 'ChangeDisplayName'; displayName: string }
  | { type: 'StartSession'; sessionId: string; tokenHash: string; expiresAt: number; device: string }
  | { type: 'EndSession'; sessionId: string; reason: 'signed_out' | 'revoked' };

export type IdentityState =
  | { status: 'unknown' }
  | {
      status: 'registered';
      address: string;
      publicKey: string;
      displayName: string;
      openSessions: Set<string>;
    };

export const initialIdentity = (): IdentityState => ({ status: 'unknown' });

export const DISPLAY_NAME_MAX = 64;
export const DEVICE_NAME_MAX = 64;

export function normalizeDisplayName(raw: string): string {
  return nameText(raw, 'display name', DISPLAY_NAME_MAX);
}

/** A session's device label: a name like the others; absent means "unknown". */
export function normalizeDeviceName(raw: string | null | undefined): string {
  return raw == null ? 'unknown' : nameText(raw, 'device name', DEVICE_NAME_MAX);
}

export function decideIdentity(command: IdentityCommand, state: IdentityState): IdentityEvent[] {
  switch (command.type) {
    case 'Register': {
      if (state.status === 'registered')
        throw new DomainError('CONFLICT', 'this identity is already registered');
      return [
        {
          type: 'IdentityRegistered',
          data: {
            address: command.address,
            publicKey: command.publicKey,
            displayName: normalizeDisplayName(command.displayName),
          },
        },
        { type: 'SessionStarted', data: { ...command.session } },
      ];
    }
    case 'ChangeDisplayName': {
      if (state.status !== 'registered') throw new DomainError('NOT_FOUND', 'no such identity');
      const displayName = normalizeDisplayName(command.displayName);
      if (displayName === state.displayName) return [];
      return [{ type: 'DisplayNameChanged', data: { displayName } }];
    }
    case 'StartSession': {
      if (state.status !== 'registered') throw new DomainError('NOT_FOUND', 'no such identity');
      return [
        {
          type: 'SessionStarted',
          data: {
            sessionId: command.sessionId,
            tokenHash: command.tokenHash,
            expiresAt: command.expiresAt,
            device: command.device,
          },
        },
      ];
    }
    case 'EndSession': {
      if (state.status !== 'registered' || !state.openSessions.has(command.sessionId)) return [];
      return [{ type: 'SessionEnded', data: { sessionId: command.sessionId, reason: command.reason } }];
    }
    default: {
      const never: never = command;
      throw new Error(`unknown command ${JSON.stringify(never)}`);
    }
  }
}

export function evolveIdentity(state: IdentityState, event: IdentityEvent): IdentityState {
  switch (event.type) {
    case 'IdentityRegistered':
      return {
        status: 'registered',
        address: event.data.address,
        publicKey: event.data.publicKey,
        displayName: event.data.displayName,
        openSessions: new Set(),
      };
    case 'DisplayNameChanged':
      return state.status === 'registered' ? { ...state, displayName: event.data.displayName } : state;
    case 'SessionStarted':
      return state.status === 'registered'
        ? { ...state, openSessions: new Set(state.openSessions).add(event.data.sessionId) }
        : state;
    case 'SessionEnded': {
      if (state.status !== 'registered') return state;
      const openSessions = new Set(state.openSessions);
      openSessions.delete(event.data.sessionId);
      return { ...state, openSessions };
    }
    default: {
      const never: never = event;
      throw new Error(`unknown event ${JSON.stringify(never)}`);
    }
  }
}

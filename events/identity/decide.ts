import { DomainError } from '../shared/errors.ts';
import { nameText } from '../shared/text.ts';
import type { IdentityEvent, SessionEndReason } from './events.ts';

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
  | { type: 'EndSession'; sessionId: string; reason: SessionEndReason }
  /** Records a verified handover assertion (checked by app/identity/handover.ts). */
  | {
      type: 'VouchEmbedIdentity';
      site: string;
      subject: string;
      name: string | null;
      nonce: string;
      expiresAt: number;
    }
  /** Every session not yet ended nor expired `at` (ms since the epoch). */
  | { type: 'EndAllSessions'; at: number };

export type IdentityState =
  | { status: 'unknown' }
  | {
      status: 'registered';
      address: string;
      publicKey: string;
      displayName: string;
      /** Sessions not ended, by id, with their expiry (ms since the epoch). */
      openSessions: Map<string, number>;
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
    case 'VouchEmbedIdentity': {
      if (state.status !== 'registered') throw new DomainError('NOT_FOUND', 'no such identity');
      const { site, subject, name, nonce, expiresAt } = command;
      return [{ type: 'EmbedIdentityVouched', data: { site, subject, name, nonce, expiresAt } }];
    }
    case 'EndAllSessions': {
      if (state.status !== 'registered') throw new DomainError('NOT_FOUND', 'no such identity');
      return [...state.openSessions]
        .filter(([, expiresAt]) => expiresAt > command.at)
        .map(([sessionId]) => ({
          type: 'SessionEnded' as const,
          data: { sessionId, reason: 'signed_out_everywhere' as const },
        }));
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
        openSessions: new Map(),
      };
    case 'EmbedIdentityVouched':
      return state;
    case 'DisplayNameChanged':
      return state.status === 'registered' ? { ...state, displayName: event.data.displayName } : state;
    case 'SessionStarted':
      return state.status === 'registered'
        ? {
            ...state,
            openSessions: new Map(state.openSessions).set(event.data.sessionId, event.data.expiresAt),
          }
        : state;
    case 'SessionEnded': {
      if (state.status !== 'registered') return state;
      const openSessions = new Map(state.openSessions);
      openSessions.delete(event.data.sessionId);
      return { ...state, openSessions };
    }
    default: {
      const never: never = event;
      throw new Error(`unknown event ${JSON.stringify(never)}`);
    }
  }
}

import type { Projection } from '../projections/projection.ts';
import type { JsonValue, RecordedEvent } from '../store/types.ts';
import { IDENTITY_STREAM_PREFIX, type IdentityEvent } from './events.ts';

export interface IdentityView {
  address: string;
  publicKey: string;
  displayName: string;
  registeredAt: number;
}

export interface SessionView {
  sessionId: string;
  address: string;
  expiresAt: number;
  endedAt: number | null;
}

export interface Directory {
  identities: Map<string, IdentityView>;
  /** By token hash. */
  sessions: Map<string, SessionView>;
  sessionsById: Map<string, SessionView>;
}

const asIdentityEvent = (e: RecordedEvent) =>
  e.streamId.startsWith(IDENTITY_STREAM_PREFIX) ? (e as unknown as IdentityEvent & RecordedEvent) : null;

/** Who exists, their keys and names, and which session tokens are live. */
export const directory: Projection<Directory> = {
  name: 'directory',
  initial: () => ({ identities: new Map(), sessions: new Map(), sessionsById: new Map() }),
  evolve(state, recorded) {
    const e = asIdentityEvent(recorded);
    if (!e) return state;
    const address = recorded.streamId.slice(IDENTITY_STREAM_PREFIX.length);
    switch (e.type) {
      case 'IdentityRegistered':
        state.identities.set(address, {
          address,
          publicKey: e.data.publicKey,
          displayName: e.data.displayName,
          registeredAt: recorded.time.getTime(),
        });
        break;
      case 'DisplayNameChanged': {
        const identity = state.identities.get(address);
        if (identity) state.identities.set(address, { ...identity, displayName: e.data.displayName });
        break;
      }
      case 'SessionStarted': {
        const session = { sessionId: e.data.sessionId, address, expiresAt: e.data.expiresAt, endedAt: null };
        state.sessions.set(e.data.tokenHash, session);
        state.sessionsById.set(e.data.sessionId, session);
        break;
      }
      case 'SessionEnded': {
        const session = state.sessionsById.get(e.data.sessionId);
        if (session) session.endedAt = recorded.time.getTime();
        break;
      }
    }
    return state;
  },
  snapshot(state): JsonValue {
    return {
      identities: Object.fromEntries([...state.identities].map(([k, v]) => [k, { ...v }])),
      sessions: Object.fromEntries([...state.sessionsById].map(([k, v]) => [k, { ...v }])),
    };
  },
};

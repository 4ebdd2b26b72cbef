import { classify } from '../catalog.ts';
import type { Projection } from '../projections/projection.ts';
import type { JsonValue } from '../store/types.ts';

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

/** Who exists, their keys and names, and which session tokens are live. */
export const directory: Projection<Directory> = {
  name: 'directory',
  initial: () => ({ identities: new Map(), sessions: new Map(), sessionsById: new Map() }),
  evolve(state, recorded) {
    const c = classify(recorded);
    if (c.domain !== 'identity') return state;
    const { address, event: e } = c;
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

import type { JsonValue } from '../store/types.ts';
import type { Projection } from './projection.ts';

export interface LogStats {
  events: number;
  streams: Set<string>;
  byType: Map<string, number>;
}

/** Counts of events and streams: a projection every log has, used by `events replay`. */
export const logStats: Projection<LogStats> = {
  name: 'logStats',
  initial: () => ({ events: 0, streams: new Set(), byType: new Map() }),
  evolve(state, event) {
    state.events++;
    state.streams.add(event.streamId);
    state.byType.set(event.type, (state.byType.get(event.type) ?? 0) + 1);
    return state;
  },
  snapshot(state): JsonValue {
    return { events: state.events, streams: state.streams.size, byType: Object.fromEntries(state.byType) };
  },
};

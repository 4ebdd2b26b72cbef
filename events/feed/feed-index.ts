import { audienceOf, classify } from '../catalog.ts';
import type { Projection } from '../projections/projection.ts';
import type { JsonValue } from '../store/types.ts';

/**
 * Each identity's feed: the positions of the events it is the audience of, ascending. A
 * device that reconnects after a while reads just those, not the whole log since then
 * (8 bytes per event per audience member).
 */
export type FeedIndex = Map<string, number[]>;

export const feedIndex: Projection<FeedIndex> = {
  name: 'feedIndex',
  initial: () => new Map(),
  evolve(state, recorded) {
    for (const address of audienceOf(classify(recorded))) {
      const list = state.get(address);
      if (list) list.push(recorded.position);
      else state.set(address, [recorded.position]);
    }
    return state;
  },
  snapshot: (state): JsonValue => Object.fromEntries(state),
};

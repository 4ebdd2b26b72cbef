import { classify } from '../catalog.ts';
import type { Projection } from '../projections/projection.ts';
import type { JsonValue } from '../store/types.ts';
import type { Plan } from './events.ts';

/** Each identity's plan; absent means FREE. */
export const plans: Projection<Map<string, Plan>> = {
  name: 'plans',
  initial: () => new Map(),
  evolve(state, recorded) {
    const c = classify(recorded);
    if (c.domain === 'plans') state.set(c.address, c.event.data.plan);
    return state;
  },
  snapshot: (state): JsonValue => Object.fromEntries(state),
};

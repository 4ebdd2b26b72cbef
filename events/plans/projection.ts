import type { Projection } from '../projections/projection.ts';
import type { JsonValue } from '../store/types.ts';
import { PLAN_STREAM_PREFIX, type Plan, type PlanEvent } from './events.ts';

/** Each identity's plan; absent means FREE. */
export const plans: Projection<Map<string, Plan>> = {
  name: 'plans',
  initial: () => new Map(),
  evolve(state, recorded) {
    if (!recorded.streamId.startsWith(PLAN_STREAM_PREFIX)) return state;
    state.set(
      recorded.streamId.slice(PLAN_STREAM_PREFIX.length),
      (recorded as unknown as PlanEvent).data.plan,
    );
    return state;
  },
  snapshot: (state): JsonValue => Object.fromEntries(state),
};

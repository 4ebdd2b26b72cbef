import { unreachable } from '../shared/never.ts';
import type { PlanEvent } from './events.ts';

/** A plan is an operator's record, in nobody's feed (the identity reads it with `plan`). */
export function planAudience(event: PlanEvent): string[] {
  switch (event.type) {
    case 'PlanChanged':
      return [];
    default:
      return unreachable(event.type, 'plan event');
  }
}

import type { Plan } from '../../events/plans/events.ts';
import type { ReadModels } from '../read-models.ts';

/** Reads of plans: an identity without a plan event is on FREE. */
export class PlanQueries {
  constructor(private readonly readModels: ReadModels) {}

  plan(address: string): Plan {
    return this.readModels.runners.plans.state.get(address) ?? 'FREE';
  }
}

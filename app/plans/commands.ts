import { planDecider } from '../../events/plans/decide.ts';
import { type Plan, planStream } from '../../events/plans/events.ts';
import { DomainError } from '../../events/shared/errors.ts';
import type { EventLog, EventMetadata } from '../../events/store/types.ts';
import { addressProblem } from '../../protocol/address.ts';
import type { IdentityQueries } from '../identity/queries.ts';
import type { ReadModels } from '../read-models.ts';
import { handle } from '../write.ts';
import type { PlanQueries } from './queries.ts';

/** Commands for plans: an operator's decision, recorded in the identity's plan stream. */
export class PlanCommands {
  constructor(
    private readonly log: EventLog,
    private readonly readModels: ReadModels,
    private readonly queries: { plans: PlanQueries; identity: IdentityQueries },
  ) {}

  /** Sets `address`'s plan (admin only: the resolver checks the admin token). */
  async setPlan(address: string, plan: Plan, m: EventMetadata): Promise<Plan> {
    const problem = addressProblem(address);
    if (problem) throw new DomainError('ADDRESS_INVALID', problem);
    const exists = this.queries.identity.known(address) !== null;
    await handle(
      { log: this.log, readModels: this.readModels },
      { stream: planStream(address), decider: planDecider, strategy: 'fold' },
      { type: 'ChangePlan', plan, exists },
      { ...m, actor: 'admin' },
    );
    return this.queries.plans.plan(address);
  }
}

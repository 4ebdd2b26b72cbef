import type { Decider } from '../shared/decider.ts';
import { DomainError } from '../shared/errors.ts';
import type { Plan, PlanEvent } from './events.ts';

export type PlanCommand = { type: 'ChangePlan'; plan: Plan; exists: boolean };

export const planDecider: Decider<PlanCommand, PlanEvent, Plan> = {
  initial: () => 'FREE',
  decide(command, plan) {
    if (!command.exists) throw new DomainError('NOT_FOUND', 'no identity has this address');
    if (command.plan !== 'FREE' && command.plan !== 'PRO')
      throw new DomainError('BAD_INPUT', 'plan is FREE or PRO');
    return command.plan === plan ? [] : [{ type: 'PlanChanged', data: { plan: command.plan } }];
  },
  evolve: (_plan, event) => event.data.plan,
};

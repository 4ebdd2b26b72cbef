import type { Decider } from '../shared/decider.ts';
import {
  decideIdentity,
  evolveIdentity,
  type IdentityCommand,
  type IdentityState,
  initialIdentity,
} from './decide.ts';
import type { IdentityEvent } from './events.ts';

export const identityDecider: Decider<IdentityCommand, IdentityEvent, IdentityState> = {
  decide: decideIdentity,
  evolve: evolveIdentity,
  initial: initialIdentity,
};

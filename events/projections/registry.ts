import { calls } from '../calls/projection.ts';
import { addressBooks } from '../contacts/projection.ts';
import { feedIndex } from '../feed/feed-index.ts';
import { directory } from '../identity/projections.ts';
import { conversations } from '../messages/projection.ts';
import { plans } from '../plans/projection.ts';
import { pushSubscriptions } from '../push/projection.ts';
import { logStats } from './log-stats.ts';
import type { Projection } from './projection.ts';

/** The read models a node keeps live, by name: the application's queries read these. */
export const readModelProjections = {
  directory,
  addressBooks,
  conversations,
  calls,
  plans,
  pushSubscriptions,
  feedIndex,
} as const;

export type ReadModelProjections = typeof readModelProjections;
export type ReadModelName = keyof ReadModelProjections;
/** The state a registered projection folds into. */
export type StateOf<P> = P extends Projection<infer S> ? S : never;

/** Every projection the system keeps; `events replay` rebuilds all of them. */
export const projections = [logStats, ...Object.values(readModelProjections)] as Projection<unknown>[];

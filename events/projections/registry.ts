import { calls } from '../calls/projection.ts';
import { addressBooks } from '../contacts/projection.ts';
import { directory } from '../identity/projections.ts';
import { conversations } from '../messages/projection.ts';
import { plans } from '../plans/projection.ts';
import { logStats } from './log-stats.ts';
import type { Projection } from './projection.ts';

/** Every projection the system keeps; `events replay` rebuilds all of them. */
export const projections = [
  logStats,
  directory,
  addressBooks,
  conversations,
  calls,
  plans,
] as Projection<unknown>[];

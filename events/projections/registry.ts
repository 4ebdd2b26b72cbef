import { logStats } from './log-stats.ts';
import type { Projection } from './projection.ts';

/** Every projection the system keeps; `events replay` rebuilds all of them. */
export const projections: Projection<unknown>[] = [logStats as Projection<unknown>];

import { IdempotencyConflictError, VersionConflictError } from './errors.ts';
import type { AppendResult } from './types.ts';
import type { ValidAppend } from './validation.ts';

/** Where an already-recorded event id sits in the log. */
export interface ExistingEvent {
  id: string;
  streamId: string;
  streamVersion: number;
  position: number;
}

export type AppendOutcome = { kind: 'write'; fromVersion: number } | { kind: 'done'; result: AppendResult };

/**
 * Decides, for one validated append, whether it is a retry of an append already recorded
 * (every id present, same stream: return its result, write nothing), a new append whose
 * expected version holds, or an error. Shared by both stores so that they agree exactly.
 */
export function planAppend(
  append: ValidAppend,
  currentVersion: number,
  existing: (id: string) => ExistingEvent | undefined,
): AppendOutcome {
  // The common case, no id seen before, without allocating.
  let seen = 0;
  for (const e of append.events) if (existing(e.id)) seen++;
  if (seen === 0) {
    if (append.expectedVersion !== 'any' && append.expectedVersion !== currentVersion) {
      throw new VersionConflictError(append.streamId, append.expectedVersion, currentVersion);
    }
    return { kind: 'write', fromVersion: currentVersion };
  }
  const present = append.events.map((e) => existing(e.id)).filter((f): f is ExistingEvent => f !== undefined);
  if (present.length === append.events.length) {
    if (present.some((f) => f.streamId !== append.streamId)) {
      throw new IdempotencyConflictError('these event ids were recorded in another stream');
    }
    const versions = present.map((f) => f.streamVersion);
    const positions = present.map((f) => f.position);
    return {
      kind: 'done',
      result: {
        streamVersion: Math.max(...versions),
        firstPosition: Math.min(...positions),
        lastPosition: Math.max(...positions),
        appended: false,
      },
    };
  }
  if (present.length > 0) {
    throw new IdempotencyConflictError(
      `event id ${present[0]!.id} is already recorded but the rest of this append is not`,
    );
  }
  if (append.expectedVersion !== 'any' && append.expectedVersion !== currentVersion) {
    throw new VersionConflictError(append.streamId, append.expectedVersion, currentVersion);
  }
  return { kind: 'write', fromVersion: currentVersion };
}

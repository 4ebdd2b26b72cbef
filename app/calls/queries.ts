import { type CallView, liveCallOf } from '../../events/calls/projection.ts';
import { DomainError } from '../../events/shared/errors.ts';
import { partitionPoint } from '../../events/shared/sorted.ts';
import type { Config } from '../config.ts';
import type { PlanQueries } from '../plans/queries.ts';
import type { ReadModels } from '../read-models.ts';
import type { Viewer } from '../services.ts';
import { type IceServer, iceServersFor } from './ice-servers.ts';

/** Reads of calls: one call, a participant's history, live calls, and the ICE servers to use. */
export class CallQueries {
  constructor(
    private readonly readModels: ReadModels,
    private readonly plans: PlanQueries,
    private readonly config: Config,
    private readonly now: () => Date,
  ) {}

  private get state() {
    return this.readModels.runners.calls.state;
  }

  call(callId: string): CallView | undefined {
    return this.state.byId.get(String(callId).toLowerCase());
  }

  /** A call the viewer takes part in (a silent call does not exist for its callee). */
  mine(viewer: Viewer, callId: string): CallView {
    const c = this.call(callId);
    if (!c || !(c.caller === viewer.address || (c.callee === viewer.address && !c.silent))) {
      throw new DomainError('NOT_FOUND', 'no such call');
    }
    return c;
  }

  /** Calls still placed, ringing or accepted. */
  live(): Iterable<CallView> {
    return this.state.live.values();
  }

  /** A live, not silent call of `address` other than `except`. */
  liveCallOf(address: string, except?: string): CallView | undefined {
    return liveCallOf(this.state, address, except);
  }

  history(
    viewer: Viewer,
    /** A position: calls placed before it. */
    before: number | null | undefined,
    last: number,
  ): { calls: CallView[]; hasMore: boolean } {
    if (!Number.isInteger(last) || last < 1 || last > 200)
      throw new DomainError('BAD_INPUT', 'last must be 1 to 200');
    // In log order, so sorted by position: a position is a unique cursor (a timestamp was not:
    // two calls in the same millisecond straddling a page boundary were skipped).
    const all = this.state.history.get(viewer.address) ?? [];
    const end = before == null ? all.length : partitionPoint(all, (c) => c.position < before);
    const start = Math.max(0, end - last);
    return { calls: all.slice(start, end).reverse(), hasMore: start > 0 };
  }

  /** STUN always; TURN by the viewer's plan and TURN_MODE, with short-lived credentials. */
  iceServers(viewer: Viewer): IceServer[] {
    return iceServersFor(this.config, this.plans.plan(viewer.address), viewer.address, this.now().getTime());
  }
}

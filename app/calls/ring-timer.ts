import { callDecider } from '../../events/calls/decide.ts';
import { callStream } from '../../events/calls/events.ts';
import type { CallView } from '../../events/calls/projection.ts';
import { StoreUnavailableError } from '../../events/store/errors.ts';
import { handle, type WriteDeps } from '../write.ts';
import type { CallQueries } from './queries.ts';

/** What the ring timer listens to: the placement of a call, after the read models took it. */
export interface CallPlacedSource {
  onCallPlaced(listener: (callId: string) => void): () => void;
}

/**
 * A reactor: marks a call missed when nobody answered by its `ringTimeoutAt`. Timeouts survive
 * a restart: at start every node re-arms them from the read model (also those that fell due
 * while the server was down); the decider turns a second node's timeout into no event.
 */
export class RingTimer {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private detach: (() => void) | null = null;
  private stopped = false;

  constructor(
    private readonly deps: WriteDeps & {
      calls: CallQueries;
      placed: CallPlacedSource;
      now: () => Date;
      onError: (e: unknown) => void;
    },
  ) {}

  /** Arms a ring timeout for every ringing call, then for each call placed from now on. */
  start(): void {
    for (const c of this.deps.calls.live()) this.arm(c);
    this.detach = this.deps.placed.onCallPlaced((callId) => {
      const c = this.deps.calls.call(callId);
      if (c) this.arm(c);
    });
  }

  private arm(c: CallView, atLeastMs = 0): void {
    if (c.status !== 'placed' && c.status !== 'ringing') return;
    if (this.timers.has(c.callId)) return;
    const delay = Math.max(atLeastMs, c.ringTimeoutAt - this.deps.now().getTime());
    const timer = setTimeout(() => {
      this.timers.delete(c.callId);
      handle(
        this.deps,
        { stream: callStream(c.callId), decider: callDecider, strategy: 'fold' },
        { type: 'TimeOut', now: Math.max(this.deps.now().getTime(), c.ringTimeoutAt) },
        { actor: 'system' },
      ).catch((error: unknown) => {
        this.deps.onError(error);
        // The store is down: try again shortly, or the call would ring until a restart.
        if (error instanceof StoreUnavailableError && !this.stopped) {
          this.arm(c, Math.min(30_000, Math.max(1000, atLeastMs * 2)));
        }
      });
    }, delay);
    timer.unref();
    this.timers.set(c.callId, timer);
  }

  /** Number of armed timeouts (for tests and metrics). */
  get armed(): number {
    return this.timers.size;
  }

  stop(): void {
    this.stopped = true;
    this.detach?.();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

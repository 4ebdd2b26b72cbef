import { DomainError } from '../../events/shared/errors.ts';
import { addressProblem } from '../../protocol/address.ts';
import type { ContactQueries } from '../contacts/queries.ts';
import type { RateLimiter } from '../limits.ts';
import type { Viewer } from '../services.ts';
import type { Signal, SignalBus } from '../signals.ts';

/**
 * Typing indicators: ephemeral signals, never in the log. The same visibility rule as
 * messages (someone who blocked you never hears you type) and a per-identity rate limit.
 */
export class Typing {
  constructor(
    private readonly signals: SignalBus,
    private readonly limit: RateLimiter,
    private readonly contacts: ContactQueries,
  ) {}

  /** Tells `to` that the viewer is typing; silently dropped when `to` blocked the viewer. */
  async send(viewer: Viewer, to: string): Promise<void> {
    const problem = addressProblem(to);
    if (problem) throw new DomainError('ADDRESS_INVALID', problem);
    if (!this.limit.take(viewer.address)) throw new DomainError('RATE_LIMITED', 'too many typing signals');
    if (this.contacts.hasBlocked(to, viewer.address)) return;
    await this.signals.publish({ kind: 'typing', to, from: viewer.address, at: Date.now() });
  }

  /** Listens for typing signals to `address`; returns the function that stops listening. */
  listen(address: string, onSignal: (s: Signal) => void): () => void {
    return this.signals.listen(address, onSignal);
  }
}

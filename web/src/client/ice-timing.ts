/** Timers as the call engine uses them; tests hand in a fake clock. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export const ICE_RECOVERY = {
  /** A `disconnected` link often comes back by itself (a lost packet burst): wait this long first. */
  graceMs: 2000,
  /** While reconnecting, restart ICE again this often (a relay or network may be back). */
  retryMs: 4000,
  /**
   * Reconnecting this long ends the call (`ICE_FAILED`) instead of a spinner for ever; so does
   * a first connection that has not come this long after the call was accepted.
   */
  giveUpMs: 30_000,
};

export interface IceRecoveryOptions {
  /** Send an ICE-restart offer. */
  restart(): void;
  /** Reconnecting for too long: end the call. */
  giveUp(): void;
  /** Reconnecting (true) or back (false): what the call screen shows. */
  reconnecting(on: boolean): void;
}

/**
 * When to restart ICE (docs/protocol.md, Signaling and ICE): at once on `failed` or a network
 * change (`online`, `navigator.connection` change), after a short grace on `disconnected`;
 * again every `retryMs` while not back; giving up after `giveUpMs`. Back is `connected` or
 * `completed` seen after the restart (the link re-reports its state once a restart's
 * negotiation is done, since a link that never broke does not change state).
 */
export class IceRecovery {
  #on = false;
  #grace: unknown = null;
  #retry: unknown = null;
  #giveUp: unknown = null;
  #stopped = false;

  constructor(
    private readonly options: IceRecoveryOptions,
    private readonly clock: Clock = realClock,
    private readonly timing = ICE_RECOVERY,
  ) {}

  get reconnecting(): boolean {
    return this.#on;
  }

  state(state: RTCIceConnectionState): void {
    if (this.#stopped) return;
    if (state === 'connected' || state === 'completed') {
      this.#clear();
      if (this.#on) {
        this.#on = false;
        this.options.reconnecting(false);
      }
    } else if (state === 'failed') {
      this.#begin();
    } else if (state === 'disconnected' && !this.#on && this.#grace === null) {
      this.#grace = this.clock.setTimeout(() => {
        this.#grace = null;
        this.#begin();
      }, this.timing.graceMs);
    }
  }

  /**
   * The call was accepted and its first connection is being set up: if ICE is not connected
   * within `giveUpMs` (no candidate pair ever works, and ICE may never even say `failed`), give
   * up, so "Connecting…" is never shown for ever.
   */
  connecting(): void {
    if (this.#stopped || this.#giveUp !== null) return;
    this.#giveUp = this.clock.setTimeout(() => {
      this.stop();
      this.options.giveUp();
    }, this.timing.giveUpMs);
  }

  /** The device's network changed: the old candidates may be gone, restart now. */
  networkChanged(): void {
    if (!this.#stopped) this.#begin();
  }

  stop(): void {
    this.#stopped = true;
    this.#clear();
  }

  #begin(): void {
    if (this.#grace !== null) this.clock.clearTimeout(this.#grace);
    this.#grace = null;
    if (!this.#on) {
      this.#on = true;
      this.options.reconnecting(true);
      // A first connection still being set up keeps its deadline: restarts do not extend it.
      this.#giveUp ??= this.clock.setTimeout(() => {
        this.stop();
        this.options.giveUp();
      }, this.timing.giveUpMs);
    }
    if (this.#retry !== null) this.clock.clearTimeout(this.#retry);
    this.options.restart();
    this.#retry = this.clock.setTimeout(() => {
      this.#retry = null;
      if (this.#on && !this.#stopped) this.#begin();
    }, this.timing.retryMs);
  }

  #clear(): void {
    for (const t of [this.#grace, this.#retry, this.#giveUp]) if (t !== null) this.clock.clearTimeout(t);
    this.#grace = this.#retry = this.#giveUp = null;
  }
}

/**
 * When to fetch fresh ICE servers: a fifth of the credentials' lifetime before they expire,
 * at most 5 minutes before, never in the past. Null when nothing expires.
 */
export function refreshAt(fetchedAt: number, expiresAt: number | null): number | null {
  if (expiresAt === null) return null;
  const lifetime = Math.max(0, expiresAt - fetchedAt);
  return Math.max(fetchedAt, expiresAt - Math.min(5 * 60_000, lifetime / 5));
}

export interface FetchedIceServers {
  servers: RTCIceServer[];
  /** The earliest expiry among them, or null. */
  expiresAt: number | null;
}

/**
 * Keeps a call's TURN credentials fresh: fetches new ICE servers before the current ones
 * expire and hands them to `apply` (RTCPeerConnection.setConfiguration, and an ICE restart so
 * relays are allocated with them). A failed fetch is tried again after `retryMs`.
 */
export class IceServerRefresh {
  #timer: unknown = null;
  #stopped = false;

  constructor(
    private readonly fetch: () => Promise<FetchedIceServers>,
    private readonly apply: (fresh: FetchedIceServers) => void,
    private readonly clock: Clock = realClock,
    private readonly retryMs = 10_000,
  ) {}

  /** Schedules the refresh of servers fetched at `fetchedAt`. */
  schedule(current: FetchedIceServers, fetchedAt: number = this.clock.now()): void {
    if (this.#stopped) return;
    const at = refreshAt(fetchedAt, current.expiresAt);
    if (at === null) return;
    this.#arm(Math.max(0, at - this.clock.now()));
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) this.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #arm(ms: number): void {
    if (this.#timer !== null) this.clock.clearTimeout(this.#timer);
    this.#timer = this.clock.setTimeout(() => {
      this.#timer = null;
      void this.#refresh();
    }, ms);
  }

  async #refresh(): Promise<void> {
    let fresh: FetchedIceServers;
    try {
      fresh = await this.fetch();
    } catch {
      if (!this.#stopped) this.#arm(this.retryMs);
      return;
    }
    if (this.#stopped) return;
    this.apply(fresh);
    this.schedule(fresh);
  }
}

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
  /**
   * The first connection's bound when this side has no TURN relay: only direct pairs are
   * checked, and those that can work do within a few seconds (docs/connectivity.md); waiting
   * the whole `giveUpMs` only delays "relay not available on your plan".
   */
  noRelayGiveUpMs: 15_000,
  /**
   * A first connection whose relay is known broken (every TURN server refused or never
   * answered, see RelayHealth) gets this long for a direct path instead: direct candidate pairs
   * connect within about 2 s where they can (docs/connectivity.md).
   */
  relayBrokenMs: 8_000,
  /**
   * TURN servers given, but no relay candidate this long after gathering began: the relay is
   * taken for broken (a closed UDP port gives no error until Chromium's STUN timeout, about
   * 40 s, later than the connect bound). A healthy TURN server allocates within one round trip.
   */
  relaySilentMs: 10_000,
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
  /** When the pending give-up falls due, and when the first connection's own bound does. */
  #deadline = 0;
  #connectDeadline = 0;
  #everConnected = false;
  /** The relay was found broken (with relay-only or not) before `connecting`. */
  #relayBroken: boolean | null = null;
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
      this.#everConnected = true;
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
  connecting(relayAvailable = true): void {
    if (this.#stopped || this.#giveUp !== null) return;
    this.#armGiveUp(relayAvailable ? this.timing.giveUpMs : this.timing.noRelayGiveUpMs);
    this.#connectDeadline = this.#deadline;
    if (this.#relayBroken !== null) this.relayBroken(this.#relayBroken);
  }

  /**
   * This side's relay does not work (RelayHealth): a first connection still being set up gets
   * `relayBrokenMs` for a direct path — none at all when only relays may be used — instead of
   * the whole `giveUpMs`, so a misconfigured TURN server fails the call fast. A call that
   * connected once is left alone (its restarts keep their own bounds).
   */
  relayBroken(relayOnly: boolean): void {
    if (this.#stopped || this.#everConnected) return;
    this.#relayBroken = relayOnly;
    // Not accepted yet (still ringing): the shorter bound starts with `connecting`.
    if (this.#giveUp === null) return;
    const ms = relayOnly ? 0 : this.timing.relayBrokenMs;
    if (this.#giveUp !== null && this.#deadline <= this.clock.now() + ms) return;
    this.#armGiveUp(ms);
  }

  /**
   * A relay candidate came after all (a slow TURN server taken for silent): the first
   * connection gets its own bound back.
   */
  relayOk(): void {
    if (this.#stopped || this.#everConnected || this.#relayBroken === null) return;
    this.#relayBroken = null;
    if (this.#giveUp !== null && this.#connectDeadline > this.#deadline)
      this.#armGiveUp(this.#connectDeadline - this.clock.now());
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
      if (this.#giveUp === null) {
        this.#armGiveUp(this.timing.giveUpMs);
        this.#connectDeadline = this.#deadline;
      }
    }
    if (this.#retry !== null) this.clock.clearTimeout(this.#retry);
    this.options.restart();
    this.#retry = this.clock.setTimeout(() => {
      this.#retry = null;
      if (this.#on && !this.#stopped) this.#begin();
    }, this.timing.retryMs);
  }

  #armGiveUp(ms: number): void {
    if (this.#giveUp !== null) this.clock.clearTimeout(this.#giveUp);
    this.#deadline = this.clock.now() + ms;
    this.#giveUp = this.clock.setTimeout(() => {
      this.stop();
      this.options.giveUp();
    }, ms);
  }

  #clear(): void {
    for (const t of [this.#grace, this.#retry, this.#giveUp]) if (t !== null) this.clock.clearTimeout(t);
    this.#grace = this.#retry = this.#giveUp = null;
  }
}

/** How much of a TURN server's reason phrase the call screen shows. */
export const RELAY_ERROR_TEXT_MAX = 80;

/** What a TURN server said while gathering (`RTCPeerConnectionIceErrorEvent`). */
export interface RelayError {
  url: string | null;
  errorCode: number;
  errorText: string;
}

/** `turn:host:port?transport=x` → a key that Chromium's reconstructed URLs match too. */
function turnKey(url: string): string | null {
  const m = /^(turns?):(?:\/\/)?([^?]+)(?:\?transport=(\w+))?/i.exec(url.trim());
  if (!m) return null;
  const scheme = m[1]!.toLowerCase();
  return `${scheme}:${m[2]!.toLowerCase()}/${(m[3] ?? (scheme === 'turns' ? 'tcp' : 'udp')).toLowerCase()}`;
}

/**
 * Whether this side's TURN relays work, from what gathering says: broken when TURN servers
 * were given but every one of their URLs failed (`icecandidateerror`: 401 for a wrong secret,
 * 701 for an unreachable port) and none gave a relay candidate — or when gathering ended with
 * TURN errors and no relay candidate (a URL spelled otherwise than configured). A call can
 * then fail at once with a clear reason instead of "Connecting…" until the connect bound.
 */
export class RelayHealth {
  readonly #urls = new Set<string>();
  readonly #failed = new Set<string>();
  #first: RelayError | null = null;
  #relays = 0;

  constructor(servers: RTCIceServer[]) {
    for (const s of servers)
      for (const url of Array.isArray(s.urls) ? s.urls : [s.urls]) {
        const key = turnKey(url);
        if (key) this.#urls.add(key);
      }
  }

  #silent = false;

  /** A candidate was gathered (its `type`): true when it is a relay after the relay was called broken. */
  candidate(type: string | null | undefined): boolean {
    if (type !== 'relay') return false;
    const wasBroken = this.broken !== null;
    this.#relays++;
    return wasBroken;
  }

  /**
   * `relaySilentMs` after gathering began: the reason when TURN servers were given and none
   * has given a relay candidate (nor an error yet), else null.
   */
  silent(): string | null {
    if (this.#urls.size === 0 || this.#relays > 0) return null;
    this.#silent = true;
    return this.broken;
  }

  /** An `icecandidateerror`: the reason when this makes the relay broken, else null. */
  error(e: RelayError): string | null {
    const key = e.url ? turnKey(e.url) : null;
    if (!key) return null; // a STUN server's error: relays are not concerned
    this.#first ??= e;
    this.#failed.add(key);
    return [...this.#urls].every((u) => this.#failed.has(u)) ? this.broken : null;
  }

  /** Gathering ended: the reason when the relay is broken, else null. */
  gatheringComplete(): string | null {
    if (this.#first && this.#relays === 0) for (const u of this.#urls) this.#failed.add(u);
    return this.broken;
  }

  /** Why the relay is broken (the first TURN error, `401 Unauthorized`), or null. */
  get broken(): string | null {
    if (this.#relays > 0 || this.#urls.size === 0) return null;
    if (this.#silent && !this.#first) return 'no answer';
    if (!this.#first) return null;
    if (!this.#silent && ![...this.#urls].every((u) => this.#failed.has(u))) return null;
    // The reason phrase is the TURN server's (up to 763 bytes in STUN): one short line on screen.
    const { errorCode, errorText } = this.#first;
    const text = errorText.replace(/\s+/g, ' ').trim().slice(0, RELAY_ERROR_TEXT_MAX);
    return `${errorCode}${text ? ` ${text}` : ''}`;
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

/**
 * Which open sockets each session is using, so that a sign-out (here or on another node) or
 * the session's expiry closes them all. A subscription checks the session when it starts; a
 * feed then runs for as long as its socket does, so each session with open sockets has one
 * timer that closes them when it expires.
 */
export class SessionSockets<Socket> {
  private readonly bySession = new Map<string, Set<Socket>>();
  private readonly expiry = new Map<string, NodeJS.Timeout>();

  constructor(
    /** When a session expires (ms since the epoch), by `now`; undefined when unknown. */
    private readonly expiresAt: (sessionId: string) => number | undefined,
    private readonly now: () => number,
    /** Closes one socket of a session that ended. */
    private readonly close: (socket: Socket) => void,
  ) {}

  add(sessionId: string, socket: Socket): void {
    let set = this.bySession.get(sessionId);
    if (!set) {
      set = new Set();
      this.bySession.set(sessionId, set);
    }
    set.add(socket);
    if (!this.expiry.has(sessionId)) this.arm(sessionId);
  }

  remove(sessionId: string, socket: Socket): void {
    const set = this.bySession.get(sessionId);
    if (!set) return;
    set.delete(socket);
    if (set.size === 0) {
      this.bySession.delete(sessionId);
      this.disarm(sessionId);
    }
  }

  /** Closes every socket of a session (it was signed out, or it expired). */
  end(sessionId: string): void {
    const set = this.bySession.get(sessionId);
    if (!set) return;
    this.bySession.delete(sessionId);
    this.disarm(sessionId);
    for (const socket of set) this.close(socket);
  }

  /** Stops every timer (shutdown); the sockets are closed by the caller. */
  clear(): void {
    for (const timer of this.expiry.values()) clearTimeout(timer);
    this.expiry.clear();
    this.bySession.clear();
  }

  /** Timers cannot wait past 2^31-1 ms (24.8 days, less than a session): one that fires early re-arms. */
  private arm(sessionId: string): void {
    const expiresAt = this.expiresAt(sessionId);
    if (expiresAt === undefined) return;
    const delay = Math.min(Math.max(0, expiresAt - this.now()), 2 ** 31 - 1);
    const timer = setTimeout(() => {
      this.expiry.delete(sessionId);
      if (!this.bySession.has(sessionId)) return;
      if (this.now() >= expiresAt) this.end(sessionId);
      else this.arm(sessionId);
    }, delay);
    timer.unref();
    this.expiry.set(sessionId, timer);
  }

  private disarm(sessionId: string): void {
    clearTimeout(this.expiry.get(sessionId));
    this.expiry.delete(sessionId);
  }
}

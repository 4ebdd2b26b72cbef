/** How long a typing signal shows ("typing…") without a newer one. */
export const TYPING_SHOWN_MS = 5000;
/** At most one signal per peer this often: the server allows a burst of 10, then 2 a second. */
export const TYPING_SEND_EVERY_MS = 3000;

/**
 * Typing indicators, both ways. They are ephemeral (not in the event log): received ones
 * expire by themselves, sent ones are throttled per peer.
 */
export class Typing {
  #seen = new Map<string, number>();
  #sent = new Map<string, number>();

  constructor(
    private readonly onChange: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** A signal arrived from `from`. */
  received(from: string): void {
    this.#seen.set(from, this.now());
    this.onChange();
    setTimeout(() => this.onChange(), TYPING_SHOWN_MS + 50);
  }

  /** The peer stopped typing as far as we know: their message arrived. */
  stopped(from: string): void {
    if (this.#seen.delete(from)) this.onChange();
  }

  isTyping(peer: string): boolean {
    const at = this.#seen.get(peer);
    return at !== undefined && this.now() - at < TYPING_SHOWN_MS;
  }

  /** Whether to send a signal to `peer` now (and note that it was sent). */
  shouldSend(peer: string): boolean {
    const last = this.#sent.get(peer) ?? Number.NEGATIVE_INFINITY;
    if (this.now() - last < TYPING_SEND_EVERY_MS) return false;
    this.#sent.set(peer, this.now());
    return true;
  }
}

import { type CSSResultGroup, css, html, LitElement, type PropertyValues } from 'lit';
import {
  type CommandPayloads,
  type CommandType,
  type EventMessage,
  type Message,
  PROTOCOL_VERSION,
  parseMessage,
  type ThemePayload,
} from './protocol.ts';
import { readTheme } from './theme.ts';

/** Where this script was served from: the default `server`. */
const SCRIPT_ORIGIN = (() => {
  try {
    return new URL(import.meta.url).origin;
  } catch {
    return '';
  }
})();

/** The features the frame may use: calls need the first two. */
export const FRAME_ALLOW = 'camera; microphone; autoplay; clipboard-write';

/** The default of `commandTimeout`, in milliseconds. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 15_000;
/** `call()`'s default instead: the visitor may first answer the browser's camera prompt. */
export const DEFAULT_CALL_TIMEOUT_MS = 60_000;

/** What made a command fail: see `CvCommandError`. */
export type CvCommandErrorCode = 'failed' | 'timeout' | 'removed';

/**
 * The error every command method rejects with. `code`: `failed` (the frame refused or could
 * not do it; `message` is its reason), `timeout` (no answer within the element's
 * `commandTimeout`), `removed` (the element left the page first). `command` names the method.
 */
export class CvCommandError extends Error {
  override readonly name = 'CvCommandError';
  constructor(
    message: string,
    readonly code: CvCommandErrorCode,
    readonly command: CommandType,
  ) {
    super(message);
  }
}

interface Pending {
  type: CommandType;
  resolve(): void;
  reject(error: CvCommandError): void;
  timer: ReturnType<typeof setTimeout>;
  /** Posts the command; kept until the frame is ready, null once posted. */
  send: (() => void) | null;
}

/** The frame view an element shows, with its own query parameters. */
export interface FrameView {
  view: 'app' | 'chat' | 'call-button';
  params: Record<string, string>;
}

/**
 * Base of every embed element: renders an iframe of CallVault's own origin and talks to it
 * over postMessage. Keys, tokens and messages live only in that frame; this element only
 * relays commands in and events out. Messages are accepted only from this element's own
 * frame window *and* the server's origin, and posted only to the server's origin.
 */
export abstract class CvEmbedElement extends LitElement {
  static override styles: CSSResultGroup = css`
    :host {
      display: block;
      position: relative;
    }
    iframe {
      display: block;
      border: 0;
      width: 100%;
      height: 100%;
      color-scheme: normal;
    }
  `;

  static override properties = {
    server: { type: String, reflect: true },
    theme: { type: String, reflect: true },
    locale: { type: String, reflect: true },
    commandTimeout: { type: Number, attribute: 'command-timeout' },
  };

  /** CallVault's origin (e.g. `https://callvault.example`). Default: where this script came from. */
  declare server: string;
  /** `light`, `dark` or `auto` (default: follows the visitor's system). */
  declare theme: string;
  /** The language of the frame's own strings (`en` default, `de`). */
  declare locale: string;
  /**
   * Milliseconds a command may take, counted from the call (waiting for the frame to be ready
   * included), before its promise rejects with a `CvCommandError` of code `timeout`
   * (attribute `command-timeout`). Unset: 15000, and 60000 for `call()` (camera prompt).
   */
  declare commandTimeout: number | undefined;

  /** Whether the iframe takes the height the frame's content asks for. */
  protected fitContent = false;
  #frame: HTMLIFrameElement | null = null;
  #serverOrigin = '';
  #ready = false;
  /** Every command not settled yet, by id; `send` is null once it was posted to the frame. */
  #pending = new Map<string, Pending>();

  constructor() {
    super();
    this.server = '';
    this.theme = 'auto';
    this.locale = 'en';
  }

  /** The frame's view and parameters. */
  protected abstract frameView(): FrameView;

  /** A label for the iframe (screen readers announce it). */
  protected abstract frameTitle(): string;

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('message', this.#onMessage);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('message', this.#onMessage);
    this.#ready = false;
    for (const [id, p] of this.#pending)
      this.#settle(
        id,
        new CvCommandError(`${p.type}: the element was removed from the page`, 'removed', p.type),
      );
  }

  /** The frame's URL: view, parameters, locale and this page's origin (checked by the server). */
  protected frameSrc(): string {
    const origin = this.#originOf(this.server || SCRIPT_ORIGIN);
    this.#serverOrigin = origin;
    if (!origin) return 'about:blank';
    const { view, params } = this.frameView();
    const query = new URLSearchParams({
      view,
      ...params,
      locale: this.locale || 'en',
      origin: location.origin,
    });
    return `${origin}/embed/v1/frame?${query}`;
  }

  #originOf(server: string): string {
    try {
      const url = new URL(server, location.href);
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : '';
    } catch {
      return '';
    }
  }

  protected renderFrame() {
    return html`<iframe part="frame" title=${this.frameTitle()} src=${this.frameSrc()} allow=${FRAME_ALLOW}
      referrerpolicy="origin"></iframe>`;
  }

  override render() {
    return this.renderFrame();
  }

  override updated(changed: PropertyValues<this>): void {
    this.#frame = this.renderRoot.querySelector('iframe');
    if (changed.has('theme') && this.#ready) void this.setTheme().catch(() => {});
  }

  readonly #onMessage = (event: MessageEvent): void => {
    // Only this element's own frame, on the server's origin: another window (a sibling frame,
    // a popup, this page itself) posting the same shape is ignored.
    if (!this.#frame || event.source !== this.#frame.contentWindow || event.origin !== this.#serverOrigin)
      return;
    const message = parseMessage(event.data, 'from-frame');
    if (message) this.#receive(message);
  };

  #receive(message: Message): void {
    if (message.kind === 'result') {
      const pending = this.#pending.get(message.id);
      if (!pending || pending.send) return;
      this.#settle(
        message.id,
        message.ok ? null : new CvCommandError(message.error ?? 'failed', 'failed', pending.type),
      );
      return;
    }
    if (message.kind !== 'event') return;
    this.onFrameEvent(message);
    if (message.type === 'resize') {
      if (this.fitContent && this.#frame) this.#frame.style.height = `${Math.ceil(message.payload.height)}px`;
      return;
    }
    if (message.type === 'ready') {
      this.#ready = true;
      this.#post('setTheme', readTheme(this, this.theme), null);
      for (const p of this.#pending.values()) {
        const send = p.send;
        p.send = null;
        send?.();
      }
    }
    this.dispatchEvent(
      new CustomEvent(`cv-${message.type}`, { detail: message.payload, bubbles: true, composed: true }),
    );
  }

  /** For subclasses that react to the frame's events (the launcher's badge). */
  protected onFrameEvent(_message: EventMessage): void {}

  #post<K extends CommandType>(type: K, payload: CommandPayloads[K], id: string | null): void {
    const target = this.#frame?.contentWindow;
    if (!target || !this.#serverOrigin) return;
    target.postMessage(
      { cv: PROTOCOL_VERSION, kind: 'command', id: id ?? crypto.randomUUID(), type, payload },
      this.#serverOrigin,
    );
  }

  /**
   * Sends a command once the frame is ready. Always settles: with the frame's answer, or a
   * `CvCommandError` when the frame refuses it (`failed`), the element leaves the page
   * (`removed`) or no answer comes within `commandTimeout` (`timeout`: the frame never got
   * ready, navigated away, or hangs).
   */
  protected command<K extends CommandType>(type: K, payload: CommandPayloads[K]): Promise<void> {
    return new Promise((resolve, reject) => {
      const id = crypto.randomUUID();
      const set = this.commandTimeout;
      const ms =
        set !== undefined && Number.isFinite(set) && set > 0
          ? set
          : type === 'call'
            ? DEFAULT_CALL_TIMEOUT_MS
            : DEFAULT_COMMAND_TIMEOUT_MS;
      const timer = setTimeout(
        () =>
          this.#settle(
            id,
            new CvCommandError(`${type}: the frame did not answer within ${ms} ms`, 'timeout', type),
          ),
        ms,
      );
      const send = () => this.#post(type, payload, id);
      this.#pending.set(id, { type, resolve, reject, timer, send: this.#ready ? null : send });
      if (this.#ready) send();
    });
  }

  /** Settles a command once: resolved when `error` is null. */
  #settle(id: string, error: CvCommandError | null): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    if (error) p.reject(error);
    else p.resolve();
  }

  /**
   * Carries the theme into the frame: the `--cv-*` custom properties as computed on this
   * element (set them in your CSS), overridden by `theme` when given.
   */
  setTheme(theme: Partial<ThemePayload> = {}): Promise<void> {
    const read = readTheme(this, theme.scheme ?? this.theme);
    return this.command('setTheme', { vars: { ...read.vars, ...(theme.vars ?? {}) }, scheme: read.scheme });
  }

  /** Signs out: the identity is removed from this embed's storage on CallVault's origin. */
  signOut(): Promise<void> {
    return this.command('signOut', {});
  }

  /**
   * Hands over a short-lived assertion your backend signed for the visitor (docs/embedding.md,
   * Verified handover). It goes to the frame by postMessage, never in a URL; the frame has the
   * server verify it for this page's origin once the visitor is signed in. Resolves after
   * `cv-verified` was dispatched; rejects with the server's reason (and `cv-error`).
   */
  handover(assertion: string): Promise<void> {
    return this.command('handover', { assertion });
  }
}

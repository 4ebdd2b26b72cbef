import {
  type CommandMessage,
  type EventPayloads,
  type EventType,
  PROTOCOL_VERSION,
  parseMessage,
} from '../../../embed/src/protocol.ts';

/**
 * The frame's side of the embed protocol: commands from the host page in, events out. Only
 * messages from `window.parent` on the host's checked origin are read; everything is posted
 * to that origin only.
 */
export class HostBridge {
  constructor(
    private readonly hostOrigin: string,
    private readonly run: (command: CommandMessage) => Promise<void>,
  ) {
    window.addEventListener('message', this.#onMessage);
  }

  emit<K extends EventType>(type: K, payload: EventPayloads[K]): void {
    window.parent.postMessage({ cv: PROTOCOL_VERSION, kind: 'event', type, payload }, this.hostOrigin);
  }

  readonly #onMessage = (event: MessageEvent): void => {
    if (event.source !== window.parent || event.origin !== this.hostOrigin) return;
    const message = parseMessage(event.data, 'from-host');
    if (message?.kind !== 'command') return;
    this.run(message).then(
      () => this.#reply(message.id, null),
      (error: unknown) => {
        const text = error instanceof Error ? error.message : String(error);
        this.#reply(message.id, text);
        this.emit('error', { message: text, code: codeOf(error) });
      },
    );
  };

  #reply(id: string, error: string | null): void {
    window.parent.postMessage(
      { cv: PROTOCOL_VERSION, kind: 'result', id, ok: error === null, error },
      this.hostOrigin,
    );
  }
}

const codeOf = (error: unknown): string | null => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
};

/**
 * The host page's origin, or null when this document may not talk to its parent: not framed,
 * no well-formed `origin` parameter, or the browser says the parent is somewhere else. The
 * server already framed this page only for `origin` (CSP frame-ancestors, from
 * ALLOWED_ORIGINS); `location.ancestorOrigins` (Chromium, Safari) and the referrer check it
 * again on this side.
 */
export function hostOriginOf(params: URLSearchParams): string | null {
  if (window.parent === window) return null;
  const claimed = params.get('origin') ?? '';
  try {
    const url = new URL(claimed);
    if (url.origin !== claimed || (url.protocol !== 'https:' && url.protocol !== 'http:')) return null;
  } catch {
    return null;
  }
  const ancestors = location.ancestorOrigins;
  if (ancestors && ancestors.length > 0 && ancestors[0] !== claimed) return null;
  if (document.referrer) {
    try {
      if (new URL(document.referrer).origin !== claimed) return null;
    } catch {
      return null;
    }
  }
  return claimed;
}

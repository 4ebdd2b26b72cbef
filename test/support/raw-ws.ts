import WebSocket from 'ws';

export interface RawMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

/**
 * A graphql-transport-ws socket driven frame by frame, for tests that send what a well-behaved
 * client library never would (malformed payloads, garbage frames) and watch each answer.
 */
export class RawSocket {
  readonly ws: WebSocket;
  readonly received: RawMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiters = new Set<() => void>();

  private constructor(url: string) {
    this.ws = new WebSocket(url, 'graphql-transport-ws');
    this.ws.on('message', (data) => {
      try {
        this.received.push(JSON.parse(String(data)) as RawMessage);
      } catch {
        this.received.push({ type: 'unparseable' });
      }
      for (const w of this.waiters) w();
    });
    this.ws.on('error', () => {}); // the close event carries what the tests read
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        resolve({ code, reason: String(reason) });
        for (const w of this.waiters) w();
      });
    });
  }

  /** Opens a socket; with a token, also initialises it and waits for connection_ack. */
  static async open(url: string, token?: string): Promise<RawSocket> {
    const s = new RawSocket(url);
    await new Promise<void>((resolve, reject) => {
      s.ws.once('open', () => resolve());
      s.ws.once('error', reject);
    });
    if (token !== undefined) {
      s.send({ type: 'connection_init', payload: { token } });
      await s.waitFor((m) => m.type === 'connection_ack');
    }
    return s;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  subscribe(id: string, query: string, variables?: unknown, operationName?: unknown): void {
    this.send({ id, type: 'subscribe', payload: { query, variables, operationName } });
  }

  /** The first message (already received or still to come) that matches, within `ms`. */
  waitFor(match: (m: RawMessage) => boolean, ms = 10_000): Promise<RawMessage> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.received.find(match);
        if (found) {
          done();
          resolve(found);
        } else if (this.ws.readyState === WebSocket.CLOSED) {
          done();
          reject(new Error(`socket closed while waiting; got ${JSON.stringify(this.received)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching message within ${ms} ms; got ${JSON.stringify(this.received)}`));
      }, ms);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** The answer that ends operation `id`: its `error`, or its `next` (then `complete`). */
  async answerTo(id: string, ms?: number): Promise<RawMessage> {
    return this.waitFor((m) => m.id === id && (m.type === 'error' || m.type === 'next'), ms);
  }

  close(): void {
    this.ws.close();
  }
}

/** Codes of the errors in an `error` or `next` message. */
export function errorCodes(m: RawMessage): (string | undefined)[] {
  const errors = m.type === 'error' ? m.payload : (m.payload as { errors?: unknown } | undefined)?.errors;
  return Array.isArray(errors)
    ? errors.map((e: { extensions?: { code?: string } }) => e.extensions?.code)
    : [];
}

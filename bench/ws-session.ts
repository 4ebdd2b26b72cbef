/**
 * The benchmarks' graphql-ws client (protocol `graphql-transport-ws`): one socket per identity,
 * subscribed to its feed as operation "1", that can also carry mutations. Hand-written rather
 * than graphql-ws's client so that thousands of sockets cost little and every frame can be
 * timed and counted.
 */
import WebSocket from 'ws';

const FEED_ID = '1';

/** How to open one feed socket, and where its traffic goes. */
export interface FeedSocketOptions {
  /** `ws://host:port/graphql` */
  url: string;
  token: string;
  /** The feed subscription document. */
  feed: string;
  /** The feed's `after` variable; omitted when undefined. */
  after?: number;
  /** Source address, to spread many sockets over loopback addresses (ephemeral ports). */
  localAddress?: string;
  /** Handshake and acknowledgement must finish within this (default 30 s). */
  timeoutMs?: number;
  /** Each feed `next`: the item (`payload.data.feed`, if any) and when it arrived (performance.now()). */
  onItem?: (item: any, at: number) => void;
  /** Any other frame that is not the answer to a mutation: its type and payload. */
  onMessage?: (type: string, payload: unknown) => void;
  /** The socket closed after it had been acknowledged. */
  onClose?: (code: number) => void;
}

/** `CODE: message` of a GraphQL error, short enough to count by. */
export function describeError(error: any): string | undefined {
  if (!error) return undefined;
  const message = String(error.message ?? '').slice(0, 60);
  return error.extensions?.code ? `${error.extensions.code}: ${message}` : message;
}

/** `onMessage` and `onClose` that count each other frame type and each close code into `into`. */
export function countingEvents(
  into: Record<string, number>,
): Pick<FeedSocketOptions, 'onMessage' | 'onClose'> {
  const add = (key: string) => {
    into[key] = (into[key] ?? 0) + 1;
  };
  return {
    onMessage: (type, payload) => add(type === 'error' ? `error ${JSON.stringify(payload)}` : type),
    onClose: (code) => add(`closed ${code}`),
  };
}

/** Opens a feed socket into `sockets[i]`; resolves with null, or with why it could not. */
export async function openInto(
  sockets: FeedSocket[],
  i: number,
  options: FeedSocketOptions,
): Promise<string | null> {
  const socket = await FeedSocket.open(options);
  if (typeof socket === 'string') return socket;
  sockets[i] = socket;
  return null;
}

/** One acknowledged graphql-ws socket subscribed to an identity's feed. */
export class FeedSocket {
  private nextOperation = 2;
  private readonly operations = new Map<
    string,
    { resolve: (data: any) => void; reject: (e: Error) => void }
  >();

  private constructor(readonly ws: WebSocket) {}

  /**
   * Opens a socket, sends `connection_init` with the token and, once acknowledged, subscribes
   * to the feed. Resolves with the socket, or with why not (`timeout`, `error …`, `closed …`).
   */
  static open(options: FeedSocketOptions): Promise<FeedSocket | string> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    return new Promise((resolve) => {
      const ws = new WebSocket(options.url, 'graphql-transport-ws', {
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        perMessageDeflate: false,
        handshakeTimeout: timeoutMs,
      });
      const socket = new FeedSocket(ws);
      let acked = false;
      let settled = false;
      const settle = (result: FeedSocket | string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const timer = setTimeout(() => {
        ws.terminate();
        settle('timeout');
      }, timeoutMs);
      ws.on('open', () =>
        ws.send(JSON.stringify({ type: 'connection_init', payload: { token: options.token } })),
      );
      ws.on('message', (data) => {
        const at = performance.now();
        const msg = JSON.parse(String(data));
        if (msg.id === FEED_ID && msg.type === 'next') options.onItem?.(msg.payload?.data?.feed, at);
        else if (msg.id !== undefined && msg.id !== FEED_ID) socket.answer(msg);
        else if (msg.type === 'connection_ack') {
          acked = true;
          const variables = options.after === undefined ? {} : { after: options.after };
          ws.send(
            JSON.stringify({ id: FEED_ID, type: 'subscribe', payload: { query: options.feed, variables } }),
          );
          settle(socket);
        } else if (msg.type === 'ping') ws.send(JSON.stringify({ type: 'pong' }));
        else if (msg.type !== 'pong') options.onMessage?.(msg.type, msg.payload);
      });
      ws.on('error', (error: NodeJS.ErrnoException) => settle(`error ${error.code ?? error.message}`));
      ws.on('close', (code) => {
        if (acked) options.onClose?.(code);
        settle(`closed ${code}`);
      });
    });
  }

  /** A mutation over this socket: resolves with its data, rejects with `ws <error>`. */
  request(query: string, variables: Record<string, unknown>): Promise<any> {
    if (!this.isOpen) return Promise.reject(new Error('socket not open'));
    const id = String(this.nextOperation++);
    return new Promise((resolve, reject) => {
      this.operations.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    });
  }

  /** Settles the mutation a frame answers (the `complete` after its `next` finds none). */
  private answer(msg: any): void {
    const op = this.operations.get(msg.id);
    if (!op) return;
    this.operations.delete(msg.id);
    if (msg.type === 'next' && msg.payload?.data && !msg.payload.errors) op.resolve(msg.payload.data);
    else if (msg.type === 'complete') op.reject(new Error('ws completed without a result'));
    else
      op.reject(new Error(`ws ${describeError(msg.payload?.errors?.[0] ?? msg.payload?.[0]) ?? msg.type}`));
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  terminate(): void {
    this.ws.terminate();
  }
}

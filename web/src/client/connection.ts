import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { type Api, ApiError, apiErrorOf, type Subscribe } from './api.ts';

/** What the user sees of the socket. */
export type ConnectionState = 'connecting' | 'online' | 'reconnecting' | 'offline';

/** Close codes after which reconnecting cannot help (docs/protocol.md, WebSocket). */
const FATAL = new Set([4400, 4406, 4409]);
/** The session ended or expired: sign in again before reconnecting. */
export const SESSION_ENDED = 4403;

export interface ConnectionOptions {
  url: string;
  token: string;
  onState(state: ConnectionState): void;
  onSessionEnded(): void;
  /** Backoff between reconnects, from the attempt number (tests shorten it). */
  retryWait?: (attempt: number) => Promise<void>;
}

/** Exponential backoff with jitter, capped at 30 s. */
export const backoff = (attempt: number) =>
  new Promise<void>((resolve) =>
    setTimeout(resolve, Math.min(30_000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2)),
  );

/**
 * One WebSocket per signed-in session (graphql-ws, the token in `connection_init`) carrying
 * everything: urql sends queries and mutations over it too, so they share its session and
 * its order. The socket stays open (not lazy) so the connection state is real.
 */
export class Connection implements Api {
  readonly ws: WsClient;
  readonly urql: Client;
  #connected = false;
  #closed = false;
  #detach: () => void = () => {};
  /** Resolves the wait before the next reconnect attempt early: the network is back. */
  #wake: () => void = () => {};

  constructor(options: ConnectionOptions) {
    this.ws = createClient({
      url: options.url,
      lazy: false,
      // A socket that is not retried (session ended, a fatal code, closed by us) is handled by
      // shouldRetry and the state callbacks; graphql-ws's default here is console.error.
      onNonLazyError: () => {},
      connectionParams: () => ({ token: options.token }),
      retryAttempts: Number.POSITIVE_INFINITY,
      // Back online: reconnect now rather than at the end of a backoff grown while offline.
      retryWait: (attempt) =>
        Promise.race([
          (options.retryWait ?? backoff)(attempt),
          new Promise<void>((resolve) => {
            this.#wake = resolve;
          }),
        ]),
      shouldRetry: (event) => {
        const code = (event as { code?: number }).code ?? 0;
        if (code === SESSION_ENDED) {
          options.onSessionEnded();
          return false;
        }
        return !FATAL.has(code) && !this.#closed;
      },
      on: {
        connecting: () => options.onState(this.#connected ? 'reconnecting' : 'connecting'),
        connected: () => {
          this.#connected = true;
          // The deployed app's checklist looks for exactly this line.
          console.log('WebSocket connected');
          options.onState('online');
        },
        closed: () => {
          if (!this.#closed) options.onState(this.#connected ? 'reconnecting' : 'connecting');
        },
      },
    });
    // A network change (back online, another network): the socket may be dead on the old path,
    // and without a close event for minutes (TCP gives up slowly) every signal of a call's ICE
    // restart would be lost in it. Reconnect at once over the new network (graphql-ws retries
    // the operations in flight; the feed resumes from its cursor). Found by the network lab.
    if (typeof window !== 'undefined') {
      const networkChanged = () => {
        this.#wake();
        if (this.#connected && !this.#closed) this.ws.terminate();
      };
      const connection = (navigator as Navigator & { connection?: EventTarget & { type?: string } })
        .connection;
      // `change` also fires when the browser's bandwidth or RTT estimate moves: only a change of
      // the network's type (wifi → cellular, where the browser reports it) is a new path.
      let type = connection?.type;
      const connectionChanged = () => {
        if (connection?.type === undefined || connection.type === type) return;
        type = connection.type;
        networkChanged();
      };
      window.addEventListener('online', networkChanged);
      connection?.addEventListener('change', connectionChanged);
      this.#detach = () => {
        window.removeEventListener('online', networkChanged);
        connection?.removeEventListener('change', connectionChanged);
      };
    }
    this.urql = new Client({
      url: new URL('/graphql', options.url.replace(/^ws/, 'http')).href,
      exchanges: [
        subscriptionExchange({
          enableAllOperations: true,
          forwardSubscription: (request) => ({
            subscribe: (sink) => ({
              unsubscribe: this.ws.subscribe({ ...request, query: request.query ?? '' }, sink),
            }),
          }),
        }),
      ],
      // Nothing is cached: the feed is the source of truth, queries are refetches.
      requestPolicy: 'network-only',
    });
  }

  async request<R, V extends Record<string, unknown>>(
    document: TypedDocumentNode<R, V>,
    variables: V,
  ): Promise<R> {
    const result = await this.urql.mutation(document, variables).toPromise();
    if (result.error) {
      const gql = result.error.graphQLErrors;
      if (gql.length > 0) throw apiErrorOf(gql);
      throw new ApiError(result.error.message, 'NETWORK');
    }
    return result.data as R;
  }

  /** Subscriptions straight on the socket: see FeedFollower for why the variables are a function. */
  subscribe: Subscribe = (query, variables, sink) => {
    const payload = {
      query,
      get variables() {
        return variables();
      },
    };
    return this.ws.subscribe(payload, sink as Parameters<WsClient['subscribe']>[1]);
  };

  close(): void {
    this.#closed = true;
    this.#detach();
    this.ws.dispose();
  }
}

/**
 * Requests over plain HTTP: signed out (challenge, register, sign-in), or with a token for
 * the answers a closing or reconnecting socket could lose or hold up (signOut,
 * signOutEverywhere). `timeoutMs` aborts each request that takes longer (a `NETWORK` error).
 */
export function publicApi(httpUrl: string, token?: string, timeoutMs?: number): Api {
  const headers = token ? { authorization: `Bearer ${token}` } : undefined;
  const client = new Client({
    url: httpUrl,
    exchanges: [fetchExchange],
    requestPolicy: 'network-only',
    ...(headers || timeoutMs
      ? {
          fetchOptions: () => ({
            ...(headers ? { headers } : {}),
            ...(timeoutMs ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
          }),
        }
      : {}),
  });
  return {
    async request(document, variables) {
      const result = await client.mutation(document, variables).toPromise();
      if (result.error) {
        const gql = result.error.graphQLErrors;
        if (gql.length > 0) throw apiErrorOf(gql);
        throw new ApiError(result.error.message, 'NETWORK');
      }
      return result.data as never;
    },
  };
}

import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { addressOf } from '../../protocol/address.ts';
import { type AuthPurpose, authMessageText } from '../../protocol/auth.ts';
import { fromBase64url, toBase64url } from '../../protocol/base64url.ts';
import { callTokenText } from '../../protocol/call-token.ts';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** POST /graphql over real HTTP. */
export async function gql<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as GraphQLResponse<T>;
  return { ...body, status: res.status };
}

export const codeOf = (r: GraphQLResponse) => r.errors?.[0]?.extensions?.code;

/** A keypair as a browser would make it, with the address derived from it. */
export class TestIdentity {
  readonly privateKey: KeyObject;
  readonly publicKey: string;
  readonly address: string;
  token = '';
  sessionId = '';

  constructor(readonly displayName = 'Tester') {
    const pair = generateKeyPairSync('ed25519');
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey.export({ format: 'jwk' }).x as string;
    this.address = addressOf(fromBase64url(this.publicKey)!);
  }

  sign(message: string): string {
    return sign(null, Buffer.from(message, 'utf8'), this.privateKey).toString('base64url');
  }

  authMessage(purpose: AuthPurpose, challenge: string): string {
    return authMessageText(purpose, challenge, this.address);
  }
}

export async function challenge(url: string): Promise<string> {
  const r = await gql<{ requestChallenge: { challenge: string } }>(
    url,
    'mutation { requestChallenge { challenge } }',
  );
  if (!r.data) throw new Error(`no challenge: ${JSON.stringify(r.errors)}`);
  return r.data.requestChallenge.challenge;
}

export const REGISTER = `mutation Register($input: RegisterInput!) {
  register(input: $input) { token sessionId expiresAt identity { address displayName publicKey } }
}`;
export const SIGN_IN = `mutation SignIn($input: SignInInput!) {
  signIn(input: $input) { token sessionId identity { address displayName } }
}`;

export async function register(url: string, name = 'Tester'): Promise<TestIdentity> {
  const id = new TestIdentity(name);
  const c = await challenge(url);
  const r = await gql(url, REGISTER, {
    input: {
      publicKey: id.publicKey,
      displayName: name,
      challenge: c,
      signature: id.sign(id.authMessage('register', c)),
    },
  });
  if (!r.data) throw new Error(`register failed: ${JSON.stringify(r.errors)}`);
  id.token = r.data.register.token;
  id.sessionId = r.data.register.sessionId;
  return id;
}

export interface WsClient {
  client: Client;
  closed: Promise<{ code: number; reason: string }>;
}

/** A graphql-ws client (protocol graphql-transport-ws) over a real WebSocket. */
export function wsClient(
  wsUrl: string,
  token: string | undefined,
  options: { origin?: string } = {},
): WsClient {
  let resolveClosed!: (v: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((r) => {
    resolveClosed = r;
  });
  const client = createClient({
    url: wsUrl,
    webSocketImpl: class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, options.origin ? { origin: options.origin } : {});
      }
    },
    connectionParams: token === undefined ? {} : { token },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {}, // the tests read `closed` instead
    on: {
      closed: (event) => {
        const e = event as { code: number; reason: string };
        resolveClosed({ code: e.code, reason: String(e.reason) });
      },
    },
  });
  return { client, closed };
}

/** Subscribes and hands back an iterator plus a way to stop. */
export function subscribe<T = Record<string, any>>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
) {
  return client.iterate<T>({ query, variables });
}

export const SEND = `mutation Send($input: SendMessageInput!) {
  sendMessage(input: $input) { id position body status outgoing from to }
}`;

export const FEED_ITEMS = `subscription Feed($after: Position) {
  feed(after: $after) {
    __typename position
    ... on MessageAdded { message { id position body from to status } }
    ... on MessageChanged { message { id body deleted editedAt } }
    ... on ReceiptsChanged { by peer deliveredUpTo readUpTo }
    ... on AddressBookChanged { change address }
    ... on IdentityUpdated { identity { address displayName } }
  }
}`;

/** Reads a feed subscription item by item, waiting for ones that match. */
export class FeedReader {
  private readonly iterator: AsyncIterator<any>;
  readonly seen: any[] = [];

  constructor(client: Client, after = 0, query = FEED_ITEMS) {
    this.iterator = client.iterate({ query, variables: { after } })[Symbol.asyncIterator]();
  }

  /** The next item for which `match` holds (items skipped on the way stay in `seen`). */
  async next(match: (item: any) => boolean = () => true): Promise<any> {
    for (;;) {
      const r = await this.iterator.next();
      if (r.done) throw new Error('feed ended');
      if (r.value.errors) throw new Error(JSON.stringify(r.value.errors));
      const item = r.value.data.feed;
      this.seen.push(item);
      if (match(item)) return item;
    }
  }

  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}

export async function send(
  url: string,
  from: TestIdentity,
  to: string,
  body: string,
  id: string = crypto.randomUUID(),
) {
  return gql(url, SEND, { input: { id, to, body } }, from.token);
}

/** A call token signed by `from`, as the browser client makes it (docs/protocol.md). */
export function callToken(
  from: TestIdentity,
  to: string,
  options: {
    media?: 'AUDIO' | 'VIDEO';
    issuedAt?: number;
    nonce?: string;
    callId?: string;
    claimFrom?: string;
  } = {},
) {
  const media = options.media ?? 'VIDEO';
  const fields = {
    callId: options.callId ?? crypto.randomUUID(),
    from: options.claimFrom ?? from.address,
    to,
    media,
    issuedAt: options.issuedAt ?? Date.now(),
    nonce: options.nonce ?? toBase64url(crypto.getRandomValues(new Uint8Array(16))),
  };
  const message = callTokenText({ ...fields, media: media === 'AUDIO' ? 'audio' : 'video' });
  return { ...fields, signature: from.sign(message) };
}

export const PLACE_CALL = `mutation Place($input: PlaceCallInput!) {
  placeCall(input: $input) { callId status caller callee reason }
}`;

export const CALL_FEED = `subscription CallFeed($after: Position) {
  feed(after: $after) {
    __typename position
    ... on CallUpdated { change call { callId status reason caller callee durationMs answeredHere media
      token { callId from to media issuedAt nonce signature } } }
    ... on CallSignal { callId from signal payload }
  }
}`;

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
} from 'graphql';
import type {
  CallEvent,
  CallEventType,
  EndReason,
  MissedReason,
  SignalKind,
} from '../../events/calls/events.ts';
import type { ContactsEventType } from '../../events/contacts/events.ts';
import type { EventLog } from '../../events/store/types.ts';
import { schema } from '../../schema/index.ts';
import {
  callToken,
  challenge,
  codeOf,
  FeedReader,
  gql,
  PLACE_CALL,
  register,
  SIGN_IN,
  TestIdentity,
  wsClient,
} from '../support/client.ts';
import { errorCodes, RawSocket } from '../support/raw-ws.ts';
import { startServer, type TestServer } from '../support/server.ts';

/**
 * Keeps docs/protocol.md honest (issue 8, point 14): every root field has a row in "Refusals by
 * operation" and its session column holds against a real server; every refusal code the code
 * can give is documented; the documented value sets of the enum-like String fields equal the
 * unions in the code (bound at compile time below) and the values a real server gives.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const DOC = readFileSync(join(ROOT, 'docs', 'protocol.md'), 'utf8');

/** The text of a `#`-heading section, up to the next heading of the same or a higher level. */
function section(title: string): string {
  const lines = DOC.split('\n');
  const start = lines.findIndex((l) => /^#+ /.test(l) && l.replace(/^#+ /, '') === title);
  assert.ok(start >= 0, `docs/protocol.md has a section "${title}"`);
  const level = lines[start]!.indexOf(' ');
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && l.indexOf(' ') <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

type Session = 'yes' | 'no' | 'admin' | 'operator';

/** Rows of "Refusals by operation": `Type.field` → session column. */
function operationRows(): Map<string, Session> {
  const rows = new Map<string, Session>();
  for (const line of section('Refusals by operation').split('\n')) {
    const m = /^\| `((?:Query|Mutation|Subscription)\.\w+)` \| (yes|no|admin|operator) \|/.exec(line);
    if (!m) continue;
    assert.ok(!rows.has(m[1]!), `one row for ${m[1]}`);
    rows.set(m[1]!, m[2] as Session);
  }
  return rows;
}

function rootFields(): {
  type: 'Query' | 'Mutation' | 'Subscription';
  field: GraphQLField<unknown, unknown>;
}[] {
  const out: { type: 'Query' | 'Mutation' | 'Subscription'; field: GraphQLField<unknown, unknown> }[] = [];
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!root) continue;
    for (const field of Object.values(root.getFields())) {
      out.push({ type: root.name as 'Query' | 'Mutation' | 'Subscription', field });
    }
  }
  return out;
}

/** Every `.ts` file under a folder, tests excluded. */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(ROOT, dir, f));
}

/** Codes that come from the libraries the server is built on, not from a literal of ours. */
const LIBRARY_CODES = [
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
];

function codesOfTheCode(): { domain: string[]; api: string[] } {
  const errors = readFileSync(join(ROOT, 'events', 'shared', 'errors.ts'), 'utf8');
  const union = /export type DomainErrorCode =([^;]*);/.exec(errors)?.[1] ?? '';
  const domain = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]!);
  const api = new Set<string>();
  for (const file of sources('api')) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\bcode: '([A-Z_]+)'/g)) api.add(m[1]!);
  }
  return { domain, api: [...api] };
}

// --- Value sets, bound to the code's unions at compile time (tsc fails when one drifts) ---

/** True only when the list names every member of the union (the `satisfies` gives the converse). */
type Covers<Union, Listed> = [Exclude<Union, Listed>] extends [never] ? true : false;

type CallChange = Exclude<CallEventType, 'CallSignalSent'>;
const CALL_CHANGES = [
  'CallPlaced',
  'CallRinging',
  'CallAccepted',
  'CallDeclined',
  'CallMissed',
  'CallBusy',
  'CallCancelled',
  'CallEnded',
  'CallQualityReported',
] as const satisfies readonly CallChange[];
const callChangesCovered: Covers<CallChange, (typeof CALL_CHANGES)[number]> = true;

const CONTACT_CHANGES = [
  'ContactAdded',
  'ContactRenamed',
  'ContactRemoved',
  'ContactBlocked',
  'ContactUnblocked',
  'ContactAlwaysAllowedSet',
  'DoNotDisturbSet',
  'NonContactCallsSet',
  'MessageRequestAccepted',
  'MessageRequestDeclined',
] as const satisfies readonly ContactsEventType[];
const contactChangesCovered: Covers<ContactsEventType, (typeof CONTACT_CHANGES)[number]> = true;

const SIGNALS = ['offer', 'answer', 'candidate', 'restart'] as const satisfies readonly SignalKind[];
const signalsCovered: Covers<SignalKind, (typeof SIGNALS)[number]> = true;

/** The projection (events/calls/projection.ts) sets `declined` and `busy` itself. */
type CallReason =
  | MissedReason
  | Extract<CallEvent, { type: 'CallCancelled' }>['data']['reason']
  | EndReason
  | 'declined'
  | 'busy';
const CALL_REASONS = [
  'timeout',
  'do_not_disturb',
  'non_contact_silenced',
  'declined',
  'busy',
  'caller',
  'glare',
  'hangup',
  'ice_failed',
  'network',
  'error',
] as const satisfies readonly CallReason[];
const callReasonsCovered: Covers<CallReason, (typeof CALL_REASONS)[number]> = true;

const MODES = ['memory', 'postgres'] as const satisfies readonly EventLog['kind'][];
const modesCovered: Covers<EventLog['kind'], (typeof MODES)[number]> = true;

const DIRECTIONS = ['OUTGOING', 'INCOMING'] as const;

/** The backticked values of one row of "Value sets" that match `token`. */
function documentedValues(field: string, token: RegExp): string[] {
  const line = section('Value sets')
    .split('\n')
    .find((l) => l.startsWith(`| \`${field}\` |`));
  assert.ok(line, `"Value sets" has a row for ${field}`);
  const cell = line.split('|')[2] ?? '';
  return [...new Set([...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).filter((v) => token.test(v)))];
}

const sorted = (values: readonly string[]) => [...new Set(values)].sort();

describe('docs/protocol.md', () => {
  it('has one row in "Refusals by operation" per root field of the schema, and no other', () => {
    const rows = operationRows();
    const fields = rootFields().map(({ type, field }) => `${type}.${field.name}`);
    assert.deepEqual(sorted([...rows.keys()]), sorted(fields));
    const printed = readFileSync(join(ROOT, 'schema', 'schema.graphql'), 'utf8');
    for (const name of fields) {
      const [type, field] = name.split('.');
      const block = new RegExp(`type ${type} \\{[^}]*\\n  ${field}[(:]`).test(printed);
      assert.ok(block, `schema/schema.graphql has ${name} (print the schema again?)`);
    }
  });

  it('names every refusal code the code can give, and only codes the code can give', () => {
    const { domain, api } = codesOfTheCode();
    assert.ok(domain.length >= 12, `read DomainErrorCode: ${domain.join(', ')}`);
    assert.ok(api.includes('TRANSPORT_UNSUPPORTED'), `read the code literals under api/: ${api.join(', ')}`);
    for (const code of [...domain, ...api, ...LIBRARY_CODES]) {
      assert.ok(DOC.includes(`\`${code}\``), `docs/protocol.md names ${code}`);
    }
    const known = new Set([...domain, ...api, ...LIBRARY_CODES]);
    // Upper-case words in "Refusals" that are not codes: a method and settings.
    const words = new Set(['POST', 'ADMIN_TOKEN', 'AUDIT_TOKEN', 'AUDIT_SIGNING_KEY']);
    for (const m of section('Refusals').matchAll(/`([A-Z][A-Z_]{3,})`/g)) {
      if (words.has(m[1]!)) continue;
      assert.ok(known.has(m[1]!), `"Refusals" names ${m[1]}, which no code gives`);
    }
  });

  it('documents the value sets of the enum-like String fields as the code has them', () => {
    assert.ok(
      callChangesCovered && contactChangesCovered && signalsCovered && callReasonsCovered && modesCovered,
    );
    const upperCamel = /^[A-Z][a-z][A-Za-z]*$/;
    assert.deepEqual(sorted(documentedValues('CallUpdated.change', upperCamel)), sorted(CALL_CHANGES));
    assert.deepEqual(
      sorted(documentedValues('AddressBookChanged.change', upperCamel)),
      sorted(CONTACT_CHANGES),
    );
    const lower = /^[a-z_]+$/;
    assert.deepEqual(sorted(documentedValues('CallSignal.signal', lower)), sorted(SIGNALS));
    assert.deepEqual(sorted(documentedValues('Call.reason', lower)), sorted(CALL_REASONS));
    assert.deepEqual(sorted(documentedValues('ServerInfo.mode', lower)), sorted(MODES));
    assert.deepEqual(sorted(documentedValues('Call.direction', /^[A-Z]+$/)), sorted(DIRECTIONS));
    // The GraphQL enums whose lower-case values reach clients as strings.
    const kinds = schema.getType('CallSignalKind');
    assert.ok(isEnumType(kinds));
    assert.deepEqual(sorted(kinds.getValues().map((v) => String(v.value))), sorted(SIGNALS));
    const ends = schema.getType('CallEndReason');
    assert.ok(isEnumType(ends));
    for (const v of ends.getValues()) assert.ok(CALL_REASONS.includes(v.value as never), String(v.value));
  });

  it('documents every close code the WebSocket section relies on', () => {
    const ws = section('WebSocket');
    for (const code of ['4400', '4401', '4403', '4406', '4408', '4409', '4429', '4500', '1001', '1006']) {
      assert.ok(ws.includes(`\`${code}\``), `close code ${code}`);
    }
    assert.match(ws, /connection_ack/);
  });
});

/** A value of an argument's type that passes every edge check (lengths, coercion). */
function sample(type: GraphQLInputType, name: string, address: string): unknown {
  const named = getNamedType(type);
  if (isInputObjectType(named)) {
    return Object.fromEntries(
      Object.values(named.getFields()).map((f) => [f.name, sample(f.type, f.name, address)]),
    );
  }
  if (isEnumType(named)) return named.getValues()[0]!.name;
  switch (named.name) {
    case 'Boolean':
      return true;
    case 'Int':
    case 'Float':
      return 1;
    case 'Position':
    case 'Timestamp':
      return 1;
    case 'ID':
      return crypto.randomUUID();
    default:
      return ['address', 'to', 'from', 'with', 'peer'].includes(name) ? address : 'x';
  }
}

/** One operation calling `field` with sample variables (and `__typename` of what it returns). */
function operationFor(
  type: 'Query' | 'Mutation' | 'Subscription',
  field: GraphQLField<unknown, unknown>,
  address: string,
) {
  const args = field.args as readonly GraphQLArgument[];
  const vars = args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const call = args.length ? `(${args.map((a) => `${a.name}: $${a.name}`).join(', ')})` : '';
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  const keyword = type === 'Query' ? 'query' : type === 'Mutation' ? 'mutation' : 'subscription';
  const query = `${keyword}${vars ? `(${vars})` : ''} { ${field.name}${call}${selection} }`;
  const variables = Object.fromEntries(args.map((a) => [a.name, sample(a.type, a.name, address)]));
  return { query, variables };
}

describe('docs/protocol.md against a real server', () => {
  let s: TestServer;
  let ada: TestIdentity;
  let bob: TestIdentity;

  before(async () => {
    s = await startServer('memory');
    ada = await register(s.url, 'Ada');
    bob = await register(s.url, 'Bob');
  });
  after(async () => {
    await s?.close();
  });

  it('answers every field the table says needs a session with UNAUTHENTICATED without one', async () => {
    const rows = operationRows();
    const socket = await RawSocket.open(s.wsUrl);
    socket.send({ type: 'connection_init', payload: { perOperationAuth: true } });
    await socket.waitFor((m) => m.type === 'connection_ack');
    try {
      for (const { type, field } of rootFields()) {
        const name = `${type}.${field.name}`;
        const { query, variables } = operationFor(type, field, bob.address);
        let code: string | undefined;
        if (type === 'Subscription') {
          socket.subscribe(name, query, variables);
          code = errorCodes(await socket.answerTo(name))[0];
        } else {
          code = codeOf(await gql(s.url, query, variables));
        }
        const session = rows.get(name);
        if (session === 'yes') assert.equal(code, 'UNAUTHENTICATED', name);
        else if (session === 'admin') assert.equal(code, 'FORBIDDEN', name);
        // The audit API: no operator token is UNAUTHENTICATED, a user's session FORBIDDEN
        // (test/e2e/audit.test.ts checks both tokens on every field).
        else if (session === 'operator') assert.equal(code, 'UNAUTHENTICATED', name);
        else assert.notEqual(code, 'UNAUTHENTICATED', name);
      }
    } finally {
      socket.close();
    }
  });

  it('answers placeCall with CONFLICT, BAD_INPUT, NOT_FOUND and ADDRESS_INVALID as documented', async () => {
    const place = (input: Record<string, unknown>) => gql(s.url, PLACE_CALL, { input }, ada.token);

    const first = callToken(ada, bob.address);
    const placed = await place(first);
    assert.equal(placed.errors, undefined, JSON.stringify(placed.errors));
    // The same callId again, in a fresh token (a new nonce): the id is taken.
    const reused = await place(callToken(ada, bob.address, { callId: first.callId }));
    assert.equal(codeOf(reused), 'CONFLICT', JSON.stringify(reused.errors));

    const shortNonce = await place(callToken(ada, bob.address, { nonce: 'AAAA' }));
    assert.equal(codeOf(shortNonce), 'BAD_INPUT', JSON.stringify(shortNonce.errors));

    const nobody = new TestIdentity('Nobody');
    const unknown = await place(callToken(ada, nobody.address));
    assert.equal(codeOf(unknown), 'NOT_FOUND', JSON.stringify(unknown.errors));

    // One character changed: the checksum no longer matches.
    const mistyped = `${bob.address.slice(0, 10)}${bob.address[10] === 'q' ? 'r' : 'q'}${bob.address.slice(11)}`;
    const typo = await place(callToken(ada, mistyped));
    assert.equal(codeOf(typo), 'ADDRESS_INVALID', JSON.stringify(typo.errors));

    await gql(s.url, 'mutation($c: ID!) { hangUp(callId: $c) { status } }', { c: first.callId }, ada.token);
  });

  it('serves GraphQL over HTTP in the POST forms "Transports" lists, and refuses the others', async () => {
    const query = '{ serverInfo { mode } }';
    const post = (type: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${s.url}/graphql`, { method: 'POST', body, headers: { 'content-type': type, ...headers } });
    const csrf = { 'x-graphql-yoga-csrf': '1' };
    const served = [
      await post('application/json', JSON.stringify({ query })),
      await post('application/graphql+json', JSON.stringify({ query })),
      await post('application/graphql', query),
      await post('application/x-www-form-urlencoded', `query=${encodeURIComponent(query)}`, csrf),
    ];
    for (const r of served) {
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { data: { serverInfo: { mode: 'memory' } } });
    }
    assert.equal(
      (await post('application/x-www-form-urlencoded', `query=${encodeURIComponent(query)}`)).status,
      403,
    );
    assert.equal((await post('text/plain', JSON.stringify({ query }), csrf)).status, 415);
    const transports = section('Transports');
    for (const type of [
      'application/json',
      'application/graphql+json',
      'application/graphql',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
    ]) {
      assert.ok(transports.includes(`\`${type}\``), type);
    }
  });

  it('answers signIn for an address no identity has with NOT_FOUND', async () => {
    const stranger = new TestIdentity('Stranger');
    const c = await challenge(s.url);
    const r = await gql(s.url, SIGN_IN, {
      input: {
        address: stranger.address,
        challenge: c,
        signature: stranger.sign(stranger.authMessage('sign-in', c)),
      },
    });
    assert.equal(codeOf(r), 'NOT_FOUND', JSON.stringify(r.errors));
  });

  it('gives only documented values in the enum-like fields of a real call and address book', async () => {
    const carol = await register(s.url, 'Carol');
    const dave = await register(s.url, 'Dave');
    const ws = wsClient(s.wsUrl, dave.token);
    const feed = new FeedReader(
      ws.client,
      0,
      `subscription($after: Position) { feed(after: $after) { __typename position
        ... on CallUpdated { change call { callId status reason direction endedBy } }
        ... on CallSignal { callId signal }
        ... on AddressBookChanged { change address } } }`,
    );
    try {
      await gql(
        s.url,
        'mutation($a: String!) { addContact(address: $a, nickname: "Carol") { address } }',
        { a: carol.address },
        dave.token,
      );
      await gql(s.url, 'mutation { setDoNotDisturb(on: false) { doNotDisturb } }', {}, dave.token);
      await gql(s.url, 'mutation { setDoNotDisturb(on: true) { doNotDisturb } }', {}, dave.token);
      await gql(s.url, 'mutation { setDoNotDisturb(on: false) { doNotDisturb } }', {}, dave.token);

      const token = callToken(carol, dave.address, { media: 'AUDIO' });
      const placed = await gql(s.url, PLACE_CALL, { input: token }, carol.token);
      assert.equal(placed.errors, undefined, JSON.stringify(placed.errors));
      const sdp = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
      const signal = await gql(
        s.url,
        'mutation($c: ID!, $p: String!) { sendCallSignal(callId: $c, kind: OFFER, payload: $p) }',
        { c: token.callId, p: sdp },
        carol.token,
      );
      assert.equal(signal.errors, undefined, JSON.stringify(signal.errors));
      await gql(
        s.url,
        'mutation($c: ID!) { declineCall(callId: $c) { status } }',
        { c: token.callId },
        dave.token,
      );

      const declined = await feed.next((i) => i.__typename === 'CallUpdated' && i.change === 'CallDeclined');
      const offer = feed.seen.find((i) => i.__typename === 'CallSignal');
      assert.equal(offer?.signal, 'offer', 'signal values are lower case');
      assert.equal(declined.call.reason, 'declined');
      assert.equal(declined.call.direction, 'INCOMING');
      assert.equal(declined.call.endedBy, null);
      for (const item of feed.seen) {
        if (item.__typename === 'CallUpdated') {
          assert.ok(CALL_CHANGES.includes(item.change), item.change);
          if (item.call.reason !== null) assert.ok(CALL_REASONS.includes(item.call.reason), item.call.reason);
          assert.ok(DIRECTIONS.includes(item.call.direction), item.call.direction);
        }
        if (item.__typename === 'CallSignal') assert.ok(SIGNALS.includes(item.signal), item.signal);
        if (item.__typename === 'AddressBookChanged') {
          assert.ok(CONTACT_CHANGES.includes(item.change), item.change);
          assert.equal(item.address === null, item.change === 'DoNotDisturbSet', JSON.stringify(item));
        }
      }
      const mode = await gql(s.url, '{ serverInfo { mode } }');
      assert.ok(MODES.includes(mode.data?.serverInfo.mode), mode.data?.serverInfo.mode);
    } finally {
      await feed.close();
      ws.client.dispose();
    }
  });
});

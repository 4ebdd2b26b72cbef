import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { codeOf, gql, register, send, type TestIdentity } from '../support/client.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';
import { errorCodes, RawSocket } from '../support/raw-ws.ts';
import { type Mode, startServer, type TestServer } from '../support/server.ts';

const LIVE_FEED = 'subscription { feed { __typename position ... on MessageAdded { message { body } } } }';
const introspectionDeeperThan = (n: number) =>
  `{ __schema { types { ${'fields { type { '.repeat(n)}name${' } }'.repeat(n)} } } }`;
const deepList = (n: number) => `${'['.repeat(n)}"x"${']'.repeat(n)}`;
/** JSON text of a value nested `n` levels deep (JSON.stringify itself would overflow). */
const deepJson = (n: number, open: string, close: string) => `${open.repeat(n)}"x"${close.repeat(n)}`;
const deepArrayJson = (n: number) => deepJson(n, '[', ']');
const deepObjectJson = (n: number) => deepJson(n, '{"to":', '}');

/** POST /graphql with variables given as JSON text. */
async function postRaw(url: string, query: string, variablesJson: string, token: string) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: `{"query":${JSON.stringify(query)},"variables":${variablesJson}}`,
  });
  return (await res.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
}

/** One bad subscribe each: what it sends and the code its `error` (or `next` errors) must carry. */
const BAD_OPERATIONS: {
  name: string;
  query: unknown;
  variables?: unknown;
  /** Variables as JSON text, for values too deep for JSON.stringify. */
  variablesJson?: string;
  operationName?: unknown;
  code: string;
}[] = [
  { name: 'too deep', query: introspectionDeeperThan(10), code: 'GRAPHQL_VALIDATION_FAILED' },
  {
    name: 'too costly',
    query: `{ ${Array.from({ length: 6 }, (_, i) => `m${i}: me { address displayName publicKey }`).join(' ')} }`,
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  {
    name: 'too many aliases',
    query: `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: plan`).join(' ')} }`,
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  {
    name: 'too many directives',
    query: `{ serverInfo { mode ${'@skip(if: false) '.repeat(25)} } }`,
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  {
    name: 'too many tokens',
    query: `{ ${'serverInfo { mode } '.repeat(600)} }`,
    code: 'GRAPHQL_PARSE_FAILED',
  },
  { name: 'a syntax error', query: '{ serverInfo { ', code: 'GRAPHQL_PARSE_FAILED' },
  {
    name: 'a 2,500-deep list literal',
    query: `{ messages(with: ${deepList(2500)}) { hasMore } }`,
    code: 'BAD_INPUT',
  },
  {
    name: 'a 2,500-deep list literal in a default value',
    query: `query($w: [[String]] = ${deepList(2500)}) { serverInfo { mode } }`,
    code: 'BAD_INPUT',
  },
  {
    name: 'a 20,000-deep list in the variables',
    query: 'query($w: String!) { messages(with: $w) { hasMore } }',
    variablesJson: `{"w":${deepArrayJson(20_000)}}`,
    code: 'BAD_INPUT',
  },
  {
    name: 'a 5,000-deep input object in the variables',
    query: 'mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }',
    variablesJson: `{"i":${deepObjectJson(5_000)}}`,
    code: 'BAD_INPUT',
  },
  {
    name: 'an unknown operation name',
    query: 'query A { serverInfo { mode } }',
    operationName: 'B',
    code: 'OPERATION_RESOLUTION_FAILURE',
  },
  {
    name: 'several operations and no operation name',
    query: 'query A { serverInfo { mode } } query B { serverInfo { version } }',
    code: 'OPERATION_RESOLUTION_FAILURE',
  },
  {
    name: 'variables that are not an object',
    query: '{ serverInfo { mode } }',
    variables: 'nope',
    code: 'BAD_INPUT',
  },
  {
    name: 'variables that are a list',
    query: '{ serverInfo { mode } }',
    variables: [1, 2],
    code: 'BAD_INPUT',
  },
  { name: 'a query that is not a string', query: 42, code: 'BAD_INPUT' },
  {
    name: 'an operation name that is not a string',
    query: '{ serverInfo { mode } }',
    operationName: 7,
    code: 'BAD_INPUT',
  },
  {
    name: 'a variable of the wrong type',
    query: 'query($b: Position) { messages(with: "x", before: $b) { hasMore } }',
    variables: { b: -1 },
    code: 'BAD_INPUT',
  },
];

for (const mode of ['memory', 'postgres'] as Mode[]) {
  describe(`WebSocket operation errors (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let s: TestServer;
    let ada: TestIdentity;
    let bob: TestIdentity;
    before(async () => {
      if (skip) return;
      s = await startServer(mode, { NODE_ENV: 'production', GRAPHQL_MAX_COST: '30' });
      ada = await register(s.url, 'Ada');
      bob = await register(s.url, 'Bob');
    });
    after(async () => {
      if (!skip) await s.close();
    });

    it('should answer each bad subscribe with an error for its id and keep the socket and its live feed when one socket sends them', {
      skip,
    }, async () => {
      const socket = await RawSocket.open(s.wsUrl, ada.token);
      try {
        socket.subscribe('live', LIVE_FEED);
        // The feed is live once a message sent now reaches it.
        await send(s.url, bob, ada.address, 'before');
        await socket.waitFor((m) => m.id === 'live' && JSON.stringify(m.payload).includes('before'));
        for (const [i, op] of BAD_OPERATIONS.entries()) {
          const id = `bad-${i}`;
          const payload = JSON.stringify({
            query: op.query,
            variables: op.variables,
            operationName: op.operationName,
          });
          socket.send(
            op.variablesJson
              ? `{"id":"${id}","type":"subscribe","payload":{"variables":${op.variablesJson},${payload.slice(1)}}`
              : { id, type: 'subscribe', payload: JSON.parse(payload) },
          );
          const answer = await socket.answerTo(id);
          assert.ok(socket.isOpen, `${op.name}: the socket stays open`);
          assert.deepEqual(
            [...new Set(errorCodes(answer))],
            [op.code],
            `${op.name}: ${JSON.stringify(answer.payload).slice(0, 300)}`,
          );
          assert.doesNotMatch(JSON.stringify(answer), /INTERNAL_SERVER_ERROR|Maximum call stack/);
        }
        await send(s.url, bob, ada.address, 'after');
        await socket.waitFor((m) => m.id === 'live' && JSON.stringify(m.payload).includes('after'));
        assert.ok(socket.isOpen);
      } finally {
        socket.close();
      }
    });

    it('should refuse @skip or @include on a subscription’s root fields as a validation failure, not an internal error', {
      skip,
    }, async () => {
      // The GraphQL spec (Single root field) forbids them: a skipped root field leaves the
      // executor nothing to subscribe to.
      const refused: [string, Record<string, unknown>?][] = [
        ['subscription { feed @skip(if: true) { position } }'],
        ['subscription { typing @include(if: false) { from } }'],
        ['subscription { ... @skip(if: true) { typing { from } } }'],
        ['subscription S { ...Root } fragment Root on Subscription { typing @include(if: false) { from } }'],
        ['subscription($s: Boolean!) { typing @skip(if: $s) { from } }', { s: false }],
      ];
      const socket = await RawSocket.open(s.wsUrl, ada.token);
      try {
        for (const [i, [query, variables]] of refused.entries()) {
          socket.subscribe(`skip-${i}`, query, variables);
          const answer = await socket.answerTo(`skip-${i}`);
          assert.deepEqual(
            errorCodes(answer),
            ['GRAPHQL_VALIDATION_FAILED'],
            `${query}: ${JSON.stringify(answer)}`,
          );
          assert.match(JSON.stringify(answer.payload), /@skip.*@include|root field/i);
        }
        assert.ok(socket.isOpen);
      } finally {
        socket.close();
      }
    });

    it('should answer the same code over HTTP as over WebSocket for every bad operation HTTP can carry', {
      skip,
    }, async () => {
      for (const op of BAD_OPERATIONS) {
        const sendable =
          typeof op.query === 'string' &&
          !op.variablesJson &&
          (op.variables === undefined ||
            (typeof op.variables === 'object' && !Array.isArray(op.variables))) &&
          (op.operationName === undefined || typeof op.operationName === 'string');
        if (!sendable) continue;
        const res = await fetch(`${s.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${ada.token}` },
          body: JSON.stringify({ query: op.query, variables: op.variables, operationName: op.operationName }),
        });
        const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
        const codes = [...new Set((body.errors ?? []).map((e) => e.extensions?.code))];
        assert.deepEqual(codes, [op.code], `${op.name} over HTTP: ${JSON.stringify(body).slice(0, 300)}`);
      }
    });

    it('should close with 4400 (protocol), not 4500, when a client sends a message type only servers send', {
      skip,
    }, async () => {
      for (const type of ['next', 'error', 'connection_ack']) {
        const socket = await RawSocket.open(s.wsUrl, ada.token);
        socket.send({ type, id: '1', payload: {} });
        assert.equal((await socket.closed).code, 4400, type);
      }
    });

    it('should refuse deeply nested input as BAD_INPUT over HTTP too, appending nothing', {
      skip,
    }, async () => {
      const head = await s.app.log.head();
      const r1 = await gql(s.url, `{ messages(with: ${deepList(2500)}) { hasMore } }`, {}, ada.token);
      assert.equal(codeOf(r1), 'BAD_INPUT', JSON.stringify(r1.errors));
      const r2 = await postRaw(
        s.url,
        'mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }',
        `{"i":${deepObjectJson(5_000)}}`,
        ada.token,
      );
      assert.equal(r2.errors?.[0]?.extensions?.code, 'BAD_INPUT', JSON.stringify(r2.errors));
      const r4 = await postRaw(
        s.url,
        'query($w: String!) { messages(with: $w) { hasMore } }',
        `{"w":${deepArrayJson(20_000)}}`,
        ada.token,
      );
      assert.equal(r4.errors?.[0]?.extensions?.code, 'BAD_INPUT', JSON.stringify(r4.errors));
      const r3 = await gql(
        s.url,
        'query($b: Position) { messages(with: "x", before: $b) { hasMore } }',
        { b: 1.5 },
        ada.token,
      );
      assert.equal(codeOf(r3), 'BAD_INPUT', JSON.stringify(r3.errors));
      assert.equal(await s.app.log.head(), head);
    });

    it('should leak no "Did you mean" suggestion in production when names are misspelt anywhere', {
      skip,
    }, async () => {
      const misspelt: [string, Record<string, unknown>][] = [
        ['{ serverInf { mode } }', {}],
        ['{ serverInfo { mod } }', {}],
        ['{ messages(wit: "x") { hasMore } }', {}],
        ['query($w: Strin!) { messages(with: $w) { hasMore } }', { w: 'x' }],
        ['mutation { setNonContactCalls(policy: RIN) { nonContactCalls } }', {}],
        [
          'mutation($p: NonContactCallPolicy!) { setNonContactCalls(policy: $p) { nonContactCalls } }',
          { p: 'RIN' },
        ],
        ['mutation { sendMessage(input: { id: "a", tto: "x", body: "b" }) { id } }', {}],
        [
          'mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }',
          { i: { id: 'a', tto: 'x', body: 'b' } },
        ],
        ['subscription($a: Positio) { feed(after: $a) { position } }', {}],
        ['{ me { ... on Identit { address } } }', {}],
      ];
      const socket = await RawSocket.open(s.wsUrl, ada.token);
      try {
        for (const [i, [query, variables]] of misspelt.entries()) {
          const http = await gql(s.url, query, variables, ada.token);
          assert.ok(http.errors?.length, query);
          assert.doesNotMatch(JSON.stringify(http.errors), /Did you mean/i, query);
          socket.subscribe(`m${i}`, query, variables);
          const answer = await socket.answerTo(`m${i}`);
          assert.ok(errorCodes(answer).length > 0, query);
          assert.doesNotMatch(JSON.stringify(answer), /Did you mean/i, query);
        }
      } finally {
        socket.close();
      }
    });
  });
}

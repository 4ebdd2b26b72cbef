import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import WebSocket from 'ws';
import { schema } from '../../schema/index.ts';
import { gql, register, send, type TestIdentity } from '../support/client.ts';
import {
  type FuzzOperation,
  garbageOperation,
  mutated,
  nastyJson,
  schemaOperations,
} from '../support/fuzz-documents.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';
import { RawSocket } from '../support/raw-ws.ts';
import { type Mode, startServer, type TestServer } from '../support/server.ts';

/**
 * Property: no input, over HTTP or WebSocket, makes the server answer INTERNAL_SERVER_ERROR,
 * suggest names in production, drop another operation's subscription, or stop answering.
 * Reproduce a failure with the seed it prints: FUZZ_SEED=<seed> (FUZZ_RUNS to run more,
 * FUZZ_TRACE=1 to print each input as it is sent).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
const FORBIDDEN_TEXT = /INTERNAL_SERVER_ERROR|Did you mean|Maximum call stack|Unexpected error/;
/** Close codes a protocol violation may earn; 4500 (internal error) is not among them. */
const PROTOCOL_CLOSES = new Set([1000, 1005, 1009, 4400, 4401, 4403, 4408, 4409, 4429]);

const run = <T extends unknown[]>(property: fc.IAsyncProperty<T>, runs = RUNS) =>
  fc.assert(property, { seed: SEED, numRuns: runs, endOnFailure: true });

async function postOperation(url: string, op: FuzzOperation, token: string) {
  const body =
    op.variablesJson !== undefined
      ? `{"query":${JSON.stringify(op.query)},"operationName":${JSON.stringify(op.operationName ?? null)},"variables":${op.variablesJson}}`
      : JSON.stringify({ query: op.query, variables: op.variables, operationName: op.operationName });
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    // JSON only: a subscription must not turn into an endless event stream here.
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      authorization: `Bearer ${token}`,
    },
    body,
  });
  return { status: res.status, text: await res.text() };
}

const subscribeFrame = (id: string, op: FuzzOperation) =>
  op.variablesJson !== undefined
    ? `{"id":${JSON.stringify(id)},"type":"subscribe","payload":{"query":${JSON.stringify(op.query)},"operationName":${JSON.stringify(op.operationName ?? null)},"variables":${op.variablesJson}}}`
    : JSON.stringify({
        id,
        type: 'subscribe',
        payload: { query: op.query, variables: op.variables, operationName: op.operationName },
      });

/** A frame of any kind: JSON of any shape, protocol messages out of place, non-JSON, binary. */
const rawFrame = fc.oneof(
  fc.string({ maxLength: 30 }),
  nastyJson.map((v) => JSON.stringify(v) ?? 'null'),
  fc.constantFrom(
    '{"type":"connection_init"}',
    '{"type":"connection_init","payload":{"token":"cvs_nope"}}',
    '{"type":"subscribe","id":"x","payload":{"query":"{ me { address } }"}}',
    '{"type":"subscribe","id":"","payload":{"query":"{ plan }"}}',
    '{"type":"complete","id":"nope"}',
    '{"type":"next","id":"1","payload":{}}',
    '{"type":"ping","payload":[1,2]}',
    '{"type":"pong"}',
    '{"type":"connection_ack"}',
  ),
  fc
    .record({
      type: fc.constantFrom('subscribe', 'complete', 'ping', 'pong', 'error'),
      id: nastyJson,
      payload: nastyJson,
    })
    .map((m) => JSON.stringify(m)),
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
);

for (const mode of ['memory', 'postgres'] as Mode[]) {
  describe(`fuzzing the API (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let s: TestServer;
    let ada: TestIdentity;
    let bob: TestIdentity;
    let socket: RawSocket;
    let ops: fc.Arbitrary<FuzzOperation>;
    before(async () => {
      if (skip) return;
      s = await startServer(mode, { NODE_ENV: 'production' });
      ada = await register(s.url, 'Ada');
      bob = await register(s.url, 'Bob');
      // The served schema, as code: introspecting it over HTTP would be subject to the limits.
      const fromSchema = schemaOperations(schema);
      ops = fc.oneof(
        { weight: 5, arbitrary: fromSchema },
        { weight: 3, arbitrary: mutated(fromSchema) },
        {
          weight: 1,
          arbitrary: garbageOperation,
        },
      );
      // One socket carries a live feed the whole time: no other operation may take it down.
      socket = await RawSocket.open(s.wsUrl, ada.token);
      socket.subscribe('monitor', 'subscription { feed { __typename position } }');
    });
    after(async () => {
      if (skip) return;
      socket.close();
      await s.close();
    });

    const stillServing = async (label: string) => {
      const health = await fetch(`${s.url}/api/health`);
      assert.equal(health.status, 200, label);
      const me = await gql(s.url, '{ me { address } }', {}, ada.token);
      assert.equal(me.data?.me?.address, ada.address, label);
      const sent = await send(s.url, bob, ada.address, `still there: ${label}`);
      const position = sent.data?.sendMessage?.position;
      assert.ok(position, JSON.stringify(sent.errors));
      await socket.waitFor(
        (m) => m.id === 'monitor' && JSON.stringify(m.payload).includes(`"position":${position}`),
      );
      assert.ok(socket.isOpen, `${label}: the monitoring socket is open`);
    };

    it('should never answer INTERNAL_SERVER_ERROR or a suggestion over HTTP', { skip }, async () => {
      await run(
        fc.asyncProperty(ops, async (op) => {
          if (process.env.FUZZ_TRACE) console.error('HTTP', JSON.stringify(op).slice(0, 200));
          const r = await postOperation(s.url, op, ada.token);
          assert.ok(r.status < 500, `HTTP ${r.status}: ${r.text.slice(0, 300)}`);
          assert.doesNotMatch(r.text, FORBIDDEN_TEXT);
        }),
      );
      await stillServing('after HTTP fuzzing');
    });

    it('should answer every WebSocket operation for its own id without closing the socket', {
      skip,
    }, async () => {
      let n = 0;
      await run(
        fc.asyncProperty(ops, async (op) => {
          const id = `f${n++}`;
          if (process.env.FUZZ_TRACE) console.error('WS', id, JSON.stringify(op).slice(0, 200));
          socket.send(subscribeFrame(id, op));
          const isSubscription = /^\s*subscription\b/.test(op.query);
          // Queries and mutations always end (complete or error); a valid subscription may
          // stay silent, so it gets a bounded wait for a first answer, then is completed.
          const answer = await socket
            .waitFor(
              (m) =>
                m.id === id &&
                (m.type === 'error' || m.type === 'complete' || (isSubscription && m.type === 'next')),
              isSubscription ? 300 : 10_000,
            )
            .catch((error: Error) => {
              if (!isSubscription || !socket.isOpen) throw error;
              return null;
            });
          if (answer?.type !== 'error' && answer?.type !== 'complete') socket.send({ id, type: 'complete' });
          assert.ok(socket.isOpen, `socket closed by ${JSON.stringify(op).slice(0, 300)}`);
          for (const m of socket.received)
            if (m.id === id) assert.doesNotMatch(JSON.stringify(m), FORBIDDEN_TEXT);
        }),
      );
      socket.received.splice(0, socket.received.length);
      await stillServing('after WebSocket fuzzing');
    });

    it('should close a socket that breaks the protocol with a protocol code, never 4500, and keep serving', {
      skip,
    }, async () => {
      await run(
        fc.asyncProperty(
          fc.boolean(),
          fc.array(rawFrame, { minLength: 1, maxLength: 5 }),
          async (init, frames) => {
            if (process.env.FUZZ_TRACE) console.error('RAW', init, JSON.stringify(frames).slice(0, 200));
            const raw = await RawSocket.open(s.wsUrl, init ? ada.token : undefined);
            try {
              for (const f of frames) raw.ws.send(f, { binary: Buffer.isBuffer(f) });
              // A ping is answered after the frames before it were taken (or the socket closes).
              raw.send({ type: 'ping' });
              await raw.waitFor((m) => m.type === 'pong').catch(() => null);
              if (!raw.isOpen && raw.ws.readyState !== WebSocket.CONNECTING) {
                const { code } = await raw.closed;
                assert.ok(PROTOCOL_CLOSES.has(code), `closed with ${code}`);
              }
              for (const m of raw.received) assert.doesNotMatch(JSON.stringify(m), FORBIDDEN_TEXT);
            } finally {
              raw.close();
            }
          },
        ),
        Math.ceil(RUNS / 2),
      );
      await stillServing('after raw frames');
    });
  });
}

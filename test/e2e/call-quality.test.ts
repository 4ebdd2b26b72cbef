/**
 * Call quality records over the real API, in both store modes, over HTTP and WebSocket:
 * who may report (participants of an ended call, once each, the callee from the answering
 * device), hostile numbers and enums refused with nothing appended, the records read back on
 * the call and in the history, and the operator's counters — the same on a second node that
 * replays the log (PostgreSQL).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  callToken,
  challenge,
  codeOf,
  type GraphQLResponse,
  gql,
  PLACE_CALL,
  register,
  SIGN_IN,
  type TestIdentity,
  wsClient,
} from '../support/client.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';
import { type Mode, startServer, type TestServer } from '../support/server.ts';

const REPORT = `mutation Report($c: ID!, $q: CallQualityInput!) {
  reportCallQuality(callId: $c, quality: $q) { callId status quality { connected relayed } }
}`;
const READ = `query Read($c: ID!) {
  call(callId: $c) {
    quality { connected setupMs localCandidate remoteCandidate relayProtocol relayed rttMs
      packetLossPercent jitterMs bitrateInKbps bitrateOutKbps iceRestarts }
    peerQuality { connected relayed localCandidate }
  }
}`;

/** A relayed call as a browser reports it. */
const RELAYED = {
  connected: true,
  setupMs: 850,
  localCandidate: 'RELAY',
  remoteCandidate: 'RELAY',
  relayProtocol: 'UDP',
  rttMs: 2.345,
  packetLossPercent: 0,
  jitterMs: 1.5,
  bitrateInKbps: 1200.5,
  bitrateOutKbps: 1100,
  iceRestarts: 0,
};
const DIRECT = { ...RELAYED, localCandidate: 'HOST', remoteCandidate: 'PRFLX', relayProtocol: null };

/** One operation over graphql-ws, its single result (errors included). */
async function overWs(
  wsUrl: string,
  token: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<GraphQLResponse> {
  const { client } = wsClient(wsUrl, token);
  try {
    for await (const result of client.iterate({ query, variables })) {
      return { status: 200, ...(result as object) } as GraphQLResponse;
    }
    throw new Error('no result');
  } catch (error) {
    if (Array.isArray(error)) return { status: 200, errors: error };
    throw error;
  } finally {
    await client.dispose();
  }
}

/** The value of one sample line of /metrics, e.g. `callvault_calls_total{outcome="failed"}`. */
async function metric(url: string, sample: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  assert.ok(line, `/metrics has ${sample}`);
  return Number(line.slice(sample.length + 1));
}

const SAMPLES = [
  'callvault_calls_total{outcome="connected"}',
  'callvault_calls_total{outcome="failed"}',
  'callvault_calls_total{outcome="unreported"}',
  'callvault_calls_relayed_total',
];
const tally = async (url: string) => Promise.all(SAMPLES.map((s) => metric(url, s)));

for (const mode of ['memory', 'postgres'] as Mode[]) {
  describe(`call quality records (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let s: TestServer;
    let ada: TestIdentity;
    let bob: TestIdentity;
    let mallory: TestIdentity;
    /** Bob signed in on a second device. */
    let bobElsewhere: string;
    before(async () => {
      if (skip) return;
      s = await startServer(mode);
      ada = await register(s.url, 'Ada');
      bob = await register(s.url, 'Bob');
      mallory = await register(s.url, 'Mallory');
      const c = await challenge(s.url);
      const signIn = await gql(s.url, SIGN_IN, {
        input: { address: bob.address, challenge: c, signature: bob.sign(bob.authMessage('sign-in', c)) },
      });
      bobElsewhere = signIn.data!.signIn.token;
    });
    after(async () => {
      if (!skip) await s.close();
    });
    const test = (title: string, fn: () => Promise<void>) => it(title, { skip }, fn);

    /** Ada calls Bob, who answers; `end` hangs it up (with `reason`). */
    async function call(end: false | 'HANGUP' | 'ICE_FAILED' = 'HANGUP'): Promise<string> {
      const placed = await gql(s.url, PLACE_CALL, { input: callToken(ada, bob.address) }, ada.token);
      const callId = placed.data!.placeCall.callId as string;
      const ok = await gql(
        s.url,
        'mutation($c: ID!) { acceptCall(callId: $c) { status } }',
        { c: callId },
        bob.token,
      );
      assert.equal(ok.data?.acceptCall.status, 'ACCEPTED', JSON.stringify(ok.errors));
      if (end) {
        const r = await gql(
          s.url,
          'mutation($c: ID!, $r: CallEndReason) { hangUp(callId: $c, reason: $r) { status } }',
          { c: callId, r: end },
          ada.token,
        );
        assert.equal(r.data?.hangUp.status, 'ENDED');
      }
      return callId;
    }

    test('should refuse strangers, a call not ended, the callee’s other device and a second report, over HTTP and WebSocket', async () => {
      const ended = await call();
      const live = await call(false); // Bob is in it until the end of this test
      for (const transport of ['http', 'ws'] as const) {
        const report = (token: string, c: string, q: Record<string, unknown> = RELAYED) =>
          transport === 'http'
            ? gql(s.url, REPORT, { c, q }, token)
            : overWs(s.wsUrl, token, REPORT, { c, q });
        const head = await s.app.log.head();
        assert.equal(codeOf(await report(mallory.token, ended)), 'NOT_FOUND', `${transport}: stranger`);
        assert.equal(codeOf(await report(ada.token, crypto.randomUUID())), 'NOT_FOUND', 'no such call');
        const early = await report(ada.token, live);
        assert.equal(codeOf(early), 'CONFLICT', `${transport}: not ended`);
        assert.match(early.errors![0]!.message, /has not ended/);
        assert.equal(codeOf(await report(bobElsewhere, ended)), 'FORBIDDEN', 'answered on another device');
        assert.equal(await s.app.log.head(), head, `${transport}: refusals append nothing`);
      }
      // Each participant once: Ada over HTTP, Bob over WebSocket; then neither again.
      const first = await gql(s.url, REPORT, { c: ended, q: RELAYED }, ada.token);
      assert.deepEqual(first.data?.reportCallQuality.quality, { connected: true, relayed: true });
      const second = await overWs(s.wsUrl, bob.token, REPORT, { c: ended, q: DIRECT });
      assert.equal(second.errors, undefined, JSON.stringify(second.errors));
      const head = await s.app.log.head();
      for (const [who, r] of [
        ['ada', await gql(s.url, REPORT, { c: ended, q: DIRECT }, ada.token)],
        ['bob', await overWs(s.wsUrl, bob.token, REPORT, { c: ended, q: RELAYED })],
      ] as const) {
        assert.equal(codeOf(r), 'CONFLICT', `${who}: second report`);
        assert.match(r.errors![0]!.message, /already reported/);
      }
      assert.equal(await s.app.log.head(), head);
      // Read back: yours and theirs, measures to two decimals.
      const read = await gql(s.url, READ, { c: ended }, ada.token);
      assert.deepEqual(read.data?.call, {
        quality: { ...RELAYED, rttMs: 2.35, relayed: true },
        peerQuality: { connected: true, relayed: false, localCandidate: 'HOST' },
      });
      const mine = await gql(s.url, READ, { c: ended }, bob.token);
      assert.equal(mine.data?.call.quality.localCandidate, 'HOST');
      await gql(s.url, 'mutation($c: ID!) { hangUp(callId: $c) { status } }', { c: live }, ada.token);
    });

    test('should refuse hostile numbers and enums with a clear error, appending nothing', async () => {
      const ended = await call();
      const cases: [string, Record<string, unknown>][] = [
        ['negative rtt', { rttMs: -1 }],
        ['negative zero-ish bitrate', { bitrateInKbps: -0.001 }],
        ['loss over 100', { packetLossPercent: 100.5 }],
        ['huge bitrate', { bitrateOutKbps: 1e300 }],
        ['huge jitter', { jitterMs: 60_001 }],
        ['NaN as a string', { rttMs: 'NaN' }],
        ['Infinity as a string', { jitterMs: 'Infinity' }],
        ['a number as a string', { rttMs: '12' }],
        ['fractional Int', { setupMs: 1.5 }],
        ['Int over 32 bits', { iceRestarts: 2 ** 31 }],
        ['too many restarts', { iceRestarts: 10_001 }],
        ['negative restarts', { iceRestarts: -1 }],
        ['setup too long', { setupMs: 600_001 }],
        ['unknown candidate type', { localCandidate: 'LOOPBACK' }],
        ['lower-case enum', { remoteCandidate: 'relay' }],
        ['unknown relay protocol', { relayProtocol: 'QUIC' }],
        ['relay protocol without a local relay', { localCandidate: 'HOST', relayProtocol: 'TCP' }],
        ['half a pair', { remoteCandidate: null }],
        ['connected without setup time', { setupMs: null }],
        ['setup time but never connected', { connected: false }],
        ['connected as a string', { connected: 'true' }],
        ['missing iceRestarts', { iceRestarts: undefined }],
        ['an unknown field', { ip: '192.0.2.1' }],
      ];
      const head = await s.app.log.head();
      for (const [name, patch] of cases) {
        const q = { ...RELAYED, ...patch };
        for (const r of [
          await gql(s.url, REPORT, { c: ended, q }, ada.token),
          await overWs(s.wsUrl, ada.token, REPORT, { c: ended, q }),
        ]) {
          assert.equal(codeOf(r), 'BAD_INPUT', `${name}: ${JSON.stringify(r.errors)}`);
          assert.ok(r.errors![0]!.message.length > 10, `${name}: a message that says why`);
        }
      }
      // 1e400 in the JSON text parses to Infinity: still refused.
      const raw = await fetch(`${s.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ada.token}` },
        body: `{"query":${JSON.stringify(REPORT)},"variables":{"c":"${ended}","q":${JSON.stringify(RELAYED).replace('"rttMs":2.345', '"rttMs":1e400')}}}`,
      });
      assert.equal(codeOf((await raw.json()) as GraphQLResponse), 'BAD_INPUT', 'Infinity from 1e400');
      // An inline literal of the wrong kind fails validation.
      const inline = await gql(
        s.url,
        `mutation { reportCallQuality(callId: "${ended}", quality: { connected: true, setupMs: 1, iceRestarts: 0, rttMs: "NaN" }) { callId } }`,
        {},
        ada.token,
      );
      assert.equal(codeOf(inline), 'GRAPHQL_VALIDATION_FAILED');
      assert.equal(await s.app.log.head(), head, 'nothing appended');
      const read = await gql(s.url, READ, { c: ended }, ada.token);
      assert.equal(read.data?.call.quality, null);
    });

    test('should show the records in the history and count connected, failed and relayed calls in /metrics', async () => {
      const before = await tally(s.url);
      const relayed = await call();
      await gql(s.url, REPORT, { c: relayed, q: RELAYED }, ada.token);
      await gql(s.url, REPORT, { c: relayed, q: { ...RELAYED, relayProtocol: 'TCP' } }, bob.token);
      const failed = await call('ICE_FAILED');
      const never = {
        ...RELAYED,
        connected: false,
        setupMs: null,
        localCandidate: null,
        remoteCandidate: null,
        relayProtocol: null,
      };
      await gql(s.url, REPORT, { c: failed, q: never }, bob.token);
      await call('ICE_FAILED'); // no report at all: failed
      await call(); // hung up, no report: unreported
      const history = await gql(
        s.url,
        '{ callHistory(last: 4) { calls { callId status reason quality { relayed connected } } } }',
        {},
        ada.token,
      );
      const latest = history.data!.callHistory.calls as { callId: string; quality: unknown }[];
      assert.deepEqual(latest.find((c) => c.callId === relayed)?.quality, { relayed: true, connected: true });
      assert.equal(latest.find((c) => c.callId === failed)?.quality, null, 'Ada sent no report for it');
      const after = await tally(s.url);
      assert.deepEqual(
        after.map((v, i) => v - before[i]!),
        [1, 2, 1, 1],
        'connected, failed, unreported, relayed',
      );
      if (mode === 'postgres') {
        // A second node replays the same log: the same totals, not counted by whoever served them.
        const other = await startServer('postgres', {}, { db: s.db! });
        try {
          assert.deepEqual(await tally(other.url), after);
        } finally {
          await other.close();
        }
      }
    });
  });
}

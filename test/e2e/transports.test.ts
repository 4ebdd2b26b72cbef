import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { gql, register, type TestIdentity } from '../support/client.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';
import { type Mode, startServer, type TestServer } from '../support/server.ts';

interface RawResponse {
  status: number;
  type: string;
  body: string;
}

/**
 * One HTTP request with exactly these headers (fetch would add `Accept: *\/*`). A streaming
 * answer (SSE, multipart) is cut off after its headers: the test only needs to see it began.
 */
function raw(
  url: string,
  options: { method: 'GET' | 'POST'; path?: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const req = request(
      `${url}${options.path ?? '/graphql'}`,
      {
        method: options.method,
        headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...options.headers },
      },
      (res) => {
        const type = String(res.headers['content-type'] ?? '');
        if (/event-stream|multipart/.test(type)) {
          res.destroy();
          resolve({ status: res.statusCode ?? 0, type, body: '(stream)' });
          return;
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const FEED = 'subscription Feed { feed { __typename position } }';
const TYPING = 'subscription { typing { from } }';
const RENAME = 'mutation { changeDisplayName(displayName: "Renamed") { displayName } }';

/** Every Accept a client could send, absent header included. */
const ACCEPTS: (string | undefined)[] = [
  undefined,
  '*/*',
  'text/event-stream',
  'application/json',
  'application/graphql-response+json',
  'multipart/mixed',
  'multipart/mixed;subscriptionSpec="1.0", application/json',
  'text/event-stream, application/json;q=0.9',
  'application/json, text/event-stream',
];

const acceptHeader = (accept: string | undefined): Record<string, string> =>
  accept === undefined ? {} : { accept };

function assertTransportRefused(r: RawResponse, what: string) {
  assert.doesNotMatch(r.type, /event-stream|multipart/, `${what}: no stream may start`);
  assert.match(r.type, /^application\/(graphql-response\+)?json/, `${what}: a JSON error`);
  assert.ok(r.status === 400 || r.status === 406, `${what}: status ${r.status}`);
  const body = JSON.parse(r.body) as { errors?: { message: string; extensions?: { code?: string } }[] };
  assert.equal(body.errors?.[0]?.extensions?.code, 'TRANSPORT_UNSUPPORTED', `${what}: ${r.body}`);
  assert.match(body.errors?.[0]?.message ?? '', /graphql-ws|WebSocket/, `${what}: says where to go`);
}

for (const mode of ['memory', 'postgres'] as Mode[]) {
  describe(`transports: subscriptions over WebSocket only, JSON over HTTP (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let s: TestServer;
    let ada: TestIdentity;
    before(async () => {
      if (skip) return;
      s = await startServer(mode);
      ada = await register(s.url, 'Ada');
    });
    after(async () => {
      if (!skip) await s.close();
    });
    const test = (title: string, fn: () => Promise<void>) => it(title, { skip }, fn);
    const auth = () => ({ authorization: `Bearer ${ada.token}` });
    const post = (query: string, accept: string | undefined, extra: Record<string, unknown> = {}) =>
      raw(s.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...acceptHeader(accept), ...auth() },
        body: JSON.stringify({ query, ...extra }),
      });
    const get = (query: string, accept: string | undefined, extra: Record<string, string> = {}) =>
      raw(s.url, {
        method: 'GET',
        path: `/graphql?${new URLSearchParams({ query, ...extra })}`,
        headers: { 'x-graphql-yoga-csrf': '1', ...acceptHeader(accept), ...auth() },
      });

    test('should refuse a subscription POSTed with any Accept header, or none, without starting a stream', async () => {
      for (const query of [FEED, TYPING]) {
        for (const accept of ACCEPTS) assertTransportRefused(await post(query, accept), `POST ${accept}`);
      }
    });

    test('should refuse a subscription sent as GET with any Accept header, or none', async () => {
      for (const query of [FEED, TYPING]) {
        for (const accept of ACCEPTS) assertTransportRefused(await get(query, accept), `GET ${accept}`);
      }
    });

    test('should refuse the subscription of a multi-operation document chosen by operationName', async () => {
      const doc = `query Me { me { address } } ${FEED}`;
      for (const accept of [undefined, 'text/event-stream']) {
        assertTransportRefused(await post(doc, accept, { operationName: 'Feed' }), `POST ${accept}`);
        assertTransportRefused(await get(doc, accept, { operationName: 'Feed' }), `GET ${accept}`);
      }
      const me = await post(doc, 'application/json', { operationName: 'Me' });
      assert.equal(me.status, 200);
      assert.equal(JSON.parse(me.body).data.me.address, ada.address);
    });

    test('should answer queries as JSON with no Accept header, */* or a JSON type', async () => {
      for (const accept of [undefined, '*/*', 'application/json', 'application/graphql-response+json']) {
        const r = await post('{ me { address } }', accept);
        assert.equal(r.status, 200, `${accept}: ${r.body}`);
        assert.match(r.type, /^application\/(graphql-response\+)?json/);
        assert.equal(JSON.parse(r.body).data.me.address, ada.address);
      }
    });

    test('should refuse, before running it, an operation whose answer could only be a stream', async () => {
      for (const accept of ['text/event-stream', 'multipart/mixed', 'text/html']) {
        const head = await s.app.log.head();
        const r = await post(RENAME, accept);
        assertTransportRefused(r, `mutation with Accept ${accept}`);
        assert.equal(r.status, 406);
        assert.equal(await s.app.log.head(), head, `Accept ${accept}: the mutation must not run`);
      }
    });

    test('should answer 400 BAD_REQUEST, not an internal error, for variables or extensions that are not JSON, GET or form POST', async () => {
      const bads: Record<string, string>[] = [
        { variables: '{' },
        { extensions: '{' },
        { variables: '%ZZ' },
        { extensions: '[1,' },
      ];
      for (const bad of bads) {
        const params = new URLSearchParams({ query: '{ __typename }', ...bad });
        const viaGet = await get('{ __typename }', undefined, bad);
        const viaForm = await raw(s.url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-graphql-yoga-csrf': '1' },
          body: params.toString(),
        });
        for (const [how, r] of [
          ['GET', viaGet],
          ['form POST', viaForm],
        ] as const) {
          assert.equal(r.status, 400, `${how} ${params}: ${r.body}`);
          assert.deepEqual(
            JSON.parse(r.body).errors.map((e: { extensions?: { code?: string } }) => e.extensions?.code),
            ['BAD_REQUEST'],
            `${how} ${params}: ${r.body}`,
          );
        }
      }
      // The same parameters, well-formed, still work both ways.
      const ok = new URLSearchParams({ query: '{ __typename }', variables: '{}', extensions: '{}' });
      assert.equal(
        (await get('{ __typename }', undefined, { variables: '{}', extensions: '{}' })).status,
        200,
      );
      const form = await raw(s.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-graphql-yoga-csrf': '1' },
        body: ok.toString(),
      });
      assert.equal(form.status, 200, form.body);
    });

    test('should never run a mutation sent as GET', async () => {
      const head = await s.app.log.head();
      const r = await get(
        'mutation { changeDisplayName(displayName: "ViaGet") { displayName } }',
        'application/json',
      );
      assert.equal(r.status, 405);
      assert.equal(await s.app.log.head(), head);
      const check = await gql(s.url, '{ me { displayName } }', {}, ada.token);
      assert.notEqual(check.data?.me.displayName, 'ViaGet');
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildClientSchema, getIntrospectionQuery, type IntrospectionQuery } from 'graphql';
import { gql, register, type TestIdentity, type WsClient, wsClient } from '../support/client.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';
import { type Mode, startServer, type TestServer } from '../support/server.ts';

interface Result {
  data?: unknown;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const EVERY_OPTION = {
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  experimentalDirectiveDeprecation: true,
  oneOf: true,
};

/** Introspection shaped to multiply: each asks for the fields of types reached through a reference. */
const EXPANDING = [
  '{ __schema { types { fields { type { fields { name } } } } } }',
  '{ __schema { types { fields { args { type { fields { name } } } } } } }',
  '{ __schema { types { interfaces { fields { name } } } } }',
  '{ __schema { types { possibleTypes { possibleTypes { name } } } } }',
  '{ __schema { queryType { fields { type { name } } } } }',
  '{ __type(name: "Query") { fields { type { fields { name } } } } }',
  '{ __schema { types { fields { type { ...T } } } } } fragment T on __Type { fields { name } }',
  '{ __schema { types { fields { type { ... on __Type { ofType { enumValues { name } } } } } } } }',
];

for (const mode of ['memory', 'postgres'] as Mode[]) {
  describe(`introspection for GraphiQL and tools, within limits (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let s: TestServer;
    let ada: TestIdentity;
    let ws: WsClient;
    before(async () => {
      if (skip) return;
      // Production (introspection stays on there) and the lowest depth limit for ordinary queries.
      s = await startServer(mode, { NODE_ENV: 'production', GRAPHQL_MAX_DEPTH: '3' });
      ada = await register(s.url, 'Ada');
      ws = wsClient(s.wsUrl, ada.token);
    });
    after(async () => {
      if (skip) return;
      await ws.client.dispose();
      await s.close();
    });
    const test = (title: string, fn: () => Promise<void>) => it(title, { skip }, fn);

    /** The same document over HTTP and over graphql-ws. */
    const both = async (query: string): Promise<[Result, Result]> => {
      const http = await gql(s.url, query, {}, ada.token);
      const overWs = await ws.client
        .iterate({ query })
        .next()
        .then(
          (r) => r.value as Result,
          (errors: Result['errors']) => ({ errors }),
        );
      return [http, overWs];
    };

    test('should answer graphql-js getIntrospectionQuery(), default and with every option, over HTTP and WebSocket', async () => {
      for (const query of [getIntrospectionQuery(), getIntrospectionQuery(EVERY_OPTION)]) {
        for (const r of await both(query)) {
          assert.equal(r.errors, undefined, JSON.stringify(r.errors));
          const schema = buildClientSchema(r.data as IntrospectionQuery);
          assert.ok(schema.getQueryType()?.getFields().me, 'a usable schema');
          assert.ok(schema.getSubscriptionType()?.getFields().feed);
        }
      }
    });

    test('should keep the depth limit for ordinary queries, introspection beside them or not', async () => {
      for (const r of await both('{ callHistory { calls { callId } } }')) assert.equal(r.errors, undefined);
      for (const query of [
        '{ callHistory { calls { token { nonce } } } }',
        '{ __schema { queryType { name } } callHistory { calls { token { nonce } } } }',
        '{ __typename ...F } fragment F on Query { __schema { types { name } } callHistory { calls { token { nonce } } } }',
      ]) {
        for (const r of await both(query)) assert.match(JSON.stringify(r.errors), /depth/i, query);
      }
    });

    test('should refuse type-reference chains deeper than graphql-js asks for', async () => {
      const deep = `{ __schema { types { fields { type { ${'ofType { '.repeat(12)}name${' }'.repeat(12)} } } } } }`;
      for (const query of [getIntrospectionQuery({ typeDepth: 14 }), deep]) {
        for (const r of await both(query)) {
          assert.match(JSON.stringify(r.errors), /depth/i);
          assert.notEqual(r.errors?.[0]?.extensions?.code, 'INTERNAL_SERVER_ERROR');
        }
      }
    });

    test('should refuse introspection that lists the fields of type references (it multiplies)', async () => {
      const head = await s.app.log.head();
      for (const query of EXPANDING) {
        for (const r of await both(query)) {
          assert.equal(r.data ?? null, null, query);
          assert.match(JSON.stringify(r.errors), /introspection/i, query);
        }
      }
      assert.equal(await s.app.log.head(), head);
    });
  });
}

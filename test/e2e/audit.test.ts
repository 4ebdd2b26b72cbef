import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { schema } from '../../schema/index.ts';
import { ADMIN, AUDITOR, type AuditServer, asOperator, startAuditServer } from '../support/audit.ts';
import { codeOf, gql, register, send, type TestIdentity, wsClient } from '../support/client.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';

/** One document per audit field: the authorization matrix runs each one. */
const FIELDS: Record<string, { query: string; variables?: Record<string, unknown>; mutation?: boolean }> = {
  auditEvents: { query: '{ auditEvents(first: 5) { events { position type data hash } next head } }' },
  auditTimeline: {
    query: 'query($a: String!) { auditTimeline(address: $a) { events { position } } }',
    variables: { a: 'ADDRESS' },
  },
  auditVerifyChain: { query: '{ auditVerifyChain { ok checked firstBadPosition reason } }' },
  auditDigests: { query: '{ auditDigests { name live replayed match } }' },
  auditStateAt: {
    query: 'query($a: String!) { auditStateAt(kind: CONTACTS, key: $a, position: 1) { state } }',
    variables: { a: 'ADDRESS' },
  },
  auditDiff: {
    query: 'query($a: String!) { auditDiff(address: $a, from: 0, to: 1) { path before after } }',
    variables: { a: 'ADDRESS' },
  },
  auditCheckpoint: { query: '{ auditCheckpoint { position hash } }' },
  recordCheckpoint: { query: 'mutation { recordCheckpoint { position hash signature } }', mutation: true },
};

describe('audit API fields', () => {
  it('should have every operator field of the schema in the authorization matrix below', () => {
    const fields = [
      ...Object.keys(schema.getQueryType()!.getFields()),
      ...Object.keys(schema.getMutationType()!.getFields()),
    ].filter((f) => f.startsWith('audit') || f === 'recordCheckpoint');
    assert.deepEqual(fields.sort(), Object.keys(FIELDS).sort());
  });
});

const withAddress = (v: Record<string, unknown> | undefined, address: string) =>
  Object.fromEntries(Object.entries(v ?? {}).map(([k, x]) => [k, x === 'ADDRESS' ? address : x]));

const EVENTS = `query($after: Position, $first: Int, $type: String, $actor: String, $correlationId: String, $streamId: String, $to: Position) {
  auditEvents(after: $after, first: $first, type: $type, actor: $actor, correlationId: $correlationId, streamId: $streamId, to: $to) {
    events { position streamId streamVersion id type data metadata actor correlationId time hash } next head
  }
}`;

const httpGet = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });

for (const mode of ['memory', 'postgres'] as const) {
  describe(`audit API (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let s: AuditServer;
    let ada: TestIdentity;
    let bob: TestIdentity;
    let eve: TestIdentity;

    before(async () => {
      if (skip) return;
      s = await startAuditServer(mode);
      [ada, bob, eve] = [
        await register(s.url, 'Ada'),
        await register(s.url, 'Bob'),
        await register(s.url, 'Eve'),
      ];
      await gql(
        s.url,
        'mutation($a: String!) { addContact(address: $a, nickname: "B") { address } }',
        { a: bob.address },
        ada.token,
      );
      await send(s.url, ada, bob.address, 'one');
      await send(s.url, bob, ada.address, 'two');
      await send(s.url, eve, bob.address, 'eve to bob');
    });
    after(async () => {
      await s?.close();
    });

    it('should refuse every audit field to a user session, a wrong token and no token, over HTTP and WebSocket', {
      skip,
    }, async () => {
      for (const [name, f] of Object.entries(FIELDS)) {
        const variables = withAddress(f.variables, ada.address);
        const anonymous = await gql(s.url, f.query, variables);
        assert.equal(codeOf(anonymous), 'UNAUTHENTICATED', `${name} without a token`);
        assert.equal(anonymous.data?.[name] ?? null, null, `${name}: no data`);
        const user = await gql(s.url, f.query, variables, ada.token);
        assert.equal(codeOf(user), 'FORBIDDEN', `${name} with a user session`);
        assert.equal(user.data?.[name] ?? null, null);
        const sessionAsAdmin = await gql(s.url, f.query, variables, undefined, {
          'x-admin-token': ada.token,
        });
        assert.equal(codeOf(sessionAsAdmin), 'FORBIDDEN', `${name} with a session token as x-admin-token`);
        const wrong = await asOperator(s.url, `${ADMIN}x`, f.query, variables);
        assert.equal(codeOf(wrong), 'FORBIDDEN', `${name} with a wrong token`);
      }
      // Over WebSocket no operation carries an operator token, even in GraphiQL-style headers.
      const ws = wsClient(s.wsUrl, ada.token);
      try {
        for (const [name, f] of Object.entries(FIELDS)) {
          const result = await new Promise<any>((resolve, reject) => {
            let got: any = null;
            ws.client.subscribe(
              {
                query: f.query,
                variables: withAddress(f.variables, ada.address),
                extensions: { headers: { 'x-admin-token': ADMIN } },
              },
              {
                next: (v) => {
                  got = v;
                },
                error: reject,
                complete: () => resolve(got),
              },
            );
          });
          assert.equal(result.errors?.[0]?.extensions?.code, 'FORBIDDEN', `${name} over WebSocket`);
          assert.equal(result.data?.[name] ?? null, null);
        }
      } finally {
        await ws.client.dispose();
      }
    });

    it('should let the audit token read but not record checkpoints or change plans', { skip }, async () => {
      const read = await asOperator(s.url, AUDITOR, FIELDS.auditVerifyChain!.query);
      assert.equal(read.data?.auditVerifyChain.ok, true, JSON.stringify(read.errors));
      const cp = await asOperator(s.url, AUDITOR, FIELDS.recordCheckpoint!.query);
      assert.equal(codeOf(cp), 'FORBIDDEN');
      const plan = await asOperator(
        s.url,
        AUDITOR,
        'mutation($a: String!) { setPlan(address: $a, plan: PRO) }',
        { a: ada.address },
      );
      assert.equal(codeOf(plan), 'FORBIDDEN');
      const post = await fetch(`${s.url}/api/admin/checkpoint`, {
        method: 'POST',
        headers: { 'x-admin-token': AUDITOR },
      });
      assert.equal(post.status, 403);
    });

    it('should record each audit read as an event under the operator request id', { skip }, async () => {
      const rid = `audit-read-${mode}-1`;
      const before = await s.app.log.head();
      await asOperator(s.url, AUDITOR, '{ auditDigests { name } }', {}, rid);
      const r = await asOperator(s.url, ADMIN, EVENTS, { correlationId: rid });
      const events = r.data!.auditEvents.events;
      assert.equal(events.length, 1);
      assert.equal(events[0].type, 'AuditRead');
      assert.equal(events[0].actor, 'auditor');
      assert.ok(events[0].position > before);
      assert.equal(JSON.parse(events[0].data).operation, 'auditDigests');
    });

    it('should refuse bad input with a clear error and record nothing', { skip }, async () => {
      const head = await s.app.log.head();
      const bad = [
        await asOperator(s.url, ADMIN, EVENTS, { first: 0 }),
        await asOperator(s.url, ADMIN, EVENTS, { first: 501 }),
        await asOperator(s.url, ADMIN, '{ auditVerifyChain(to: 999999) { ok } }'),
        await asOperator(s.url, ADMIN, '{ auditVerifyChain(from: 3, to: 2) { ok } }'),
        await asOperator(s.url, ADMIN, 'query($a: String!) { auditTimeline(address: $a) { head } }', {
          a: 'nope',
        }),
        await asOperator(
          s.url,
          ADMIN,
          'query($a: String!) { auditStateAt(kind: CONVERSATION, key: $a, position: 1) { state } }',
          { a: ada.address },
        ),
        await asOperator(
          s.url,
          ADMIN,
          'query($a: String!) { auditDiff(address: $a, from: 0, to: 999999) { path } }',
          { a: ada.address },
        ),
      ];
      for (const r of bad) {
        assert.ok(['BAD_INPUT', 'ADDRESS_INVALID'].includes(codeOf(r)!), JSON.stringify(r.errors));
      }
      const res = await httpGet(`${s.url}/api/admin/export?from=x`, { 'x-admin-token': ADMIN });
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { error: string }).error, /from must be a whole number/);
      assert.equal(await s.app.log.head(), head, 'nothing was recorded');
    });

    it('should list events by type, actor, stream and correlation id, page by page with cursors', {
      skip,
    }, async () => {
      const all = await asOperator(s.url, ADMIN, EVENTS, { first: 500 });
      const everything = all.data!.auditEvents.events as {
        position: number;
        type: string;
        actor: string;
        streamId: string;
      }[];
      assert.deepEqual(
        everything.map((e) => e.position),
        everything.map((_, i) => i + 1),
      );
      const paged: number[] = [];
      for (let after = 0, n = 0; n < 100; n++) {
        const p = await asOperator(s.url, ADMIN, EVENTS, { after, first: 2, to: everything.length });
        paged.push(...p.data!.auditEvents.events.map((e: { position: number }) => e.position));
        if (p.data!.auditEvents.next === null) break;
        after = p.data!.auditEvents.next;
      }
      assert.deepEqual(
        paged,
        everything.map((e) => e.position),
      );
      const sent = await asOperator(s.url, ADMIN, EVENTS, { type: 'MessageSent' });
      assert.equal(sent.data!.auditEvents.events.length, 3);
      const byEve = await asOperator(s.url, ADMIN, EVENTS, { actor: eve.address, type: 'MessageSent' });
      assert.deepEqual(
        byEve.data!.auditEvents.events.map((e: { data: string }) => JSON.parse(e.data).body),
        ['eve to bob'],
      );
      const stream = everything.find((e) => e.type === 'ContactAdded')!.streamId;
      const inStream = await asOperator(s.url, ADMIN, EVENTS, { streamId: stream });
      assert.ok(inStream.data!.auditEvents.events.every((e: { streamId: string }) => e.streamId === stream));
      // Everything one request caused, by its request id.
      const sendRes = await gql(
        s.url,
        'mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }',
        { i: { id: crypto.randomUUID(), to: bob.address, body: 'traced' } },
        ada.token,
        { 'x-request-id': `trace-${mode}` },
      );
      assert.ok(sendRes.data);
      const traced = await asOperator(s.url, ADMIN, EVENTS, { correlationId: `trace-${mode}` });
      assert.deepEqual(
        traced.data!.auditEvents.events.map((e: { type: string }) => e.type),
        ['MessageSent'],
      );
    });

    it("should give an identity's timeline: the events whose audience includes it", { skip }, async () => {
      const r = await asOperator(
        s.url,
        AUDITOR,
        'query($a: String!) { auditTimeline(address: $a, first: 500) { events { type data } } }',
        { a: ada.address },
      );
      const bodies = r
        .data!.auditTimeline.events.filter((e: { type: string }) => e.type === 'MessageSent')
        .map((e: { data: string }) => JSON.parse(e.data).body);
      assert.ok(bodies.includes('one') && bodies.includes('two'));
      assert.ok(!bodies.includes('eve to bob'), "another pair's message is not in Ada's timeline");
    });

    it('should give live and replayed digests that match', { skip }, async () => {
      const r = await asOperator(s.url, AUDITOR, '{ auditDigests { name position live replayed match } }');
      const digests = r.data!.auditDigests as {
        name: string;
        live: string;
        replayed: string;
        match: boolean;
      }[];
      assert.deepEqual(digests.map((d) => d.name).sort(), [
        'addressBooks',
        'calls',
        'conversations',
        'directory',
        'feedIndex',
        'plans',
        'pushSubscriptions',
      ]);
      for (const d of digests) {
        assert.match(d.live, /^[0-9a-f]{64}$/);
        assert.equal(d.live, d.replayed, d.name);
        assert.equal(d.match, true);
      }
    });

    it('should rebuild contacts and a conversation as of a position, and diff two positions', {
      skip,
    }, async () => {
      const events = (await asOperator(s.url, ADMIN, EVENTS, { first: 500 })).data!.auditEvents.events as {
        position: number;
        type: string;
      }[];
      const added = events.find((e) => e.type === 'ContactAdded')!.position;
      const q =
        'query($k: AuditStateKind!, $a: String!, $p: String, $n: Position!) { auditStateAt(kind: $k, key: $a, peer: $p, position: $n) { kind position state } }';
      const beforeAdd = await asOperator(s.url, ADMIN, q, { k: 'CONTACTS', a: ada.address, n: added - 1 });
      assert.deepEqual(JSON.parse(beforeAdd.data!.auditStateAt.state).contacts, {});
      const atAdd = await asOperator(s.url, ADMIN, q, { k: 'CONTACTS', a: ada.address, n: added });
      assert.equal(JSON.parse(atAdd.data!.auditStateAt.state).contacts[bob.address].nickname, 'B');
      const firstSent = events.find((e) => e.type === 'MessageSent')!.position;
      const conv = await asOperator(s.url, ADMIN, q, {
        k: 'CONVERSATION',
        a: bob.address,
        p: ada.address,
        n: firstSent,
      });
      const c = JSON.parse(conv.data!.auditStateAt.state);
      assert.deepEqual(
        c.messages.map((m: { body: string }) => m.body),
        ['one'],
      );
      const identity = await asOperator(s.url, ADMIN, q, { k: 'IDENTITY', a: ada.address, n: firstSent });
      assert.equal(JSON.parse(identity.data!.auditStateAt.state).profile.displayName, 'Ada');
      const plan = await asOperator(s.url, ADMIN, q, { k: 'PLAN', a: ada.address, n: firstSent });
      assert.equal(JSON.parse(plan.data!.auditStateAt.state), 'FREE');
      const diff = await asOperator(
        s.url,
        ADMIN,
        'query($a: String!, $f: Position!, $t: Position!) { auditDiff(address: $a, from: $f, to: $t) { path before after } }',
        { a: ada.address, f: added - 1, t: firstSent },
      );
      const paths = diff.data!.auditDiff.map((d: { path: string }) => d.path);
      assert.ok(paths.includes(`contacts.contacts.${bob.address}`), paths.join());
      assert.ok(
        paths.some((p: string) => p.startsWith(`conversations.${bob.address}`)),
        paths.join(),
      );
      // The live read models are untouched: Ada still has Bob as a contact now.
      const live = await gql(s.url, '{ contacts { address } }', {}, ada.token);
      assert.deepEqual(
        live.data!.contacts.map((x: { address: string }) => x.address),
        [bob.address],
      );
    });

    it('should export NDJSON over HTTP that matches the listing, for a range and a stream', {
      skip,
    }, async () => {
      const none = await httpGet(`${s.url}/api/admin/export`);
      assert.equal(none.status, 401);
      const user = await httpGet(`${s.url}/api/admin/export`, {
        'x-admin-token': ada.token,
        authorization: `Bearer ${ada.token}`,
      });
      assert.equal(user.status, 403);
      const res = await httpGet(`${s.url}/api/admin/export?from=2&to=6`, {
        'x-admin-token': AUDITOR,
        'x-request-id': `export-${mode}`,
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type')!, /^application\/x-ndjson/);
      const lines = (await res.text())
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        lines.map((l) => l.position),
        [3, 4, 5, 6],
      );
      const listed = (await asOperator(s.url, ADMIN, EVENTS, { after: 2, to: 6 })).data!.auditEvents.events;
      assert.deepEqual(
        lines.map((l) => l.hash),
        listed.map((e: { hash: string }) => e.hash),
      );
      const recorded = (await asOperator(s.url, ADMIN, EVENTS, { correlationId: `export-${mode}` })).data!
        .auditEvents.events;
      assert.equal(JSON.parse(recorded[0].data).operation, 'export');
      const stream = lines[0].streamId;
      const one = await (
        await httpGet(`${s.url}/api/admin/export?stream=${encodeURIComponent(stream)}`, {
          'x-admin-token': ADMIN,
        })
      ).text();
      assert.ok(
        one
          .trimEnd()
          .split('\n')
          .every((l) => JSON.parse(l).streamId === stream),
      );
    });

    it('should sign checkpoints with the operator key and serve the last one', { skip }, async () => {
      const res = await fetch(`${s.url}/api/admin/checkpoint`, {
        method: 'POST',
        headers: { 'x-admin-token': ADMIN },
      });
      assert.equal(res.status, 201);
      const c = (await res.json()) as {
        position: number;
        hash: string;
        publicKey: string;
        signature: string;
        recordedAt: number;
      };
      const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: c.publicKey }, format: 'jwk' });
      assert.ok(
        verify(
          null,
          Buffer.from(`callvault-checkpoint-v1\n${c.position}\n${c.hash}`),
          key,
          Buffer.from(c.signature, 'base64url'),
        ),
      );
      const [atPosition] = await s.app.log.readPositions([c.position]);
      assert.equal(atPosition!.hash, c.hash);
      assert.ok(c.recordedAt > c.position);
      const latest = await (
        await httpGet(`${s.url}/api/admin/checkpoint`, { 'x-admin-token': AUDITOR })
      ).json();
      assert.deepEqual(latest, c);
      const g = await asOperator(
        s.url,
        AUDITOR,
        '{ auditCheckpoint { position hash signature recordedAt } }',
      );
      assert.equal(g.data!.auditCheckpoint.signature, c.signature);
    });

    it('should find the first tampered position with verifyChain, also in pieces', { skip }, async () => {
      const whole = await asOperator(s.url, ADMIN, '{ auditVerifyChain { ok checked to } }');
      assert.equal(whole.data!.auditVerifyChain.ok, true);
      const to = whole.data!.auditVerifyChain.to;
      const piece = await asOperator(
        s.url,
        ADMIN,
        'query($f: Position, $t: Position) { auditVerifyChain(from: $f, to: $t) { ok checked } }',
        { f: 3, t: 7 },
      );
      assert.deepEqual(piece.data!.auditVerifyChain, { ok: true, checked: 4 });
      // Tamper with position 5's data as someone with access to the store would.
      if (s.memory) {
        const rows = s.memory.unsafeRows();
        rows[4] = { ...rows[4]!, data: { ...rows[4]!.data, tampered: true } };
      } else {
        const c = new pg.Client({ connectionString: s.db!.url });
        await c.connect();
        await c.query('ALTER TABLE cv_events DISABLE TRIGGER cv_events_no_change');
        await c.query(`UPDATE cv_events SET data = data || '{"tampered": true}' WHERE position = 5`);
        await c.end();
      }
      const bad = await asOperator(
        s.url,
        ADMIN,
        'query($t: Position) { auditVerifyChain(to: $t) { ok firstBadPosition reason } }',
        { t: to },
      );
      assert.equal(bad.data!.auditVerifyChain.ok, false);
      assert.equal(bad.data!.auditVerifyChain.firstBadPosition, 5);
      assert.match(bad.data!.auditVerifyChain.reason, /hash does not match/);
      const after = await asOperator(s.url, ADMIN, '{ auditVerifyChain(from: 5, to: 7) { ok } }');
      assert.equal(after.data!.auditVerifyChain.ok, true, 'a piece after the damage trusts its first event');
    });
  });
}

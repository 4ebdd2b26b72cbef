import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { type App, createApp } from '../../api/app.ts';
import { loadConfig } from '../../app/config.ts';
import { InMemoryEventLog } from '../../events/store/memory.ts';
import { PostgresEventLog } from '../../events/store/postgres/index.ts';
import type { EventLog } from '../../events/store/types.ts';
import { gql, register, SEND, wsClient } from '../support/client.ts';
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from '../support/postgres.ts';

function gate() {
  let open!: () => void;
  const promise = new Promise<void>((r) => {
    open = r;
  });
  return { promise, open };
}

/**
 * A send that is being committed when shutdown begins must still get its answer: the
 * shutdown waits for requests already taken, and only then stops the read models and the log.
 */
for (const mode of ['memory', 'postgres'] as const) {
  describe(`graceful shutdown (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;

    /** A server whose next append stalls (PostgreSQL: with its rows inserted, before COMMIT). */
    async function stallingServer() {
      let armed = false;
      const reached = gate();
      const release = gate();
      const stall = async () => {
        if (!armed) return;
        armed = false;
        reached.open();
        await release.promise;
      };
      let db: TestDatabase | null = null;
      let log: EventLog;
      if (mode === 'postgres') {
        db = await createTestDatabase();
        log = await PostgresEventLog.open({ connectionString: db.url, hooks: { beforeCommit: stall } });
      } else {
        const memory = new InMemoryEventLog();
        const append = memory.append.bind(memory);
        memory.append = async (...args) => {
          await stall();
          return append(...args);
        };
        log = memory;
      }
      const config = loadConfig({
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        AUTH_RATE_BURST: '1000',
        AUTH_RATE_PER_MINUTE: '1000',
      });
      const app: App = await createApp(config, { log });
      const port = await app.listen(0, '127.0.0.1');
      return {
        app,
        url: `http://127.0.0.1:${port}`,
        wsUrl: `ws://127.0.0.1:${port}/graphql`,
        arm: () => {
          armed = true;
        },
        reached: reached.promise,
        release: release.open,
        drop: async () => db?.drop(),
      };
    }

    it('should answer a send whose append commits during shutdown, then stop', { skip }, async () => {
      const s = await stallingServer();
      try {
        const ada = await register(s.url, 'Ada');
        const bob = await register(s.url, 'Bob');
        const id = randomUUID();
        s.arm();
        const sending = gql(s.url, SEND, { input: { id, to: bob.address, body: 'last words' } }, ada.token);
        await s.reached; // the send's append is under way
        const closing = s.app.close();
        s.release();
        const answer = await sending;
        assert.equal(answer.status, 200);
        assert.equal(answer.data?.sendMessage?.id, id);
        assert.equal(answer.data?.sendMessage?.body, 'last words');
        await closing;
      } finally {
        await s.app.close();
        await s.drop();
      }
    });

    it('should answer a mutation over WebSocket in flight at shutdown before closing the socket with 1001', {
      skip,
    }, async () => {
      const s = await stallingServer();
      try {
        const ada = await register(s.url, 'Ada');
        const bob = await register(s.url, 'Bob');
        const ws = wsClient(s.wsUrl, ada.token);
        const id = randomUUID();
        s.arm();
        const result = new Promise<unknown>((resolve, reject) => {
          ws.client.subscribe(
            { query: SEND, variables: { input: { id, to: bob.address, body: 'over the socket' } } },
            { next: resolve, error: reject, complete: () => {} },
          );
        });
        await s.reached;
        const closing = s.app.close();
        s.release();
        const answer = (await result) as { data?: { sendMessage?: { id: string } } };
        assert.equal(answer.data?.sendMessage?.id, id);
        assert.equal((await ws.closed).code, 1001);
        await closing;
      } finally {
        await s.app.close();
        await s.drop();
      }
    });
  });
}

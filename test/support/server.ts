import { type App, createApp } from '../../api/app.ts';
import { loadConfig } from '../../app/config.ts';
import { createTestDatabase, type TestDatabase } from './postgres.ts';

export type Mode = 'memory' | 'postgres';

export interface TestServer {
  app: App;
  url: string;
  wsUrl: string;
  db: TestDatabase | null;
  /** Shifts the server's clock (challenge and session expiry). */
  clock: { offsetMs: number };
  close(): Promise<void>;
}

/** The real app on an ephemeral loopback port, on a fresh in-memory log or PostgreSQL database. */
export async function startServer(
  mode: Mode,
  env: Record<string, string> = {},
  shared?: { db: TestDatabase },
  clockOffsetMs = 0,
): Promise<TestServer> {
  const db = mode === 'postgres' ? (shared?.db ?? (await createTestDatabase())) : null;
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    AUTH_RATE_BURST: '100000',
    AUTH_RATE_PER_MINUTE: '100000',
    ...(db ? { DATABASE_URL: db.url } : {}),
    ...env,
  });
  const clock = { offsetMs: clockOffsetMs };
  const app = await createApp(config, { now: () => new Date(Date.now() + clock.offsetMs) });
  const port = await app.listen(0, '127.0.0.1');
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    db,
    clock,
    async close() {
      await app.close();
      if (db && !shared) await db.drop();
    },
  };
}

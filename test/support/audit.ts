import { randomBytes } from 'node:crypto';
import { type App, createApp } from '../../api/app.ts';
import { loadConfig } from '../../app/config.ts';
import { InMemoryEventLog } from '../../events/store/memory.ts';
import { gql } from './client.ts';
import { createTestDatabase, type TestDatabase } from './postgres.ts';
import type { Mode } from './server.ts';

export const ADMIN = 'admin-token-for-the-audit-tests-0123456789';
export const AUDITOR = 'audit-token-for-the-audit-tests-0123456789';

export interface AuditServer {
  app: App;
  url: string;
  wsUrl: string;
  db: TestDatabase | null;
  /** The in-memory log itself (memory mode), for tampering as someone with the process's memory would. */
  memory: InMemoryEventLog | null;
  signingKey: string;
  close(): Promise<void>;
}

/** The real app with ADMIN_TOKEN, AUDIT_TOKEN and a checkpoint key set, in either store mode. */
export async function startAuditServer(mode: Mode, env: Record<string, string> = {}): Promise<AuditServer> {
  const db = mode === 'postgres' ? await createTestDatabase() : null;
  const memory = mode === 'memory' ? new InMemoryEventLog() : null;
  const signingKey = randomBytes(32).toString('base64url');
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    AUTH_RATE_BURST: '100000',
    AUTH_RATE_PER_MINUTE: '100000',
    MESSAGE_RATE_BURST: '100000',
    ADMIN_TOKEN: ADMIN,
    AUDIT_TOKEN: AUDITOR,
    AUDIT_SIGNING_KEY: signingKey,
    ...(db ? { DATABASE_URL: db.url } : {}),
    ...env,
  });
  const app = await createApp(config, memory ? { log: memory } : {});
  const port = await app.listen(0, '127.0.0.1');
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    db,
    memory,
    signingKey,
    async close() {
      await app.close();
      await memory?.close();
      await db?.drop();
    },
  };
}

/** A GraphQL request with an operator token (and optionally a request id). */
export function asOperator<T = Record<string, any>>(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
  requestId?: string,
) {
  return gql<T>(url, query, variables, undefined, {
    'x-admin-token': token,
    ...(requestId ? { 'x-request-id': requestId } : {}),
  });
}

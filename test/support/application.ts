import { randomBytes, randomUUID } from 'node:crypto';
import { type Application, composeApplication } from '../../app/compose.ts';
import { loadConfig } from '../../app/config.ts';
import type { Viewer } from '../../app/services.ts';
import { identityStream } from '../../events/identity/events.ts';
import { InMemoryEventLog } from '../../events/store/memory.ts';
import type { JsonObject, RecordedEvent } from '../../events/store/types.ts';
import { callTokenText } from '../../protocol/call-token.ts';
import { TestIdentity } from './client.ts';

/** A past fact to put in the log before the application starts. */
export interface Given {
  stream: string;
  type: string;
  data: JsonObject;
}

/**
 * Given/when/then over the application: the given events go into an in-memory log, the
 * application is composed on it (read models replayed, reactors started), and `appended()`
 * reads what the commands added after them.
 */
export async function givenApplication(
  given: Given[],
  options: { env?: Record<string, string>; now?: () => Date } = {},
) {
  const log = new InMemoryEventLog();
  for (const g of given) await log.append(g.stream, [{ type: g.type, data: g.data }]);
  const head = await log.head();
  const config = loadConfig({ NODE_ENV: 'test', ...options.env });
  const errors: unknown[] = [];
  const app: Application = await composeApplication({
    config,
    log,
    now: options.now ?? (() => new Date()),
    onError: (error) => errors.push(error),
    onLimitStoreError: (error) => errors.push(error),
  });
  return {
    app,
    log,
    /** Errors the application reported (reactors, the read-model loop): none expected. */
    errors,
    commands: app.services.commands,
    queries: app.services.queries,
    /** Events appended after the given ones. */
    appended: async (): Promise<RecordedEvent[]> => log.readAll(head, 10_000),
    /** The first event of `type` after the given ones, once it is in the log. */
    async next(type: string): Promise<RecordedEvent> {
      for await (const e of log.subscribe({ from: head })) if (e.type === type) return e;
      throw new Error(`the log ended before a ${type}`);
    },
    async close() {
      app.stopReactors();
      await log.close();
      await app.close();
    },
  };
}

/** A registered identity with a live session (its key signs call tokens). */
export function identity(name: string) {
  const id = new TestIdentity(name);
  const sessionId = randomUUID();
  const viewer: Viewer = { address: id.address, sessionId };
  const registered: Given[] = [
    {
      stream: identityStream(id.address),
      type: 'IdentityRegistered',
      data: { address: id.address, publicKey: id.publicKey, displayName: name },
    },
    {
      stream: identityStream(id.address),
      type: 'SessionStarted',
      data: {
        sessionId,
        tokenHash: randomBytes(32).toString('hex'),
        expiresAt: Date.now() + 3_600_000,
        device: 'test',
      },
    },
  ];
  /** A signed call token from this identity to `to`. */
  const callToken = (to: string, issuedAt: number, callId: string = randomUUID()) => {
    const fields = {
      callId,
      from: id.address,
      to,
      media: 'audio' as const,
      issuedAt,
      nonce: randomBytes(16).toString('base64url'),
    };
    return { ...fields, signature: id.sign(callTokenText(fields)) };
  };
  return { id, viewer, address: id.address, registered, callToken };
}

import type pg from 'pg';
import type { EventLog } from '../events/store/types.ts';
import { AuditService } from './audit/service.ts';
import { CallCommands } from './calls/commands.ts';
import { CallQueries } from './calls/queries.ts';
import { RingTimer } from './calls/ring-timer.ts';
import type { Config } from './config.ts';
import { ContactCommands } from './contacts/commands.ts';
import { ContactQueries } from './contacts/queries.ts';
import { FeedHub } from './feed.ts';
import { IdentityCommands } from './identity/commands.ts';
import { IdentityQueries } from './identity/queries.ts';
import { openLimits } from './limits.ts';
import { MessageCommands } from './messages/commands.ts';
import { MessageQueries } from './messages/queries.ts';
import { Typing } from './messages/typing.ts';
import { InMemoryOneTimeStore, type OneTimeStore, PostgresOneTimeStore } from './one-time.ts';
import { PlanCommands } from './plans/commands.ts';
import { PlanQueries } from './plans/queries.ts';
import { PushCommands } from './push/commands.ts';
import { pushKeys } from './push/keys.ts';
import { createPushTables, InMemoryPushLedger, PostgresPushLedger } from './push/ledger.ts';
import { LocalPresence, PostgresPresence, type Presence } from './push/presence.ts';
import { PushQueries } from './push/queries.ts';
import { PushReactor } from './push/reactor.ts';
import { PushSender } from './push/sender.ts';
import { ReadModels } from './read-models.ts';
import type { Services } from './services.ts';
import { InMemorySignalBus, PostgresSignalBus, type SignalBus } from './signals.ts';

/** The application running on one event log: what transports serve, and how to stop it. */
export interface Application {
  services: Services;
  readModels: ReadModels;
  oneTime: OneTimeStore;
  /** What start-up has to say about push (keys, on/off): logged by the transport. */
  pushNote: string;
  /**
   * Stops the reactors (ring timers, feed routing, the one-time sweeper, push: queued
   * notifications get a short grace); the log stays open.
   */
  stopReactors(): Promise<void>;
  /** Stops the read models and the signal bus, after the log was closed. */
  close(): Promise<void>;
}

/**
 * Wires the application on `log`: read models (rebuilt from the log), queries, commands,
 * the feed, signals, limits and the ring-timer reactor. A start-up that fails half-way
 * stops what it started and rethrows, so the caller can retry with a fresh log.
 */
export async function composeApplication(options: {
  config: Config;
  log: EventLog;
  /** The log's PostgreSQL pool, if any: one-time keys, signals and sign-in limits share it. */
  pool?: pg.Pool | undefined;
  now: () => Date;
  onError: (error: unknown) => void;
  /** Told when the shared rate-limit store fails (the limits then count per node). */
  onLimitStoreError: (error: unknown) => void;
}): Promise<Application> {
  const { config, log, now, onError } = options;
  const { pool } = options;
  const oneTime: OneTimeStore = pool ? new PostgresOneTimeStore(pool) : new InMemoryOneTimeStore();
  const readModels = new ReadModels(log, onError);
  const abandon = async (error: unknown): Promise<never> => {
    await readModels.stop().catch(() => {});
    throw error;
  };
  await readModels.start().catch(abandon);
  const signals: SignalBus =
    pool && config.databaseUrl
      ? await PostgresSignalBus.open(pool, config.databaseUrl, onError).catch(abandon)
      : new InMemorySignalBus();
  const limits = await openLimits(config, {
    ...(pool ? { pool } : {}),
    onStoreError: options.onLimitStoreError,
  }).catch(async (error: unknown) => {
    await signals.close().catch(() => {});
    return abandon(error);
  });

  const identity = new IdentityQueries(readModels, now);
  const { keys, note: pushNote } = pushKeys(config);
  const pushQueries = new PushQueries(readModels, identity, keys?.publicKey ?? null);
  const plans = new PlanQueries(readModels);
  const queries: Services['queries'] = {
    identity,
    contacts: new ContactQueries(readModels),
    messages: new MessageQueries(readModels),
    calls: new CallQueries(readModels, plans, config, now),
    plans,
    push: pushQueries,
  };
  const commands: Services['commands'] = {
    identity: new IdentityCommands({
      log,
      oneTime,
      readModels,
      queries: identity,
      now,
      sessionTtlMs: config.sessionTtlHours * 3600 * 1000,
      embedSiteSecrets: config.embedSiteSecrets,
    }),
    contacts: new ContactCommands(log, readModels, queries),
    messages: new MessageCommands(log, readModels, queries, limits.messages, now),
    calls: new CallCommands({
      log,
      readModels,
      queries,
      oneTime,
      now,
      ringTimeoutMs: config.ringTimeoutSeconds * 1000,
    }),
    plans: new PlanCommands(log, readModels, queries),
    push: new PushCommands({
      log,
      readModels,
      identity,
      push: pushQueries,
      allowLoopbackHttp: config.push.allowLoopbackHttp,
    }),
  };
  const feed = new FeedHub(log, readModels, {
    identity: (address) => queries.identity.known(address),
    call: (callId) => queries.calls.call(callId),
    message: (messageId) => queries.messages.byId(messageId),
    conversation: (owner, peer) => queries.messages.conversationOf(owner, peer),
  });
  feed.start();
  const ringTimer = new RingTimer({
    log,
    readModels,
    calls: queries.calls,
    placed: readModels,
    now,
    onError,
  });
  ringTimer.start();
  const push = keys
    ? await startPush({
        ...{ config, log, pool, readModels, queries, commands, feed, now, onError },
        keys,
      }).catch(async (error: unknown) => {
        feed.stop();
        ringTimer.stop();
        await signals.close().catch(() => {});
        return abandon(error);
      })
    : null;
  const sweeper = setInterval(() => {
    oneTime.sweep(now()).catch(onError);
  }, 60_000);
  sweeper.unref();

  return {
    services: {
      commands,
      queries,
      feed,
      typing: new Typing(signals, limits.typing, queries.contacts),
      limits,
      adminToken: config.adminToken,
      auditToken: config.auditToken,
      audit: new AuditService({ log, pool, readModels, signingKey: config.auditSigningKey }),
      mode: log.kind,
      version: config.version,
      pushCounters: push?.sender.counters ?? null,
    },
    pushNote,
    readModels,
    oneTime,
    async stopReactors() {
      clearInterval(sweeper);
      ringTimer.stop();
      if (push) {
        await push.reactor.stop(PUSH_SHUTDOWN_GRACE_MS);
        await push.presence.stop();
      }
      feed.stop();
    },
    async close() {
      await readModels.stop();
      await signals.close();
    },
  };
}

/** Longest a shutdown waits for queued notifications to go out. */
const PUSH_SHUTDOWN_GRACE_MS = 3000;

/** The push reactor with its sender, ledger and presence (only when push is on). */
async function startPush(d: {
  config: Config;
  log: EventLog;
  pool: pg.Pool | undefined;
  readModels: ReadModels;
  queries: Services['queries'];
  commands: Services['commands'];
  feed: FeedHub;
  now: () => Date;
  onError: (error: unknown) => void;
  keys: NonNullable<ReturnType<typeof pushKeys>['keys']>;
}) {
  const { config, pool, onError } = d;
  if (pool) await createPushTables(pool);
  const ledger = pool ? new PostgresPushLedger(pool) : new InMemoryPushLedger();
  const presence: Presence = pool ? new PostgresPresence(pool, d.feed, onError) : new LocalPresence(d.feed);
  await presence.start();
  const sender = new PushSender({
    keys: d.keys,
    ...config.push,
    now: () => d.now().getTime(),
    onGone: (target) => {
      d.commands.push.removeGone(target.address, target.endpoint).catch(onError);
    },
    onError: (error) => onError(error),
  });
  const reactor = new PushReactor({
    log: d.log,
    readModels: d.readModels,
    identity: d.queries.identity,
    contacts: d.queries.contacts,
    calls: d.queries.calls,
    push: d.queries.push,
    presence,
    ledger,
    sender,
    messageTtlSeconds: config.push.messageTtlSeconds,
    now: d.now,
    onError,
  });
  await reactor.start();
  return { reactor, sender, presence };
}

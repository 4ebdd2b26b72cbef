import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { logStats } from '../events/projections/log-stats.ts';
import { ProjectionRunner, replayAll } from '../events/projections/runner.ts';
import { InMemoryEventLog } from '../events/store/memory.ts';
import { PostgresEventLog } from '../events/store/postgres/index.ts';
import type { EventLog, NewEvent } from '../events/store/types.ts';
import { emitter, machine, median, percentile, round } from './measure.ts';

const emit = emitter('store');

const RUNS = 3;
const PAGE = 5000;
const TARGETS = {
  postgresConcurrentAppends: 5_000,
  postgresReplay: 100_000,
  memoryAppends: 200_000,
};

type StoreName = 'memory' | 'postgres';

interface Options {
  /** Length of one timed run. */
  seconds: number;
  /** Replay runs over a log of at least this many events. */
  replayEvents: number;
  stores: StoreName[];
  /** Diagnostic: PostgreSQL's plan_cache_mode for the throwaway database (default: the server's). */
  planCacheMode: string | null;
}

function parseArgs(args: string[]): Options {
  const options: Options = { seconds: 1.5, replayEvents: 200_000, stores: [], planCacheMode: null };
  for (const arg of args) {
    const [key, value] = arg.split('=', 2);
    if (key === '--seconds' && Number(value) > 0) options.seconds = Number(value);
    else if (key === '--replay-events' && Number(value) > 0) options.replayEvents = Number(value);
    else if (
      key === '--plan-cache-mode' &&
      /^(auto|force_custom_plan|force_generic_plan)$/.test(value ?? '')
    ) {
      options.planCacheMode = value!;
    } else if (arg === 'memory' || arg === 'postgres') options.stores.push(arg);
    else if (arg !== 'store') throw new Error(`bench store: unknown argument ${arg}`);
  }
  if (options.stores.length === 0) options.stores = ['memory', 'postgres'];
  return options;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A message-sized event: what the messenger appends most. */
const BODY = 'Running ten minutes late, the train is stuck outside the station. Order for me? 🚆';
function message(stream: string, seq: number): NewEvent {
  return {
    type: 'MessageSent',
    data: {
      conversationId: stream,
      from: 'alice',
      to: 'bob',
      body: BODY,
      seq,
      sentAt: 1_767_225_600_000 + seq,
    },
    metadata: { actor: 'alice', correlationId: '3f1c9a52-8d0e-4d47-9a43-5a0b3c2e7f10' },
  };
}

let tagCounter = 0;
const uniqueTag = () => `${process.pid.toString(36)}-${(tagCounter++).toString(36)}`;

/** `writers` concurrent writers, each on its own stream, each awaiting every append. */
async function appendRate(log: EventLog, writers: number, batch: number, seconds: number): Promise<number> {
  const tag = uniqueTag();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let events = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const stream = `bench-${tag}-${w}`;
      let seq = 0;
      while (performance.now() < deadline) {
        const page: NewEvent[] = [];
        for (let i = 0; i < batch; i++) page.push(message(stream, seq++));
        await log.append(stream, page);
        events += batch;
      }
    }),
  );
  return events / ((performance.now() - started) / 1000);
}

/**
 * Grows the log to at least `total` events (100-event appends over 500 conversations), or for
 * at most `seconds`: a slow store is then replayed over a smaller log rather than overrun.
 */
async function seed(log: EventLog, total: number, seconds: number): Promise<void> {
  let next = await log.head();
  let k = 0;
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < total && performance.now() < deadline) {
        next += 100;
        const stream = `conv-${k++ % 500}`;
        const page: NewEvent[] = [];
        for (let i = 0; i < 100; i++) page.push(message(stream, i));
        await log.append(stream, page);
      }
    }),
  );
}

async function readAllRate(log: EventLog): Promise<{ rate: number; events: number }> {
  const started = performance.now();
  let events = 0;
  for (let from = 0; ; ) {
    const page = await log.readAll(from, PAGE);
    events += page.length;
    if (page.length < PAGE) break;
    from = page[page.length - 1]!.position;
  }
  return { rate: events / ((performance.now() - started) / 1000), events };
}

async function replayRate(log: EventLog): Promise<{ rate: number; events: number }> {
  const runner = new ProjectionRunner(logStats);
  const { events, ms } = await replayAll(log, [runner as ProjectionRunner<unknown>], PAGE);
  if (runner.state.events !== events) throw new Error('replay: logStats disagrees with the event count');
  return { rate: events / (ms / 1000), events };
}

interface Lag {
  callP50: number;
  callP99: number;
  resolvedP50: number;
  resolvedP99: number;
  events: number;
  missing: number;
}

/**
 * A subscriber opened before the writes; per event: time the append was called, time its
 * promise resolved, time the subscriber received it.
 */
async function tailLag(log: EventLog, writers: number, seconds: number): Promise<Lag> {
  const tag = uniqueTag();
  const sub = log.subscribe({ from: await log.head() });
  const delivered = new Map<number, number>();
  let expected = Number.POSITIVE_INFINITY;
  const consumer = (async () => {
    for await (const e of sub) {
      delivered.set(e.position, performance.now());
      if (delivered.size >= expected) break;
    }
  })();
  const sent: { position: number; called: number; resolved: number }[] = [];
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const stream = `lag-${tag}-${w}`;
      let seq = 0;
      while (performance.now() < deadline) {
        const called = performance.now();
        const result = await log.append(stream, [message(stream, seq++)]);
        sent.push({ position: result.firstPosition, called, resolved: performance.now() });
      }
    }),
  );
  expected = sent.length;
  const waitUntil = performance.now() + 10_000;
  while (delivered.size < expected && performance.now() < waitUntil) await sleep(5);
  sub.close();
  await consumer;
  const fromCall: number[] = [];
  const fromResolve: number[] = [];
  for (const s of sent) {
    const at = delivered.get(s.position);
    if (at === undefined) continue;
    fromCall.push(at - s.called);
    fromResolve.push(at - s.resolved);
  }
  fromCall.sort((a, b) => a - b);
  fromResolve.sort((a, b) => a - b);
  return {
    callP50: percentile(fromCall, 50),
    callP99: percentile(fromCall, 99),
    resolvedP50: percentile(fromResolve, 50),
    resolvedP99: percentile(fromResolve, 99),
    events: sent.length,
    missing: sent.length - fromCall.length,
  };
}

interface Subject {
  store: StoreName;
  /** A log to measure on: a fresh one per run for memory, the same database for PostgreSQL. */
  log(): Promise<EventLog>;
  release(log: EventLog): Promise<void>;
}

/** Medians of every metric, for the target lines. */
type Results = Map<string, number>;

async function benchStore(subject: Subject, options: Options, results: Results): Promise<void> {
  const { store } = subject;
  const { seconds } = options;

  async function repeat(fn: (log: EventLog) => Promise<number>): Promise<{ value: number; runs: number[] }> {
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const log = await subject.log();
      try {
        runs.push(await fn(log));
      } finally {
        await subject.release(log);
      }
    }
    return { value: median(runs), runs };
  }

  // Warm-up: JIT, pool connections, prepared statements.
  {
    const log = await subject.log();
    await appendRate(log, 16, 1, 0.3);
    await appendRate(log, 1, 100, 0.2);
    await subject.release(log);
  }

  for (const [writers, batch] of [
    [1, 1],
    [16, 1],
    [1, 100],
  ] as const) {
    const r = await repeat((log) => appendRate(log, writers, batch, seconds));
    const metric = batch === 1 ? 'appends_per_s' : 'batched_appends_per_s';
    emit({
      store,
      metric,
      writers,
      batch,
      value: round(r.value),
      runs: r.runs.map((v) => round(v)),
      unit: 'events/s',
    });
    results.set(`${store}:${metric}:${writers}`, r.value);
  }

  // Replay over one log of at least `replayEvents` events.
  const replayLog = await subject.log();
  try {
    await seed(replayLog, options.replayEvents, 20);
    const size = await replayLog.head();
    for (const [metric, fn] of [
      ['readall_events_per_s', readAllRate],
      ['replay_events_per_s', replayRate],
    ] as const) {
      const runs: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const r = await fn(replayLog);
        if (r.events !== size) throw new Error(`${metric}: read ${r.events} of ${size} events`);
        runs.push(r.rate);
      }
      const value = median(runs);
      emit({
        store,
        metric,
        ...(metric === 'replay_events_per_s' ? { projection: 'logStats' } : {}),
        page: PAGE,
        events: size,
        value: round(value),
        runs: runs.map((v) => round(v)),
        unit: 'events/s',
      });
      results.set(`${store}:${metric}`, value);
    }
  } finally {
    await subject.release(replayLog);
  }

  for (const writers of [1, 16]) {
    const lags: Lag[] = [];
    for (let i = 0; i < RUNS; i++) {
      const log = await subject.log();
      try {
        lags.push(await tailLag(log, writers, seconds));
      } finally {
        await subject.release(log);
      }
    }
    const events = lags.map((l) => l.events);
    const missing = lags.reduce((n, l) => n + l.missing, 0);
    for (const [metric, pick] of [
      ['tail_lag_call_to_delivery_p50', (l: Lag) => l.callP50],
      ['tail_lag_call_to_delivery_p99', (l: Lag) => l.callP99],
      ['tail_lag_resolved_to_delivery_p50', (l: Lag) => l.resolvedP50],
      ['tail_lag_resolved_to_delivery_p99', (l: Lag) => l.resolvedP99],
    ] as const) {
      const runs = lags.map(pick);
      emit({
        store,
        metric,
        writers,
        value: round(median(runs), 3),
        runs: runs.map((v) => round(v, 3)),
        unit: 'ms',
        events,
        missing,
      });
    }
  }
}

async function postgresInfo(url: string): Promise<Record<string, string>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const info: Record<string, string> = {};
    for (const setting of [
      'server_version',
      'synchronous_commit',
      'fsync',
      'wal_sync_method',
      'commit_delay',
      'plan_cache_mode',
    ]) {
      const { rows } = await c.query<Record<string, string>>(`SHOW ${setting}`);
      info[setting] = rows[0]![setting]!;
    }
    return info;
  } finally {
    await c.end();
  }
}

/** The disk's own limit: sequential single-row INSERTs, each its own (autocommit) transaction. */
async function insertRate(url: string, seconds: number): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('CREATE TABLE IF NOT EXISTS bench_scratch (id bigserial PRIMARY KEY, body text NOT NULL)');
    const started = performance.now();
    const deadline = started + seconds * 1000;
    let commits = 0;
    while (performance.now() < deadline) {
      await c.query({
        name: 'bench_insert',
        text: 'INSERT INTO bench_scratch (body) VALUES ($1)',
        values: [BODY],
      });
      commits++;
    }
    return commits / ((performance.now() - started) / 1000);
  } finally {
    await c.end();
  }
}

async function benchPostgres(options: Options, results: Results): Promise<void> {
  // test/support/postgres.ts reads its admin URL when first imported.
  if (process.env.BENCH_DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL;
  const { createTestDatabase } = await import('../test/support/postgres.ts');
  const db = await createTestDatabase();
  const onSigint = () => {
    void db.drop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  try {
    if (options.planCacheMode) {
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      await admin.query(`ALTER DATABASE ${db.name} SET plan_cache_mode = ${options.planCacheMode}`);
      await admin.end();
    }
    const info = await postgresInfo(db.url);
    emit({ store: 'postgres', database: db.name, ...info });

    const inserts: number[] = [];
    for (let i = 0; i < RUNS; i++) inserts.push(await insertRate(db.url, options.seconds));
    emit({
      store: 'postgres',
      metric: 'reference_single_row_insert_autocommit_per_s',
      writers: 1,
      value: round(median(inserts)),
      runs: inserts.map((v) => round(v)),
      unit: 'commits/s',
    });
    results.set('postgres:insert_reference', median(inserts));

    const log = await PostgresEventLog.open({ connectionString: db.url, pollIntervalMs: 60_000 });
    try {
      await benchStore(
        { store: 'postgres', log: async () => log, release: async () => {} },
        options,
        results,
      );
    } finally {
      await log.close();
    }
  } finally {
    process.off('SIGINT', onSigint);
    await db.drop();
  }
}

function target(name: string, value: number | undefined, threshold: number, unit: string): void {
  if (value === undefined) return;
  emit({ target: name, threshold, value: round(value), unit, met: value >= threshold });
}

export async function run(args: string[]): Promise<void> {
  const options = parseArgs(args);
  emit({
    ...machine(),
    runs: RUNS,
    seconds_per_run: options.seconds,
  });
  const results: Results = new Map();
  if (options.stores.includes('memory')) {
    await benchStore(
      { store: 'memory', log: async () => new InMemoryEventLog(), release: (log) => log.close() },
      options,
      results,
    );
  }
  if (options.stores.includes('postgres')) await benchPostgres(options, results);

  target(
    'postgres appends_per_s, 16 concurrent single-event writers',
    results.get('postgres:appends_per_s:16'),
    TARGETS.postgresConcurrentAppends,
    'events/s',
  );
  target(
    'postgres replay_events_per_s (replayAll, logStats)',
    results.get('postgres:replay_events_per_s'),
    TARGETS.postgresReplay,
    'events/s',
  );
  target(
    'memory appends_per_s, 16 concurrent single-event writers',
    results.get('memory:appends_per_s:16'),
    TARGETS.memoryAppends,
    'events/s',
  );
}

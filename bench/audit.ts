/**
 * `npm run bench -- audit [--events N]`: the audit API on a large PostgreSQL log (default
 * 1,000,000 events, made with bulk inserts so setup is quick). Measures verifyChain and
 * export throughput (events/s) and the time to rebuild one identity's (and one
 * conversation's) state at a position. Not part of `npm test`.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { exportLine } from '../api/http/admin-routes.ts';
import type { Operator } from '../app/audit/access.ts';
import { AuditService } from '../app/audit/service.ts';
import { ReadModels } from '../app/read-models.ts';
import { conversationStream } from '../events/messages/events.ts';
import { chainHash, GENESIS_HASH } from '../events/store/hash.ts';
import { PostgresEventLog } from '../events/store/postgres/index.ts';
import type { JsonObject } from '../events/store/types.ts';
import { addressOf } from '../protocol/address.ts';
import { emitter, machine, median, round } from './measure.ts';

const emit = emitter('audit');
const RUNS = 3;
const IDENTITIES = 1000;
const BATCH = 5000;
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Inserts `total` events straight into cv_events (hash chain computed here), in big batches. */
async function fill(pool: pg.Pool, total: number): Promise<{ addresses: string[] }> {
  const addresses = Array.from({ length: IDENTITIES }, () => {
    const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
    return { address: addressOf(new Uint8Array(raw)), publicKey: Buffer.from(raw).toString('base64url') };
  });
  const versions = new Map<string, number>();
  const t0 = Date.UTC(2026, 11, 1);
  let previous = GENESIS_HASH;
  for (let start = 1; start <= total; start += BATCH) {
    const cols: unknown[][] = [[], [], [], [], [], [], [], [], []];
    for (let position = start; position < Math.min(start + BATCH, total + 1); position++) {
      let streamId: string;
      let type: string;
      let data: JsonObject;
      let actor: string;
      if (position <= IDENTITIES) {
        const id = addresses[position - 1]!;
        streamId = `identity-${id.address}`;
        type = 'IdentityRegistered';
        data = { address: id.address, publicKey: id.publicKey, displayName: `Person ${position}` };
        actor = id.address;
      } else {
        // Messages within small circles of ten, so one identity has a realistic history.
        const a = position % IDENTITIES;
        const b = (a - (a % 10) + ((a + 1 + (position % 9)) % 10)) % IDENTITIES;
        const from = addresses[a]!.address;
        const to = addresses[b === a ? (a + 1) % IDENTITIES : b]!.address;
        streamId = conversationStream(from, to);
        type = 'MessageSent';
        data = { messageId: randomUUID(), from, to, body: `message ${position}`, withheld: false };
        actor = from;
      }
      const streamVersion = (versions.get(streamId) ?? 0) + 1;
      versions.set(streamId, streamVersion);
      const e = {
        position,
        streamId,
        streamVersion,
        id: randomUUID(),
        type,
        data,
        metadata: { actor, correlationId: randomUUID() },
        time: new Date(t0 + position),
      };
      const hash = chainHash(previous, e);
      previous = hash;
      const row = [
        position,
        streamId,
        streamVersion,
        e.id,
        type,
        JSON.stringify(data),
        JSON.stringify(e.metadata),
        e.time,
        hash,
      ];
      for (let i = 0; i < 9; i++) cols[i]!.push(row[i]);
    }
    await pool.query(
      `INSERT INTO cv_events (position, stream_id, stream_version, event_id, type, data, metadata, time, hash)
       SELECT * FROM unnest($1::int8[], $2::text[], $3::int4[], $4::uuid[], $5::text[], $6::jsonb[], $7::jsonb[], $8::timestamptz[], $9::text[])`,
      cols,
    );
  }
  await pool.query('UPDATE cv_log_head SET position = $1, hash = $2', [total, previous]);
  return { addresses: addresses.map((a) => a.address) };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { events: { type: 'string' } }, allowPositionals: true });
  const total = Number(values.events ?? 1_000_000);
  emit({ ...machine(), date: new Date().toISOString().slice(0, 10) });
  const name = `cv_bench_audit_${process.pid}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const log = await PostgresEventLog.open({ connectionString: url.toString(), pollIntervalMs: 3_600_000 });
  try {
    let t = performance.now();
    const { addresses } = await fill(log.pool, total);
    emit({ step: 'bulk insert', events: total, seconds: round((performance.now() - t) / 1000, 1) });

    t = performance.now();
    const readModels = new ReadModels(log);
    await readModels.start();
    emit({
      step: 'read models rebuilt at start',
      events: total,
      seconds: round((performance.now() - t) / 1000, 1),
    });
    const audit = new AuditService({ log, pool: log.pool, readModels });
    const op: Operator = { role: 'auditor', requestId: 'bench' };

    const verifyRates: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      t = performance.now();
      const r = await audit.verify(op, 0, undefined);
      if (!r.ok) throw new Error(`verify failed: ${r.reason}`);
      verifyRates.push(r.checked / ((performance.now() - t) / 1000));
    }
    emit({
      step: 'verifyChain',
      events: total,
      events_per_s: round(median(verifyRates)),
      runs: verifyRates.map((x) => round(x)),
    });

    const exportRates: number[] = [];
    let bytes = 0;
    for (let i = 0; i < RUNS; i++) {
      t = performance.now();
      let n = 0;
      bytes = 0;
      for await (const page of audit.exportRows(op, { from: 0, to: total, stream: undefined })) {
        for (const e of page) bytes += Buffer.byteLength(exportLine(e));
        n += page.length;
      }
      exportRates.push(n / ((performance.now() - t) / 1000));
    }
    emit({
      step: 'export rows + NDJSON lines',
      events: total,
      events_per_s: round(median(exportRates)),
      mb: round(bytes / 2 ** 20, 1),
      runs: exportRates.map((x) => round(x)),
    });

    const who = addresses[17]!;
    const at = Math.floor(total / 2);
    for (const [kind, subject] of [
      ['IDENTITY', { kind: 'identity', key: who }],
      ['CONTACTS', { kind: 'contacts', key: who }],
    ] as const) {
      const times: number[] = [];
      let size = 0;
      for (let i = 0; i < RUNS; i++) {
        t = performance.now();
        size = JSON.stringify(await audit.stateAt(op, subject, at)).length;
        times.push(performance.now() - t);
      }
      emit({ step: `stateAt ${kind} at position ${at}`, ms: round(median(times), 1), state_bytes: size });
    }
    const timeline = readModels.feedPositions(who, 0, total, Number.MAX_SAFE_INTEGER).length;
    const diffTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      t = performance.now();
      await audit.diff(op, who, Math.floor(total / 4), at);
      diffTimes.push(performance.now() - t);
    }
    emit({
      step: 'diff of one identity between two positions',
      ms: round(median(diffTimes), 1),
      timeline_events: timeline,
    });
    await readModels.stop();
  } finally {
    await log.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.end();
  }
}

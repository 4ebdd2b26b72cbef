/**
 * `npm run events -- <command>`: operate on the event log from the command line.
 *   replay                       rebuild every projection; prints counts, time, events/s and, per
 *                                projection, the SHA-256 of its canonical state (never the state)
 *   verify                       check the hash chain; exit 1 and the first bad position on tampering
 *   export [--stream ID] [--from POS] [--to POS]   NDJSON on stdout
 * The log is PostgreSQL when DATABASE_URL is set. The in-memory log lives inside a server
 * process, so without DATABASE_URL the commands read an exported file: --input FILE.ndjson.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { projections } from './projections/registry.ts';
import { ProjectionRunner, replayAll } from './projections/runner.ts';
import { GENESIS_HASH } from './store/hash.ts';
import { PostgresEventLog } from './store/postgres/index.ts';
import type { EventLog, RecordedEvent } from './store/types.ts';
import { verifyChain } from './store/verify.ts';

const USAGE = `usage: npm run events -- <replay|verify|export> [--stream ID] [--from POS] [--to POS] [--input FILE]
  The log is PostgreSQL when DATABASE_URL is set; otherwise pass --input with an NDJSON export.`;

/** A read-only log over an NDJSON export (what `export` writes). */
async function fileLog(path: string): Promise<{ log: Pick<EventLog, 'readAll'>; rows: RecordedEvent[] }> {
  const rows: RecordedEvent[] = [];
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line);
      rows.push({ ...r, time: new Date(r.time) });
    } catch {
      throw new Error(`${path}:${n}: not a JSON line`);
    }
  }
  const readAll = async (from: number, limit: number) => {
    const start = rows.findIndex((r) => r.position > from);
    return start < 0 ? [] : rows.slice(start, start + limit);
  };
  return { log: { readAll }, rows };
}

export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      stream: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      input: { type: 'string' },
    },
  });
  const command = positionals[0];
  if (!command || !['replay', 'verify', 'export'].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  const num = (v: string | undefined, name: string, fallback: number) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a whole number >= 0`);
    return n;
  };
  const from = num(values.from, 'from', 0);
  const to = num(values.to, 'to', Number.MAX_SAFE_INTEGER);

  let pgLog: PostgresEventLog | null = null;
  let readAll: EventLog['readAll'];
  let head: { position: number; hash: string } | null = null;
  let fileRows: RecordedEvent[] | null = null;
  if (values.input) {
    const f = await fileLog(values.input);
    readAll = f.log.readAll;
    fileRows = f.rows;
  } else if (process.env.DATABASE_URL) {
    pgLog = await PostgresEventLog.open({
      connectionString: process.env.DATABASE_URL,
      pollIntervalMs: 3_600_000,
    });
    const { readHead } = await import('./store/postgres/read.ts');
    head = await readHead(pgLog.pool);
    readAll = (f, l) => pgLog!.readAll(f, l);
  } else {
    console.error(`no log to read: set DATABASE_URL or pass --input FILE\n${USAGE}`);
    return 2;
  }

  try {
    switch (command) {
      case 'export': {
        for (let pos = from; pos < to; ) {
          const page = await readAll(pos, 5000);
          if (page.length === 0) break;
          for (const e of page) {
            if (e.position > to) break;
            if (values.stream && e.streamId !== values.stream) continue;
            out.write(`${JSON.stringify(e)}\n`);
          }
          pos = page[page.length - 1]!.position;
        }
        return 0;
      }
      case 'verify': {
        let start = { position: 0, hash: GENESIS_HASH };
        let anchor = head;
        if (fileRows) {
          // An export that starts mid-log is checked from its first row on: that row is trusted.
          const first = fileRows[0];
          const last = fileRows[fileRows.length - 1];
          anchor = { position: last?.position ?? 0, hash: last?.hash ?? GENESIS_HASH };
          if (first && first.position > 1) start = { position: first.position, hash: first.hash };
        }
        const result = await verifyChain(readAll, anchor!, 5000, start);
        out.write(
          `${JSON.stringify(start.position > 0 ? { ...result, checkedFrom: start.position } : result)}\n`,
        );
        return result.ok ? 0 : 1;
      }
      case 'replay': {
        const runners = projections.map((p) => new ProjectionRunner(p));
        const { events, ms } = await replayAll({ readAll } as EventLog, runners);
        out.write(
          `${JSON.stringify({
            events,
            ms: Math.round(ms),
            eventsPerSecond: Math.round(events / Math.max(ms / 1000, 1e-9)),
            projections: Object.fromEntries(
              runners.map((r) => [
                r.projection.name,
                // The state holds every message body: an operator's terminal gets its hash only,
                // enough to compare with a live node's (or another replay's) read models.
                { checkpoint: r.checkpoint, digest: createHash('sha256').update(r.digest()).digest('hex') },
              ]),
            ),
          })}\n`,
        );
        return 0;
      }
    }
    return 2;
  } finally {
    await pgLog?.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: Error) => {
      console.error(`events: ${error.message}`);
      process.exitCode = 2;
    },
  );
}

/**
 * `npm run events -- <command>`: operate on the event log from the command line.
 *   replay [--dump]              rebuild every projection; prints counts, time, events/s and, per
 *                                projection, the SHA-256 of its canonical state (the state itself
 *                                only with --dump: it holds every message body)
 *   verify [--checkpoint POS:HASH|FILE [--public-key KEY]]
 *                                check the hash chain (and that it reaches a published checkpoint);
 *                                exit 1 and the first bad position on tampering
 *   export [--stream ID] [--from POS] [--to POS]   NDJSON on stdout
 * Where the log is read: PostgreSQL at DATABASE_URL; an exported file (--input FILE.ndjson);
 * or a running server, in either store mode, through its export endpoint (--server URL, with
 * the admin or audit token in CALLVAULT_OPERATOR_TOKEN).
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { type Checkpoint, checkpointSignatureValid } from './audit/checkpoint.ts';
import { projections } from './projections/registry.ts';
import { ProjectionRunner, replayAll } from './projections/runner.ts';
import { GENESIS_HASH } from './store/hash.ts';
import { PostgresEventLog } from './store/postgres/index.ts';
import type { EventLog, RecordedEvent } from './store/types.ts';
import { verifyChain } from './store/verify.ts';

const USAGE = `usage: npm run events -- <replay|verify|export> [--stream ID] [--from POS] [--to POS]
         [--input FILE | --server URL] [--dump] [--checkpoint POS:HASH|FILE] [--public-key KEY]
  The log is PostgreSQL when DATABASE_URL is set; --input reads an NDJSON export; --server reads a
  running server's /api/admin/export (token in CALLVAULT_OPERATOR_TOKEN), demo mode included.`;

/** A read-only log over NDJSON lines (what `export` and the export endpoint write). */
async function ndjsonLog(
  input: NodeJS.ReadableStream,
  name: string,
): Promise<{ log: Pick<EventLog, 'readAll'>; rows: RecordedEvent[] }> {
  const rows: RecordedEvent[] = [];
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line);
      rows.push({ ...r, time: new Date(r.time) });
    } catch {
      throw new Error(`${name}:${n}: not a JSON line`);
    }
  }
  const readAll = async (from: number, limit: number) => {
    const start = rows.findIndex((r) => r.position > from);
    return start < 0 ? [] : rows.slice(start, start + limit);
  };
  return { log: { readAll }, rows };
}

/** The whole log of a running server, through GET /api/admin/export. */
async function serverLog(url: string, token: string | undefined) {
  if (!token) throw new Error('--server needs the admin or audit token in CALLVAULT_OPERATOR_TOKEN');
  const res = await fetch(new URL('/api/admin/export', url), { headers: { 'x-admin-token': token } });
  if (res.status !== 200 || !res.body) {
    const body = await res.text().catch(() => '');
    throw new Error(`${url}: export answered ${res.status} ${body}`.trim());
  }
  return ndjsonLog(Readable.fromWeb(res.body as never), url);
}

/** `POS:HASH`, or a file holding a checkpoint's JSON (as GET /api/admin/checkpoint serves it). */
function readCheckpoint(arg: string): Checkpoint {
  const m = /^(\d+):([0-9a-f]{64})$/i.exec(arg);
  if (m) return { position: Number(m[1]), hash: m[2]!.toLowerCase(), publicKey: '', signature: '' };
  const c = JSON.parse(readFileSync(arg, 'utf8')) as Partial<Checkpoint>;
  if (!Number.isSafeInteger(c.position) || typeof c.hash !== 'string')
    throw new Error(`${arg}: not a checkpoint (position and hash)`);
  return { position: c.position!, hash: c.hash, publicKey: c.publicKey ?? '', signature: c.signature ?? '' };
}

/** Whether the log holds the checkpoint's position with its hash (and, given a key, its signature). */
async function checkCheckpoint(
  readAll: EventLog['readAll'],
  c: Checkpoint,
  publicKey: string | undefined,
): Promise<{ ok: true } | { ok: false; position: number; reason: string }> {
  if (publicKey !== undefined && !checkpointSignatureValid(c, publicKey))
    return { ok: false, position: c.position, reason: 'the checkpoint is not signed by that public key' };
  if (c.position === 0) return { ok: true };
  const [row] = await readAll(c.position - 1, 1);
  if (!row || row.position !== c.position)
    return {
      ok: false,
      position: c.position,
      reason: `the log ends before position ${c.position} that the checkpoint covers (truncated)`,
    };
  if (row.hash !== c.hash)
    return {
      ok: false,
      position: c.position,
      reason: "hash differs from the checkpoint's: the log was rewritten",
    };
  return { ok: true };
}

const OPTIONS = {
  stream: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  input: { type: 'string' },
  server: { type: 'string' },
  dump: { type: 'boolean' },
  checkpoint: { type: 'string' },
  'public-key': { type: 'string' },
} as const;

/**
 * The command line, parsed. `--opt VALUE` takes the next word as the value even when it begins
 * with "-" (unless it is one of the options itself): a base64url public key does so one time in
 * 64, and node's parseArgs refuses such a value as ambiguous.
 */
export function parseCliArgs(argv: string[]) {
  const args: string[] = [];
  const isOption = (word: string) =>
    word.startsWith('--') && Object.hasOwn(OPTIONS, word.slice(2).split('=')[0]!);
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    const next = argv[i + 1];
    const name = word.startsWith('--') && !word.includes('=') ? word.slice(2) : null;
    if (
      name !== null &&
      Object.hasOwn(OPTIONS, name) &&
      OPTIONS[name as keyof typeof OPTIONS].type === 'string' &&
      next?.startsWith('-') &&
      !isOption(next)
    ) {
      args.push(`${word}=${next}`);
      i++;
    } else args.push(word);
  }
  return parseArgs({ args, allowPositionals: true, options: OPTIONS });
}

export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { positionals, values } = parseCliArgs(argv);
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
  if (values.input || values.server) {
    const f = values.input
      ? await ndjsonLog(createReadStream(values.input), values.input)
      : await serverLog(values.server!, process.env.CALLVAULT_OPERATOR_TOKEN);
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
        let result: { ok: boolean; count: number; [k: string]: unknown } = await verifyChain(
          readAll,
          anchor!,
          5000,
          start,
        );
        if (result.ok && values.checkpoint) {
          const checked = await checkCheckpoint(
            readAll,
            readCheckpoint(values.checkpoint),
            values['public-key'],
          );
          if (!checked.ok) result = { ...checked, count: result.count };
          else result = { ...result, checkpoint: 'reached' };
        }
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
                // The state holds every message body: an operator's terminal gets its hash only
                // (enough to compare with a live node's digests, auditDigests), unless --dump.
                {
                  checkpoint: r.checkpoint,
                  digest: createHash('sha256').update(r.digest()).digest('hex'),
                  ...(values.dump ? { state: r.projection.snapshot(r.state) } : {}),
                },
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

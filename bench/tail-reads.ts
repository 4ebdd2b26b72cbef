/**
 * How often a node reads the log back to follow it, with two nodes appending to one
 * PostgreSQL: `npm run bench -- tail-reads [--appends 2000] [--concurrency 32]`. A count, not a
 * time, so the machine's load does not move it. BENCH_SERVER_ROOT=DIR takes the event log
 * from another checkout (to compare with the commit before a change).
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SERVER_ROOT } from './server.ts';

export async function run(args: string[]): Promise<void> {
  const flag = (name: string, fallback: number) => {
    const i = args.indexOf(name);
    const v = i < 0 ? fallback : Number(args[i + 1]);
    if (!(v > 0)) throw new Error(`bench tail-reads: ${name} needs a number > 0`);
    return v;
  };
  const appends = flag('--appends', 2000);
  const concurrency = flag('--concurrency', 32);
  const from = (file: string) => import(pathToFileURL(path.join(SERVER_ROOT, file)).href);
  const { createTestDatabase } = await from('test/support/postgres.ts');
  const { PostgresEventLog } = await from('events/store/postgres/index.ts');

  const db = await createTestDatabase();
  const nodes = [
    await PostgresEventLog.open({ connectionString: db.url }),
    await PostgresEventLog.open({ connectionString: db.url }),
  ];
  const reads: number[] = nodes.map(() => 0);
  nodes.forEach((log, n) => {
    const readAll = log.readAll.bind(log);
    log.readAll = (p: number, limit: number) => {
      reads[n] = (reads[n] ?? 0) + 1;
      return readAll(p, limit);
    };
  });
  const start = await nodes[0].head();
  // Each node follows the log, as its read models do.
  const following = nodes.map(async (log) => {
    let seen = 0;
    for await (const _ of log.subscribe({ from: start })) if (++seen === appends) return;
  });
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < appends) {
        const n = next++ % 2;
        await nodes[n].append(`s-${randomUUID()}`, [{ type: 'Wrote', data: { body: `message ${next}` } }]);
      }
    }),
  );
  await Promise.all(following);
  console.log(
    JSON.stringify({
      bench: 'tail-reads',
      root: SERVER_ROOT,
      appends,
      concurrency,
      reads_by_node: reads,
      reads_per_append: Math.round((reads.reduce((a, b) => a + b, 0) / appends) * 1000) / 1000,
    }),
  );
  await Promise.all(nodes.map((l) => l.close()));
  await db.drop();
}

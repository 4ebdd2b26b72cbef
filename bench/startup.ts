/**
 * `npm run bench -- startup [--runs=7] [--idle-ms=3000] [variant…]`: cold start of the server
 * process in demo mode — from spawn to the first 200 from `/api/health` — and its resident
 * memory once idle (summed over the process tree: `tsx` runs the server in a child process).
 * Variants: `tsx` (`tsx api/main.ts`, what `npm start` ran before there was a build) and
 * `built` (`node dist/api/main.js`, what `npm start` and the image run; `npm run build` first).
 * Each run is a fresh process; the figures are medians over the runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { emitter, machine, median, round } from './measure.ts';

const emit = emitter('startup');

const VARIANTS: Record<string, string[]> = {
  tsx: ['node_modules/tsx/dist/cli.mjs', 'api/main.ts'],
  built: ['dist/api/main.js'],
};

/** Resident memory of a process and all its descendants, bytes. */
function treeRss(pid: number): number {
  let total = 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const child of children ? children.split(' ') : []) total += treeRss(Number(child));
    }
  } catch {
    // The process ended between the readings.
  }
  return total;
}

async function healthy(url: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${url} not healthy in time`);
}

async function once(variant: string, port: number, idleMs: number): Promise<{ ms: number; rss: number }> {
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, VARIANTS[variant]!, {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await healthy(`http://127.0.0.1:${port}/api/health`, Date.now() + 120_000);
    const ms = performance.now() - started;
    // Idle: let start-up garbage settle before reading memory (a measurement, not a test).
    await new Promise((r) => setTimeout(r, idleMs));
    return { ms, rss: treeRss(child.pid!) };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

export async function run(args: string[]): Promise<void> {
  const runs = Number(args.find((a) => a.startsWith('--runs='))?.slice(7) ?? 7);
  const idleMs = Number(args.find((a) => a.startsWith('--idle-ms='))?.slice(10) ?? 3000);
  const asked = args.filter((a) => !a.startsWith('--'));
  const variants = (asked.length ? asked : Object.keys(VARIANTS)).filter((v) => v in VARIANTS);
  if (variants.includes('built') && !existsSync('dist/api/main.js')) {
    throw new Error('dist/api/main.js missing: run `npm run build` first');
  }
  emit({ what: 'machine', ...machine() });
  const port = 39000 + Math.floor(Math.random() * 1000);
  for (const variant of variants) {
    const ms: number[] = [];
    const rss: number[] = [];
    // Interleaving would be fairer on a busy machine, but each variant warms the page cache
    // with one discarded run first, so both are measured warm.
    await once(variant, port, 0);
    for (let i = 0; i < runs; i++) {
      const r = await once(variant, port, idleMs);
      ms.push(round(r.ms));
      rss.push(round(r.rss / 2 ** 20, 1));
    }
    emit({
      what: 'cold start, demo mode',
      variant,
      runs,
      msToHealthy: round(median(ms)),
      idleRssMiB: round(median(rss), 1),
      allMs: ms,
      allRssMiB: rss,
    });
  }
}

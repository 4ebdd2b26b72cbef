/** The CallVault server as a process of its own, so a benchmark can measure its CPU and memory alone. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Where the server's code is taken from: this tree, or BENCH_SERVER_ROOT (another checkout,
 * e.g. a worktree of the commit before a change) so that one bench can measure two trees
 * alternately in the same window.
 */
export const SERVER_ROOT = process.env.BENCH_SERVER_ROOT || ROOT;

/**
 * BENCH_SERVER_BUILT=1 runs the compiled server (`dist/api/main.js` of SERVER_ROOT, made by
 * `npm run build`) with plain node, as production does, instead of the sources through tsx:
 * no loader hooks in the profile, and under valgrind no TypeScript compiled at start-up.
 */
export const SERVER_BUILT = process.env.BENCH_SERVER_BUILT === '1';

/**
 * BENCH_SERVER_NODE_ARGS: extra node flags for the server process alone (space-separated,
 * e.g. `--max-semi-space-size=64`), to compare runtime settings A/B with the same bench.
 */
export const SERVER_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

/** The address the server listens on (its HOST). */
export const SERVER_HOST = '127.0.0.1';

export interface BenchServer {
  child: ChildProcess;
  pid: number;
  port: number;
  url: string;
  wsUrl: string;
  /** Last lines the server printed, for error reports. */
  tail: string[];
  exited: Promise<number | null>;
  /** Undefined while it runs. */
  exitCode: () => number | null | undefined;
}

/**
 * `node --import tsx <file>` through bash, which first raises the open-file limit to `nofile`
 * (or as far as the hard limit allows) and then execs node in its place. `undefined` in `env`
 * removes a variable.
 */
export function spawnNode(
  file: string,
  nofile: number,
  env: Record<string, string | undefined>,
  stdio: ('ignore' | 'inherit' | 'pipe' | 'ipc')[],
  nodeArgs: string[] = [],
  wrapper: string[] = [],
  built = false,
): ChildProcess {
  const script = `ulimit -n ${nofile} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`;
  const command = built
    ? [...wrapper, process.execPath, ...nodeArgs, file]
    : [...wrapper, process.execPath, ...nodeArgs, '--import', 'tsx', file];
  return spawn('bash', ['-c', script, ...command], {
    cwd: SERVER_ROOT,
    env: { ...process.env, ...env },
    stdio,
  });
}

/**
 * Starts `api/main.ts` (or, with BENCH_SERVER_BUILT=1, `dist/api/main.js`) on an ephemeral
 * loopback port (production, rate limits lifted).
 */
export async function spawnServer(
  options: {
    databaseUrl?: string | null;
    profileDir?: string | null;
    nofile?: number;
    /** A command the server runs under, e.g. valgrind's (its arguments before node's). */
    wrapper?: string[];
    env?: Record<string, string | undefined>;
  } = {},
): Promise<BenchServer> {
  if (SERVER_BUILT && !existsSync(path.join(SERVER_ROOT, 'dist/api/main.js')))
    throw new Error(`BENCH_SERVER_BUILT=1: no dist/api/main.js in ${SERVER_ROOT} (npm run build there)`);
  const child = spawnNode(
    SERVER_BUILT ? 'dist/api/main.js' : 'api/main.ts',
    options.nofile ?? 200_000,
    {
      PORT: '0',
      HOST: SERVER_HOST,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATABASE_URL: options.databaseUrl ?? undefined,
      AUTH_RATE_BURST: '1000000',
      AUTH_RATE_PER_MINUTE: '1000000',
      MESSAGE_RATE_BURST: '1000000',
      MESSAGE_RATE_PER_MINUTE: '1000000',
      ...options.env,
    },
    ['ignore', 'pipe', 'pipe'],
    [
      ...SERVER_NODE_ARGS,
      ...(options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : []),
    ],
    options.wrapper ?? [],
    SERVER_BUILT,
  );
  const tail: string[] = [];
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (c, signal) => {
      code = c ?? (signal ? 128 : null);
      resolve(code);
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(
      () => reject(new Error(`server did not start:\n${tail.join('\n')}`)),
      // Generous: on the shared machine (load average 30-50 from other work) a start took over 60 s.
      options.wrapper?.length ? 600_000 : 240_000,
    );
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        if (tail.length > 30) tail.shift();
        const m = /"port":(\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      }
    };
    // Drain both pipes for the whole run: a full pipe would stall the server.
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((c) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${c}) before listening:\n${tail.join('\n')}`));
    });
  });
  return {
    child,
    pid: child.pid!,
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    tail,
    exited,
    exitCode: () => code,
  };
}

/** SIGTERM, then SIGKILL if the server has not exited after a grace period. */
export async function stopServer(server: BenchServer): Promise<{ code: number | null; ms: number }> {
  const started = performance.now();
  if (server.exitCode() === undefined) {
    server.child.kill('SIGTERM');
    const timer = setTimeout(() => server.child.kill('SIGKILL'), 15_000);
    await server.exited;
    clearTimeout(timer);
  }
  return { code: server.exitCode() ?? null, ms: performance.now() - started };
}

export function checkAlive(server: BenchServer): void {
  if (server.exitCode() !== undefined) {
    throw new Error(`the server exited (${server.exitCode()}); last lines:\n${server.tail.join('\n')}`);
  }
}

import { execFile, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

/**
 * A private PostgreSQL 15 cluster for one test file, so that a test may stop, crash and
 * restart it without touching the shared server other tests use. Runs as the `postgres` OS
 * user when we are root (initdb refuses root), trusts loopback, and trades durability for
 * speed (no fsync): it is thrown away at the end.
 */
export interface PgInstance {
  url: string;
  port: number;
  start(): Promise<void>;
  /** `immediate` is a crash (no shutdown checkpoint, recovery on the next start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  restart(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Ends every backend of the test database (optionally of one application_name). */
  terminateBackends(applicationName?: string): Promise<number>;
  destroy(): Promise<void>;
}

/** Null when a private cluster can be made here; otherwise why not (CI treats that as a failure). */
export function pgInstanceUnavailable(): string | null {
  if (!existsSync(join(BIN, 'initdb'))) return `no PostgreSQL 15 server binaries in ${BIN}`;
  return null;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || !address) throw new Error('no free port');
  return address.port;
}

export async function createPgInstance(): Promise<PgInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'cv-pg-'));
  const data = join(dir, 'data');
  const asPostgres = process.getuid?.() === 0;
  if (asPostgres) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const exec = (bin: string, args: string[]) =>
    asPostgres
      ? run('runuser', ['-u', 'postgres', '--', join(BIN, bin), ...args], { timeout: 60_000 })
      : run(join(BIN, bin), args, { timeout: 60_000 });
  const port = await freePort();
  await exec('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '--no-instructions']);
  // No fsync (the OS crashing is not what these tests are about), but synchronous commit
  // stays on: an `immediate` stop must not lose commits PostgreSQL has acknowledged.
  const options = `-c port=${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c full_page_writes=off -c max_connections=50`;
  const ctl = (args: string[]) =>
    exec('pg_ctl', ['-D', data, '-w', '-t', '30', '-l', join(dir, 'log'), '-o', options, ...args]);
  const url = `postgres://postgres@127.0.0.1:${port}/callvault`;
  let running = false;
  // If this process dies without cleaning up (a test timeout kills it), a watchdog stops the
  // cluster and removes its files, so no stray PostgreSQL outlives the test.
  const stopCmd = asPostgres
    ? `runuser -u postgres -- ${join(BIN, 'pg_ctl')} -D ${data} stop -m immediate`
    : `${join(BIN, 'pg_ctl')} -D ${data} stop -m immediate`;
  spawn(
    'sh',
    [
      '-c',
      `while kill -0 ${process.pid} 2>/dev/null && [ -d ${dir} ]; do sleep 1; done; ${stopCmd} >/dev/null 2>&1; rm -rf ${dir}`,
    ],
    { detached: true, stdio: 'ignore' },
  ).unref();

  const instance: PgInstance = {
    url,
    port,
    async start() {
      await ctl(['start']);
      running = true;
    },
    async stop(mode = 'fast') {
      await ctl(['stop', '-m', mode]);
      running = false;
    },
    async restart(mode = 'fast') {
      await ctl(['restart', '-m', mode]);
      running = true;
    },
    async terminateBackends(applicationName) {
      const c = new pg.Client({ connectionString: url, application_name: 'cv-test-killer' });
      await c.connect();
      try {
        const { rowCount } = await c.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid()
             AND ($1::text IS NULL OR application_name = $1)`,
          [applicationName ?? null],
        );
        return rowCount ?? 0;
      } finally {
        await c.end();
      }
    },
    async destroy() {
      if (running) await ctl(['stop', '-m', 'immediate']).catch(() => {});
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await instance.start();
    const admin = new pg.Client({ connectionString: url.replace(/\/callvault$/, '/postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE callvault');
    await admin.end();
  } catch (error) {
    await instance.destroy();
    throw error;
  }
  return instance;
}

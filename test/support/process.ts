import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  wsUrl: string;
  port: number;
  output: () => string;
  /** Stops it (SIGTERM: a clean shutdown; SIGKILL: a crash) and waits for the exit. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<number | null>;
}

/** Runs the server from source through tsx (the default) … */
export const FROM_SOURCE = ['--import', 'tsx', 'api/main.ts'];
/** … or the build (`npm run build`), with plain node as `npm start` and the image run it. */
export const BUILT = ['dist/api/main.js'];

/** `api/main.ts` (or the built `dist/api/main.js`) as a real process on an ephemeral loopback port. */
export async function spawnServer(env: Record<string, string>, args = FROM_SOURCE): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      AUTH_RATE_BURST: '100000',
      AUTH_RATE_PER_MINUTE: '100000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      out += d;
      // Not `"port":` alone: connection errors logged before listening carry the database port.
      const m = out.match(/listening on :(\d+)/);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${out}`)));
  });
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    port,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code] = await exited;
      return code as number | null;
    },
  };
}

/**
 * The same server again after `stop`: same port (so the browsers' pages, their IndexedDB and
 * their service worker stay on the same origin) and the same environment (so the same
 * PostgreSQL database: the log survived).
 */
export function restartServer(previous: ServerProcess, env: Record<string, string>): Promise<ServerProcess> {
  return spawnServer({ ...env, PORT: String(previous.port) });
}

/**
 * A loopback port nothing listens on now. A server restarted on its port must have had a fixed
 * one from the start, as deployments do: connections accepted on a port-0 listener leave
 * TIME_WAIT entries that keep the port from being bound again for a minute.
 */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}

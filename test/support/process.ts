import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  wsUrl: string;
  output: () => string;
  stop(): Promise<number | null>;
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
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      return code as number | null;
    },
  };
}

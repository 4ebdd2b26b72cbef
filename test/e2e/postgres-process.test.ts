import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { register, SEND } from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import { createPgInstance, type PgInstance, pgInstanceUnavailable } from '../support/pg-instance.ts';

/** The real server process (api/main.ts) against a private PostgreSQL that we crash. */
describe('the server process through PostgreSQL restarts', async () => {
  const reason = pgInstanceUnavailable();
  if (reason && process.env.CI) throw new Error(`CI=true and ${reason}`);
  const skip = reason ?? false;
  let pgi: PgInstance;
  before(async () => {
    if (!skip) pgi = await createPgInstance();
  });
  after(async () => {
    if (!skip) await pgi.destroy();
  });

  it('should wait for PostgreSQL at start-up, survive its restarts under load, and exit 0 on SIGTERM', {
    skip,
    timeout: 90_000,
  }, async () => {
    await pgi.stop('fast');
    const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        DATABASE_URL: pgi.url,
        AUTH_RATE_BURST: '100000',
        AUTH_RATE_PER_MINUTE: '100000',
        MESSAGE_RATE_BURST: '100000',
        MESSAGE_RATE_PER_MINUTE: '100000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const exited = once(child, 'exit');
    try {
      await eventually(
        () => out.includes('database unavailable at start-up'),
        'a logged start-up retry',
        30_000,
      );
      assert.equal(child.exitCode, null, 'still waiting, not exited');
      await pgi.start();
      // (Not `"port":`: the logged connection errors carry PostgreSQL's port.)
      await eventually(() => /listening on :\d+/.test(out), 'the server listening', 30_000);
      const url = `http://127.0.0.1:${out.match(/listening on :(\d+)/)![1]}`;

      const ada = await register(url, 'Ada');
      const bob = await register(url, 'Bob');
      let stop = false;
      let ok = 0;
      const codes = new Set<string>();
      const load = (async () => {
        while (!stop) {
          const batch = Array.from({ length: 5 }, () =>
            fetch(`${url}/graphql`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${ada.token}` },
              body: JSON.stringify({
                query: SEND,
                variables: { input: { id: randomUUID(), to: bob.address, body: 'x' } },
              }),
            })
              .then((r) => r.json() as Promise<any>)
              .then((b) => {
                if (b.data?.sendMessage) ok++;
                else codes.add(b.errors?.[0]?.extensions?.code ?? 'none');
              }),
          );
          await Promise.all(batch); // a refused connection here means the process died
        }
      })();
      for (let i = 0; i < 2; i++) {
        const before = ok;
        await eventually(() => ok >= before + 20, 'sends going through', 30_000);
        await pgi.restart('immediate');
      }
      const before = ok;
      await eventually(() => ok >= before + 20, 'sends after the last restart', 30_000);
      stop = true;
      await load;
      assert.equal(child.exitCode, null, 'the process is still up');
      assert.deepEqual(
        [...codes].filter((c) => c !== 'UNAVAILABLE'),
        [],
      );
      assert.doesNotMatch(out, /Unhandled 'error' event/);
      const health = await fetch(`${url}/api/health`);
      assert.equal(health.status, 200);

      child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0, out.slice(-2000));
      assert.match(out, /"msg":"stopped"/);
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  });
});

import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureBuild, REPO } from '../support/build.ts';
import { challenge, FeedReader, gql, register, SEND, SIGN_IN, wsClient } from '../support/client.ts';
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from '../support/postgres.ts';

/**
 * What the production image runs, run here: the built server on the pinned Node 24 binary with
 * the production node_modules (uWS from @btc-vision/uwebsockets.js, which needs Debian 13's
 * glibc) inside a Debian 13 root (chroot), against the host's PostgreSQL over 127.0.0.1.
 * scripts/debian13-root.sh prepares the root (.ci/run runs it; it needs the network once).
 */
const CACHE = process.env.CALLVAULT_TRIXIE_CACHE ?? '/var/cache/callvault-trixie';
const ROOT = join(CACHE, 'rootfs');
const NODE_VERSION = readFileSync(join(REPO, 'deploy/node-version'), 'utf8').trim();

function unavailable(): string | null {
  if (process.getuid?.() !== 0) return 'the Debian 13 stage needs root (chroot, mount)';
  if (!existsSync(join(ROOT, '.complete')))
    return `no Debian 13 root in ${ROOT}: run scripts/debian13-root.sh`;
  const version = existsSync(join(ROOT, 'opt/node/VERSION'))
    ? readFileSync(join(ROOT, 'opt/node/VERSION'), 'utf8').trim()
    : null;
  if (version !== NODE_VERSION) return `Node ${NODE_VERSION} is not in ${ROOT}: run scripts/debian13-root.sh`;
  const lock = createHash('sha256')
    .update(readFileSync(join(REPO, 'package-lock.json')))
    .digest('hex');
  const modules = join(ROOT, 'opt/callvault-modules/.lock-sha256');
  if (!existsSync(modules) || readFileSync(modules, 'utf8').trim() !== lock)
    return `the production node_modules in ${ROOT} are not for this package-lock.json: run scripts/debian13-root.sh`;
  return null;
}

/** In CI a missing stage is a failure, never a skip. */
async function skipReason(): Promise<string | false> {
  const reason = unavailable() ?? (await skipWithoutPostgres()) ?? null;
  if (!reason) return false;
  if (process.env.CI) throw new Error(`CI=true and ${reason}`);
  return reason;
}

const CHROOT = '/usr/sbin/chroot';
const chroot = (...args: string[]) => spawnSync(CHROOT, [ROOT, ...args], { encoding: 'utf8' });

describe('the built server on Node 24 in a Debian 13 root', async () => {
  const skip = await skipReason();
  const app = `/opt/callvault-test-${process.pid}`;
  let mountedProc = false;
  let db: TestDatabase;
  let server: ChildProcess;
  let url = '';
  let output = '';

  before(async () => {
    if (skip) return;
    ensureBuild();
    // The app as the image lays it out: dist/, web/dist, package.json, production node_modules.
    const dir = join(ROOT, app);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'web'), { recursive: true });
    cpSync(join(REPO, 'dist'), join(dir, 'dist'), { recursive: true });
    cpSync(join(REPO, 'web/dist'), join(dir, 'web/dist'), { recursive: true });
    cpSync(join(REPO, 'package.json'), join(dir, 'package.json'));
    symlinkSync('/opt/callvault-modules/node_modules', join(dir, 'node_modules'));
    if (!readFileSync('/proc/mounts', 'utf8').includes(` ${join(ROOT, 'proc')} `)) {
      const mount = spawnSync('mount', ['-t', 'proc', 'proc', join(ROOT, 'proc')], { encoding: 'utf8' });
      assert.equal(mount.status, 0, mount.stderr);
      mountedProc = true;
    }
    db = await createTestDatabase();
    server = spawn(CHROOT, [ROOT, '/opt/node/bin/node', `${app}/dist/api/main.js`], {
      cwd: '/',
      env: {
        PATH: '/usr/bin:/bin',
        PORT: '0',
        HOST: '127.0.0.1',
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        DATABASE_URL: db.url,
        AUTH_RATE_BURST: '1000',
        AUTH_RATE_PER_MINUTE: '1000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stderr?.on('data', (d) => {
      output += d;
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.stdout?.on('data', (d) => {
        output += d;
        const m = output.match(/listening on :(\d+)/);
        if (m) resolve(Number(m[1]));
      });
      server.once('exit', (code) => reject(new Error(`server in the chroot exited (${code}): ${output}`)));
      server.once('error', reject);
    });
    url = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    if (skip) return;
    if (server && server.exitCode === null) {
      const exited = once(server, 'exit');
      server.kill('SIGTERM');
      await exited;
    }
    await db?.drop();
    rmSync(join(ROOT, app), { recursive: true, force: true });
    if (mountedProc) spawnSync('umount', [join(ROOT, 'proc')]);
  });

  it('should run Debian 13 with glibc ≥ 2.38 and the pinned Node 24, where uWS loads natively', {
    skip,
  }, () => {
    const release = readFileSync(join(ROOT, 'etc/os-release'), 'utf8');
    assert.match(release, /VERSION_ID="13"/);
    const glibc = chroot('/usr/bin/ldd', '--version').stdout.match(/(\d+)\.(\d+)/);
    assert.ok(glibc && (Number(glibc[1]) > 2 || Number(glibc[2]) >= 38), `glibc ${glibc?.[0]}`);
    assert.equal(chroot('/opt/node/bin/node', '--version').stdout.trim(), `v${NODE_VERSION}`);
    // The Node 20 build is not shipped: Node 24 has to pick @btc-vision/uwebsockets.js.
    assert.equal(existsSync(join(ROOT, 'opt/callvault-modules/node_modules/uWebSockets.js')), false);
    assert.match(output, /PostgreSQL event log/);
  });

  it('should answer health from PostgreSQL over 127.0.0.1', { skip }, async () => {
    const res = await fetch(`${url}/api/health`);
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.ok, true);
    assert.equal(body.mode, 'postgres');
    assert.equal(body.store, 'ok');
  });

  it('should register, sign in and deliver a message over HTTP and graphql-ws', { skip }, async () => {
    const ada = await register(url, 'Ada');
    const bob = await register(url, 'Bob');
    const c = await challenge(url);
    const signIn = await gql(url, SIGN_IN, {
      input: { address: ada.address, challenge: c, signature: ada.sign(ada.authMessage('sign-in', c)) },
    });
    assert.equal(signIn.data?.signIn.identity.address, ada.address, JSON.stringify(signIn.errors));
    ada.token = signIn.data!.signIn.token;
    for (const [who, other] of [
      [ada, bob],
      [bob, ada],
    ] as const) {
      const added = await gql(
        url,
        'mutation($a: String!) { addContact(address: $a, nickname: "friend") { address } }',
        { a: other.address },
        who.token,
      );
      assert.equal(added.errors, undefined, JSON.stringify(added.errors));
    }
    const ws = wsClient(`${url.replace('http', 'ws')}/graphql`, bob.token);
    const feed = new FeedReader(ws.client);
    try {
      const sent = await gql(
        url,
        SEND,
        { input: { id: crypto.randomUUID(), to: bob.address, body: 'hello from trixie' } },
        ada.token,
      );
      assert.equal(sent.errors, undefined, JSON.stringify(sent.errors));
      const item = await feed.next((i) => i.__typename === 'MessageAdded');
      assert.equal(item.message.body, 'hello from trixie');
      assert.equal(item.message.from, ada.address);
    } finally {
      await feed.close();
      await ws.client.dispose();
    }
  });

  it('should stop cleanly on SIGTERM', { skip }, async () => {
    const exited = once(server, 'exit');
    server.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0, output);
  });
});

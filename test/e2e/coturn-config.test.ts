import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { probeStun } from '../../api/ice/probe.ts';
import { iceServersFor } from '../../app/calls/ice-servers.ts';
import { loadConfig } from '../../app/config.ts';
import { REPO } from '../support/build.ts';
import { selfSignedCertificate, skipWithoutCoturn, TURNSERVER } from '../support/coturn.ts';
import { TurnClient } from '../support/turn-client.ts';

/**
 * The shipped deploy/coturn/turnserver.conf, started the way docker-compose.yml starts it
 * (deploy/coturn/entrypoint.sh renders the secret, realm and external-ip into it) in a real
 * coturn. Only what a test on one machine must change is overridden on the command line:
 * loopback listening and relay addresses, free ports, a throwaway certificate.
 */
const CONF = join(REPO, 'deploy/coturn/turnserver.conf');
const ENTRYPOINT = join(REPO, 'deploy/coturn/entrypoint.sh');
const SECRET = 'coturn-config-test-secret-0123456789';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('deploy/coturn/turnserver.conf in a real coturn', () => {
  const skip = skipWithoutCoturn();
  const dir = mkdtempSync(join(tmpdir(), 'coturn-conf-'));
  let cert: ReturnType<typeof selfSignedCertificate>;
  let child: ChildProcess;
  let out = '';
  let port = 0;
  let tlsPort = 0;
  /** TURN credentials as the app hands them to a browser (TURN_MODE=rest). */
  let credentials: { username: string; credential: string };

  before(async () => {
    if (skip) return;
    cert = selfSignedCertificate();
    port = await freePort();
    tlsPort = await freePort();
    const relay = 20000 + 2 * Math.floor(Math.random() * 6000);
    child = spawn(
      'sh',
      [
        ENTRYPOINT,
        '--listening-ip=127.0.0.1',
        '--relay-ip=127.0.0.1',
        '--relay-ip=::1',
        `--listening-port=${port}`,
        `--tls-listening-port=${tlsPort}`,
        `--min-port=${relay}`,
        `--max-port=${relay + 20}`,
        `--cert=${cert.cert}`,
        `--pkey=${cert.key}`,
        `--pidfile=${join(dir, 'pid')}`,
        `--userdb=${join(dir, 'turndb')}`,
      ],
      {
        env: {
          PATH: process.env.PATH,
          TURNSERVER_BIN: TURNSERVER,
          TURN_CONFIG: CONF,
          TURN_RENDERED_CONFIG: join(dir, 'turnserver.conf'),
          TURN_SECRET: SECRET,
          PUBLIC_HOST: 'turn.callvault.test',
          PUBLIC_IP: '127.0.0.1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (d) => {
      out += d;
    });
    child.stderr?.on('data', (d) => {
      out += d;
    });
    const until = Date.now() + 10_000;
    while (!(await probeStun(`stun:127.0.0.1:${port}`, 200)).ok) {
      if (child.exitCode !== null || Date.now() > until) throw new Error(`coturn did not start:\n${out}`);
    }
    const config = loadConfig({
      TURN_MODE: 'rest',
      TURN_SECRET: SECRET,
      TURN_URLS: `turn:127.0.0.1:${port}`,
      TURN_FREE_TIER: 'true',
    });
    const [turn] = iceServersFor(config, 'PRO', 'cv1testaddress', Date.now());
    assert.ok(turn?.username && turn.credential);
    credentials = { username: turn.username, credential: turn.credential };
  });

  after(async () => {
    if (skip) return;
    if (child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    cert.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should keep the secret off the command line, in a config only its owner reads', { skip }, () => {
    const args = readFileSync(`/proc/${readFileSync(join(dir, 'pid'), 'utf8').trim()}/cmdline`, 'utf8');
    assert.doesNotMatch(args, new RegExp(SECRET));
    const rendered = join(dir, 'turnserver.conf');
    assert.equal(statSync(rendered).mode & 0o077, 0);
    assert.match(readFileSync(rendered, 'utf8'), /^static-auth-secret=/m);
    assert.doesNotMatch(readFileSync(CONF, 'utf8'), /^\s*(static-auth-secret|allow-loopback-peers)/m);
  });

  it('should grant an allocation with credentials from the app’s TURN REST code, and refuse a wrong secret', {
    skip,
  }, async () => {
    const client = new TurnClient({ host: '127.0.0.1', port }, credentials);
    try {
      const answer = await client.allocate();
      assert.equal(answer.ok, true, `allocate: ${answer.code}\n${out}`);
      assert.match(answer.relayed ?? '', /^127\.0\.0\.1:\d+$/);
      // A public peer is permitted: the refusals below are the denied ranges at work.
      assert.deepEqual(await client.permit('8.8.8.8'), { ok: true });
    } finally {
      await client.close();
    }
    const forged = new TurnClient({ host: '127.0.0.1', port }, { ...credentials, credential: 'not-it' });
    try {
      assert.equal((await forged.allocate()).code, 401);
    } finally {
      await forged.close();
    }
  });

  it('should refuse to relay to loopback, private, CGNAT and documentation addresses', { skip }, async () => {
    const client = new TurnClient({ host: '127.0.0.1', port }, credentials);
    try {
      assert.equal((await client.allocate()).ok, true);
      for (const peer of [
        '127.0.0.1',
        '10.1.2.3',
        '192.168.1.1',
        '172.17.0.1',
        '100.64.0.1',
        '169.254.169.254',
        '203.0.113.5',
      ]) {
        assert.deepEqual(await client.permit(peer), { ok: false, code: 403 }, peer);
      }
    } finally {
      await client.close();
    }
  });

  it('should refuse IPv6 peers that reach IPv4 loopback or private networks in another spelling', {
    skip,
  }, async () => {
    const client = new TurnClient({ host: '127.0.0.1', port }, credentials);
    try {
      const answer = await client.allocate({ family: 2 });
      assert.equal(answer.ok, true, `IPv6 allocate: ${answer.code}\n${out}`);
      assert.deepEqual(await client.permit('2606:4700:4700::1111'), { ok: true }, 'a public IPv6 peer');
      for (const peer of [
        '::ffff:127.0.0.1',
        '::ffff:10.0.0.1',
        '64:ff9b::7f00:1',
        '2002:7f00:1::1',
        '::1',
        'fd00::1',
        'fe80::1',
      ]) {
        assert.deepEqual(await client.permit(peer), { ok: false, code: 403 }, peer);
      }
    } finally {
      await client.close();
    }
  });

  it('should refuse TCP relays', { skip }, async () => {
    const client = new TurnClient({ host: '127.0.0.1', port }, credentials);
    try {
      assert.deepEqual(await client.allocate({ transport: 6 }), { ok: false, code: 442 });
    } finally {
      await client.close();
    }
  });

  it('should accept TLS on its TLS port with the mounted certificate', { skip }, async () => {
    const result = spawnSync(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${tlsPort}`,
        '-CAfile',
        cert.cert,
        '-verify_return_error',
        '-brief',
      ],
      { input: '', encoding: 'utf8', timeout: 5000 },
    );
    assert.match(result.stdout + result.stderr, /Verification: OK|Verify return code: 0/, result.stderr);
  });
});

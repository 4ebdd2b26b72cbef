import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeStun } from '../../api/ice/probe.ts';

export const TURNSERVER = process.env.TURNSERVER_BIN ?? '/usr/bin/turnserver';

export interface Coturn {
  host: '127.0.0.1';
  /** UDP and TCP listening port (STUN and TURN). */
  port: number;
  /** TLS listening port, when started with `tls`. */
  tlsPort?: number;
  secret: string;
  realm: string;
  /** The UDP relay port range handed to coturn. */
  relayPorts: { min: number; max: number };
  /** coturn's log so far (stdout and stderr). */
  output(): string;
  /** REST API credentials (coturn `--use-auth-secret`) for `id`, valid for `ttlSeconds`. */
  credentials(id?: string, ttlSeconds?: number): { username: string; credential: string };
  stop(): Promise<void>;
}

export interface CoturnOptions {
  secret: string;
  realm?: string;
  /** PEM certificate and key files: also listen for TLS (`turns:`/`stuns:`) on another port. */
  tls?: { cert: string; key: string };
  /** Listen on this port (e.g. the one of a coturn stopped before: a TURN outage and its end). */
  port?: number;
}

/** Null when the coturn binary is there; otherwise why not. */
export function coturnUnavailable(): string | null {
  try {
    accessSync(TURNSERVER, constants.X_OK);
    return null;
  } catch {
    return `coturn is not installed (${TURNSERVER} missing; apt-get install coturn)`;
  }
}

/**
 * For `describe(..., { skip })`: in CI a missing coturn is a failure, never a skip.
 * Outside CI the suite is skipped with the reason.
 */
export function skipWithoutCoturn(): string | false {
  const reason = coturnUnavailable();
  if (!reason) return false;
  if (process.env.CI) throw new Error(`CI=true and ${reason}`);
  return reason;
}

/** coturn REST API credentials: username `<unix expiry>:<id>`, credential base64(HMAC-SHA1(secret, username)). */
export function turnRestCredentials(
  secret: string,
  id: string,
  ttlSeconds = 3600,
  nowMs = Date.now(),
): { username: string; credential: string } {
  const username = `${Math.floor(nowMs / 1000) + ttlSeconds}:${id}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

async function udpFree(port: number): Promise<boolean> {
  const socket = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, '127.0.0.1', () => resolve());
    });
    return true;
  } catch {
    return false;
  } finally {
    await new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

async function tcpFree(port: number): Promise<boolean> {
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return true;
  } catch {
    return false;
  } finally {
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  }
}

/** An ephemeral port that is free for both UDP and TCP on 127.0.0.1. */
async function freeUdpTcpPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    const port = socket.address().port;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    if (await tcpFree(port)) return port;
  }
  throw new Error('no port free for both UDP and TCP on 127.0.0.1');
}

/**
 * A run of `size` consecutive UDP ports, all free, below the kernel's ephemeral range
 * (32768+ on Linux) so that other sockets are unlikely to take them while coturn runs.
 */
async function freeUdpRange(size: number): Promise<{ min: number; max: number }> {
  for (let i = 0; i < 50; i++) {
    const min = 20000 + 2 * Math.floor(Math.random() * 6000);
    let free = true;
    for (let p = min; p < min + size && free; p++) free = await udpFree(p);
    if (free) return { min, max: min + size - 1 };
  }
  throw new Error(`no ${size} consecutive free UDP ports on 127.0.0.1`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A real coturn on 127.0.0.1 with the REST API secret, its own ports, pid file and user db,
 * ready when this resolves (a STUN Binding over UDP has been answered and TCP accepts).
 */
export async function startCoturn(options: CoturnOptions): Promise<Coturn> {
  const reason = coturnUnavailable();
  if (reason) throw new Error(reason);
  const realm = options.realm ?? 'callvault.test';
  const dir = mkdtempSync(join(tmpdir(), 'coturn-'));
  const port = options.port ?? (await freeUdpTcpPort());
  const tlsPort = options.tls ? await freeUdpTcpPort() : undefined;
  const relayPorts = await freeUdpRange(40);
  const args = [
    '-n', // no config file: only these flags count
    '--listening-ip=127.0.0.1',
    '--relay-ip=127.0.0.1',
    `--listening-port=${port}`,
    `--min-port=${relayPorts.min}`,
    `--max-port=${relayPorts.max}`,
    `--realm=${realm}`,
    '--fingerprint',
    '--use-auth-secret',
    `--static-auth-secret=${options.secret}`,
    '--no-dtls',
    '--no-cli',
    '--no-rfc5780', // no alternate listener on port+1
    `--pidfile=${join(dir, 'turnserver.pid')}`,
    `--userdb=${join(dir, 'turndb')}`, // not the system's /var/lib/turn/turndb
    '--log-file=stdout',
    '--simple-log',
    // TEST ONLY. coturn refuses peers on 127.x/::1 (403 Forbidden IP); two WebRTC peers on this
    // machine relay through each other's 127.0.0.1 relay addresses, so the tests need this.
    // It must NEVER reach a production config: there it lets any TURN user reach the
    // server's own loopback services.
    '--allow-loopback-peers',
  ];
  if (options.tls) {
    args.push(`--tls-listening-port=${tlsPort}`, `--cert=${options.tls.cert}`, `--pkey=${options.tls.key}`);
  } else {
    args.push('--no-tls');
  }
  const child = spawn(TURNSERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) =>
      reject(new Error(`turnserver exited (${code ?? signal}) before it was ready:\n${out}`)),
    );
    child.once('error', reject);
  });
  exited.catch(() => {});
  // If the test process exits without calling stop() (a crash, a failed before hook), take coturn along.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const cleanup = async () => {
    process.off('exit', killOnExit);
    await stopProcess(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([exited, waitReady(port, tlsPort)]);
  } catch (e) {
    await cleanup();
    throw e;
  }
  return {
    host: '127.0.0.1',
    port,
    ...(tlsPort ? { tlsPort } : {}),
    secret: options.secret,
    realm,
    relayPorts,
    output: () => out,
    credentials: (id = 'probe', ttlSeconds = 3600) => turnRestCredentials(options.secret, id, ttlSeconds),
    stop: cleanup,
  };
}

/** Retries a STUN Binding over UDP, then a TCP connect, until both answer (10 s at most). */
async function waitReady(port: number, tlsPort: number | undefined): Promise<void> {
  const until = Date.now() + 10_000;
  let last = '';
  while (Date.now() < until) {
    const stun = await probeStun(`stun:127.0.0.1:${port}`, 200);
    if (stun.ok && (await tcpAccepts(port)) && (!tlsPort || (await tcpAccepts(tlsPort)))) return;
    last = stun.error ?? 'TCP not accepting yet';
  }
  throw new Error(`coturn on 127.0.0.1:${port} not ready after 10 s: ${last}`);
}

function tcpAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      // A refused connect returns at once: pace the retries a little without a fixed sleep.
      if (ok) resolve(true);
      else setTimeout(() => resolve(false), 50);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * A throwaway self-signed certificate (needs the openssl CLI): for 127.0.0.1 and localhost
 * unless told otherwise; in a fresh temporary folder unless `dir` is given (then `cert.pem` and
 * `key.pem` in it, and `remove` leaves the folder).
 */
export function selfSignedCertificate(
  options: { commonName?: string; altNames?: string; dir?: string } = {},
): { cert: string; key: string; pem: Buffer; remove(): void } {
  const own = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'coturn-cert-'));
  const removeFiles = () => {
    if (own) rmSync(dir, { recursive: true, force: true });
    else for (const f of [cert, key]) rmSync(f, { force: true });
  };
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const run = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${options.commonName ?? 'localhost'}`,
      '-addext',
      `subjectAltName=${options.altNames ?? 'IP:127.0.0.1,DNS:localhost'}`,
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) {
    removeFiles();
    throw new Error(`openssl could not make a test certificate: ${run.error?.message ?? run.stderr}`);
  }
  return { cert, key, pem: readFileSync(cert), remove: removeFiles };
}

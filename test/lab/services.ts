/**
 * What runs in the lab's public namespace: coturn (with a lab-only configuration) and CallVault
 * servers (api/main.ts as real processes, `ip netns exec <pub> node …`); and Chromium in a
 * client namespace, launched by playwright-core through an `ip netns exec` wrapper.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/browser.ts';
import { selfSignedCertificate, TURNSERVER } from '../support/coturn.ts';
import { BUILT } from '../support/process.ts';
import { type Lab, PUBLIC_ADDRESS, PUBLIC_ADDRESS_2 } from './topology.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));

export const TURN_PORT = 3478;
export const TURN_TLS_PORT = 5349;
/** Nothing listens there: the "unreachable TURN port" misconfiguration. */
export const DEAD_PORT = 3479;

function keepTail(child: ChildProcess): () => string {
  let out = '';
  const add = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => out;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** Runs a command inside a namespace and returns its stdout. */
export function nsRun(ns: string, args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'ip',
      ['netns', 'exec', ns, ...args],
      { timeout: timeoutMs, cwd: repo },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${args.join(' ')} in ${ns}: ${stderr || err.message}`)) : resolve(stdout),
    );
  });
}

/** STUN Binding requests from one UDP socket in `ns` to each target: the mapped address each saw. */
export async function stunMappings(
  ns: string,
  targets: string[],
): Promise<{ localPort: number; mapped: Record<string, string | null> }> {
  const out = await nsRun(ns, [process.execPath, join(repo, 'test/lab/stun-mapping.mjs'), ...targets]);
  return JSON.parse(out);
}

export interface LabCoturn {
  secret: string;
  /** Whether it listens for TLS (turns:) too. */
  tls: boolean;
  output(): string;
  stop(): Promise<void>;
}

/** A self-signed certificate for the lab's TURN address (TURN over TLS), or null without openssl. */
function certificate(dir: string): { cert: string; key: string } | null {
  try {
    return selfSignedCertificate({ commonName: 'turn.callvault.lab', altNames: `IP:${PUBLIC_ADDRESS}`, dir });
  } catch {
    return null;
  }
}

/**
 * coturn in the public namespace on 203.0.113.1 and .2, port 3478 (UDP and TCP) and 5349 (TLS).
 *
 * A lab-only configuration, NOT deploy/coturn/turnserver.conf: the shipped config denies relaying
 * to every reserved range (denied-peer-ip), the documentation ranges 192.0.2.0/24,
 * 198.51.100.0/24, 203.0.113.0/24 and 198.18.0.0/15 included, since on the internet no real peer
 * lives there and letting TURN users reach them is a risk. In the lab every peer lives there (the
 * lab may use no other addresses), so with the shipped list every relayed call would get 403
 * Forbidden IP. Apart from that it follows the shipped config (REST secret, fingerprint, no TCP
 * relays, no multicast peers).
 */
export async function startLabCoturn(lab: Lab, secret: string): Promise<LabCoturn> {
  const cert = certificate(lab.dir);
  const config = join(lab.dir, 'turnserver.conf');
  writeFileSync(
    config,
    [
      `listening-ip=${PUBLIC_ADDRESS}`,
      `listening-ip=${PUBLIC_ADDRESS_2}`,
      `relay-ip=${PUBLIC_ADDRESS}`,
      `listening-port=${TURN_PORT}`,
      ...(cert
        ? [`tls-listening-port=${TURN_TLS_PORT}`, `cert=${cert.cert}`, `pkey=${cert.key}`]
        : ['no-tls']),
      'no-dtls',
      'no-rfc5780',
      'min-port=49152',
      'max-port=50151',
      'realm=callvault.lab',
      'use-auth-secret',
      `static-auth-secret=${secret}`,
      'fingerprint',
      'no-tcp-relay',
      'no-multicast-peers',
      'no-cli',
      `pidfile=${join(lab.dir, 'turnserver.pid')}`,
      `userdb=${join(lab.dir, 'turndb')}`,
      'log-file=stdout',
      'simple-log',
      '',
    ].join('\n'),
  );
  const child = spawn('ip', ['netns', 'exec', lab.pub, TURNSERVER, '-c', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = keepTail(child);
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`coturn exited:\n${output()}`);
    const probe = await stunMappings(lab.pub, [`${PUBLIC_ADDRESS}:${TURN_PORT}`]).catch(() => null);
    if (probe?.mapped[`${PUBLIC_ADDRESS}:${TURN_PORT}`]) break;
    if (Date.now() - started > 15_000) throw new Error(`coturn not answering STUN after 15 s:\n${output()}`);
  }
  return { secret, tls: cert !== null, output, stop: () => stop(child) };
}

export interface LabServer {
  name: string;
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * The built server (dist/api/main.js, as `npm start` runs it: it starts faster and lighter than
 * through tsx, which counts with several in one lab; `ensureBuild` first) in the public namespace
 * on 203.0.113.1:`port`, with `env` on top of the lab's defaults.
 */
export async function startLabServer(
  lab: Lab,
  name: string,
  port: number,
  env: Record<string, string>,
): Promise<LabServer> {
  const child = spawn('ip', ['netns', 'exec', lab.pub, process.execPath, ...BUILT], {
    cwd: repo,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      HOST: PUBLIC_ADDRESS,
      PORT: String(port),
      LOG_LEVEL: 'info',
      AUTH_RATE_BURST: '100000',
      AUTH_RATE_PER_MINUTE: '100000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = keepTail(child);
  await new Promise<void>((resolve, reject) => {
    const onData = () => {
      if (/listening on :\d+/.test(output())) {
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`server ${name} exited (${code}) before listening:\n${output()}`)),
    );
  });
  return { name, url: `http://${PUBLIC_ADDRESS}:${port}`, output, stop: () => stop(child) };
}

/** Fetches a URL from inside a namespace (the test process itself is not on the lab's networks). */
export async function nsFetchJson(ns: string, url: string): Promise<{ status: number; body: unknown }> {
  const script = `const r = await fetch(${JSON.stringify(url)}); process.stdout.write(JSON.stringify({ status: r.status, body: await r.json() }));`;
  return JSON.parse(await nsRun(ns, [process.execPath, '--input-type=module', '-e', script]));
}

/** What a lab server's `/metrics` counts of ended calls, from the clients' call quality records. */
export interface CallCounts {
  connected: number;
  failed: number;
  unreported: number;
  relayed: number;
}

export async function callCounts(ns: string, serverUrl: string): Promise<CallCounts> {
  const script = `const r = await fetch(${JSON.stringify(`${serverUrl}/metrics`)}); process.stdout.write(await r.text());`;
  const text = await nsRun(ns, [process.execPath, '--input-type=module', '-e', script]);
  const read = (re: RegExp) => {
    const m = re.exec(text);
    if (!m) throw new Error(`${serverUrl}/metrics has no ${re.source}`);
    return Number(m[1]);
  };
  return {
    connected: read(/^callvault_calls_total\{outcome="connected"\} (\d+)$/m),
    failed: read(/^callvault_calls_total\{outcome="failed"\} (\d+)$/m),
    unreported: read(/^callvault_calls_total\{outcome="unreported"\} (\d+)$/m),
    relayed: read(/^callvault_calls_relayed_total (\d+)$/m),
  };
}

/**
 * Headless Chromium running inside `ns`: playwright-core starts the wrapper script, which
 * execs /usr/bin/chromium in the namespace. The lab's pages are plain http on a non-loopback
 * address, which is not a secure context (no getUserMedia): `--unsafely-treat-insecure-origin-as-secure`
 * makes the lab servers' origins count as secure (no TLS for the web app in the lab).
 */
export function launchIn(lab: Lab, ns: string, secureOrigins: string[]): Promise<Browser> {
  return chromium.launch({
    executablePath: lab.wrapper(ns, CHROMIUM),
    headless: true,
    args: [
      ...CHROMIUM_ARGS,
      `--unsafely-treat-insecure-origin-as-secure=${secureOrigins.join(',')}`,
      // The lab's TURN-over-TLS certificate is self-signed.
      '--ignore-certificate-errors',
    ],
    timeout: 30_000,
  });
}

/**
 * The connectivity lab's network: Linux network namespaces joined by veth pairs, NAT and
 * firewalls in nftables. Nothing here routes off the machine: no namespace has a route to the
 * host's interfaces, and every address is in a documentation or benchmarking range
 * (203.0.113.0/24 the "public internet", 198.18.0.0/15 the sites' private LANs).
 *
 *   public segment (namespace `<prefix>-pub`, bridge br0, 203.0.113.0/24)
 *     203.0.113.1, .2   CallVault servers and coturn (.2: a second STUN address)
 *     203.0.113.100+n   open sites: a client with a public address, no NAT
 *     203.0.113.10+n    NAT routers, each with its site's LAN 198.18.n.0/24 behind it
 *     203.0.113.254     "upstream": everyone's default route, a host that forwards nothing
 *
 * Site kinds: `open`; `cone` (endpoint-independent mapping: snat to the router's one address,
 * source ports kept); `symmetric` (address-and-port-dependent mapping: masquerade fully-random,
 * a new port for every destination); `udp-blocked` (a cone NAT whose firewall drops all UDP).
 * A `mobile` site has two cone NAT routers and moves from the first to the second (a network
 * change: a new LAN address, a new public address).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type SiteKind = 'open' | 'cone' | 'symmetric' | 'udp-blocked';
export const SITE_KINDS: readonly SiteKind[] = ['open', 'cone', 'symmetric', 'udp-blocked'];

/** Namespaces of lab runs start with this, then the pid of the process that made them. */
export const PREFIX = 'cvlab';
export const PUBLIC_ADDRESS = '203.0.113.1';
/** A second address of the public namespace: the other destination of the NAT mapping tests. */
export const PUBLIC_ADDRESS_2 = '203.0.113.2';
/** Where the public segment's default route points: a host that forwards nothing (a sink). */
export const UPSTREAM_ADDRESS = '203.0.113.254';

export interface Site {
  name: string;
  kind: SiteKind | 'mobile';
  /** The client's namespace (where its Chromium runs). */
  ns: string;
  /** The client's own address (its LAN address behind NAT). */
  address: string;
  /** The public address its traffic leaves with (the router's, or its own when open). */
  publicAddress: string;
  /** The NAT router's namespace (none for open sites). */
  router?: string;
}

/** Null when the lab can run here; otherwise why not. */
export function labUnavailable(): string | null {
  for (const bin of ['ip', 'nft']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0)
      return `${bin} is not installed (apt-get install ${bin === 'ip' ? 'iproute2' : 'nftables'})`;
  }
  if (process.getuid?.() !== 0) return 'the network lab needs root (network namespaces)';
  const probe = `${PREFIX}${process.pid}-probe`;
  const made = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (made.status !== 0) return `cannot make network namespaces: ${made.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return null;
}

/** For `describe(..., { skip })`: under CI=true a lab that cannot run is a failure, never a skip. */
export function skipWithoutLab(): string | false {
  const reason = labUnavailable();
  if (!reason) return false;
  if (process.env.CI) throw new Error(`CI=true and ${reason}`);
  return reason;
}

function run(args: string[], input?: string): string {
  try {
    return execFileSync(args[0]!, args.slice(1), {
      encoding: 'utf8',
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${args.join(' ')} failed: ${err.stderr?.trim() || err.message}`);
  }
}

/** Runs `ip` commands in order (each line: the arguments, `-n NS` as needed). */
function ipBatch(lines: string[]): void {
  for (const line of lines) run(['ip', ...line.split(' ')]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function namespaces(): string[] {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  return out
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter(Boolean);
}

/** Kills what still runs in a namespace (a crashed run's server, coturn, browsers), then deletes it. */
function removeNamespace(ns: string): void {
  const pids = (spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '')
    .split('\n')
    .map(Number)
    .filter((p) => p > 0);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  spawnSync('ip', ['netns', 'del', ns]);
}

/** Namespaces left by lab runs whose process is gone (a crash, a SIGKILL): removed. Returns them. */
export function cleanStale(): string[] {
  const stale = namespaces().filter((ns) => {
    const m = new RegExp(`^${PREFIX}(\\d+)-`).exec(ns);
    return m && Number(m[1]) !== process.pid && !alive(Number(m[1]));
  });
  for (const ns of stale) removeNamespace(ns);
  return stale;
}

/** A client that can move between two networks (`Lab.moveMobile`); `on`: 0 the first, 1 the second. */
export type Mobile = Site & {
  second: { address: string; publicAddress: string; router: string };
  on: 0 | 1;
  joins: number;
};

export class Lab {
  readonly prefix = `${PREFIX}${process.pid}`;
  readonly pub = `${this.prefix}-pub`;
  readonly upstream = `${this.prefix}-up`;
  readonly dir = mkdtempSync(join(tmpdir(), 'cvlab-'));
  readonly sites = new Map<string, Site>();
  #made: string[] = [];
  #port = 0;
  #net = 0;
  #closed = false;
  readonly #onSignal = (signal: NodeJS.Signals) => {
    this.destroy();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  readonly #onExit = () => this.destroy();

  constructor() {
    cleanStale();
    // Torn down on every way out: a normal end (destroy), an exception (exit), Ctrl-C (SIGINT).
    process.once('exit', this.#onExit);
    process.once('SIGINT', this.#onSignal);
    process.once('SIGTERM', this.#onSignal);
    this.#addNs(this.pub);
    ipBatch([
      `-n ${this.pub} link add br0 type bridge`,
      `-n ${this.pub} addr add ${PUBLIC_ADDRESS}/24 dev br0`,
      `-n ${this.pub} addr add ${PUBLIC_ADDRESS_2}/24 dev br0`,
      `-n ${this.pub} link set br0 up`,
    ]);
    // The "rest of the internet": a host that forwards nothing. Everyone on the public segment
    // routes there by default, so a packet to an address no one here has (a peer's private LAN
    // address, which ICE tries as a host candidate) is dropped silently on its way, as on the
    // internet — not refused with "network unreachable" at the sender. coturn, sending a
    // connectivity check through an allocation to such an address, got ENETUNREACH and then
    // relayed nothing more for that allocation: two relay-only clients never connected.
    this.#addNs(this.upstream);
    this.#plugIntoPublic(this.upstream, 'eth0', UPSTREAM_ADDRESS, false);
    run(['ip', '-n', this.pub, 'route', 'add', 'default', 'via', UPSTREAM_ADDRESS]);
  }

  #addNs(ns: string): void {
    run(['ip', 'netns', 'add', ns]);
    this.#made.push(ns);
    run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    // IPv4 only (documentation ranges): no IPv6 link-local addresses, whose late arrival
    // after a link comes up (duplicate address detection) would be a second network change.
    run([
      'ip',
      'netns',
      'exec',
      ns,
      'sysctl',
      '-qw',
      'net.ipv6.conf.all.disable_ipv6=1',
      'net.ipv6.conf.default.disable_ipv6=1',
    ]);
  }

  /** A veth from the public bridge to `ns`, where it is called `dev` and gets `address`. */
  #plugIntoPublic(ns: string, dev: string, address: string, routeUpstream = true): void {
    const port = `p${++this.#port}`;
    ipBatch([
      `-n ${this.pub} link add ${port} type veth peer name ${dev} netns ${ns}`,
      `-n ${this.pub} link set ${port} master br0 up`,
      `-n ${ns} addr add ${address}/24 dev ${dev}`,
      `-n ${ns} link set ${dev} up`,
      ...(routeUpstream ? [`-n ${ns} route add default via ${UPSTREAM_ADDRESS}`] : []),
    ]);
  }

  /** A NAT router namespace: WAN on the public segment, LAN `198.18.net.1/24` (or 198.19 for a second one). */
  #router(ns: string, kind: SiteKind, net: number, lanPrefix: string, wan: string): void {
    this.#addNs(ns);
    this.#plugIntoPublic(ns, 'wan', wan);
    run(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    const lan = `${lanPrefix}.${net}.0/24`;
    const nat =
      kind === 'symmetric'
        ? // Address-and-port-dependent mapping: every new destination gets a random port.
          `oifname "wan" ip saddr ${lan} masquerade fully-random`
        : // Endpoint-independent mapping: one public address, the source port kept (persistent).
          `oifname "wan" ip saddr ${lan} snat ip to ${wan} persistent`;
    const firewall = kind === 'udp-blocked' ? 'meta l4proto udp counter drop' : '# every protocol forwarded';
    // Unsolicited packets to the router itself are dropped before conntrack confirms an entry
    // for them, as a home router's firewall does. Without this, a peer's first connectivity
    // check reaching the router before the client behind it has sent anything leaves a
    // confirmed entry (peer → router:port); the client's own packet to that peer then collides
    // with it and is given another port, so the address it learned from STUN is wrong for that
    // peer, and two cone NATs could not reach each other although both keep their ports.
    run(
      ['ip', 'netns', 'exec', ns, 'nft', '-f', '-'],
      `table ip lab {
  chain postrouting { type nat hook postrouting priority srcnat; policy accept; ${nat}; }
  chain forward { type filter hook forward priority filter; policy accept;
    ${firewall}
  }
  chain input { type filter hook input priority filter; policy accept;
    iifname "wan" ct state new drop
  }
}
`,
    );
  }

  /** A client site of this kind, with its own router (none when open). */
  addSite(name: string, kind: SiteKind): Site {
    const net = ++this.#net;
    const ns = `${this.prefix}-${name}`;
    if (ns.length > 60) throw new Error(`namespace name too long: ${ns}`);
    this.#addNs(ns);
    let site: Site;
    if (kind === 'open') {
      const address = `203.0.113.${100 + net}`;
      this.#plugIntoPublic(ns, 'eth0', address);
      site = { name, kind, ns, address, publicAddress: address };
    } else {
      const router = `${ns}-r`;
      const wan = `203.0.113.${10 + net}`;
      this.#router(router, kind, net, '198.18', wan);
      const address = `198.18.${net}.2`;
      ipBatch([
        `-n ${router} link add lan type veth peer name eth0 netns ${ns}`,
        `-n ${router} addr add 198.18.${net}.1/24 dev lan`,
        `-n ${router} link set lan up`,
        `-n ${ns} addr add ${address}/24 dev eth0`,
        `-n ${ns} link set eth0 up`,
        `-n ${ns} route add default via 198.18.${net}.1`,
      ]);
      site = { name, kind, ns, address, publicAddress: wan, router };
    }
    this.sites.set(name, site);
    return site;
  }

  /**
   * A client with two cone NAT routers: on the first (eth0, 198.18.n.2) now, its second link
   * (eth1, behind another public address) down and without an address until `moveMobile` joins
   * it (198.19.n.2).
   */
  addMobile(name: string): Mobile {
    const site = this.addSite(name, 'cone');
    const net = this.#net;
    const router2 = `${site.ns}-r2`;
    const wan2 = `203.0.113.${50 + net}`;
    this.#router(router2, 'cone', net, '198.19', wan2);
    ipBatch([
      `-n ${router2} link add lan type veth peer name eth1 netns ${site.ns}`,
      `-n ${router2} addr add 198.19.${net}.1/24 dev lan`,
      `-n ${router2} link set lan up`,
    ]);
    const mobile: Mobile = {
      ...site,
      second: { address: `198.19.${net}.2`, publicAddress: wan2, router: router2 },
      on: 0,
      joins: 0,
    };
    this.sites.set(name, mobile);
    return mobile;
  }

  /**
   * The network change, in two steps as on a phone leaving Wi-Fi for mobile data: `leave` takes
   * the current link down and its address away (the device is offline), `join` gives the other
   * link its address (as DHCP would) and makes it the default route: a new LAN address behind
   * another NAT, a new public address. Called again, it moves the device back.
   */
  moveMobile(site: Mobile, step: 'leave' | 'join'): void {
    const devs = ['eth0', 'eth1'] as const;
    const lans = [site.address, site.second.address].map((a) => a.replace(/\.\d+$/, ''));
    if (step === 'leave')
      ipBatch([
        `-n ${site.ns} link set ${devs[site.on]} down`,
        `-n ${site.ns} addr flush dev ${devs[site.on]}`,
      ]);
    else {
      const to = site.on === 0 ? 1 : 0;
      // Each join a new address, never one Chromium may still remember from an earlier stay.
      site.joins += 1;
      ipBatch([
        `-n ${site.ns} addr add ${lans[to]}.${10 + site.joins}/24 dev ${devs[to]}`,
        `-n ${site.ns} link set ${devs[to]} up`,
        `-n ${site.ns} route replace default via ${lans[to]}.1`,
      ]);
      site.on = to;
    }
  }

  /** A site's whole network goes away (its uplink down) or comes back. */
  setOutage(site: Site, down: boolean): void {
    const [ns, dev] = site.router ? [site.router, 'wan'] : [site.ns, 'eth0'];
    run(['ip', '-n', ns, 'link', 'set', dev, down ? 'down' : 'up']);
    // A link going down takes its routes with it: the default route comes back with the link.
    if (!down) run(['ip', '-n', ns, 'route', 'replace', 'default', 'via', UPSTREAM_ADDRESS]);
  }

  /** A shell script that runs its arguments as `program` inside `ns` (playwright's executablePath). */
  wrapper(ns: string, program: string): string {
    const path = join(this.dir, `${ns}-${program.replace(/\W/g, '_')}.sh`);
    if (!existsSync(path))
      writeFileSync(path, `#!/bin/sh\nexec ip netns exec ${ns} ${program} "$@"\n`, { mode: 0o755 });
    return path;
  }

  /** Every namespace of this run, each with what still runs in it, removed; idempotent. */
  destroy(): void {
    if (this.#closed) return;
    this.#closed = true;
    process.off('exit', this.#onExit);
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
    for (const ns of this.#made.reverse()) removeNamespace(ns);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The namespaces of this run that exist now. */
  live(): string[] {
    return namespaces().filter((ns) => ns.startsWith(`${this.prefix}-`));
  }
}

import { BlockList, isIP } from 'node:net';

/**
 * The client's IP for rate limits and logs. Behind `hops` trusted proxies each proxy appends
 * the address it saw to `X-Forwarded-For`, so only the last `hops` entries were written by
 * someone we trust: the entry `hops` from the right is the client as our outermost proxy saw
 * it. Everything left of it is whatever the client chose to send, so taking the first entry
 * (as before) let anyone pick their own rate-limit bucket. Anything that is not a plain IP
 * address falls back to the socket's peer address.
 */
export function clientIp(
  forwarded: string | undefined,
  remote: () => string,
  trust: number | readonly string[],
): string {
  if (typeof trust !== 'number') return byAddress(forwarded, remote, trust);
  const hops = trust;
  if (hops <= 0 || !forwarded) return remote();
  const entries = forwarded.split(',');
  // Fewer entries than hops: the request came through fewer proxies than configured; the
  // leftmost entry is then still one a trusted proxy wrote.
  const candidate = entries[Math.max(0, entries.length - hops)]!.trim();
  return candidate.length <= 45 && isIP(candidate) !== 0 ? candidate : remote();
}

const lists = new WeakMap<readonly string[], BlockList>();

/** The proxies of TRUST_PROXY=<addresses> as a BlockList (IPv4-mapped IPv6 peers match IPv4 ranges). */
function trustedList(entries: readonly string[]): BlockList {
  let list = lists.get(entries);
  if (!list) {
    list = new BlockList();
    for (const entry of entries) {
      const [address = '', prefix] = entry.split('/');
      const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) list.addAddress(address, type);
      else list.addSubnet(address, Number(prefix), type);
    }
    lists.set(entries, list);
  }
  return list;
}

function trusted(list: BlockList, address: string): boolean {
  const family = address.length <= 45 ? isIP(address) : 0;
  return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * TRUST_PROXY as the proxies' addresses: a request is only believed to come through a proxy
 * when the socket peer is one of them; then X-Forwarded-For is read from the right, skipping
 * entries that are trusted proxies themselves (a chain of them), and the first other entry is
 * the client. Entries left of it are whatever the client sent. If every entry is a trusted
 * proxy, the left-most one is the best we know.
 */
function byAddress(forwarded: string | undefined, remote: () => string, entries: readonly string[]): string {
  const peer = remote();
  const list = trustedList(entries);
  if (!forwarded || !trusted(list, peer)) return peer;
  const hops = forwarded.split(',').map((e) => e.trim());
  for (let i = hops.length - 1; i >= 0; i--) {
    const entry = hops[i]!;
    if (i > 0 && trusted(list, entry)) continue;
    return entry.length <= 45 && isIP(entry) !== 0 ? entry : peer;
  }
  return peer;
}

import { isIP } from 'node:net';

/**
 * The client's IP for rate limits and logs. Behind `hops` trusted proxies each proxy appends
 * the address it saw to `X-Forwarded-For`, so only the last `hops` entries were written by
 * someone we trust: the entry `hops` from the right is the client as our outermost proxy saw
 * it. Everything left of it is whatever the client chose to send, so taking the first entry
 * (as before) let anyone pick their own rate-limit bucket. Anything that is not a plain IP
 * address falls back to the socket's peer address.
 */
export function clientIp(forwarded: string | undefined, remote: () => string, hops: number): string {
  if (hops <= 0 || !forwarded) return remote();
  const entries = forwarded.split(',');
  // Fewer entries than hops: the request came through fewer proxies than configured; the
  // leftmost entry is then still one a trusted proxy wrote.
  const candidate = entries[Math.max(0, entries.length - hops)]!.trim();
  return candidate.length <= 45 && isIP(candidate) !== 0 ? candidate : remote();
}

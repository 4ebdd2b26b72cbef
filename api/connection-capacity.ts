import { readFileSync } from 'node:fs';

/**
 * Sockets this process may hold: its open-file limit less headroom for HTTP requests, the
 * database pool and its own files. Past the limit uWS cannot accept at all: it retries the
 * accept in a busy loop and nothing (health checks included) gets through until sockets close.
 */
export function connectionCapacity(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const limit = Number(line?.split(/\s+/)[3]);
    if (Number.isFinite(limit))
      return Math.max(1, limit - Math.max(64, Math.min(1024, Math.ceil(limit / 20))));
  } catch {
    // not Linux: no limit known
  }
  return Number.POSITIVE_INFINITY;
}

import { setTimeout as sleep } from 'node:timers/promises';
import { isConnectionFailure } from '../events/store/postgres/failures.ts';
import type { Logger } from './logger.ts';

export interface StartRetryOptions {
  logger: Logger;
  /** Which failures are worth waiting out (default: the database is unreachable or starting). */
  retryable?: (error: unknown) => boolean;
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Aborting (SIGTERM while waiting) stops retrying: the promise rejects with the reason. */
  signal?: AbortSignal;
}

/**
 * Runs `start` until it succeeds, waiting out a database that is down, restarting or still
 * recovering (capped exponential backoff, each attempt logged), so that a server started
 * alongside its PostgreSQL (docker compose, a reboot) comes up when the database does rather
 * than exiting at once. Other failures (bad credentials, a damaged schema) are thrown.
 */
export async function startWithRetry<T>(start: () => Promise<T>, options: StartRetryOptions): Promise<T> {
  const retryable = options.retryable ?? isConnectionFailure;
  const first = options.firstDelayMs ?? 250;
  const max = options.maxDelayMs ?? 10_000;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await start();
    } catch (error) {
      if (!retryable(error)) throw error;
      const delay = Math.min(max, first * 2 ** (attempt - 1));
      options.logger.warn(
        { err: error, attempt, retryInMs: delay },
        `database unavailable at start-up (${(error as Error).message}): retrying in ${delay} ms`,
      );
      await sleep(delay, undefined, options.signal ? { signal: options.signal } : {});
    }
  }
}
